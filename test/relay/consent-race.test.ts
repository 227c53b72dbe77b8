import { describe, expect, it } from 'vitest';
import type { RunningRelay } from '../../relay/server.js';
import { plantedErrorEvent, plantedScanEvent } from '../helpers/fixtures.js';
import { postAccepted, setConsent, useTestRelays } from '../helpers/in-process-relay.js';
import { runCli, waitFor } from '../helpers/relay-process.js';
import type { ReceivedRequest, Upstream } from '../helpers/upstream.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => ({ upstream } = made));

const COMPANIES = ['acme', 'globex', 'initech'];
const PER_KIND = 40;
// A slow upstream keeps a long queue in front of each destination, the case a revocation must cut.
const SLOW = { status: 200, delayMs: 1000 };

/** Three companies with ids allowed, each with PER_KIND error traces and scan events queued. */
async function queueForEveryone(relay: RunningRelay): Promise<void> {
  for (const company of COMPANIES) await setConsent(relay, company, true, true);
  for (const company of COMPANIES) {
    const ids = Array.from({ length: PER_KIND }, (_, i) => i);
    await postAccepted(relay, '/v1/errors', ids.map((i) => plantedErrorEvent({ company_id: company, event_id: `${company}-e-${i}` })));
    await postAccepted(relay, '/v1/scans', ids.map((i) => plantedScanEvent({ company_id: company, event_id: `${company}-s-${i}` })));
  }
}

async function putConsent(relay: RunningRelay, company: string, body: Record<string, boolean>): Promise<{ returned: number; result: Record<string, unknown> }> {
  const response = await fetch(`${relay.url}/admin/consent/${company}`, {
    method: 'PUT',
    headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const returned = Date.now();
  expect(response.status).toBe(200);
  return { returned, result: (await response.json()) as Record<string, unknown> };
}

/** The events of one request: a diagnostics batch unpacked, a Lakera payload as it is. */
function eventsOf(request: ReceivedRequest): Record<string, unknown>[] {
  const body = request.json as { events?: Record<string, unknown>[] } & Record<string, unknown>;
  return Array.isArray(body.events) ? body.events : [body];
}

function ofCompany(events: Record<string, unknown>[], company: string): Record<string, unknown>[] {
  return events.filter((event) => String(event['event_id']).startsWith(`${company}-`));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('consent changes while events are queued for a slow upstream', () => {
  it('sends no byte of a company once its revocation returned, while the other companies keep flowing', async () => {
    upstream.respond = () => SLOW;
    const relay = await startRelay({ RELAY_BATCH_SIZE: '10' });
    await queueForEveryone(relay);
    await waitFor(() => upstream.all.some((request) => ofCompany(eventsOf(request), 'acme').length > 0 && request.path === '/v2/telemetry'), 15_000, 'acme scans on the wire');

    const { returned, result } = await putConsent(relay, 'acme', { telemetry_enabled: false });
    expect(result).toMatchObject({ after: { telemetryEnabled: false } });
    expect(result['purged']).toBeGreaterThan(0);
    await sleep(3_500);

    const arrivedAfter = upstream.all.filter((request) => request.arrivedAt > returned);
    expect(arrivedAfter.flatMap(eventsOf).filter((event) => String(event['event_id']).startsWith('acme-'))).toEqual([]);
    expect(arrivedAfter.some((request) => request.text.includes('"acme"'))).toBe(false);
    // Every request that reached the upstream after the return also completed: none was cut off mid-body.
    expect(upstream.arrivals.filter((at) => at > returned)).toHaveLength(arrivedAfter.length);
    for (const path of ['/ingest', '/v2/telemetry']) {
      const others = arrivedAfter.filter((request) => request.path === path).flatMap(eventsOf);
      expect(ofCompany(others, 'globex').length + ofCompany(others, 'initech').length).toBeGreaterThan(0);
    }
    const audited = relay.stores.egress.list({ since: returned, limit: 10_000 });
    expect(audited.filter((record) => record.companies.includes('acme'))).toEqual([]);
    expect(audited.length).toBeGreaterThan(0);
    const queued = relay.stores.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE company_id = 'acme'").get();
    expect(queued?.n).toBe(0);
    // The answer says how many requests were already on the wire (and were aborted).
    expect(typeof result['inFlight']).toBe('number');
  }, 40_000);

  it('sends no company id or user hash of a company once its ids_allowed=false returned, and still sends its events', async () => {
    upstream.respond = () => SLOW;
    const relay = await startRelay({ RELAY_BATCH_SIZE: '10' });
    await queueForEveryone(relay);
    await waitFor(() => upstream.all.some((request) => ofCompany(eventsOf(request), 'acme').some((event) => event['company_id'] === 'acme')), 15_000, 'acme ids on the wire');
    const hashes = new Set(
      upstream.all.flatMap(eventsOf).filter((event) => event['company_id'] === 'acme').map((event) => String(event['user_id'])),
    );
    expect(hashes.size).toBeGreaterThan(0);

    const { returned, result } = await putConsent(relay, 'acme', { ids_allowed: false });
    expect(result).toMatchObject({ after: { telemetryEnabled: true, idsAllowed: false }, purged: 0 });
    await sleep(3_500);

    const arrivedAfter = upstream.all.filter((request) => request.arrivedAt > returned);
    const acmeAfter = ofCompany(arrivedAfter.flatMap(eventsOf), 'acme');
    expect(acmeAfter.length).toBeGreaterThan(0);
    for (const event of acmeAfter) {
      expect(event).not.toHaveProperty('company_id');
      expect(event).not.toHaveProperty('user_id');
    }
    for (const request of arrivedAfter) {
      expect(request.text).not.toContain('"company_id":"acme"');
      for (const hash of hashes) expect(request.text).not.toContain(hash);
    }
    expect(upstream.arrivals.filter((at) => at > returned)).toHaveLength(arrivedAfter.length);
    const audited = relay.stores.egress.list({ since: returned, limit: 10_000 });
    expect(audited.filter((record) => record.userHashes.some((hash) => hashes.has(hash)))).toEqual([]);
  }, 40_000);

  it('starts no request with a company\'s events once `consent set --no-telemetry` from another process returned', async () => {
    upstream.respond = () => SLOW;
    const relay = await startRelay({ RELAY_BATCH_SIZE: '10' });
    await queueForEveryone(relay);
    await waitFor(() => upstream.all.some((request) => ofCompany(eventsOf(request), 'acme').length > 0), 15_000, 'acme events on the wire');

    const cli = await runCli(['consent', 'set', 'acme', '--no-telemetry'], { env: { RELAY_DB_PATH: relay.stores.db.name } });
    const returned = Date.now();
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).not.toHaveProperty('inFlight');
    await sleep(3_500);

    const arrivedAfter = upstream.all.filter((request) => request.arrivedAt > returned);
    expect(ofCompany(arrivedAfter.flatMap(eventsOf), 'acme')).toEqual([]);
    expect(ofCompany(arrivedAfter.flatMap(eventsOf), 'globex').length).toBeGreaterThan(0);
  }, 40_000);

  it('aborts the requests of a revoked company that are on the wire, and says how many', async () => {
    upstream.respond = () => ({ status: 200, hang: true });
    const relay = await startRelay({ RELAY_SEND_CONCURRENCY: '3', RELAY_SEND_TIMEOUT: '60' });
    await setConsent(relay, 'acme', true, true);
    await postAccepted(relay, '/v1/scans', Array.from({ length: 10 }, (_, i) => plantedScanEvent({ event_id: `acme-s-${i}` })));
    await waitFor(() => upstream.all.length === 3, 10_000, 'three scans on the wire');

    const { returned, result } = await putConsent(relay, 'acme', { telemetry_enabled: false });
    expect(result).toMatchObject({ inFlight: 3, purged: 10 });
    await waitFor(() => relay.stores.egress.list({ limit: 100 }).length === 3, 5_000, 'the aborted requests audited');
    expect(relay.stores.egress.list({ limit: 100 }).map((record) => ({ outcome: record.outcome, status: record.status }))).toEqual(
      Array(3).fill({ outcome: 'error', status: null }),
    );
    await sleep(1_000);
    expect(upstream.arrivals.filter((at) => at > returned)).toEqual([]);
  }, 30_000);
});
