import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DROP_REASONS, FORWARD_OUTCOMES, INGEST_REFUSALS, INGEST_ROUTES } from '../../relay/observe/metrics.js';
import type { RunningRelay } from '../../relay/server.js';
import type { DestinationQueue } from '../../relay/storage/outbox.js';
import { openStores } from '../../relay/storage/stores.js';
import { parseExposition, sampleValue, type Family } from '../helpers/exposition.js';
import { plantedErrorEvent, plantedScanEvent, queuedRow } from '../helpers/fixtures.js';
import { postAccepted, setConsent, useTestRelays } from '../helpers/in-process-relay.js';
import { findPromtool, promtool, promtoolMaySkip } from '../helpers/promtool.js';
import { REPO, tempDir, waitFor } from '../helpers/relay-process.js';
import { useTestApps } from '../helpers/test-app.js';
import type { Upstream } from '../helpers/upstream.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => ({ upstream } = made));
const DESTINATIONS = ['diagnostics', 'lakera'];
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

const scrape = async (relay: RunningRelay) => (await fetch(`${relay.url}/metrics`)).text();

/**
 * One scripted session: an error trace whose first send fails (503) and second succeeds, a scan
 * event delivered at once, and one request refused as invalid JSON. Returns the scrape after it.
 */
async function scriptedSession(): Promise<{ text: string; families: Map<string, Family>; before: number; after: number }> {
  let diagnosticsCalls = 0;
  upstream.respond = (request) => (request.path === '/ingest' && ++diagnosticsCalls === 1 ? { status: 503 } : { status: 200 });
  const relay = await startRelay();
  const before = Date.now() / 1000;
  await setConsent(relay, 'acme', true);
  await postAccepted(relay, '/v1/errors', [plantedErrorEvent({ event_id: 'metrics-err-1' })]);
  await postAccepted(relay, '/v1/scans', [plantedScanEvent({ event_id: 'metrics-scan-1' })]);
  const refused = await fetch(`${relay.url}/v1/errors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
  expect(refused.status).toBe(400);
  await waitFor(() => upstream.requests.length === 2, 8_000, 'both events delivered');
  // The delivery is counted once its rows are settled, just after the upstream answered.
  await waitFor(async () => sampleValue(parseExposition(await scrape(relay)), 'relay_outbox_events') === 0, 5_000, 'the outbox empty');
  const text = await scrape(relay);
  return { text, families: parseExposition(text), before, after: Date.now() / 1000 };
}

const labelSets = (family: Family | undefined, name = family?.name) =>
  (family?.samples ?? []).filter((sample) => sample.name === name).map((sample) => JSON.stringify(sample.labels));

describe('/metrics after a scripted session', () => {
  it('follows the Prometheus naming rules: _total only on counters, base units, standard process names', async () => {
    const { families } = await scriptedSession();
    for (const family of families.values()) {
      expect(family.help, family.name).toBeTruthy();
      expect(['counter', 'gauge', 'histogram'], family.name).toContain(family.type);
      expect(family.name.endsWith('_total'), `${family.name} is a ${family.type}`).toBe(family.type === 'counter');
      expect(family.name, 'base units only').not.toMatch(/_(milliseconds|ms|kilobytes|megabytes|mb|minutes)(_|$)/);
      expect(family.name).not.toMatch(/^relay_process_/);
    }
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(families.get('process_resident_memory_bytes')?.type).toBe('gauge');
    expect(families.get('process_start_time_seconds')?.type).toBe('gauge');
    expect(families.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    expect(families.get('relay_ingest_duration_seconds')?.type).toBe('histogram');
    expect(families.get('relay_forward_duration_seconds')?.type).toBe('histogram');
    expect(sampleValue(families, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 2 ** 20);
  }, 20_000);

  it('exports every known label set at zero, and counts the session in them', async () => {
    const { families, before, after } = await scriptedSession();

    const dropped = labelSets(families.get('relay_events_dropped_total'));
    for (const reason of DROP_REASONS) expect(dropped).toContain(JSON.stringify({ reason }));
    expect(sampleValue(families, 'relay_events_dropped_total', { reason: 'evicted' })).toBe(0);
    const rejected = labelSets(families.get('relay_requests_rejected_total'));
    for (const labels of INGEST_REFUSALS) expect(rejected).toContain(JSON.stringify(labels));
    expect(sampleValue(families, 'relay_requests_rejected_total', { status: '400', code: 'invalid_json' })).toBe(1);

    for (const destination of DESTINATIONS) {
      for (const outcome of FORWARD_OUTCOMES) {
        expect(sampleValue(families, 'relay_forward_attempts_total', { destination, outcome }), `${destination} ${outcome}`).toBeDefined();
        expect(sampleValue(families, 'relay_forward_bytes_total', { destination, outcome }), `${destination} ${outcome}`).toBeDefined();
      }
      expect(sampleValue(families, 'relay_forwarded_events_total', { destination })).toBe(1);
      expect(sampleValue(families, 'relay_forward_attempts_total', { destination, outcome: 'delivered' })).toBe(1);
      expect(sampleValue(families, 'relay_forward_attempts_total', { destination, outcome: 'rejected' })).toBe(0);
      expect(sampleValue(families, 'relay_forward_bytes_total', { destination, outcome: 'delivered' })).toBeGreaterThan(0);
      const lastSuccess = sampleValue(families, 'relay_destination_last_success_timestamp_seconds', { destination })!;
      expect(lastSuccess).toBeGreaterThanOrEqual(Math.floor(before));
      expect(lastSuccess).toBeLessThanOrEqual(after);
      expect(sampleValue(families, 'relay_outbox_destination_events', { destination })).toBe(0);
      expect(sampleValue(families, 'relay_outbox_destination_bytes', { destination })).toBe(0);
      expect(sampleValue(families, 'relay_outbox_oldest_event_age_seconds', { destination })).toBe(0);
    }
    expect(sampleValue(families, 'relay_forward_attempts_total', { destination: 'diagnostics', outcome: 'retry' })).toBe(1);
    expect(sampleValue(families, 'relay_forward_bytes_total', { destination: 'diagnostics', outcome: 'retry' })).toBeGreaterThan(0);

    const ingest = labelSets(families.get('relay_ingest_requests_total'));
    for (const { route, ok } of INGEST_ROUTES) {
      expect(ingest).toContain(JSON.stringify({ route, status: ok }));
      expect(ingest).toContain(JSON.stringify({ route, status: '503' }));
      expect(sampleValue(families, 'relay_ingest_duration_seconds', { route }, 'relay_ingest_duration_seconds_count')).toBeDefined();
    }
    expect(sampleValue(families, 'relay_ingest_requests_total', { route: '/v1/errors', status: '202' })).toBe(1);
    expect(sampleValue(families, 'relay_ingest_requests_total', { route: '/v1/errors', status: '400' })).toBe(1);
    expect(sampleValue(families, 'relay_ingest_requests_total', { route: '/v1/scans', status: '202' })).toBe(1);
    expect(sampleValue(families, 'relay_ingest_duration_seconds', { route: '/v1/errors' }, 'relay_ingest_duration_seconds_count')).toBe(2);
    expect(sampleValue(families, 'relay_ingest_duration_seconds', { route: '/v1/errors', le: '+Inf' }, 'relay_ingest_duration_seconds_bucket')).toBe(2);

    expect(sampleValue(families, 'relay_build_info', { version: VERSION })).toBe(1);
    expect(sampleValue(families, 'relay_outbox_limit_bytes')).toBe(256 * 1024 * 1024);
  }, 20_000);

  const found = findPromtool();
  const skip = 'missing' in found && promtoolMaySkip;
  it.skipIf(skip)(`passes promtool check metrics${skip ? ` (SKIPPED: ${found.missing}; CI=true never skips)` : ''}`, async () => {
    if ('missing' in found) throw new Error(`${found.missing}; CI installs it in .ci/run`);
    const { text } = await scriptedSession();
    const checked = promtool(['check', 'metrics'], text);
    expect(checked.output).toBe('');
    expect(checked.status).toBe(0);
  }, 20_000);
});

describe('the queue figures, read from SQLite when Prometheus scrapes', () => {
  it('shows the depth, bytes and age of the oldest event per destination while the upstream fails', async () => {
    upstream.respond = () => ({ status: 503 });
    const relay = await startRelay({ RELAY_MAX_BACKOFF: '60' });
    await setConsent(relay, 'acme', true);
    await postAccepted(relay, '/v1/errors', [plantedErrorEvent({ event_id: 'queued-1' }), plantedErrorEvent({ event_id: 'queued-2' })]);
    await waitFor(() => upstream.all.length >= 1, 5_000, 'a failed attempt');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const families = parseExposition(await scrape(relay));
    expect(sampleValue(families, 'relay_outbox_destination_events', { destination: 'diagnostics' })).toBe(2);
    expect(sampleValue(families, 'relay_outbox_destination_events', { destination: 'lakera' })).toBe(0);
    const bytes = sampleValue(families, 'relay_outbox_destination_bytes', { destination: 'diagnostics' })!;
    expect(bytes).toBeGreaterThan(0);
    expect(sampleValue(families, 'relay_outbox_bytes')).toBe(bytes);
    const age = sampleValue(families, 'relay_outbox_oldest_event_age_seconds', { destination: 'diagnostics' })!;
    expect(age).toBeGreaterThanOrEqual(1);
    expect(age).toBeLessThan(30);
    expect(sampleValue(families, 'relay_destination_last_success_timestamp_seconds', { destination: 'diagnostics' })).toBe(0);
    expect(sampleValue(families, 'relay_forward_attempts_total', { destination: 'diagnostics', outcome: 'retry' })).toBeGreaterThanOrEqual(1);
  }, 20_000);
});

describe('the per-destination queue totals SQLite keeps', () => {
  const row = (eventId: string, destination: 'diagnostics' | 'lakera', payload: string) => queuedRow(eventId, { destination, payload });

  it('follow every insert and delete, and are rebuilt for a database written before they existed', () => {
    const dbPath = join(tempDir(), 'relay.db');
    let stores = openStores({ dbPath, durability: 'normal', hashKey: 'k' });
    const { ids } = stores.outbox.enqueue([row('a', 'diagnostics', 'x'.repeat(100)), row('b', 'diagnostics', 'y'.repeat(50)), row('c', 'lakera', 'z'.repeat(10))])!;
    stores.outbox.remove([ids[0]!]);
    stores.outbox.deadLetter([ids[2]!], 'http_400');
    const figures = (queues: Map<string, DestinationQueue>) => Object.fromEntries([...queues].map(([name, q]) => [name, [q.events, q.bytes, q.oldestCreatedAt !== null]]));
    const expected = { diagnostics: [1, stores.outbox.size().bytes, true], lakera: [0, 0, false] };
    expect(stores.outbox.size().events).toBe(1);
    expect(figures(stores.outbox.destinationQueues())).toEqual(expected);
    // As an older relay left the file: no per-destination table, no triggers.
    stores.db.exec('DROP TRIGGER outbox_destination_totals_insert; DROP TRIGGER outbox_destination_totals_delete; DROP TABLE outbox_destination_totals;');
    stores.close();
    stores = openStores({ dbPath, durability: 'normal', hashKey: 'k' });
    try {
      expect(figures(stores.outbox.destinationQueues())).toEqual({ diagnostics: expected.diagnostics });
    } finally {
      stores.close();
    }
  });
});

describe('ingest requests by route pattern', () => {
  const makeApp = useTestApps();

  it('counts the Sentry routes under their pattern, with or without the trailing slash, and never the path sent', async () => {
    const { app, metrics } = makeApp();
    for (const path of ['/api/17/envelope/', '/api/42/envelope', '/api/17/store/']) {
      const response = await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(response.status, path).toBeGreaterThanOrEqual(400);
    }
    const families = parseExposition(await metrics.registry.metrics());
    const counted = families.get('relay_ingest_requests_total')!.samples.filter((sample) => sample.value > 0);
    expect(counted.map((sample) => sample.labels['route']).sort()).toEqual(['/api/:project/envelope/', '/api/:project/store/']);
    expect(counted.reduce((sum, sample) => sum + sample.value, 0)).toBe(3);
    expect(JSON.stringify(families.get('relay_ingest_requests_total')!.samples)).not.toMatch(/\/api\/(17|42)/);
  });
});
