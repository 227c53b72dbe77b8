import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openStores } from '../../relay/storage/stores.js';
import { CLI, runCli, tempDir } from '../helpers/relay-process.js';
import { queuedRow } from '../helpers/fixtures.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const COMMANDS = [
  ['serve'],
  ['scrub'],
  ['rules', 'check'],
  ['consent', 'set'],
  ['consent', 'list'],
  ['outbox', 'stats'],
  ['outbox', 'recover'],
  ['dead-letters', 'list'],
  ['dead-letters', 'replay'],
  ['egress', 'list'],
  ['egress', 'show'],
  ['subject', 'export'],
  ['subject', 'erase'],
  ['audit', 'list'],
];

/** A database with two dead letters and three egress records, written as the relay would. */
function seededDb(): string {
  const dbPath = join(tempDir('relay-cli-admin-'), 'relay.db');
  const stores = openStores({ dbPath, durability: 'normal', hashKey: 'cli-admin-key' });
  stores.consent.set('acme', { telemetryEnabled: true }, 'admin');
  const rows = ['dead-1', 'dead-2'].map((eventId) => queuedRow(eventId, {
    payload: JSON.stringify({ event_id: eventId }),
    findings: JSON.stringify({ email: 1 }),
  }));
  const { ids } = stores.outbox.enqueue(rows)!;
  stores.outbox.deadLetter(ids, 'http_400');
  for (let i = 0; i < 3; i += 1) {
    stores.egress.record({
      sentAt: Date.parse('2026-01-01T00:00:00Z') + i * 60_000,
      destination: 'diagnostics',
      host: '127.0.0.1:9',
      status: 200,
      outcome: 'delivered',
      eventCount: 1,
      companies: ['acme'],
      userHashes: [],
      scrubCounts: { creditCard: 1 },
      wireBody: Buffer.from(`{"n":${i}}`),
      keepBody: true,
    });
  }
  stores.close();
  return dbPath;
}

describe('the CLI as an operator uses it', () => {
  it('answers --help on every command to stdout with exit 0, and serve --help does not start the relay', async () => {
    const dbPath = join(tempDir('relay-cli-help-'), 'never', 'relay.db');
    for (const command of COMMANDS) {
      const result = await runCli([...command, '--help'], { env: { RELAY_DB_PATH: dbPath } });
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout, command.join(' ')).toMatch(/^Usage: scrub-relay /);
      expect(result.stderr).toBe('');
    }
    expect(existsSync(join(dbPath, '..'))).toBe(false);
  }, 120_000);

  it('refuses a database that does not exist on every read-only command, naming the path, and creates nothing', async () => {
    const dir = tempDir('relay-cli-missing-');
    const dbPath = join(dir, 'typo', 'relay.db');
    for (const command of [['outbox', 'stats'], ['consent', 'list'], ['dead-letters', 'list'], ['egress', 'list'], ['egress', 'show', '1'], ['audit', 'list'], ['subject', 'export', '--company', 'acme']]) {
      const result = await runCli(command, { env: { RELAY_DB_PATH: dbPath } });
      expect(result.code, command.join(' ')).toBe(2);
      expect(result.stderr).toContain(`no database at ${dbPath}`);
      expect(result.stdout).toBe('');
    }
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  }, 60_000);

  it('prints snake_case keys and ISO 8601 times, and pages with --limit and --before-id', async () => {
    const env = { RELAY_DB_PATH: seededDb() };
    const first = await runCli(['egress', 'list', '--limit', '2'], { env });
    expect(first.code).toBe(0);
    const page = JSON.parse(first.stdout) as Record<string, unknown>[];
    expect(page.map((row) => row['id'])).toEqual([3, 2]);
    expect(page[0]).toMatchObject({ sent_at: '2026-01-01T00:02:00.000Z', event_count: 1, user_hashes: [], scrub_counts: { creditCard: 1 } });
    expect(Object.keys(page[0]!).every((key) => !/[A-Z]/.test(key))).toBe(true);
    expect(first.stderr).toContain('--before-id 2');
    const next = JSON.parse((await runCli(['egress', 'list', '--limit', '2', '--before-id', '2'], { env })).stdout) as { id: number }[];
    expect(next.map((row) => row.id)).toEqual([1]);

    const deadLetters = JSON.parse((await runCli(['dead-letters', 'list', '--json'], { env })).stdout) as Record<string, unknown>[];
    expect(deadLetters.map((row) => row['event_id']).sort()).toEqual(['dead-1', 'dead-2']);
    expect(deadLetters[0]!['failed_at']).toMatch(ISO);
    expect(deadLetters[0]!['created_at']).toMatch(ISO);
    expect(deadLetters[0]).not.toHaveProperty('payload');

    const stats = JSON.parse((await runCli(['outbox', 'stats'], { env })).stdout) as Record<string, unknown>;
    expect(stats).toMatchObject({ events: 0, dead_letters: 2, oldest_created_at: null });
  }, 60_000);

  it('takes --since as a duration or an ISO time, and refuses anything else with exit 2', async () => {
    const env = { RELAY_DB_PATH: seededDb() };
    const all = JSON.parse((await runCli(['egress', 'list', '--since', '2026-01-01T00:01:00Z'], { env })).stdout) as unknown[];
    expect(all).toHaveLength(2);
    // The seeded records are from 2026-01-01: a week back from now holds none of them unless the clock is that old.
    const recent = JSON.parse((await runCli(['egress', 'list', '--since', '1h'], { env })).stdout) as unknown[];
    expect(recent.length).toBe(Date.now() - 3600_000 <= Date.parse('2026-01-01T00:02:00Z') ? 3 : 0);
    const audit = JSON.parse((await runCli(['audit', 'list', '--since', '7d'], { env })).stdout) as unknown[];
    expect(audit.length).toBeGreaterThan(0);
    const refused = await runCli(['audit', 'list', '--since', 'yesterday'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--since');
  }, 60_000);

  it('prints lists as a table with --output table, and refuses an unknown --output', async () => {
    const env = { RELAY_DB_PATH: seededDb() };
    const table = await runCli(['egress', 'list', '--output', 'table'], { env });
    expect(table.code).toBe(0);
    const [header, ...lines] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+SENT_AT\s+DESTINATION\s+HOST/);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('2026-01-01T00:02:00.000Z');
    const consent = await runCli(['consent', 'list', '--output', 'table'], { env });
    expect(consent.stdout).toMatch(/^COMPANY_ID\s+TELEMETRY_ENABLED/);
    expect(consent.stdout).toMatch(/\nacme\s+true/);
    const bad = await runCli(['audit', 'list', '--output', 'yaml'], { env });
    expect(bad.code).toBe(2);
  }, 60_000);

  it.skipIf(!existsSync('/usr/bin/script'))('prints a table on a terminal and JSON into a pipe by default', async () => {
    const env = { RELAY_DB_PATH: seededDb() };
    // util-linux `script` gives the CLI a pseudo-terminal as its stdout.
    const onTerminal = await promisify(execFile)('/usr/bin/script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} egress list`, '/dev/null'], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
    });
    expect(onTerminal.stdout).toMatch(/^ID\s+SENT_AT/);
    const piped = await runCli(['egress', 'list'], { env });
    expect(JSON.parse(piped.stdout)).toHaveLength(3);
  }, 60_000);

  it('exits 1 for an id that does not exist and replays nothing; records the OS user as the actor', async () => {
    const env = { RELAY_DB_PATH: seededDb() };
    const missing = await runCli(['dead-letters', 'replay', '--id', '1', '--id', '77'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('77');
    expect((JSON.parse((await runCli(['dead-letters', 'list'], { env })).stdout) as unknown[]).length).toBe(2);
    const show = await runCli(['egress', 'show', '99'], { env });
    expect(show.code).toBe(1);

    const replay = await runCli(['dead-letters', 'replay', '--id', '1'], { env });
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ replayed: 1 });
    const [row] = JSON.parse((await runCli(['audit', 'list', '--limit', '1'], { env })).stdout) as Record<string, unknown>[];
    expect(row).toMatchObject({ actor: `cli:${userInfo().username}`, action: 'dead_letters.replay', details: { replayed: 1, ids: [1] } });
    expect(row!['at']).toMatch(ISO);
  }, 60_000);
});
