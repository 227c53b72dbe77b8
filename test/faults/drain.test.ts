import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { relayEnv, runCli, startRelayProcess, tempDir, waitFor, type RelayProcess } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import { startUpstream, useUpstream, type Upstream } from '../helpers/upstream.js';
import { allowAcme, deliveredCounts, errorEvent, postJson } from './support.js';

let pki: TestPki;
let upstream: Upstream;
const started: RelayProcess[] = [];
const extraUpstreams: Upstream[] = [];

useUpstream((made) => ({ pki, upstream } = made));
afterEach(async () => {
  for (const relay of started.splice(0)) {
    if (relay.child.exitCode === null && relay.child.signalCode === null) relay.child.kill('SIGKILL');
    await relay.exited;
  }
  await Promise.all(extraUpstreams.splice(0).map((extra) => extra.close()));
});

interface LogLine {
  level: number;
  msg: string;
  eventsLeft?: number;
  byDestination?: Record<string, { events: number; reason: string }>;
  signal?: string;
}

function logLines(relay: RelayProcess): LogLine[] {
  return relay
    .logs()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

function stoppedLine(relay: RelayProcess): LogLine {
  const line = logLines(relay).find((entry) => entry.msg.startsWith('scrub-relay stopped'));
  if (line === undefined) throw new Error(`no "stopped" log line:\n${relay.logs()}`);
  return line;
}

/** A port with nothing listening on it, and a function that brings an upstream up there. */
async function downUpstream(): Promise<{ endpoint: string; bringUp: () => Promise<Upstream> }> {
  const probe = await startUpstream(pki);
  const port = probe.port;
  await probe.close();
  return {
    endpoint: `https://127.0.0.1:${port}/ingest`,
    bringUp: async () => {
      const up = await startUpstream(pki, { port });
      extraUpstreams.push(up);
      return up;
    },
  };
}

async function start(endpoint: string, extra: Record<string, string> = {}, dbPath = join(tempDir('relay-drain-'), 'relay.db')): Promise<{ relay: RelayProcess; dbPath: string }> {
  await allowAcme(dbPath);
  const relay = await startRelayProcess(relayEnv(dbPath, endpoint, pki, extra));
  started.push(relay);
  return { relay, dbPath };
}

/** Posts `count` error traces in requests of 100; returns the ids acknowledged with 202. */
async function queue(relay: RelayProcess, prefix: string, count: number): Promise<string[]> {
  const acknowledged: string[] = [];
  for (let offset = 0; offset < count; offset += 100) {
    const ids = Array.from({ length: Math.min(100, count - offset) }, (_, i) => `${prefix}-${offset + i}`);
    const response = await postJson(`${relay.url}/v1/errors`, ids.map(errorEvent));
    if (response.status === 202) acknowledged.push(...ids);
  }
  return acknowledged;
}

async function outboxEvents(dbPath: string): Promise<number> {
  const stats = await runCli(['outbox', 'stats'], { env: { RELAY_DB_PATH: dbPath } });
  return (JSON.parse(stats.stdout) as { events: number }).events;
}

/** Sends SIGTERM and resolves with the exit and how long it took, in ms. */
async function terminate(relay: RelayProcess): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  relay.child.kill('SIGTERM');
  const { code } = await relay.exited;
  return { code, ms: Date.now() - t0 };
}

describe('drain on SIGTERM (the real CLI)', () => {
  it('delivers a backlog of 1,000 events queued during an outage before it exits, once the upstream is back', async () => {
    const { endpoint, bringUp } = await downUpstream();
    // A long backoff: the relay is waiting out the outage when SIGTERM comes, and must try again at once.
    const { relay, dbPath } = await start(endpoint, { RELAY_MAX_BACKOFF: '300', RELAY_SHUTDOWN_TIMEOUT: '20' });
    const ids = await queue(relay, 'backlog', 1000);
    expect(ids).toHaveLength(1000);
    const up = await bringUp();

    const { code, ms } = await terminate(relay);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(20_000);
    const counts = deliveredCounts(up);
    expect(ids.filter((id) => !counts.has(id))).toEqual([]);
    expect(stoppedLine(relay)).toMatchObject({ msg: 'scrub-relay stopped; outbox drained', eventsLeft: 0 });
    expect(await outboxEvents(dbPath)).toBe(0);
    const draining = logLines(relay).find((entry) => entry.msg === 'SIGTERM received, draining');
    expect(draining).toMatchObject({ signal: 'SIGTERM' });
    expect(relay.logs()).not.toMatch(/^scrub-relay: SIGTERM/m);
  }, 60_000);

  it('exits within RELAY_SHUTDOWN_TIMEOUT + 1 s while the upstream stays down, logging the exact count left', async () => {
    const { endpoint } = await downUpstream();
    const { relay, dbPath } = await start(endpoint, { RELAY_SHUTDOWN_TIMEOUT: '2' });
    const ids = await queue(relay, 'down', 1000);
    expect(ids).toHaveLength(1000);

    const { code, ms } = await terminate(relay);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(3_000);
    expect(stoppedLine(relay)).toMatchObject({
      msg: 'scrub-relay stopped; events left in the outbox',
      eventsLeft: 1000,
      byDestination: { diagnostics: { events: 1000, reason: 'deadline' } },
    });
    expect(await outboxEvents(dbPath)).toBe(1000);
  }, 60_000);

  it.each([
    ['with the scrub worker', 'true'],
    ['without the scrub worker', 'false'],
  ])('exits on time %s when the Lakera upstream accepts and never answers more requests than RELAY_SEND_CONCURRENCY', async (_name, worker) => {
    upstream.respond = () => ({ status: 200, hang: true });
    const { relay, dbPath } = await start(`${upstream.url}/ingest`, {
      RELAY_SHUTDOWN_TIMEOUT: '2',
      RELAY_SCRUB_WORKER: worker,
      RELAY_SEND_CONCURRENCY: '2',
      LAKERA_API_KEY: 'lakera-key',
      LAKERA_TELEMETRY_ENDPOINT: `${upstream.url}/v2/telemetry`,
    });
    const scans = Array.from({ length: 12 }, (_, i) => ({
      event_id: `hang-${i}`,
      timestamp: '2026-11-23T10:00:01.000Z',
      event_type: 'scan',
      context: { type: 'chat', source: 'bot' },
      scan_result: { flagged: false, categories: [], scores: {}, threat_level: 'none' },
    }));
    expect((await postJson(`${relay.url}/v1/scans`, scans)).status).toBe(202);
    await waitFor(() => upstream.arrivals.length >= 2, 10_000, 'Lakera requests hanging');

    const { code, ms } = await terminate(relay);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(3_000);
    expect(stoppedLine(relay)).toMatchObject({ eventsLeft: 12, byDestination: { lakera: { events: 12, reason: 'deadline' } } });
    expect(await outboxEvents(dbPath)).toBe(12);
  }, 30_000);

  it('keeps its deadline when a second SIGTERM arrives during the drain', async () => {
    const { endpoint } = await downUpstream();
    const { relay, dbPath } = await start(endpoint, { RELAY_SHUTDOWN_TIMEOUT: '2' });
    expect(await queue(relay, 'twice', 200)).toHaveLength(200);
    const t0 = Date.now();
    relay.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    relay.child.kill('SIGTERM');
    const { code } = await relay.exited;
    expect(code).toBe(0);
    // Neither shortened nor extended: the drain ran to its deadline.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_900);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(logLines(relay).filter((entry) => entry.signal === 'SIGTERM').map((entry) => entry.msg)).toEqual([
      'SIGTERM received, draining',
      'SIGTERM received again; the drain keeps its deadline',
    ]);
    expect(stoppedLine(relay)).toMatchObject({ eventsLeft: 200 });
    expect(await outboxEvents(dbPath)).toBe(200);
  }, 30_000);

  it('refuses intake with 503 and Retry-After while it drains, fails /readyz, and still answers /healthz and /metrics', async () => {
    const { endpoint } = await downUpstream();
    const { relay } = await start(endpoint, { RELAY_SHUTDOWN_TIMEOUT: '4' });
    expect(await queue(relay, 'intake', 10)).toHaveLength(10);
    relay.child.kill('SIGTERM');
    await waitFor(() => logLines(relay).some((entry) => entry.msg === 'SIGTERM received, draining'), 3_000, 'the drain under way');
    const refused = await postJson(`${relay.url}/v1/errors`, [errorEvent('late-1')]);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    const ready = await fetch(`${relay.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks['intake']).toBe('shutting down');
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${relay.url}/metrics`)).status).toBe(200);
    expect((await relay.exited).code).toBe(0);
    expect(stoppedLine(relay)).toMatchObject({ eventsLeft: 10 });
  }, 30_000);

  it('delivers every event acknowledged during a burst that SIGTERM interrupts, and refuses the rest with 503 or a closed port', async () => {
    upstream.respond = () => ({ status: 200, delayMs: 50 });
    const { relay, dbPath } = await start(`${upstream.url}/ingest`, { RELAY_SHUTDOWN_TIMEOUT: '20' });
    const acknowledged: string[] = [];
    const statuses = new Set<number>();
    let stop = false;
    const burst = (async () => {
      for (let n = 0; !stop; n += 1) {
        const ids = Array.from({ length: 20 }, (_, i) => `burst-${n}-${i}`);
        const response = await postJson(`${relay.url}/v1/errors`, ids.map(errorEvent));
        statuses.add(response.status);
        if (response.status === 202) acknowledged.push(...ids);
        if (response.status === 0) return;
      }
    })();
    await waitFor(() => acknowledged.length >= 400, 15_000, 'a burst under way');
    const { code } = await terminate(relay);
    stop = true;
    await burst;
    expect(code).toBe(0);
    const counts = deliveredCounts(upstream);
    expect(acknowledged.filter((id) => !counts.has(id))).toEqual([]);
    expect([...statuses].filter((status) => ![202, 503, 0].includes(status))).toEqual([]);
    expect(stoppedLine(relay)).toMatchObject({ eventsLeft: 0 });
    expect(await outboxEvents(dbPath)).toBe(0);
  }, 60_000);
});

describe('a rollout: relay A drains while relay B starts on a fresh database', () => {
  it('delivers all of A\'s backlog before A exits when the upstream comes back during the drain, while B takes new events', async () => {
    const { endpoint, bringUp } = await downUpstream();
    const a = await start(endpoint, { RELAY_SHUTDOWN_TIMEOUT: '20' });
    const backlog = await queue(a.relay, 'a', 500);
    expect(backlog).toHaveLength(500);
    const b = await start(endpoint);

    const t0 = Date.now();
    a.relay.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const up = await bringUp();
    const fresh = await queue(b.relay, 'b', 100);
    expect(fresh).toHaveLength(100);
    const { code } = await a.relay.exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(20_000);
    const counts = deliveredCounts(up);
    expect(backlog.filter((id) => !counts.has(id))).toEqual([]);
    expect(stoppedLine(a.relay)).toMatchObject({ eventsLeft: 0 });
    await waitFor(() => fresh.every((id) => deliveredCounts(up).has(id)), 15_000, 'B delivering');
  }, 60_000);

  it('exits on time and reports the exact count it leaves behind when the upstream stays down', async () => {
    const { endpoint } = await downUpstream();
    const a = await start(endpoint, { RELAY_SHUTDOWN_TIMEOUT: '2' });
    expect(await queue(a.relay, 'a', 500)).toHaveLength(500);
    const b = await start(endpoint);
    expect(await queue(b.relay, 'b', 100)).toHaveLength(100);

    const { code, ms } = await terminate(a.relay);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(3_000);
    expect(stoppedLine(a.relay)).toMatchObject({ eventsLeft: 500, byDestination: { diagnostics: { events: 500, reason: 'deadline' } } });
    expect(await outboxEvents(a.dbPath)).toBe(500);
    // What an emptyDir rollout loses is exactly that count: B's database holds only its own.
    expect(await outboxEvents(b.dbPath)).toBe(100);
  }, 60_000);
});
