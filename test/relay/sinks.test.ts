import { describe, expect, it } from 'vitest';
import { createLogger } from '../../relay/observe/logger.js';
import { startRelay, type RunningRelay } from '../../relay/server.js';
import { plantedScanEvent } from '../helpers/fixtures.js';
import { postAccepted, setConsent, testRelayConfig } from '../helpers/in-process-relay.js';
import { eventIds, receivedEventIds, useUpstream, type Upstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';

let pki: TestPki;
let upstream: Upstream;
useUpstream((made) => ({ pki, upstream } = made));

/** A relay whose scan events go to Lakera and to the diagnostics endpoint. */
async function fanOutRelay(): Promise<RunningRelay> {
  const config = { ...testRelayConfig(pki, upstream), routes: { scan: ['lakera', 'diagnostics'] } };
  return startRelay(config, { logger: createLogger('silent'), retryBaseMs: 50, idlePollMs: 50 });
}

function received(path: string): string[] {
  return receivedEventIds(upstream, path);
}

const ids = eventIds;

describe('an event kind routed to several destinations', () => {
  it('sends each scan event once to every destination of its route, and answers for each event once', async () => {
    upstream.reset();
    const relay = await fanOutRelay();
    try {
      await setConsent(relay, 'acme', true);
      const scans = ids('fan', 12);
      const response = await fetch(`${relay.url}/v1/scans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(scans.map((id) => plantedScanEvent({ event_id: id }))),
      });
      expect(response.status).toBe(202);
      const body = (await response.json()) as { accepted: number; event_ids: string[] };
      expect(body.accepted).toBe(12);
      expect(body.event_ids).toEqual(scans);
      await waitFor(() => scans.every((id) => received('/v2/telemetry').includes(id) && received('/ingest').includes(id)), 8_000, 'both destinations');
      expect(received('/v2/telemetry').sort()).toEqual([...scans].sort());
      expect(received('/ingest').sort()).toEqual([...scans].sort());
      // The diagnostics destination sends its own encoding of the same stored event.
      const diagnostics = upstream.requests.find((request) => request.path === '/ingest')!;
      expect(diagnostics.headers['content-encoding']).toBe('gzip');
      const destinations = new Set(relay.stores.egress.list({ limit: 1000 }).map((record) => record.destination));
      expect([...destinations].sort()).toEqual(['diagnostics', 'lakera']);
      await waitFor(() => relay.stores.outbox.size().events === 0, 5_000, 'the outbox empty');
    } finally {
      await relay.close();
    }
  }, 20_000);

  it('queues an event for all of its destinations or for none', async () => {
    upstream.reset();
    const relay = await fanOutRelay();
    try {
      await setConsent(relay, 'acme', true);
      // The second row of each event (the diagnostics one) fails to be written, after its Lakera row was.
      relay.stores.db.exec(
        `CREATE TRIGGER test_refuse_diagnostics BEFORE INSERT ON outbox WHEN NEW.destination = 'diagnostics'
         BEGIN SELECT RAISE(FAIL, 'refused by the test'); END`,
      );
      const scans = ids('atomic', 3);
      const refused = await fetch(`${relay.url}/v1/scans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(scans.map((id) => plantedScanEvent({ event_id: id }))),
      });
      expect(refused.status).toBeGreaterThanOrEqual(500);
      expect(relay.stores.outbox.size().events).toBe(0);
      relay.stores.db.exec('DROP TRIGGER test_refuse_diagnostics');
      await postAccepted(relay, '/v1/scans', scans.map((id) => plantedScanEvent({ event_id: id })));
      await waitFor(() => scans.every((id) => received('/ingest').includes(id)), 8_000, 'the retried events delivered');
      await waitFor(() => relay.stores.outbox.size().events === 0, 5_000, 'the outbox empty');
      expect(received('/v2/telemetry').sort()).toEqual([...scans].sort());
      expect(received('/ingest').sort()).toEqual([...scans].sort());
    } finally {
      await relay.close();
    }
  }, 20_000);

  it('refuses to start with a route to a destination it does not know', async () => {
    const config = { ...testRelayConfig(pki, upstream), routes: { error: ['diagnostics', 'nowhere'] } };
    await expect(startRelay(config, { logger: createLogger('silent') })).rejects.toThrow(
      'Expected a destination among [diagnostics, lakera], got "nowhere"',
    );
  });

  it('drops the events of a kind whose routed destinations are none configured', async () => {
    upstream.reset();
    const config = { ...testRelayConfig(pki, upstream), lakera: undefined, routes: { scan: ['lakera'] } };
    const relay = await startRelay(config, { logger: createLogger('silent'), retryBaseMs: 50, idlePollMs: 50 });
    try {
      await setConsent(relay, 'acme', true);
      const response = await fetch(`${relay.url}/v1/scans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([plantedScanEvent({ event_id: 'nowhere-1' })]),
      });
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ accepted: 0, dropped: { no_destination: 1 } });
    } finally {
      await relay.close();
    }
  });
});
