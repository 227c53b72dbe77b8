import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relayEnv, startRelayProcess, tempDir, waitFor, type RelayProcess } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import { useUpstream, type Upstream } from '../helpers/upstream.js';
import {
  allowAcme,
  createClientCert,
  errorEvent,
  metricsText,
  metricValue,
  postJson,
  startConnectProxy,
  startMtlsUpstream,
  waitForDelivery,
} from './support.js';

let pki: TestPki;
let upstream: Upstream;

useUpstream((made) => ({ pki, upstream } = made));

async function stop(relay: RelayProcess): Promise<void> {
  relay.child.kill('SIGTERM');
  await relay.exited;
}

async function freshDb(): Promise<string> {
  const dbPath = join(tempDir('relay-hardening-'), 'relay.db');
  await allowAcme(dbPath);
  return dbPath;
}

describe('expiry', () => {
  it('expires queued events older than RELAY_MAX_EVENT_AGE, counted as expired, and never sends them', async () => {
    const dbPath = await freshDb();
    upstream.respond = () => ({ status: 503 });
    const env = relayEnv(dbPath, `${upstream.url}/ingest`, pki, { RELAY_MAX_EVENT_AGE: '1' });
    const first = await startRelayProcess(env);
    expect((await postJson(`${first.url}/v1/errors`, [errorEvent('old-1'), errorEvent('old-2'), errorEvent('old-3')])).status).toBe(202);
    await stop(first);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    upstream.respond = () => ({ status: 200 });
    upstream.requests.length = 0;
    const second = await startRelayProcess(env);
    try {
      const metrics = await metricsText(second.url);
      expect(metricValue(metrics, 'relay_events_dropped_total', { reason: 'expired' })).toBe(3);
      expect(metricValue(metrics, 'relay_outbox_events')).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(upstream.events().filter((event) => String(event['event_id']).startsWith('old-'))).toEqual([]);
    } finally {
      await stop(second);
    }
  }, 30_000);
});

describe('secrets', () => {
  const secrets = {
    ingest: 'ingest-secret-7f3a9c1e5b2d8f4a',
    admin: 'admin-secret-2b8e6d4f1a9c3e7b',
    apiKey: 'diag-api-key-5c1e9a7b3d2f8e6a',
    hashKey: 'hash-key-secret-9e4b2a7c6f1d3e8b',
  };

  it('reads *_FILE secrets, refuses wrong tokens with 401, and never shows a secret in logs, metrics, bodies or readyz', async () => {
    const dir = tempDir('relay-secrets-');
    const file = (name: string, value: string) => {
      const path = join(dir, name);
      writeFileSync(path, `${value}\n`, { mode: 0o600 });
      return path;
    };
    const dbPath = await freshDb();
    let answer = 0;
    // 500, then 400 (dead letter), then accepted: the relay logs retries and refusals.
    upstream.respond = () => ({ status: [500, 400][answer++] ?? 200 });
    upstream.requests.length = 0;
    upstream.all.length = 0;
    const relay = await startRelayProcess(
      relayEnv(dbPath, `${upstream.url}/ingest`, pki, {
        RELAY_LOG_LEVEL: 'trace',
        RELAY_INGEST_TOKEN_FILE: file('ingest', secrets.ingest),
        RELAY_ADMIN_TOKEN_FILE: file('admin', secrets.admin),
        DIAGNOSTICS_API_KEY_FILE: file('api-key', secrets.apiKey),
        RELAY_HASH_KEY: '',
        RELAY_HASH_KEY_FILE: file('hash-key', secrets.hashKey),
      }),
    );
    const seen: string[] = [];
    const ingest = async (body: unknown, token?: string) => {
      const response = await postJson(`${relay.url}/v1/errors`, body, token === undefined ? {} : { authorization: `Bearer ${token}` });
      seen.push(response.text, JSON.stringify([...response.headers]));
      return response;
    };
    try {
      const noToken = await ingest(errorEvent('no-token'));
      expect(noToken.status).toBe(401);
      expect(noToken.headers.get('www-authenticate')).toBe('Bearer');
      // A near miss (same length, last character differs) is refused like any other wrong token.
      expect((await ingest(errorEvent('near-miss'), `${secrets.ingest.slice(0, -1)}X`)).status).toBe(401);
      expect((await ingest(errorEvent('admin-as-ingest'), secrets.admin)).status).toBe(401);
      expect((await ingest('{"broken', secrets.ingest)).status).toBe(400);

      const withUser = { ...errorEvent('sent-1'), user_id: 'user-42' };
      expect((await ingest([withUser, errorEvent('sent-2')], secrets.ingest)).status).toBe(202);
      await waitFor(() => upstream.all.length >= 2, 10_000, 'a retry and a refusal');
      expect((await ingest(errorEvent('sent-3'), secrets.ingest)).status).toBe(202);

      const admin = (token: string) => fetch(`${relay.url}/admin/outbox`, { headers: { authorization: `Bearer ${token}` } });
      expect((await admin(secrets.ingest)).status).toBe(401);
      expect((await admin(`${secrets.admin}x`)).status).toBe(401);
      const adminOk = await admin(secrets.admin);
      expect(adminOk.status).toBe(200);
      seen.push(await adminOk.text());

      await waitForDelivery(upstream, ['sent-3'], 15_000);
      // The API key from the file is what the upstream receives.
      expect(upstream.requests.at(-1)!.headers['authorization']).toBe(`Bearer ${secrets.apiKey}`);

      seen.push(await (await fetch(`${relay.url}/readyz`)).text(), await metricsText(relay.url), await (await fetch(`${relay.url}/healthz`)).text());
      const deadLetters = await fetch(`${relay.url}/admin/dead-letters`, { headers: { authorization: `Bearer ${secrets.admin}` } });
      seen.push(await deadLetters.text());
    } finally {
      await stop(relay);
    }
    const logs = relay.logs();
    expect(logs).toContain('upstream unavailable; will retry');
    expect(logs).toContain('moved to dead letters');
    for (const [name, value] of Object.entries(secrets)) {
      expect({ name, inLogs: logs.includes(value) }).toEqual({ name, inLogs: false });
      expect({ name, inResponses: seen.some((text) => text.includes(value)) }).toEqual({ name, inResponses: false });
    }
  }, 30_000);
});

describe('mutual TLS', () => {
  it('delivers to an upstream that requires a client certificate when one is configured', async () => {
    const client = createClientCert(pki);
    const mtls = await startMtlsUpstream(pki);
    const relay = await startRelayProcess(
      relayEnv(await freshDb(), `${mtls.url}/ingest`, pki, { RELAY_CLIENT_CERT_FILE: client.certFile, RELAY_CLIENT_KEY_FILE: client.keyFile }),
    );
    try {
      expect((await postJson(`${relay.url}/v1/errors`, errorEvent('mtls-1'))).status).toBe(202);
      await waitFor(() => mtls.eventIds.includes('mtls-1'), 10_000, 'delivery over mTLS');
    } finally {
      await stop(relay);
      await mtls.close();
    }
  }, 20_000);

  it('is refused by that upstream without a client certificate, and keeps the events', async () => {
    const mtls = await startMtlsUpstream(pki);
    const relay = await startRelayProcess(relayEnv(await freshDb(), `${mtls.url}/ingest`, pki));
    try {
      expect((await postJson(`${relay.url}/v1/errors`, errorEvent('no-cert'))).status).toBe(202);
      await waitFor(async () => (metricValue(await metricsText(relay.url), 'relay_forward_attempts_total', { outcome: 'error' }) ?? 0) >= 1, 10_000, 'a failed attempt');
      expect(mtls.eventIds).toEqual([]);
      expect(metricValue(await metricsText(relay.url), 'relay_outbox_events')).toBe(1);
    } finally {
      await stop(relay);
      await mtls.close();
    }
  }, 20_000);
});

describe('proxies', () => {
  it('tunnels upstream traffic through HTTPS_PROXY with CONNECT', async () => {
    const proxy = await startConnectProxy();
    upstream.respond = () => ({ status: 200 });
    const relay = await startRelayProcess(relayEnv(await freshDb(), `${upstream.url}/ingest`, pki, { HTTPS_PROXY: proxy.url }));
    try {
      expect((await postJson(`${relay.url}/v1/errors`, errorEvent('via-proxy'))).status).toBe(202);
      await waitForDelivery(upstream, ['via-proxy'], 10_000);
      expect(proxy.connects).toContain(`127.0.0.1:${upstream.port}`);
    } finally {
      await stop(relay);
      await proxy.close();
    }
  }, 20_000);

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    const proxy = await startConnectProxy();
    upstream.respond = () => ({ status: 200 });
    const relay = await startRelayProcess(
      relayEnv(await freshDb(), `${upstream.url}/ingest`, pki, { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }),
    );
    try {
      expect((await postJson(`${relay.url}/v1/errors`, errorEvent('no-proxy'))).status).toBe(202);
      await waitForDelivery(upstream, ['no-proxy'], 10_000);
      expect(proxy.connects).toEqual([]);
    } finally {
      await stop(relay);
      await proxy.close();
    }
  }, 20_000);
});

describe('listening address', () => {
  it('listens on 127.0.0.1 only by default', async () => {
    const relay = await startRelayProcess(relayEnv(await freshDb(), `${upstream.url}/ingest`, pki));
    try {
      const portHex = relay.port.toString(16).toUpperCase().padStart(4, '0');
      const listening = ['/proc/net/tcp', '/proc/net/tcp6']
        .flatMap((file) => readFileSync(file, 'utf8').split('\n').slice(1))
        .map((line) => line.trim().split(/\s+/))
        // State 0A is LISTEN; the local address is hex IP:port.
        .filter((fields) => fields[3] === '0A' && fields[1]?.endsWith(`:${portHex}`))
        .map((fields) => fields[1]);
      expect(listening).toEqual([`0100007F:${portHex}`]);
    } finally {
      await stop(relay);
    }
  }, 20_000);
});
