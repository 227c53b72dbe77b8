import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { relayEnv, runCli, startRelayProcess, tempDir, waitFor, type RelayProcess } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import { startUpstream, useUpstream, type ReceivedRequest, type Upstream } from '../helpers/upstream.js';
import { allowAcme, errorEvent, metricsText, metricValue, postJson, waitForDelivery } from './support.js';

let pki: TestPki;
let upstream: Upstream;
let relay: RelayProcess | undefined;

useUpstream((made) => ({ pki, upstream } = made));
afterEach(async () => {
  if (relay) {
    relay.child.kill('SIGKILL');
    await relay.exited;
    relay = undefined;
  }
});

/** Arrival time of every request at the upstream, in ms. */
function recordArrivals(answer: (request: ReceivedRequest, index: number) => { status: number; headers?: Record<string, string> }): number[] {
  const arrivals: number[] = [];
  upstream.respond = (request) => {
    arrivals.push(performance.now());
    return answer(request, arrivals.length - 1);
  };
  return arrivals;
}

async function start(extra: Record<string, string> = {}, endpoint = `${upstream.url}/ingest`): Promise<{ relay: RelayProcess; dbPath: string }> {
  const dbPath = join(tempDir('relay-outage-'), 'relay.db');
  await allowAcme(dbPath);
  relay = await startRelayProcess(relayEnv(dbPath, endpoint, pki, extra));
  return { relay, dbPath };
}

function gaps(times: number[]): number[] {
  return times.slice(1).map((time, i) => time - times[i]!);
}

describe('retries and backoff', () => {
  it('backs off exponentially with jitter, capped at RELAY_MAX_BACKOFF', async () => {
    const arrivals = recordArrivals(() => ({ status: 503 }));
    const { relay } = await start({ RELAY_MAX_BACKOFF: '4' });
    expect((await postJson(`${relay.url}/v1/errors`, errorEvent('backoff-1'))).status).toBe(202);
    await waitFor(() => arrivals.length >= 6, 20_000, 'six attempts');
    const observed = gaps(arrivals).slice(0, 5);
    // Base 1 s doubling, equal jitter: attempt n waits in [d/2, d] with d = min(2^(n-1) s, cap).
    const ceilings = [1000, 2000, 4000, 4000, 4000];
    observed.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(ceilings[i]! / 2 - 50);
      expect(gap).toBeLessThanOrEqual(ceilings[i]! + 250);
    });
    // Jitter: the waits are not the bare powers of two.
    expect(observed.some((gap, i) => Math.abs(gap - ceilings[i]!) > 40)).toBe(true);
  }, 40_000);

  it('honours Retry-After in seconds', async () => {
    const arrivals = recordArrivals((_request, index) => (index === 0 ? { status: 503, headers: { 'retry-after': '3' } } : { status: 200 }));
    const { relay } = await start({ RELAY_MAX_BACKOFF: '30' });
    expect((await postJson(`${relay.url}/v1/errors`, errorEvent('retry-after-seconds'))).status).toBe(202);
    await waitForDelivery(upstream, ['retry-after-seconds'], 10_000);
    // Without the header the jittered backoff would retry after 0.5-1 s.
    expect(gaps(arrivals)[0]).toBeGreaterThanOrEqual(2950);
  }, 20_000);

  it('honours Retry-After as an HTTP-date', async () => {
    const arrivals = recordArrivals((_request, index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': new Date(Date.now() + 4000).toUTCString() } } : { status: 200 },
    );
    const { relay } = await start({ RELAY_MAX_BACKOFF: '30' });
    expect((await postJson(`${relay.url}/v1/errors`, errorEvent('retry-after-date'))).status).toBe(202);
    await waitForDelivery(upstream, ['retry-after-date'], 10_000);
    // The date has whole-second resolution, so up to 1 s of the 4 s can be lost to rounding.
    expect(gaps(arrivals)[0]).toBeGreaterThanOrEqual(2500);
  }, 20_000);

  it('retries 408, 429 and 5xx with the same events until delivered, gzip-compressed each time', async () => {
    const sequence = [408, 429, 500, 502, 503, 504];
    recordArrivals((_request, index) => ({ status: sequence[index] ?? 200 }));
    const { relay, dbPath } = await start();
    expect((await postJson(`${relay.url}/v1/errors`, [errorEvent('retried-1'), errorEvent('retried-2')])).status).toBe(202);
    await waitForDelivery(upstream, ['retried-1', 'retried-2'], 15_000);
    expect(upstream.all).toHaveLength(sequence.length + 1);
    for (const request of upstream.all) {
      expect(request.headers['content-encoding']).toBe('gzip');
      const body = JSON.parse(gunzipSync(request.raw).toString('utf8')) as { events: { event_id: string }[] };
      expect(body.events.map((event) => event.event_id)).toEqual(['retried-1', 'retried-2']);
    }
    const deadLetters = await runCli(['dead-letters', 'list'], { env: { RELAY_DB_PATH: dbPath } });
    expect(JSON.parse(deadLetters.stdout)).toEqual([]);
  }, 30_000);
});

describe('permanent refusals and redirects', () => {
  it('moves events refused with a 4xx to dead letters, and delivers them after a CLI replay', async () => {
    upstream.respond = () => ({ status: 400 });
    const { relay, dbPath } = await start();
    expect((await postJson(`${relay.url}/v1/errors`, [errorEvent('dead-1'), errorEvent('dead-2')])).status).toBe(202);
    const env = { RELAY_DB_PATH: dbPath };
    let listed: { event_id: string; reason: string }[] = [];
    await waitFor(
      async () => {
        listed = JSON.parse((await runCli(['dead-letters', 'list'], { env })).stdout) as typeof listed;
        return listed.length === 2;
      },
      10_000,
      'two dead letters',
    );
    expect(listed.map((row) => [row.event_id, row.reason]).sort()).toEqual([
      ['dead-1', 'http_400'],
      ['dead-2', 'http_400'],
    ]);
    expect(upstream.all).toHaveLength(1);
    expect(metricValue(await metricsText(relay.url), 'relay_events_dropped_total', { reason: 'dead_letter' })).toBe(2);

    upstream.respond = () => ({ status: 200 });
    const replay = await runCli(['dead-letters', 'replay'], { env });
    expect(JSON.parse(replay.stdout)).toEqual({ replayed: 2 });
    // The running relay picks up rows another process wrote (idle poll).
    await waitForDelivery(upstream, ['dead-1', 'dead-2'], 10_000);
  }, 30_000);

  it('never follows a redirect: the target receives nothing and the events become dead letters', async () => {
    const target = await startUpstream(pki);
    try {
      upstream.respond = () => ({ status: 302, headers: { location: `${target.url}/stolen` } });
      const { relay, dbPath } = await start();
      expect((await postJson(`${relay.url}/v1/errors`, errorEvent('redirected'))).status).toBe(202);
      const deadLetters = async () => (JSON.parse((await runCli(['dead-letters', 'list'], { env: { RELAY_DB_PATH: dbPath } })).stdout) as unknown[]).length;
      await waitFor(async () => (await deadLetters()) === 1, 10_000, 'dead letter');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(target.all).toHaveLength(0);
      expect(upstream.all).toHaveLength(1);
    } finally {
      await target.close();
    }
  }, 30_000);
});

describe('an outage fills the buffer only up to RELAY_MAX_BUFFER_BYTES', () => {
  const limit = 40_000;

  async function fillDuringOutage(relay: RelayProcess, requests: number): Promise<{ acknowledged: string[][]; statuses: number[]; retryAfter: (string | null)[] }> {
    const acknowledged: string[][] = [];
    const statuses: number[] = [];
    const retryAfter: (string | null)[] = [];
    for (let seq = 0; seq < requests; seq += 1) {
      const ids = Array.from({ length: 10 }, (_, i) => `fill-${seq}-${i}`);
      const response = await postJson(`${relay.url}/v1/errors`, ids.map(errorEvent));
      statuses.push(response.status);
      if (response.status === 202) acknowledged.push(ids);
      else retryAfter.push(response.headers.get('retry-after'));
    }
    return { acknowledged, statuses, retryAfter };
  }

  it('answers 503 with Retry-After once full (RELAY_WHEN_FULL=reject), and delivers what it took', async () => {
    upstream.respond = () => ({ status: 503 });
    const { relay } = await start({ RELAY_MAX_BUFFER_BYTES: String(limit), RELAY_WHEN_FULL: 'reject' });
    const fill = await fillDuringOutage(relay, 40);
    expect(new Set(fill.statuses)).toEqual(new Set([202, 503]));
    expect(fill.retryAfter.every((value) => value !== null && Number(value) > 0)).toBe(true);
    const metrics = await metricsText(relay.url);
    expect(metricValue(metrics, 'relay_outbox_bytes')).toBeLessThanOrEqual(limit);
    expect(metricValue(metrics, 'relay_requests_rejected_total', { status: '503', code: 'buffer_full' })).toBeGreaterThan(0);

    upstream.respond = () => ({ status: 200 });
    await waitForDelivery(upstream, fill.acknowledged.flat(), 15_000);
  }, 30_000);

  it('evicts the oldest events, counted, and keeps accepting (RELAY_WHEN_FULL=drop_oldest)', async () => {
    upstream.respond = () => ({ status: 503 });
    const { relay } = await start({ RELAY_MAX_BUFFER_BYTES: String(limit), RELAY_WHEN_FULL: 'drop_oldest' });
    const fill = await fillDuringOutage(relay, 40);
    expect(new Set(fill.statuses)).toEqual(new Set([202]));
    const metrics = await metricsText(relay.url);
    const evicted = metricValue(metrics, 'relay_events_dropped_total', { reason: 'evicted' }) ?? 0;
    expect(evicted).toBeGreaterThan(0);
    expect(metricValue(metrics, 'relay_outbox_bytes')).toBeLessThanOrEqual(limit);

    upstream.respond = () => ({ status: 200 });
    const newest = fill.acknowledged.slice(-5).flat();
    await waitForDelivery(upstream, newest, 15_000);
    await waitFor(async () => metricValue(await metricsText(relay.url), 'relay_outbox_events') === 0, 10_000, 'outbox drained');
    const delivered = new Set(upstream.events().map((event) => event['event_id']));
    expect(delivered.has('fill-0-0')).toBe(false);
    expect(400 - delivered.size).toBe(evicted);
  }, 30_000);
});
