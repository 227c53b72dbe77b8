import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RunningRelay } from '../../relay/server.js';
import { plantedErrorEvent } from '../helpers/fixtures.js';
import { setConsent, startTestRelay, useTestRelays } from '../helpers/in-process-relay.js';
import { waitFor } from '../helpers/relay-process.js';
import { createTestPki, type TestPki } from '../helpers/tls.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: Upstream;
const startRelay = useTestRelays((made) => ({ pki, upstream } = made));

async function post(relay: RunningRelay, ids: string[]): Promise<void> {
  const response = await fetch(`${relay.url}/v1/errors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ids.map((id) => plantedErrorEvent({ event_id: id }))),
  });
  expect(response.status).toBe(202);
}

async function attempts(relay: RunningRelay, outcome: string): Promise<number> {
  const metric = await relay.metrics.forwardAttempts.get();
  return metric.values.filter((value) => value.labels['outcome'] === outcome).reduce((sum, value) => sum + value.value, 0);
}

async function forwarded(relay: RunningRelay): Promise<number> {
  const metric = await relay.metrics.forwarded.get();
  return metric.values.reduce((sum, value) => sum + value.value, 0);
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/**
 * An HTTPS upstream whose answer misbehaves as `misbehave` decides, until `heal()`; then it
 * answers 200 and records the event ids it accepted.
 */
interface FaultyUpstream {
  url: string;
  accepted: string[];
  heal: () => void;
  close: () => Promise<void>;
}

async function faultyUpstream(misbehave: (res: ServerResponse) => void): Promise<FaultyUpstream> {
  const accepted: string[] = [];
  let healed = false;
  const server: Server = createServer({ cert: pki.cert, key: pki.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (!healed) return misbehave(res);
      const body = JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8')) as { events: { event_id: string }[] };
      accepted.push(...body.events.map((event) => event.event_id));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted,
    heal: () => {
      healed = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Another server certificate for 127.0.0.1, signed by the same test CA (a rotation). */
function rotatedCert(from: TestPki): TestPki {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: from.dir, stdio: 'pipe' });
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rotated.key', '-out', 'rotated.csr', '-subj', '/CN=127.0.0.1 rotated');
  writeFileSync(join(from.dir, 'rotated-ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  run('x509', '-req', '-in', 'rotated.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'rotated.pem', '-days', '2', '-extfile', 'rotated-ext.cnf');
  return { ...from, cert: readFileSync(join(from.dir, 'rotated.pem'), 'utf8'), key: readFileSync(join(from.dir, 'rotated.key'), 'utf8') };
}

/**
 * Five events against `faulty`: at least `failures` attempts end as errors with nothing counted as
 * delivered and every event still queued; once healed, each event is delivered and counted once.
 */
async function expectFailuresThenDelivery(faulty: FaultyUpstream, env: Record<string, string>, failures: number, what: string): Promise<void> {
  const relay = await startRelay({ DIAGNOSTICS_ENDPOINT: `${faulty.url}/ingest`, ...env });
  await setConsent(relay, 'acme', true);
  const sent = ids('faulty', 5);
  await post(relay, sent);
  await waitFor(async () => (await attempts(relay, 'error')) >= failures, 6_000, what);
  expect(await forwarded(relay)).toBe(0);
  expect(relay.stores.outbox.size().events).toBe(5);
  faulty.heal();
  await waitFor(() => sent.every((id) => faulty.accepted.includes(id)), 10_000, 'delivery once healed');
  // The upstream has the events before the relay has read its answer.
  await waitFor(async () => (await forwarded(relay)) >= 5, 5_000, 'the answer read');
  expect(await forwarded(relay)).toBe(5);
}

describe('upstreams that misbehave', () => {
  it('gives up on an upstream that drips its answer one byte a second after RELAY_SEND_TIMEOUT, keeps the events and delivers them later', async () => {
    const drips = new Set<NodeJS.Timeout>();
    const faulty = await faultyUpstream((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '120' });
      const drip = setInterval(() => res.write(' '), 1000);
      drips.add(drip);
      res.on('close', () => clearInterval(drip));
    });
    try {
      await expectFailuresThenDelivery(faulty, { RELAY_SEND_TIMEOUT: '2' }, 1, 'the dripping request given up');
    } finally {
      for (const drip of drips) clearInterval(drip);
      await faulty.close();
    }
  }, 30_000);

  it('treats a connection reset in the middle of the answer as a failure, never as a delivery', async () => {
    const faulty = await faultyUpstream((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"ok":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    try {
      await expectFailuresThenDelivery(faulty, {}, 2, 'reset answers seen as failures');
    } finally {
      await faulty.close();
    }
  }, 30_000);

  it('keeps the events of an upstream whose name does not resolve, and leaves on time with the exact count', async () => {
    const relay = await startRelay({
      DIAGNOSTICS_ENDPOINT: 'https://scrub-relay-test.invalid/ingest',
      RELAY_ALLOWED_HOSTS: 'scrub-relay-test.invalid,127.0.0.1',
      RELAY_SHUTDOWN_TIMEOUT: '1',
    });
    await setConsent(relay, 'acme', true);
    await post(relay, ids('dns', 5));
    await waitFor(async () => (await attempts(relay, 'error')) >= 1, 10_000, 'a failed lookup');
    const t0 = Date.now();
    await relay.close();
    expect(Date.now() - t0).toBeLessThan(2_000);
    const gauge = await relay.metrics.shutdownEventsLeft.get();
    expect(gauge.values.map((value) => ({ ...value.labels, value: value.value }))).toEqual([{ destination: 'diagnostics', reason: 'deadline', value: 5 }]);
  }, 20_000);

  it('delivers across a certificate rotation on the upstream, and keeps the events when the new certificate is not trusted', async () => {
    let current = await startUpstream(pki);
    const port = current.port;
    try {
      const relay = await startTestRelay(pki, current);
      await setConsent(relay, 'acme', true);
      const before = ids('before', 5);
      await post(relay, before);
      await waitFor(() => before.every((id) => current.events().some((event) => event['event_id'] === id)), 10_000, 'delivery before');

      await current.close();
      current = await startUpstream(rotatedCert(pki), { port });
      const after = ids('after', 5);
      await post(relay, after);
      await waitFor(() => after.every((id) => current.events().some((event) => event['event_id'] === id)), 10_000, 'delivery after the rotation');

      await current.close();
      current = await startUpstream(createTestPki(), { port });
      await post(relay, ids('untrusted', 5));
      await waitFor(async () => (await attempts(relay, 'error')) >= 1, 10_000, 'the handshake refused');
      expect(current.all).toEqual([]);
      expect(relay.stores.outbox.size().events).toBe(5);
      await relay.close();
    } finally {
      await current.close();
    }
  }, 40_000);

  it('keeps its retry schedule when the wall clock jumps back an hour during an outage', async () => {
    let offset = 0;
    let refusals = 2;
    upstream.respond = () => (refusals-- > 0 ? { status: 503 } : { status: 200 });
    const relay = await startRelay({ RELAY_MAX_BACKOFF: '2' }, { now: () => Date.now() + offset, retryBaseMs: 200 });
    await setConsent(relay, 'acme', true);
    const sent = ids('clock', 5);
    await post(relay, sent);
    await waitFor(() => upstream.all.length >= 1, 5_000, 'the first refusal');
    offset = -3_600_000;
    await waitFor(() => sent.every((id) => upstream.events().some((event) => event['event_id'] === id)), 8_000, 'delivery after the jump');
  }, 20_000);
});
