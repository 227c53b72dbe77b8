import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyRetention } from '../../relay/storage/retention.js';
import type { RunningRelay } from '../../relay/server.js';
import { openStores } from '../../relay/storage/stores.js';
import { keyedHash } from '../../scrubbers/keyed-hash.js';
import { plantedErrorEvent, queuedRow } from '../helpers/fixtures.js';
import { useTestRelays } from '../helpers/in-process-relay.js';
import { runCli, tempDir, waitFor } from '../helpers/relay-process.js';
import type { Upstream } from '../helpers/upstream.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => (upstream = made.upstream));
let relay: RunningRelay | undefined;
const DAY = 24 * 3600 * 1000;

async function start(env: Record<string, string> = {}): Promise<RunningRelay> {
  relay = await startRelay({ RELAY_HASH_KEY: 'privacy-key', RELAY_AUDITOR_TOKEN: 'auditor-token', ...env });
  return relay;
}

function call(method: string, path: string, token: string, body?: unknown): Promise<Response> {
  return fetch(`${relay!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function postErrors(events: unknown[]): Promise<void> {
  const response = await fetch(`${relay!.url}/v1/errors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  expect(response.status).toBe(202);
}

function fileBytes(dbPath: string): string {
  return ['', '-wal']
    .map((suffix) => dbPath + suffix)
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file).toString('latin1'))
    .join('');
}

describe('data-subject requests', () => {
  it('exports what the relay holds and has sent for a user, matched through the keyed hash', async () => {
    await start();
    await call('PUT', '/admin/consent/acme', 'admin-token', { telemetry_enabled: true, ids_allowed: true });
    await postErrors([plantedErrorEvent({ user_id: 'alice', event_id: 'a-1' })]);
    await waitFor(() => upstream.requests.length === 1, 10_000, 'delivery');
    upstream.respond = () => ({ status: 503 });
    await postErrors([plantedErrorEvent({ user_id: 'alice', event_id: 'a-2' }), plantedErrorEvent({ user_id: 'bob', event_id: 'b-1' })]);

    const response = await call('POST', '/admin/subjects/export', 'admin-token', { user: 'alice' });
    expect(response.status).toBe(200);
    const exported = (await response.json()) as { subject: { userHash: string }; queued: { event_id: string }[]; sent: { sha256: string }[] };
    expect(exported.subject.userHash).toBe(keyedHash('privacy-key', 'alice'));
    expect(exported.queued.map((row) => row.event_id)).toEqual(['a-2']);
    expect(exported.sent).toHaveLength(1);
    expect(exported.sent[0]!.sha256).toBe(upstream.requests[0]!.sha256);
  });

  it('erases a user from the outbox, dead letters and egress bodies, leaving no byte of them in the files', async () => {
    await start();
    await call('PUT', '/admin/consent/acme', 'admin-token', { telemetry_enabled: true, ids_allowed: true });
    await postErrors([plantedErrorEvent({ user_id: 'carol-subject', event_id: 'c-1' })]);
    await waitFor(() => upstream.requests.length === 1, 10_000, 'delivery');
    upstream.respond = () => ({ status: 503, headers: { 'retry-after': '600' } });
    await postErrors([plantedErrorEvent({ user_id: 'carol-subject', event_id: 'c-2' })]);
    await waitFor(() => upstream.all.length === 2 && relay!.stores.egress.list().length === 2, 10_000, 'one refused attempt');
    const hash = keyedHash('privacy-key', 'carol-subject');
    const dbPath = relay!.stores.db.name;
    expect(fileBytes(dbPath)).toContain(hash);

    const response = await call('POST', '/admin/subjects/erase', 'admin-token', { user: 'carol-subject' });
    expect(await response.json()).toEqual({ queued: 1, deadLetters: 0, egressBodies: 2, egressRows: 2 });
    await relay!.close();
    relay = undefined;
    const bytes = fileBytes(dbPath);
    expect(bytes).not.toContain(hash);
    expect(bytes).not.toContain('carol-subject');
  });
});

describe('access control and the admin audit trail', () => {
  it('lets the auditor token read but change nothing', async () => {
    await start();
    expect((await call('GET', '/admin/egress', 'auditor-token')).status).toBe(200);
    expect((await call('GET', '/admin/consent', 'auditor-token')).status).toBe(200);
    expect((await call('GET', '/admin/outbox', 'auditor-token')).status).toBe(200);
    expect((await call('GET', '/admin/audit', 'auditor-token')).status).toBe(200);
    for (const [method, path, body] of [
      ['PUT', '/admin/consent/acme', { telemetry_enabled: true }],
      ['POST', '/admin/subjects/erase', { user: 'x' }],
      ['POST', '/admin/subjects/export', { user: 'x' }],
      ['POST', '/admin/dead-letters/replay', {}],
    ] as const) {
      expect({ path, status: (await call(method, path, 'auditor-token', body)).status }).toEqual({ path, status: 403 });
    }
    expect(relay!.stores.consent.list()).toEqual([]);
    expect(relay!.stores.audit.list()).toEqual([]);
  });

  it('records every consent change (old and new values), export, erasure and replay, never payloads', async () => {
    await start();
    await call('PUT', '/admin/consent/acme', 'admin-token', { telemetry_enabled: true });
    await call('PUT', '/admin/consent/acme', 'admin-token', { ids_allowed: true });
    await call('POST', '/admin/subjects/export', 'admin-token', { company: 'acme' });
    await call('POST', '/admin/subjects/erase', 'admin-token', { company: 'acme' });
    await call('POST', '/admin/dead-letters/replay', 'admin-token', {});
    const rows = relay!.stores.audit.list();
    expect(rows.map((row) => row.action).reverse()).toEqual([
      'consent.set',
      'consent.set',
      'subject.export',
      'subject.erase',
      'dead_letters.replay',
    ]);
    const second = rows.find((row) => row.action === 'consent.set' && (row.details['after'] as { idsAllowed: boolean }).idsAllowed);
    expect(second?.details).toMatchObject({
      before: { telemetryEnabled: true, idsAllowed: false },
      after: { telemetryEnabled: true, idsAllowed: true },
    });
    expect(rows.every((row) => row.actor === 'admin')).toBe(true);
  });

  it('refuses to update or delete admin audit rows outside retention', () => {
    const stores = openStores({ dbPath: join(tempDir(), 'relay.db'), durability: 'normal', hashKey: 'k' });
    try {
      stores.audit.record('cli', 'consent.set', 'acme', {});
      expect(() => stores.db.prepare("UPDATE admin_audit SET action = 'nothing'").run()).toThrow(/append-only/);
      expect(() => stores.db.prepare('DELETE FROM admin_audit').run()).toThrow(/retention/);
    } finally {
      stores.close();
    }
  });
});

describe('retention', () => {
  it('deletes expired events, dead letters, egress bodies and rows, and audit rows by their own limits', () => {
    let now = Date.UTC(2026, 0, 1);
    const stores = openStores({ dbPath: join(tempDir(), 'relay.db'), durability: 'normal', hashKey: 'k', now: () => now });
    try {
      stores.outbox.enqueue([queuedRow('old'), queuedRow('dead')]);
      const [, dead] = stores.outbox.peek('diagnostics', 10);
      stores.outbox.deadLetter([dead!.id], 'http_400');
      stores.egress.record({
        sentAt: now, destination: 'diagnostics', host: 'h', status: 200, outcome: 'delivered', eventCount: 1,
        companies: ['acme'], userHashes: [], scrubCounts: {}, wireBody: Buffer.from('x'), keepBody: true,
      });
      stores.audit.record('cli', 'consent.set', 'acme', {});
      const config = { maxEventAgeSeconds: 3600, auditRetentionDays: 30, egressAuditDays: 7 };

      now += 2 * 3600 * 1000;
      expect(applyRetention(stores, config, now)).toMatchObject({ expiredEvents: 1, egressBodies: 0, egressRows: 0, adminAuditRows: 0 });
      now += 8 * DAY;
      expect(applyRetention(stores, config, now)).toMatchObject({ egressBodies: 1, egressRows: 0, expiredDeadLetters: 0 });
      expect(stores.egress.list()).toHaveLength(1);
      now += 30 * DAY;
      expect(applyRetention(stores, config, now)).toMatchObject({ egressRows: 1, expiredDeadLetters: 1, adminAuditRows: 1 });
      expect(stores.audit.list()).toEqual([]);
      expect(stores.outbox.totals()).toMatchObject({ events: 0, deadLetters: 0 });
    } finally {
      stores.close();
    }
  });
});

describe('egress audit from the CLI', () => {
  it('lists and shows forwarded batches with their hashes', async () => {
    const running = await start();
    await call('PUT', '/admin/consent/acme', 'admin-token', { telemetry_enabled: true });
    await postErrors([plantedErrorEvent()]);
    await waitFor(() => upstream.requests.length === 1, 10_000, 'delivery');
    await waitFor(() => running.stores.egress.list().length === 1, 2000, 'audit row');
    const env = { RELAY_DB_PATH: running.stores.db.name };
    const list = await runCli(['egress', 'list', '--company', 'acme'], { env });
    const [record] = JSON.parse(list.stdout) as { id: number; sha256: string }[];
    expect(record!.sha256).toBe(upstream.requests[0]!.sha256);
    const show = await runCli(['egress', 'show', String(record!.id)], { env });
    expect(JSON.parse(show.stdout)).toMatchObject({ id: record!.id, body: upstream.requests[0]!.text });
    const none = await runCli(['egress', 'list', '--company', 'other'], { env });
    expect(JSON.parse(none.stdout)).toEqual([]);
  });
});
