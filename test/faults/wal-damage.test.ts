import Database from 'better-sqlite3';
import { closeSync, copyFileSync, openSync, readdirSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStores } from '../../relay/storage/stores.js';
import { relayEnv, startRelayProcess, tempDir } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import { useUpstream, type Upstream } from '../helpers/upstream.js';
import { deliveredCounts, errorEvent, metricsText, metricValue, postJson, waitForDelivery } from './support.js';
import { queuedRow } from '../helpers/fixtures.js';

let pki: TestPki;
let upstream: Upstream;

useUpstream((made) => ({ pki, upstream } = made));

const ADMIN = 'wal-test-admin-token';
const WAL_HEADER = 32;
const FRAME = 24 + 4096;

/**
 * A relay that took consent and 15 acknowledged batches with the upstream down, then was killed
 * with SIGKILL: everything it acknowledged is in the WAL, not yet checkpointed into the file.
 */
async function killedWithAWal(queuedBefore = 0): Promise<{ dbPath: string; env: Record<string, string>; acknowledged: string[] }> {
  const dbPath = join(tempDir('relay-wal-'), 'relay.db');
  const old = Array.from({ length: queuedBefore }, (_, i) => `${dbPath}-old-${i}`);
  if (queuedBefore > 0) {
    // Queued and checkpointed into the file before the relay starts (the CLI closed it cleanly).
    const stores = openStores({ dbPath, durability: 'normal', hashKey: 'k' });
    stores.outbox.enqueue(
      old.map((eventId) => queuedRow(eventId, { payload: JSON.stringify({ error: { type: 'E', message: 'queued in the file'.padEnd(300, '.') } }) })),
    );
    stores.close();
  }
  const env = relayEnv(dbPath, `${upstream.url}/ingest`, pki, { RELAY_ADMIN_TOKEN: ADMIN });
  upstream.respond = () => ({ status: 503 });
  const relay = await startRelayProcess(env);
  const acknowledged: string[] = [];
  try {
    const grant = await fetch(`${relay.url}/admin/consent/acme`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ telemetry_enabled: true }),
    });
    expect(grant.status).toBe(200);
    const tag = dbPath.split('/').at(-2)!;
    for (let batch = 0; batch < 15; batch++) {
      const ids = Array.from({ length: 20 }, (_, i) => `${tag}-${batch}-${i}`);
      const response = await postJson(`${relay.url}/v1/errors`, ids.map(errorEvent));
      expect(response.status).toBe(202);
      acknowledged.push(...ids);
    }
  } finally {
    relay.child.kill('SIGKILL');
    await relay.exited;
  }
  rmSync(`${dbPath}-shm`, { force: true });
  expect(statSync(`${dbPath}-wal`).size).toBeGreaterThan(10 * FRAME);
  return { dbPath, env, acknowledged: [...old, ...acknowledged] };
}

/** How many outbox rows SQLite itself gives back from these files (what the relay kept before salvage). */
function rowsSqliteKeeps(dbPath: string): number {
  const copy = join(tempDir('relay-wal-copy-'), 'relay.db');
  copyFileSync(dbPath, copy);
  copyFileSync(`${dbPath}-wal`, `${copy}-wal`);
  const db = new Database(copy);
  try {
    return db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox').get()!.n;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

async function restartAndDeliver(
  env: Record<string, string>,
  acknowledged: string[],
  kind: string,
): Promise<{ salvaged: number; unreadable: number; delivered: number; logs: string }> {
  upstream.requests.length = 0;
  upstream.respond = () => ({ status: 200 });
  const relay = await startRelayProcess(env);
  try {
    const metrics = await metricsText(relay.url);
    expect(metricValue(metrics, 'relay_storage_damage_total', { kind })).toBe(1);
    const salvaged = metricValue(metrics, 'relay_salvaged_events_total')!;
    const unreadable = metricValue(metrics, 'relay_salvage_unreadable_events_total')!;
    expect(relay.logs()).toContain('damaged storage salvaged');
    expect(relay.logs()).toContain(`"kind":"${kind}"`);
    const expectedDelivered = acknowledged.length - unreadable;
    await expect
      .poll(() => acknowledged.filter((id) => deliveredCounts(upstream).has(id)).length, { timeout: 20_000, interval: 100 })
      .toBe(expectedDelivered);
    return { salvaged, unreadable, delivered: expectedDelivered, logs: relay.logs() };
  } finally {
    relay.child.kill('SIGTERM');
    await relay.exited;
  }
}

describe('queued events that SQLite itself would drop without a word', () => {
  it('salvages the commits after garbage in the middle of the WAL, which SQLite drops at its checksum', async () => {
    const { dbPath, env, acknowledged } = await killedWithAWal();
    const frames = Math.floor((statSync(`${dbPath}-wal`).size - WAL_HEADER) / FRAME);
    // Garbage over the page data of one frame in the middle: its checksum fails, and SQLite's
    // replay stops there, dropping every commit after it.
    const fd = openSync(`${dbPath}-wal`, 'r+');
    writeSync(fd, Buffer.alloc(1000, 0x5a), 0, 1000, WAL_HEADER + Math.floor(frames / 2) * FRAME + 24 + 500);
    closeSync(fd);
    const kept = rowsSqliteKeeps(dbPath);
    expect(kept).toBeLessThan(acknowledged.length);

    const { salvaged, unreadable } = await restartAndDeliver(env, acknowledged, 'wal_frames_dropped');
    // The one damaged frame can hold at most one page of rows; everything else comes back.
    expect(salvaged).toBeGreaterThan(0);
    expect(kept + salvaged + unreadable).toBe(acknowledged.length);
    expect(unreadable).toBeLessThan(20);
    expect(readdirSync(dirname(dbPath)).some((name) => /^relay\.db-wal\.dropped-\d+$/.test(name))).toBe(true);
  }, 60_000);

  it('salvages the WAL beside a database file of zero length, which SQLite deletes', async () => {
    const { dbPath, env, acknowledged } = await killedWithAWal();
    truncateSync(dbPath, 0);
    expect(rowsSqliteKeeps(dbPath)).toBe(0);
    const { salvaged, unreadable } = await restartAndDeliver(env, acknowledged, 'empty_database_with_wal');
    // The file held only the schema (the consent and every event are in the WAL): all come back.
    expect([salvaged, unreadable]).toEqual([acknowledged.length, 0]);
    expect(readdirSync(dirname(dbPath)).filter((name) => /^relay\.db\.corrupt-\d+-wal$/.test(name))).toHaveLength(1);
  }, 60_000);

  it('salvages a WAL whose database file is missing, which SQLite deletes', async () => {
    const { dbPath, env, acknowledged } = await killedWithAWal();
    rmSync(dbPath);
    const { salvaged, unreadable } = await restartAndDeliver(env, acknowledged, 'wal_without_database');
    expect([salvaged, unreadable]).toEqual([acknowledged.length, 0]);
  }, 60_000);

  it('does not report an intact WAL after SIGKILL as damage', async () => {
    const { env, acknowledged } = await killedWithAWal();
    upstream.requests.length = 0;
    upstream.respond = () => ({ status: 200 });
    const relay = await startRelayProcess(env);
    try {
      const metrics = await metricsText(relay.url);
      expect(metrics).not.toMatch(/^relay_storage_damage_total\{/m);
      expect(metricValue(metrics, 'relay_salvaged_events_total')).toBe(0);
      await waitForDelivery(upstream, acknowledged, 20_000);
    } finally {
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
  }, 60_000);
});
