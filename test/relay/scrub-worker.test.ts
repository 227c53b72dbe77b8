import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RunningRelay } from '../../relay/server.js';
import { findPlanted, plantedErrorEvent, plantedScanEvent } from '../helpers/fixtures.js';
import { setConsent, useTestRelays } from '../helpers/in-process-relay.js';
import { waitFor } from '../helpers/relay-process.js';
import type { Upstream } from '../helpers/upstream.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => (upstream = made.upstream));

async function start(env: Record<string, string>): Promise<RunningRelay> {
  const relay = await startRelay({ RELAY_BATCH_SIZE: '1000', ...env });
  await setConsent(relay, 'acme', true, true);
  return relay;
}

function post(relay: RunningRelay, path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${relay.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

/** A batch of distinct planted events, with stable ids so two relays' outputs can be compared. */
function batch(size: number, prefix: string): Record<string, unknown>[] {
  return Array.from({ length: size }, (_, i) => plantedErrorEvent({ event_id: `${prefix}-${i}`, extra: { attempt: i, note: `retry ${i} for shop-${i % 7}` } }));
}

describe('the scrub worker (large bodies scrubbed on a second thread)', () => {
  it('forwards exactly what in-line scrubbing forwards, with no planted value', async () => {
    const events = batch(60, 'evt');
    const body = JSON.stringify(events);
    const outputs: string[] = [];
    for (const env of [{ RELAY_SCRUB_WORKER_MIN_BYTES: '0' }, { RELAY_SCRUB_WORKER: 'false' }] as Record<string, string>[]) {
      upstream.reset();
      const relay = await start(env);
      const response = await post(relay, '/v1/errors', body);
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ accepted: 60, dropped: {} });
      await waitFor(() => upstream.events().length === 60);
      const received = upstream.events().sort((a, b) => String(a['event_id']).localeCompare(String(b['event_id'])));
      outputs.push(JSON.stringify(received));
      const viaWorker = (await relay.metrics.scrubWorkerRequests.get()).values[0]?.value ?? 0;
      expect(viaWorker).toBe(env.RELAY_SCRUB_WORKER === 'false' ? 0 : 1);
      await relay.close();
    }
    expect(outputs[0]).toBe(outputs[1]);
    expect(findPlanted(outputs[0]!)).toEqual([]);
    expect(outputs[0]).toContain('"_meta"');
  });

  it('refuses a large batch with one malformed event, naming its index, and keeps none of it', async () => {
    const relay = await start({ RELAY_SCRUB_WORKER_MIN_BYTES: '0' });
    const events: unknown[] = batch(40, 'bad');
    events[17] = { ...plantedErrorEvent(), level: 42 };
    const response = await post(relay, '/v1/errors', JSON.stringify(events));
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; message: string; details: { index: number; field: string } };
    expect(answer).toMatchObject({ error: 'invalid_event', details: { index: 17, field: 'level' } });
    expect(findPlanted(JSON.stringify(answer))).toEqual([]);
    expect(relay.stores.outbox.size().events).toBe(0);
  });

  it('answers the worker path with the same 400, 413 and 415 as in line', async () => {
    const relay = await start({ RELAY_SCRUB_WORKER_MIN_BYTES: '0', RELAY_MAX_BODY_BYTES: '65536' });
    expect((await post(relay, '/v1/errors', '{"level": ')).status).toBe(400);
    const bomb = gzipSync(Buffer.from(`[${' '.repeat(200_000)}]`));
    expect((await post(relay, '/v1/errors', bomb, { 'content-encoding': 'gzip' })).status).toBe(413);
    expect((await post(relay, '/v1/errors', 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    const scans = [plantedScanEvent({ event_id: 'scan-1' }), plantedScanEvent({ event_id: 'scan-2' })];
    const response = await post(relay, '/v1/scans', JSON.stringify(scans));
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 2, event_ids: ['scan-1', 'scan-2'] });
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toMatch(/relay_events_received_total\{kind="scan"\} 2/);
  });
});
