import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../relay/observe/logger.js';
import { plantedErrorEvent, plantedScanEvent } from '../helpers/fixtures.js';
import { postAccepted, setConsent, startTestRelay, useTestRelays } from '../helpers/in-process-relay.js';
import { waitFor } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import { eventIds, receivedEventIds, type Upstream, type UpstreamAnswer } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: Upstream;
const startRelay = useTestRelays((made) => ({ pki, upstream } = made));

function delivered(path: string): string[] {
  return receivedEventIds(upstream, path);
}

const ids = eventIds;

describe('one send queue per destination', () => {
  it('keeps delivering error traces while the Lakera endpoint accepts and never answers', async () => {
    upstream.respond = (request) => (request.path === '/v2/telemetry' ? { status: 200, hang: true } : { status: 200 });
    const relay = await startRelay({ RELAY_SEND_TIMEOUT: '60', RELAY_BATCH_SIZE: '10' });
    await setConsent(relay, 'acme', true);
    await postAccepted(relay, '/v1/scans', ids('scan', 20).map((id) => plantedScanEvent({ event_id: id })));
    await waitFor(() => upstream.all.filter((request) => request.path === '/v2/telemetry').length >= 1, 5_000, 'Lakera requests hanging');
    const errors = ids('err', 30);
    await postAccepted(relay, '/v1/errors', errors.map((id) => plantedErrorEvent({ event_id: id })));
    await waitFor(() => errors.every((id) => delivered('/ingest').includes(id)), 8_000, 'every error trace delivered');
  }, 20_000);

  it('keeps delivering scan events while the diagnostics endpoint accepts and never answers', async () => {
    upstream.respond = (request) => (request.path === '/ingest' ? { status: 200, hang: true } : { status: 200 });
    const relay = await startRelay({ RELAY_SEND_TIMEOUT: '60', RELAY_BATCH_SIZE: '10' });
    await setConsent(relay, 'acme', true);
    await postAccepted(relay, '/v1/errors', ids('err', 30).map((id) => plantedErrorEvent({ event_id: id })));
    await waitFor(() => upstream.all.some((request) => request.path === '/ingest'), 5_000, 'a diagnostics request hanging');
    const scans = ids('scan', 20);
    await postAccepted(relay, '/v1/scans', scans.map((id) => plantedScanEvent({ event_id: id })));
    await waitFor(() => scans.every((id) => delivered('/v2/telemetry').includes(id)), 8_000, 'every scan event delivered');
  }, 20_000);
});

/** The relay's "will retry" log lines, in order. */
function retryLines(lines: string[]): { failures: number; retryInMs: number; destination: string }[] {
  return lines
    .map((line) => JSON.parse(line) as { msg: string; failures: number; retryInMs: number; destination: string })
    .filter((entry) => entry.msg === 'upstream unavailable; will retry');
}

describe('backoff per destination and per round', () => {
  it('counts one failed round as one failure whatever its size, lets Retry-After win and resets on success', async () => {
    const lines: string[] = [];
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const concurrency = 4;
    // Arrivals come in rounds of `concurrency` requests: no new request starts after a failure, and
    // the next round waits for the whole round before it.
    const script: UpstreamAnswer[] = [
      ...Array<UpstreamAnswer>(concurrency).fill({ status: 503 }),
      ...Array<UpstreamAnswer>(concurrency).fill({ status: 503 }),
      ...Array<UpstreamAnswer>(concurrency).fill({ status: 503, headers: { 'retry-after': '1' } }),
    ];
    upstream.respond = () => script.shift() ?? { status: 200 };
    const relay = await startTestRelay(pki, upstream, { RELAY_SEND_CONCURRENCY: String(concurrency), RELAY_BATCH_SIZE: '10' }, {
      logger: createLogger('info', logs),
      random: () => 0.5,
      retryBaseMs: 200,
    });
    try {
      await setConsent(relay, 'acme', true);
      const first = ids('scan', 10);
      await postAccepted(relay, '/v1/scans', first.map((id) => plantedScanEvent({ event_id: id })));
      await waitFor(() => first.every((id) => delivered('/v2/telemetry').includes(id)), 10_000, 'every scan delivered');
      // Equal jitter with random() = 0.5: three quarters of 200 ms doubled per failed round; the
      // third round's Retry-After (1 s) is longer than its backoff (600 ms) and wins.
      expect(retryLines(lines).map(({ failures, retryInMs }) => ({ failures, retryInMs }))).toEqual([
        { failures: 1, retryInMs: 150 },
        { failures: 2, retryInMs: 300 },
        { failures: 3, retryInMs: 1000 },
      ]);
      const arrivals = upstream.arrivals;
      expect(arrivals[concurrency]! - arrivals[concurrency - 1]!).toBeGreaterThanOrEqual(140);
      expect(arrivals[2 * concurrency]! - arrivals[2 * concurrency - 1]!).toBeGreaterThanOrEqual(290);
      expect(arrivals[3 * concurrency]! - arrivals[3 * concurrency - 1]!).toBeGreaterThanOrEqual(990);

      // After a success, the next failure is the first again.
      script.push(...Array<UpstreamAnswer>(concurrency).fill({ status: 503 }));
      const second = ids('again', 6);
      await postAccepted(relay, '/v1/scans', second.map((id) => plantedScanEvent({ event_id: id })));
      await waitFor(() => second.every((id) => delivered('/v2/telemetry').includes(id)), 10_000, 'the second scans delivered');
      expect(retryLines(lines).slice(3).map(({ failures, retryInMs }) => ({ failures, retryInMs }))).toEqual([{ failures: 1, retryInMs: 150 }]);
    } finally {
      await relay.close();
    }
  }, 30_000);
});

describe('closing the relay', () => {
  it('sets relay_shutdown_events_left to the exact count left in the outbox, by destination and reason', async () => {
    upstream.respond = () => ({ status: 503 });
    const relay = await startTestRelay(pki, upstream, { RELAY_SHUTDOWN_TIMEOUT: '1' });
    await setConsent(relay, 'acme', true);
    await postAccepted(relay, '/v1/errors', ids('left-err', 7).map((id) => plantedErrorEvent({ event_id: id })));
    await postAccepted(relay, '/v1/scans', ids('left-scan', 3).map((id) => plantedScanEvent({ event_id: id })));
    await waitFor(() => upstream.all.length >= 2, 5_000, 'both destinations refused');
    const queued = relay.stores.outbox.totals().byDestination;
    await relay.close();
    const gauge = await relay.metrics.shutdownEventsLeft.get();
    const values = Object.fromEntries(gauge.values.map((value) => [`${value.labels['destination']}/${value.labels['reason']}`, value.value]));
    expect(values).toEqual({ 'diagnostics/deadline': 7, 'lakera/deadline': 3 });
    expect(queued).toEqual({ diagnostics: 7, lakera: 3 });
  }, 15_000);

  it('names why events were left: no destination for them, or the global switch off', async () => {
    upstream.respond = () => ({ status: 503 });
    const first = await startTestRelay(pki, upstream, { RELAY_SHUTDOWN_TIMEOUT: '1' });
    const dbPath = first.stores.db.name;
    await setConsent(first, 'acme', true);
    await postAccepted(first, '/v1/errors', ids('why-err', 2).map((id) => plantedErrorEvent({ event_id: id })));
    await postAccepted(first, '/v1/scans', ids('why-scan', 3).map((id) => plantedScanEvent({ event_id: id })));
    await first.close();

    const reasons = async (env: Record<string, string>) => {
      const relay = await startTestRelay(pki, upstream, { RELAY_DB_PATH: dbPath, RELAY_SHUTDOWN_TIMEOUT: '1', ...env });
      await relay.close();
      const gauge = await relay.metrics.shutdownEventsLeft.get();
      return Object.fromEntries(gauge.values.map((value) => [`${value.labels['destination']}/${value.labels['reason']}`, value.value]));
    };
    expect(await reasons({ LAKERA_API_KEY: '' })).toEqual({ 'diagnostics/deadline': 2, 'lakera/no_destination': 3 });
    expect(await reasons({ TELEMETRY_ENABLED: 'false' })).toEqual({ 'diagnostics/telemetry_disabled': 2, 'lakera/telemetry_disabled': 3 });
  }, 20_000);

  it('drains the outbox before closing when the upstream answers, leaving nothing', async () => {
    upstream.respond = () => ({ status: 200, delayMs: 300 });
    const relay = await startTestRelay(pki, upstream, { RELAY_SHUTDOWN_TIMEOUT: '10', RELAY_BATCH_SIZE: '5' });
    await setConsent(relay, 'acme', true);
    const errors = ids('drain-err', 40);
    await postAccepted(relay, '/v1/errors', errors.map((id) => plantedErrorEvent({ event_id: id })));
    await relay.close();
    expect(errors.filter((id) => !delivered('/ingest').includes(id))).toEqual([]);
    const gauge = await relay.metrics.shutdownEventsLeft.get();
    expect(gauge.values.filter((value) => value.value > 0)).toEqual([]);
  }, 20_000);
});
