import { readFileSync, existsSync } from 'node:fs';
import { connect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import type { RunningRelay } from '../../relay/server.js';
import { keyedHash } from '../../scrubbers/keyed-hash.js';
import { findPlanted, PLANTED, plantedErrorEvent, plantedScanEvent } from '../helpers/fixtures.js';
import { useTestRelays } from '../helpers/in-process-relay.js';
import { waitFor } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: Upstream;
const startRelay = useTestRelays((made) => ({ pki, upstream } = made));
let relay: RunningRelay | undefined;

async function start(env: Record<string, string> = {}): Promise<RunningRelay> {
  relay = await startRelay(env);
  return relay;
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${relay!.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function setConsent(company: string, telemetry: boolean, ids: boolean): Promise<void> {
  const response = await fetch(`${relay!.url}/admin/consent/${company}`, {
    method: 'PUT',
    headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
    body: JSON.stringify({ telemetry_enabled: telemetry, ids_allowed: ids }),
  });
  expect(response.status).toBe(200);
}

function databaseBytes(dbPath: string): string {
  return ['', '-wal', '-shm']
    .map((suffix) => dbPath + suffix)
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file).toString('latin1'))
    .join('');
}

describe('the full path: ingest → consent → scrub → outbox → TLS upstream', () => {
  it('delivers error traces scrubbed, with no planted value on disk or on the wire', async () => {
    await start();
    await setConsent('acme', true, false);
    const response = await post('/v1/errors', [plantedErrorEvent({ event_id: 'evt-1' }), plantedErrorEvent({ event_id: 'evt-2' })]);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 2, dropped: {}, event_ids: ['evt-1', 'evt-2'] });

    const onDisk = databaseBytes(relay!.stores.db.name);
    expect(findPlanted(onDisk)).toEqual([]);

    await waitFor(() => upstream.events().length === 2, 10_000, 'delivery');
    const [request] = upstream.requests;
    expect(request!.path).toBe('/ingest');
    expect(request!.headers['authorization']).toBe('Bearer diag-key-123');
    expect(request!.headers['content-encoding']).toBe('gzip');
    expect(findPlanted(request!.text)).toEqual([]);
    const [first] = upstream.events();
    expect(first).toMatchObject({
      event_id: 'evt-1',
      level: 'error',
      error: { type: 'PaymentError' },
      frames: [{ file: '/srv/app/billing.js', line: 42, column: 13, function: 'charge' }],
      environment: { runtime: 'node 20.20.2', release: '1.4.2' },
      trace: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' },
    });
    // Identifiers are not sent without ids_allowed.
    expect(first).not.toHaveProperty('company_id');
    expect(first).not.toHaveProperty('user_id');
    await waitFor(() => relay!.stores.outbox.size().events === 0, 5000, 'outbox drained');
  });

  it('sends scan events to Lakera as its telemetry payload with the key and project id, content removed', async () => {
    await start();
    await setConsent('acme', true, true);
    expect((await post('/v1/scans', plantedScanEvent({ event_id: 'scan-1' }))).status).toBe(202);
    await waitFor(() => upstream.requests.length === 1, 10_000, 'Lakera delivery');
    const [request] = upstream.requests;
    expect(request!.path).toBe('/v2/telemetry');
    expect(request!.headers['authorization']).toBe('Bearer lakera-key-456');
    expect(findPlanted(request!.text)).toEqual([]);
    const payload = request!.json as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toEqual(
      ['company_id', 'context', 'event_id', 'event_type', 'metadata', 'project_id', 'scan_result', 'timestamp', 'user_id'].sort(),
    );
    expect(payload).toMatchObject({
      event_id: 'scan-1',
      project_id: 'project-789',
      event_type: 'blocked',
      company_id: 'acme',
      user_id: keyedHash('test-hash-key', PLANTED.userId),
      scan_result: { flagged: true, categories: ['prompt_attack'], scores: { prompt_attack: 0.97 }, threat_level: 'high' },
      context: { type: 'chat', source: 'support-bot' },
    });
    expect(payload['metadata']).not.toHaveProperty('user_ip');
  });

  it('stores and sends nothing for a company without consent', async () => {
    await start();
    const response = await post('/v1/errors', plantedErrorEvent());
    expect(await response.json()).toEqual({ accepted: 0, dropped: { no_consent: 1 }, event_ids: [] });
    expect(relay!.stores.outbox.size().events).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(upstream.all).toHaveLength(0);
  });

  it('stores and sends nothing while the global switch is off, whatever the company said', async () => {
    await start({ TELEMETRY_ENABLED: 'false' });
    await setConsent('acme', true, true);
    const response = await post('/v1/errors', plantedErrorEvent());
    expect(await response.json()).toEqual({ accepted: 0, dropped: { telemetry_disabled: 1 }, event_ids: [] });
    expect(relay!.stores.outbox.size().events).toBe(0);
  });

  it('purges queued events when a company revokes consent, and sends none of them after', async () => {
    await start();
    await setConsent('acme', true, false);
    await setConsent('globex', true, false);
    upstream.respond = () => ({ status: 503, headers: { 'retry-after': '1' } });
    await post('/v1/errors', [plantedErrorEvent(), plantedErrorEvent(), plantedErrorEvent({ company_id: 'globex' })]);
    await waitFor(() => upstream.all.length >= 1, 5000, 'first failed attempt');
    expect(relay!.stores.outbox.size().events).toBe(3);

    await setConsent('acme', false, false);
    expect(relay!.stores.outbox.size().events).toBe(1);
    const attemptsAtRevocation = upstream.all.length;
    upstream.respond = () => ({ status: 200 });
    await waitFor(() => upstream.events().length === 1, 10_000, 'globex delivery');
    const sentAfter = upstream.all.slice(attemptsAtRevocation).flatMap((request) => (request.json as { events: unknown[] }).events);
    expect(sentAfter).toHaveLength(1);
    const audit = relay!.stores.audit.list();
    expect(audit.find((row) => row.subject === 'acme' && row.action === 'consent.set' && row.details['purged'] === 2)).toBeDefined();
  });

  it('adds company and hashed user ids only while ids are allowed, decided at send time', async () => {
    await start();
    await setConsent('acme', true, true);
    upstream.respond = () => ({ status: 503 });
    await post('/v1/errors', plantedErrorEvent());
    await waitFor(() => upstream.all.length >= 1, 5000, 'a failed attempt');
    await setConsent('acme', true, false);
    upstream.respond = () => ({ status: 200 });
    await waitFor(() => upstream.events().length === 1, 10_000, 'delivery');
    expect(upstream.events()[0]).not.toHaveProperty('company_id');
    expect(upstream.events()[0]).not.toHaveProperty('user_id');
  });

  it('moves events refused with a permanent 4xx to dead letters instead of retrying forever', async () => {
    await start();
    await setConsent('acme', true, false);
    upstream.respond = () => ({ status: 400 });
    await post('/v1/errors', plantedErrorEvent());
    await waitFor(() => relay!.stores.outbox.totals().deadLetters === 1, 5000, 'dead letter');
    expect(relay!.stores.outbox.size().events).toBe(0);
    expect(relay!.stores.outbox.deadLetters()[0]!.reason).toBe('http_400');
    const attempts = upstream.all.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(upstream.all.length).toBe(attempts);
  });

  it('records every upstream request in the egress audit with the SHA-256 of the exact bytes', async () => {
    await start();
    await setConsent('acme', true, false);
    await post('/v1/errors', [plantedErrorEvent(), plantedErrorEvent()]);
    await waitFor(() => upstream.requests.length === 1, 10_000, 'delivery');
    await waitFor(() => relay!.stores.egress.list().length === 1, 2000, 'audit row');
    const [record] = relay!.stores.egress.list();
    expect(record).toMatchObject({ destination: 'diagnostics', status: 200, outcome: 'delivered', eventCount: 2, companies: ['acme'] });
    expect(record!.sha256).toBe(upstream.requests[0]!.sha256);
    expect(relay!.stores.egress.show(record!.id)!.body).toBe(upstream.requests[0]!.text);
  });

  it('still removes a delivered batch when its audit row cannot be written', async () => {
    await start();
    await setConsent('acme', true, false);
    // The audit row and the delete share one transaction; when the audit insert fails, that
    // transaction rolls back and the delete must still happen on its own.
    relay!.stores.db.exec("CREATE TRIGGER refuse_audit BEFORE INSERT ON egress_audit BEGIN SELECT RAISE(ABORT, 'audit refused'); END;");
    await post('/v1/errors', [plantedErrorEvent(), plantedErrorEvent()]);
    await waitFor(() => upstream.requests.length === 1, 10_000, 'delivery');
    await waitFor(() => relay!.stores.outbox.size().events === 0, 2000, 'delivered rows removed');
    expect(relay!.stores.egress.list()).toEqual([]);
    const text = await (await fetch(`${relay!.url}/metrics`)).text();
    expect(text).toMatch(/relay_forwarded_events_total\{destination="diagnostics"\} 2\b/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(upstream.requests.length).toBe(1);
  });

  it('exposes received, dropped, findings, outbox depth and forward outcomes in /metrics', async () => {
    await start();
    await setConsent('acme', true, false);
    await post('/v1/errors', [plantedErrorEvent(), plantedErrorEvent({ company_id: 'nobody' })]);
    await waitFor(() => upstream.requests.length === 1, 10_000, 'delivery');
    const text = await (await fetch(`${relay!.url}/metrics`)).text();
    expect(text).toMatch(/relay_events_received_total\{kind="error"\} 2/);
    expect(text).toMatch(/relay_events_dropped_total\{reason="no_consent"\} 1/);
    expect(text).toMatch(/relay_scrub_findings_total\{rule="email"\} [1-9]/);
    expect(text).toMatch(/relay_forward_attempts_total\{destination="diagnostics",outcome="delivered"\} 1/);
    expect(text).toMatch(/relay_outbox_events \d/);
    expect(text).toMatch(/relay_forward_duration_seconds_bucket/);
    expect(text).not.toContain('diag-key-123');
  });
});

describe('TLS and destinations', () => {
  it('refuses an upstream that only speaks TLS 1.1 and keeps the events queued', async () => {
    const old = await startUpstream(pki, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    try {
      // The upstream itself works: a client that allows TLS 1.1 completes the handshake.
      const version = await new Promise<string | null>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: old.port, ca: pki.ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }, () => {
          resolve(socket.getProtocol());
          socket.end();
        });
        socket.once('error', reject);
      });
      expect(version).toBe('TLSv1.1');
      await start({ DIAGNOSTICS_ENDPOINT: `${old.url}/ingest` });
      await setConsent('acme', true, false);
      await post('/v1/errors', plantedErrorEvent());
      await waitFor(
        async () => /outcome="error"\} [1-9]/.test(await (await fetch(`${relay!.url}/metrics`)).text()),
        10_000,
        'a failed TLS handshake',
      );
      expect(old.all).toHaveLength(0);
      expect(relay!.stores.outbox.size().events).toBe(1);
    } finally {
      await relay?.close();
      relay = undefined;
      await old.close();
    }
  });

  it('refuses an upstream whose certificate is not signed by a trusted CA', async () => {
    await start({ RELAY_CA_FILE: '' });
    await setConsent('acme', true, false);
    await post('/v1/errors', plantedErrorEvent());
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(upstream.all).toHaveLength(0);
    expect(relay!.stores.outbox.size().events).toBe(1);
  });
});
