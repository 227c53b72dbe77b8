import { closeSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStores } from '../../relay/storage/stores.js';
import type { RunningRelay } from '../../relay/server.js';
import { useTestRelays } from '../helpers/in-process-relay.js';
import { relayEnv, startRelayProcess, tempDir } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import type { Upstream } from '../helpers/upstream.js';
import { errorEvent, metricsText, metricValue, postJson, waitForDelivery } from '../faults/support.js';
import { queuedRow } from '../helpers/fixtures.js';

let pki: TestPki;
let upstream: Upstream;
const startRelay = useTestRelays((made) => ({ pki, upstream } = made));

/** A consent file in a directory of its own (the relay watches the directory). */
function consentFile(text: string): string {
  const file = join(tempDir('relay-consent-file-'), 'consent.yaml');
  writeFileSync(file, text);
  return file;
}

/** Replaces the file the way a ConfigMap update does: a new file renamed over the old one. */
function replace(file: string, text: string): void {
  writeFileSync(`${file}.next`, text);
  renameSync(`${file}.next`, file);
}

function event(id: string, company: string): Record<string, unknown> {
  return { ...errorEvent(id), company_id: company };
}

async function admin(relay: RunningRelay, company: string, body: Record<string, boolean>): Promise<Record<string, unknown>> {
  const response = await fetch(`${relay.url}/admin/consent/${company}`, {
    method: 'PUT',
    headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

function consentAudit(relay: RunningRelay): { actor: string; action: string; subject: string | null; details: Record<string, unknown> }[] {
  return relay.stores.audit.list().filter((row) => row.action.startsWith('consent.')).reverse();
}

describe('declarative consent from RELAY_CONSENT_FILE', () => {
  it('grants from the file, and a revocation written to the file purges the queued events without a restart', async () => {
    const file = consentFile('companies:\n  acme: { telemetry_enabled: true }\n');
    const relay = await startRelay({ RELAY_CONSENT_FILE: file });
    expect((await postJson(`${relay.url}/v1/errors`, [event('file-grant-1', 'acme')])).status).toBe(202);
    await waitForDelivery(upstream, ['file-grant-1'], 10_000);

    upstream.respond = () => ({ status: 503 });
    const queued = JSON.parse((await postJson(`${relay.url}/v1/errors`, [1, 2, 3].map((i) => event(`file-queued-${i}`, 'acme')))).text) as { accepted: number };
    expect(queued.accepted).toBe(3);
    expect(relay.stores.outbox.size().events).toBe(3);

    replace(file, '{"companies": {"acme": {"telemetry_enabled": false}}}');
    await expect.poll(() => relay.stores.consent.get('acme').telemetryEnabled, { timeout: 5000, interval: 25 }).toBe(false);
    expect(relay.stores.outbox.size().events).toBe(0);
    expect(consentAudit(relay).map(({ actor, action, subject, details }) => ({ actor, action, subject, after: details['after'], purged: details['purged'] }))).toEqual([
      { actor: 'consent-file', action: 'consent.file', subject: 'acme', after: { telemetryEnabled: true, idsAllowed: false }, purged: 0 },
      { actor: 'consent-file', action: 'consent.file', subject: 'acme', after: { telemetryEnabled: false, idsAllowed: false }, purged: 3 },
    ]);
    const listed = (await (await fetch(`${relay.url}/admin/consent`, { headers: { authorization: 'Bearer admin-token' } })).json()) as { companies: unknown[] };
    expect(listed.companies).toEqual([expect.objectContaining({ companyId: 'acme', telemetryEnabled: false, declaredByFile: { telemetryEnabled: false } })]);
  }, 20_000);

  it('wins over the database for the keys it names, and every change from either source is audited', async () => {
    const file = consentFile('companies:\n  acme: { telemetry_enabled: false }\n  globex: { ids_allowed: true }\n');
    const relay = await startRelay({ RELAY_CONSENT_FILE: file });

    const refused = await admin(relay, 'acme', { telemetry_enabled: true });
    expect(refused).toMatchObject({ after: { telemetryEnabled: false }, overriddenByFile: ['telemetryEnabled'] });
    const response = JSON.parse((await postJson(`${relay.url}/v1/errors`, [event('file-wins-1', 'acme')])).text) as { accepted: number };
    expect(response.accepted).toBe(0);

    // The file says nothing of globex's telemetry: the database decides that key, the file the other.
    expect(relay.stores.consent.get('globex')).toEqual({ telemetryEnabled: false, idsAllowed: true });
    await admin(relay, 'globex', { telemetry_enabled: true, ids_allowed: false });
    expect(relay.stores.consent.get('globex')).toEqual({ telemetryEnabled: true, idsAllowed: true });

    // The file lets go of acme: the database's grant, given while the file ruled, applies now.
    replace(file, 'companies:\n  globex: { ids_allowed: true }\n');
    await expect.poll(() => relay.stores.consent.get('acme').telemetryEnabled, { timeout: 5000, interval: 25 }).toBe(true);

    expect(consentAudit(relay).map(({ actor, action, subject }) => `${actor} ${action} ${subject}`)).toEqual([
      'consent-file consent.file globex',
      'admin consent.set acme',
      'admin consent.set globex',
      'consent-file consent.file acme',
    ]);
  }, 20_000);

  it('refuses a malformed file with a clear log, keeps the consent it gave last, and takes the next good one', async () => {
    const file = consentFile('companies:\n  acme: { telemetry_enabled: true }\n');
    const dbPath = join(tempDir('relay-consent-process-'), 'relay.db');
    const relay = await startRelayProcess(relayEnv(dbPath, `${upstream.url}/ingest`, pki, { RELAY_CONSENT_FILE: file }));
    try {
      const malformed = ['companies: [acme', 'companies:\n  acme: { telemetry_enabled: "yes" }\n', 'companies:\n  "": {}\n', 'tenants: {}\n'];
      for (const [i, bad] of malformed.entries()) {
        replace(file, bad);
        await expect.poll(() => (relay.logs().match(/consent file refused/g) ?? []).length, { timeout: 5000, interval: 25 }).toBe(i + 1);
      }
      await expect
        .poll(async () => metricValue(await metricsText(relay.url), 'relay_consent_file_reloads_total', { outcome: 'refused' }), { timeout: 5000 })
        .toBe(4);
      expect(relay.logs()).toContain('the consent it gave last stays in force');
      expect((await postJson(`${relay.url}/v1/errors`, [errorEvent('malformed-still-granted')])).status).toBe(202);
      await waitForDelivery(upstream, ['malformed-still-granted'], 10_000);

      replace(file, 'companies:\n  acme: { telemetry_enabled: false }\n');
      await expect.poll(() => (relay.logs().match(/consent file applied/g) ?? []).length, { timeout: 5000 }).toBe(2);
      const dropped = JSON.parse((await postJson(`${relay.url}/v1/errors`, [errorEvent('after-good-file')])).text) as { accepted: number };
      expect(dropped.accepted).toBe(0);
    } finally {
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
  }, 30_000);

  it('re-applies to a database moved aside after corruption, before its salvaged events are queued again', async () => {
    const file = consentFile('companies:\n  acme: { telemetry_enabled: true }\n');
    const dbPath = join(tempDir('relay-consent-corrupt-'), 'relay.db');
    // The damaged file's events were consented by the file alone: its own consent table is empty.
    const stores = openStores({ dbPath, durability: 'normal', hashKey: 'k' });
    stores.outbox.enqueue(
      Array.from({ length: 50 }, (_, i) => queuedRow(`consent-salvaged-${i}`, { payload: JSON.stringify({ error: { type: 'E', message: 'queued before the damage' } }) })),
    );
    stores.close();
    const fd = openSync(dbPath, 'r+');
    writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
    closeSync(fd);

    const relay = await startRelayProcess(relayEnv(dbPath, `${upstream.url}/ingest`, pki, { RELAY_CONSENT_FILE: file }));
    try {
      expect(relay.logs()).toContain('database file was damaged');
      await waitForDelivery(upstream, Array.from({ length: 50 }, (_, i) => `consent-salvaged-${i}`), 15_000);
      expect((await postJson(`${relay.url}/v1/errors`, [errorEvent('after-corruption')])).status).toBe(202);
      await waitForDelivery(upstream, ['after-corruption'], 10_000);
    } finally {
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
  }, 30_000);

  it('writes no audit row when the file has not changed across a restart', async () => {
    const file = consentFile('companies:\n  acme: { telemetry_enabled: true, ids_allowed: true }\n');
    const dbPath = join(tempDir('relay-consent-restart-'), 'relay.db');
    const env = relayEnv(dbPath, `${upstream.url}/ingest`, pki, { RELAY_CONSENT_FILE: file });
    for (let run = 0; run < 2; run++) {
      const relay = await startRelayProcess(env);
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
    const stores = openStores({ dbPath, durability: 'normal', hashKey: 'k' });
    try {
      expect(stores.audit.list().filter((row) => row.action === 'consent.file')).toHaveLength(1);
    } finally {
      stores.close();
    }
  }, 30_000);
});
