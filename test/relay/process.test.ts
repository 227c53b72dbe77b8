import { userInfo } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plantedErrorEvent } from '../helpers/fixtures.js';
import { relayEnv, runCli, startRelayProcess, tempDir, waitFor, type RelayProcess } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import { startUpstream, useUpstream, type Upstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: Upstream;

useUpstream((made) => ({ pki, upstream } = made));

async function postEvents(relay: RelayProcess, ids: string[]): Promise<number> {
  const response = await fetch(`${relay.url}/v1/errors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ids.map((id) => plantedErrorEvent({ event_id: id }))),
  });
  return response.status;
}

describe('the relay as a process', () => {
  it('refuses to start with an http: endpoint, naming the variable', async () => {
    const result = await runCli(['serve'], {
      env: { RELAY_DB_PATH: join(tempDir(), 'relay.db'), DIAGNOSTICS_ENDPOINT: 'http://127.0.0.1:9/ingest' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Expected DIAGNOSTICS_ENDPOINT to be an https:// URL');
  });

  it('refuses to start when a destination host is not in the allowed set', async () => {
    const result = await runCli(['serve'], {
      env: {
        RELAY_DB_PATH: join(tempDir(), 'relay.db'),
        LAKERA_API_KEY: 'k',
        LAKERA_TELEMETRY_ENDPOINT: 'https://collector.example.net/v2/telemetry',
      },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"collector.example.net" (lakera) is not in the allowed set');
  });

  it('refuses a bad number with what it received', async () => {
    const result = await runCli(['serve'], { env: { RELAY_PORT: 'abc' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Expected RELAY_PORT to be 0-65535, got "abc"');
  });

  it('refuses to start on a database path it cannot create, naming the path', async () => {
    // A regular file where the directory should be: refused even for root, unlike a chmod.
    const blocker = join(tempDir(), 'not-a-directory');
    writeFileSync(blocker, 'x');
    const dbPath = join(blocker, 'relay.db');
    const result = await runCli(['serve'], { env: { RELAY_DB_PATH: dbPath, RELAY_PORT: '0' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot open the database at ${dbPath} (EEXIST)`);
  });

  it('sets and lists consent from the CLI, in the same database the relay reads', async () => {
    const env = { RELAY_DB_PATH: join(tempDir(), 'relay.db') };
    const set = await runCli(['consent', 'set', 'acme', '--telemetry', '--no-ids'], { env });
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ company_id: 'acme', after: { telemetry_enabled: true, ids_allowed: false } });
    const list = await runCli(['consent', 'list'], { env });
    expect(JSON.parse(list.stdout)).toMatchObject({
      telemetry_enabled_globally: false,
      companies: [{ company_id: 'acme', telemetry_enabled: true, ids_allowed: false }],
    });
    const audit = await runCli(['audit', 'list'], { env });
    expect((JSON.parse(audit.stdout) as unknown[])[0]).toMatchObject({ actor: `cli:${userInfo().username}`, action: 'consent.set', subject: 'acme' });
  });

  it('delivers events queued while the upstream was down after the relay restarts', async () => {
    const dbPath = join(tempDir(), 'relay.db');
    await runCli(['consent', 'set', 'acme', '--telemetry'], { env: { RELAY_DB_PATH: dbPath } });
    const down = await startUpstream(pki);
    const port = down.port;
    await down.close();

    const first = await startRelayProcess(relayEnv(dbPath, `https://127.0.0.1:${port}/ingest`, pki));
    const ids = Array.from({ length: 20 }, (_, i) => `restart-${i}`);
    expect(await postEvents(first, ids)).toBe(202);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);

    const back = await startUpstream(pki, { port });
    const second = await startRelayProcess(relayEnv(dbPath, `https://127.0.0.1:${port}/ingest`, pki));
    try {
      await waitFor(() => ids.every((id) => back.events().some((event) => event['event_id'] === id)), 20_000, 'delivery after restart');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
      await back.close();
    }
  });

  it('loses no acknowledged event when the relay is killed with SIGKILL right after 202s', async () => {
    const dbPath = join(tempDir(), 'relay.db');
    await runCli(['consent', 'set', 'acme', '--telemetry'], { env: { RELAY_DB_PATH: dbPath } });
    // The upstream refuses everything while events are acknowledged, so they can only be in the outbox.
    upstream.respond = () => ({ status: 503 });
    const acknowledged: string[] = [];
    const relay = await startRelayProcess(relayEnv(dbPath, `${upstream.url}/ingest`, pki));
    for (let batch = 0; batch < 10; batch += 1) {
      const ids = Array.from({ length: 10 }, (_, i) => `kill-${batch}-${i}`);
      if ((await postEvents(relay, ids)) === 202) acknowledged.push(...ids);
    }
    relay.child.kill('SIGKILL');
    expect((await relay.exited).signal).toBe('SIGKILL');
    expect(acknowledged).toHaveLength(100);

    upstream.respond = () => ({ status: 200 });
    const restarted = await startRelayProcess(relayEnv(dbPath, `${upstream.url}/ingest`, pki));
    try {
      await waitFor(
        () => acknowledged.every((id) => upstream.events().some((event) => event['event_id'] === id)),
        20_000,
        'every acknowledged event upstream',
      );
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });

  it('stops on SIGTERM, leaving unsent events in the outbox', async () => {
    const dbPath = join(tempDir(), 'relay.db');
    await runCli(['consent', 'set', 'acme', '--telemetry'], { env: { RELAY_DB_PATH: dbPath } });
    upstream.respond = () => ({ status: 503 });
    const relay = await startRelayProcess(relayEnv(dbPath, `${upstream.url}/ingest`, pki));
    expect(await postEvents(relay, ['term-1', 'term-2'])).toBe(202);
    relay.child.kill('SIGTERM');
    expect((await relay.exited).code).toBe(0);
    upstream.respond = () => ({ status: 200 });
    const stats = await runCli(['outbox', 'stats'], { env: { RELAY_DB_PATH: dbPath } });
    expect(JSON.parse(stats.stdout)).toMatchObject({ events: 2 });
  });
});
