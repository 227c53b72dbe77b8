import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { plantedErrorEvent } from '../helpers/fixtures.js';
import { setConsent, useTestRelays } from '../helpers/in-process-relay.js';
import { waitFor } from '../helpers/relay-process.js';
import type { Upstream } from '../helpers/upstream.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => (upstream = made.upstream));

interface Drip {
  socket: Socket;
  /** Settles with the status line the relay answered, or `closed`/`timeout` when it answered none. */
  outcome: Promise<{ status: string; closed: boolean }>;
  stop: () => void;
}

/** A client that sends a chunked POST body one byte every `everyMs`, until the relay answers or closes. */
function drip(port: number, everyMs: number, giveUpMs: number): Drip {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    clearInterval(timer);
    socket.destroy();
  };
  const outcome = new Promise<{ status: string; closed: boolean }>((resolve) => {
    const giveUp = setTimeout(() => {
      resolve({ status: 'timeout', closed: false });
      stop();
    }, giveUpMs);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearInterval(timer);
      resolve({ status: /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 'closed', closed: true });
    });
  });
  socket.on('connect', () => {
    socket.write('POST /v1/errors HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n[\r\n');
    timer = setInterval(() => {
      if (!socket.destroyed) socket.write('1\r\n \r\n');
    }, everyMs);
  });
  return { socket, outcome, stop };
}

describe('slow clients', () => {
  it('keeps accepting a normal client while 16 bodies drip one byte every 2 s, and answers the drips 408 and closes them', async () => {
    const relay = await startRelay({ RELAY_BODY_TIMEOUT: '2', RELAY_BODY_MIN_RATE: '100' });
    await setConsent(relay, 'acme', true);
    const drips = Array.from({ length: 16 }, () => drip(relay.port, 2000, 15_000));
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const response = await fetch(`${relay.url}/v1/errors`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(plantedErrorEvent()),
      });
      const openWhenAnswered = drips.filter((one) => !one.socket.destroyed).length;
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ accepted: 1 });
      // Answered while every drip still held its connection (they are cut off after 2 s at the earliest).
      expect(openWhenAnswered).toBe(16);
      const outcomes = await Promise.all(drips.map((one) => one.outcome));
      expect(outcomes).toEqual(Array.from({ length: 16 }, () => ({ status: '408', closed: true })));
      const rejected = await relay.metrics.rejected.get();
      expect(rejected.values.find((value) => value.labels['code'] === 'body_timeout')?.value).toBe(16);
    } finally {
      for (const one of drips) one.stop();
    }
  }, 30_000);

  it('lets a body that keeps up the minimum rate take longer than the timeout', async () => {
    const relay = await startRelay({ RELAY_BODY_TIMEOUT: '1', RELAY_BODY_MIN_RATE: '100' });
    await setConsent(relay, 'acme', true);
    const text = JSON.stringify(plantedErrorEvent({ extra: { note: 'x'.repeat(1200) } }));
    const socket = connect(relay.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /v1/errors HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n`);
    // About 400 bytes per 250 ms: well above 100 bytes per second, spread over more than the 1 s timeout.
    const pieces = text.match(/[\s\S]{1,400}/g) ?? [];
    for (const piece of pieces) {
      socket.write(piece);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (let waited = 0; waited < 5000 && !received.includes('\r\n\r\n'); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    expect(pieces.length * 250).toBeGreaterThan(1000);
    expect(received).toMatch(/^HTTP\/1\.1 202/);
  }, 20_000);
});

describe('tenancy and field checks on the scrub worker (bodies of RELAY_SCRUB_WORKER_MIN_BYTES and up)', () => {
  const big = (overrides: Record<string, unknown>) => plantedErrorEvent({ extra: { note: 'retry later '.repeat(2000) }, ...overrides });

  it("refuses a large body naming another company with 403, files one naming none under the token's company, and forwards its time normalised", async () => {
    const relay = await startRelay({ RELAY_INGEST_TOKENS: 'tok-acme-0001=acme', RELAY_SCRUB_WORKER_MIN_BYTES: '1024' });
    await setConsent(relay, 'acme', true, true);
    const post = (body: unknown) =>
      fetch(`${relay.url}/v1/errors`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer tok-acme-0001' }, body: JSON.stringify(body) });
    const refused = await post([big({}), big({ company_id: 'globex' })]);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('event 1: field \\"company_id\\"');
    const { company_id: _company, ...anonymous } = big({ timestamp: 1795427278, event_id: 'jane.doe:4111111111111111' });
    const accepted = await post(anonymous);
    expect(accepted.status).toBe(202);
    expect((await relay.metrics.scrubWorkerRequests.get()).values[0]?.value).toBe(2);
    await waitFor(() => upstream.events().length === 1, 15_000, 'the event to be forwarded');
    const [sent] = upstream.events();
    expect(sent).toMatchObject({ company_id: 'acme', timestamp: '2026-11-23T09:47:58.000Z' });
    expect(JSON.stringify(sent)).not.toMatch(/jane|4111111111111111/);
  }, 30_000);
});
