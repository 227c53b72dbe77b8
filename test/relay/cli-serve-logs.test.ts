import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plantedErrorEvent } from '../helpers/fixtures.js';
import { REPO, relayEnv, startRelayProcess, tempDir, waitFor } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import { useUpstream, type Upstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: Upstream;

useUpstream((made) => ({ pki, upstream } = made));

const ADMIN = 'admin-token-for-the-log-test';
const INGEST = 'ingest-token-for-the-log-test';

function lines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("the operator's log of `scrub-relay serve`", () => {
  it('is one JSON stream: a full start line, each admin call once without its body, failed authentication rate-limited, and SIGTERM', async () => {
    const dbPath = join(tempDir('relay-logs-'), 'relay.db');
    const relay = await startRelayProcess(
      relayEnv(dbPath, `${upstream.url}/ingest`, pki, { RELAY_ADMIN_TOKEN: ADMIN, RELAY_INGEST_TOKEN: INGEST, RELAY_MAX_BUFFER_BYTES: '1048576' }),
    );
    let stderr = '';
    relay.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const start = lines(relay.logs()).find((entry) => entry['msg'] === 'scrub-relay listening');
      const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
      expect(start).toMatchObject({
        version,
        durability: 'normal',
        bufferLimitBytes: 1048576,
        destinations: [{ name: 'diagnostics', host: new URL(upstream.url).host }],
        consent: { telemetryEnabledGlobally: true, companies: 0, telemetryEnabled: 0, idsAllowed: 0 },
      });

      const admin = (path: string, init: RequestInit = {}, token = ADMIN) =>
        fetch(`${relay.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
      expect((await admin('/admin/consent/acme', { method: 'PUT', body: JSON.stringify({ telemetry_enabled: true }) })).status).toBe(200);
      expect((await admin('/admin/egress/424242')).status).toBe(404);
      for (let i = 0; i < 3; i += 1) expect((await admin('/admin/outbox', {}, 'wrong-token')).status).toBe(401);
      for (let i = 0; i < 3; i += 1) {
        const refused = await fetch(`${relay.url}/v1/errors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(plantedErrorEvent()) });
        expect(refused.status).toBe(401);
      }
      const signIn = (token: string) =>
        fetch(`${relay.url}/console/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
      for (let i = 0; i < 2; i += 1) expect((await signIn('wrong-token')).status).toBe(401);
      const session = await signIn(ADMIN);
      expect(session.status).toBe(200);
      const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
      expect((await fetch(`${relay.url}/console/api/consent`, { headers: { cookie } })).status).toBe(200);
      await waitFor(() => relay.logs().includes('ingest request refused'), 5000, 'the ingest refusal line');

      relay.child.kill('SIGTERM');
      expect((await relay.exited).code).toBe(0);
      const log = lines(relay.logs());
      const calls = log.filter((entry) => entry['msg'] === 'admin call');
      expect(calls).toEqual([
        expect.objectContaining({ actor: 'admin', method: 'PUT', route: '/admin/consent/acme', status: 200, outcome: 'ok' }),
        expect.objectContaining({ actor: 'admin', method: 'GET', route: '/admin/egress/424242', status: 404, outcome: 'refused' }),
        expect.objectContaining({ surface: 'console', method: 'POST', route: '/console/api/session', status: 200 }),
        expect.objectContaining({ actor: 'console:admin', method: 'GET', route: '/console/api/consent', status: 200, outcome: 'ok' }),
      ]);
      const consoleAuth = log.filter((entry) => entry['msg'] === 'console request with a missing or wrong token');
      expect(consoleAuth).toEqual([expect.objectContaining({ level: 40, cause: 'console_auth', route: '/console/api/session', status: 401 })]);
      expect(JSON.stringify(calls)).not.toContain('telemetry_enabled');
      const adminAuth = log.filter((entry) => entry['msg'] === 'admin request with a missing or wrong token');
      expect(adminAuth).toEqual([expect.objectContaining({ level: 40, cause: 'admin_auth', route: '/admin/outbox', status: 401 })]);
      // One line per cause per minute, from the ingest formats' shared rejection log.
      const ingestAuth = log.filter((entry) => entry['msg'] === 'ingest request refused' && entry['code'] === 'unauthorized');
      expect(ingestAuth).toEqual([expect.objectContaining({ level: 40, format: 'native', status: 401 })]);
      expect(JSON.stringify(log)).not.toContain('wrong-token');
      expect(log.find((entry) => entry['msg'] === 'SIGTERM received, draining')).toMatchObject({ signal: 'SIGTERM', level: 30 });
      expect(stderr).toBe('');
    } finally {
      if (relay.child.exitCode === null) relay.child.kill('SIGKILL');
    }
  }, 60_000);
});
