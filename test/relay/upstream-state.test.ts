import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../relay/observe/logger.js';
import { plantedErrorEvent, plantedScanEvent } from '../helpers/fixtures.js';
import { postAccepted, setConsent, useTestRelays } from '../helpers/in-process-relay.js';
import { waitFor } from '../helpers/relay-process.js';
import type { Upstream, UpstreamAnswer } from '../helpers/upstream.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => ({ upstream } = made));

interface LogEntry {
  msg: string;
  destination?: string;
  [field: string]: unknown;
}

function capture(): { entries: LogEntry[]; stream: Writable } {
  const entries: LogEntry[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) entries.push(JSON.parse(line) as LogEntry);
      done();
    },
  });
  return { entries, stream };
}

describe('upstream state in the log', () => {
  it('logs one line when a destination starts failing, one per failed round, and one when it recovers', async () => {
    // Two rounds answered 503, one never answered (a timeout: no HTTP status), then 200.
    const script: UpstreamAnswer[] = [{ status: 503 }, { status: 503 }, { status: 200, hang: true }];
    upstream.respond = (request) => (request.path === '/ingest' ? (script.shift() ?? { status: 200 }) : { status: 200 });
    const { entries, stream } = capture();
    const relay = await startRelay(
      { RELAY_SEND_TIMEOUT: '1', RELAY_SEND_CONCURRENCY: '1' },
      { logger: createLogger('info', stream), random: () => 0.5, retryBaseMs: 100 },
    );
    await setConsent(relay, 'acme', true);
    await postAccepted(relay, '/v1/errors', [plantedErrorEvent({ event_id: 'outage-1' }), plantedErrorEvent({ event_id: 'outage-2' })]);
    await waitFor(() => entries.some((entry) => entry.msg === 'upstream recovered'), 10_000, 'the recovery line');
    const diagnostics = entries.filter((entry) => entry.destination === 'diagnostics');
    expect(diagnostics.map((entry) => entry.msg)).toEqual([
      'upstream failing',
      'upstream unavailable; will retry',
      'upstream unavailable; will retry',
      'upstream unavailable; will retry',
      'upstream recovered',
    ]);
    const rounds = diagnostics.filter((entry) => entry.msg === 'upstream unavailable; will retry');
    expect(rounds.map(({ failures, statuses }) => ({ failures, statuses }))).toEqual([
      { failures: 1, statuses: [503] },
      { failures: 2, statuses: [503] },
      { failures: 3, statuses: [null] },
    ]);
    // The timed-out request says why in the round's line, not in a second line of its own.
    expect(rounds[2]).toMatchObject({ errors: ['UND_ERR_ABORTED'] });
    const recovered = diagnostics.at(-1)!;
    expect(recovered).toMatchObject({ failedRounds: 3, backlog: 0 });
    // Three backoffs (75 + 150 + 300 ms with random() = 0.5) and a one-second timeout at least.
    expect(recovered['outageMs']).toBeGreaterThanOrEqual(1_500);
    expect(entries.filter((entry) => entry.msg === 'upstream failing')).toHaveLength(1);
  }, 20_000);

  it('reports the events still queued when the upstream recovers', async () => {
    // Single-event requests: the first round delivers one event while the others still wait.
    const script: UpstreamAnswer[] = [{ status: 503 }];
    upstream.respond = (request) => (request.path === '/v2/telemetry' ? (script.shift() ?? { status: 200 }) : { status: 200 });
    const { entries, stream } = capture();
    const relay = await startRelay(
      { RELAY_SEND_CONCURRENCY: '1', RELAY_BATCH_SIZE: '1' },
      { logger: createLogger('info', stream), random: () => 0.5, retryBaseMs: 100 },
    );
    await setConsent(relay, 'acme', true);
    await postAccepted(relay, '/v1/scans', [1, 2, 3].map((i) => plantedScanEvent({ event_id: `backlog-${i}` })));
    await waitFor(() => entries.some((entry) => entry.msg === 'upstream recovered'), 10_000, 'the recovery line');
    const recovered = entries.find((entry) => entry.msg === 'upstream recovered')!;
    expect(recovered).toMatchObject({ destination: 'lakera', failedRounds: 1, backlog: 2 });
  }, 20_000);
});
