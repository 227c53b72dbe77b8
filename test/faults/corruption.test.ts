import { closeSync, openSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStores } from '../../relay/storage/stores.js';
import { relayEnv, runCli, startRelayProcess, tempDir, waitFor } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import { useUpstream, type Upstream } from '../helpers/upstream.js';
import { allowAcme, errorEvent, metricsText, metricValue, postJson, waitForDelivery } from './support.js';
import { queuedRow } from '../helpers/fixtures.js';

let pki: TestPki;
let upstream: Upstream;

useUpstream((made) => ({ pki, upstream } = made));

/** A real relay database with a few hundred queued events, checkpointed into the main file. */
function populatedDatabase(): { dbPath: string; size: number } {
  const dbPath = join(tempDir('relay-corrupt-'), 'relay.db');
  const stores = openStores({ dbPath, durability: 'normal', hashKey: 'k' });
  stores.consent.set('acme', { telemetryEnabled: true }, 'cli');
  stores.outbox.enqueue(
    Array.from({ length: 600 }, (_, i) => queuedRow(`old-${i}`, { payload: JSON.stringify({ error: { type: 'E', message: `queued before the damage ${i}`.padEnd(300, '.') } }) })),
  );
  stores.close();
  return { dbPath, size: statSync(dbPath).size };
}

const QUEUED = 600;

/** Overwrites `pages` pages from page number `first` (1-based) with one byte value. */
function garbageOverPages(dbPath: string, first: number, pages: number): void {
  const fd = openSync(dbPath, 'r+');
  writeSync(fd, Buffer.alloc(pages * 4096, 0x5a), 0, pages * 4096, (first - 1) * 4096);
  closeSync(fd);
}

/**
 * Per damage, what the salvage can read back: `all` rows; `exact`: some rows, and the outbox's
 * stored total survives, so salvaged + unreadable is the number queued; `nothing` (not SQLite).
 */
const damages: Record<string, { damage: (dbPath: string, size: number) => void; expected: 'all' | 'exact' | 'nothing' }> = {
  'garbage over the header': {
    damage: (dbPath) => {
      const fd = openSync(dbPath, 'r+');
      writeSync(fd, Buffer.alloc(100, 0x41), 0, 100, 0);
      closeSync(fd);
    },
    expected: 'all',
  },
  'a file truncated in the middle of a page': { damage: (dbPath, size) => truncateSync(dbPath, Math.floor(size / 2) + 1234), expected: 'exact' },
  'garbage over interior b-tree pages': { damage: (dbPath) => garbageOverPages(dbPath, 5, 3), expected: 'exact' },
  'garbage over outbox leaf pages': { damage: (dbPath) => garbageOverPages(dbPath, 31, 3), expected: 'exact' },
  'a file that is not SQLite at all': {
    damage: (dbPath) => writeFileSync(dbPath, 'this is a log file, not a database\n'.repeat(500)),
    expected: 'nothing',
  },
};

describe('a damaged database file at start', () => {
  it.each(Object.entries(damages))(
    'is moved aside, the relay starts on a fresh outbox and every intact queued event is delivered (%s)',
    async (_name, { damage, expected }) => {
      const { dbPath, size } = populatedDatabase();
      damage(dbPath, size);
      const tag = dbPath.split('/').at(-2)!;
      const damagedBytes = readFileSync(dbPath);

      const relay = await startRelayProcess(relayEnv(dbPath, `${upstream.url}/ingest`, pki));
      try {
        const aside = readdirSync(dirname(dbPath)).filter((name) => /^relay\.db\.corrupt-\d+$/.test(name));
        expect(aside).toHaveLength(1);
        // The damaged bytes are kept for a post-mortem, not deleted.
        expect(readFileSync(join(dirname(dbPath), aside[0]!)).equals(damagedBytes)).toBe(true);
        expect(relay.logs()).toContain('database file was damaged; moved aside and started with a fresh outbox');
        expect(relay.logs()).toContain(aside[0]);
        expect(relay.logs()).toContain('damaged storage salvaged');

        const metrics = await metricsText(relay.url);
        expect(metricValue(metrics, 'relay_storage_recovered_total')).toBe(1);
        expect(metricValue(metrics, 'relay_storage_damage_total', { kind: 'corrupt_file' })).toBe(1);
        const salvaged = metricValue(metrics, 'relay_salvaged_events_total')!;
        const unreadable = metricValue(metrics, 'relay_salvage_unreadable_events_total')!;
        if (expected === 'all') expect([salvaged, unreadable]).toEqual([QUEUED, 0]);
        if (expected === 'exact') {
          expect(salvaged + unreadable).toBe(QUEUED);
          expect(salvaged).toBeGreaterThan(0);
        }
        if (expected === 'nothing') expect([salvaged, unreadable]).toEqual([0, 0]);
        expect((await fetch(`${relay.url}/readyz`)).status).toBe(200);

        // The consent the damaged file held came back with its events: they are delivered as they were queued.
        if (salvaged > 0) {
          await waitFor(() => upstream.events().filter((event) => String(event['event_id']).startsWith('old-')).length >= salvaged, 20_000, 'salvaged events');
          const old = upstream.events().filter((event) => String(event['event_id']).startsWith('old-'));
          expect(new Set(old.map((event) => event['event_id'])).size).toBe(salvaged);
          for (const event of old) {
            const i = Number(String(event['event_id']).slice('old-'.length));
            expect(event['error']).toEqual({ type: 'E', message: `queued before the damage ${i}`.padEnd(300, '.') });
          }
        } else {
          await allowAcme(dbPath);
        }
        const response = await postJson(`${relay.url}/v1/errors`, [errorEvent(`fresh-${tag}-1`), errorEvent(`fresh-${tag}-2`)]);
        expect(response.status).toBe(202);
        expect(JSON.parse(response.text)).toMatchObject({ accepted: 2 });
        await waitForDelivery(upstream, [`fresh-${tag}-1`, `fresh-${tag}-2`], 15_000);
      } finally {
        relay.child.kill('SIGTERM');
        await relay.exited;
        upstream.requests.length = 0;
      }
    },
    40_000,
  );

  it('keeps an intact database and its queue (no false alarm)', async () => {
    const { dbPath } = populatedDatabase();
    upstream.respond = () => ({ status: 503 });
    const relay = await startRelayProcess(relayEnv(dbPath, `${upstream.url}/ingest`, pki));
    try {
      expect(readdirSync(dirname(dbPath)).filter((name) => name.includes('corrupt'))).toEqual([]);
      const metrics = await metricsText(relay.url);
      expect(metricValue(metrics, 'relay_storage_recovered_total')).toBe(0);
      expect(metricValue(metrics, 'relay_outbox_events')).toBe(600);
    } finally {
      relay.child.kill('SIGTERM');
      await relay.exited;
      upstream.respond = () => ({ status: 200 });
    }
  }, 30_000);
});

describe('scrub-relay outbox recover FILE', () => {
  it('queues the intact events of a damaged file into the outbox, prints the counts, and never queues one twice', async () => {
    const { dbPath: damaged, size } = populatedDatabase();
    truncateSync(damaged, Math.floor(size / 2) + 1234);
    const live = join(tempDir('relay-recover-'), 'relay.db');
    const env = { RELAY_DB_PATH: live, RELAY_HASH_KEY: 'k' };

    const first = await runCli(['outbox', 'recover', damaged], { env });
    expect(first.code).toBe(0);
    const counts = JSON.parse(first.stdout) as Record<string, number | boolean>;
    expect(counts).toMatchObject({ file: damaged, already_queued: 0, without_consent: 0, exact: true, consent_restored: 1 });
    expect(Number(counts['requeued']) + Number(counts['unreadable'])).toBe(QUEUED);
    expect(counts['requeued']).toBeGreaterThan(0);

    const stats = JSON.parse((await runCli(['outbox', 'stats'], { env })).stdout) as { events: number };
    expect(stats.events).toBe(counts['requeued']);
    const again = JSON.parse((await runCli(['outbox', 'recover', damaged], { env })).stdout) as Record<string, number>;
    expect(again).toMatchObject({ requeued: 0, already_queued: counts['requeued'] });
    const audit = JSON.parse((await runCli(['audit', 'list'], { env })).stdout) as { action: string }[];
    expect(audit.filter((row) => row.action === 'outbox.salvaged')).toHaveLength(2);
  }, 30_000);

  it('answers --help, and exits 2 naming the path when FILE does not exist', async () => {
    const help = await runCli(['outbox', 'recover', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: scrub-relay outbox recover FILE');
    const missing = join(tempDir('relay-recover-'), 'nothing.db');
    const result = await runCli(['outbox', 'recover', missing], { env: { RELAY_DB_PATH: join(dirname(missing), 'relay.db') } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`no file at ${missing}`);
  });
});
