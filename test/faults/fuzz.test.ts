import { connect } from 'node:net';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env.js';
import { loadRules } from '../../config/rules.js';
import { createApp } from '../../relay/app.js';
import { createLogger } from '../../relay/observe/logger.js';
import { createMetrics } from '../../relay/observe/metrics.js';
import { openStores } from '../../relay/storage/stores.js';
import { createScrubber } from '../../scrubbers/index.js';
import { plantedErrorEvent, plantedScanEvent } from '../helpers/fixtures.js';
import { relayEnv, startRelayProcess, tempDir } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import { useUpstream, type Upstream } from '../helpers/upstream.js';
import { allowAcme, errorEvent, processMemory, seeded, waitForDelivery } from './support.js';

interface HostileRequest {
  kind: string;
  path: '/v1/errors' | '/v1/scans';
  headers: Record<string, string>;
  body: Buffer;
}

const MiB = 1024 * 1024;
// Built once: 64 MiB of zeros compresses to ~64 KiB, far under the body limit, far over it unpacked.
const gzipBomb = gzipSync(Buffer.alloc(64 * MiB));
const deflateBomb = deflateSync(Buffer.alloc(64 * MiB));

/** A seeded generator of malformed and hostile requests; `rng` decides everything. */
function hostileRequests(rng: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
  const int = (max: number) => Math.floor(rng() * max);
  const json = { 'content-type': 'application/json' };
  const validText = () => JSON.stringify(rng() < 0.5 ? plantedErrorEvent() : plantedScanEvent());
  const randomBytes = (length: number) => Buffer.from(Array.from({ length }, () => int(256)));
  const weird = () => pick<unknown>([null, true, -1, 1e308, '', 'x'.repeat(int(300)), [], {}, [[]], { a: { b: {} } }, '\u0000', '\ud800']);

  const generators: Record<string, () => Omit<HostileRequest, 'kind' | 'path'>> = {
    truncatedJson: () => {
      const text = validText();
      return { headers: json, body: Buffer.from(text.slice(0, int(text.length))) };
    },
    randomBytes: () => ({ headers: pick([json, {}, { 'content-type': 'application/x-ndjson' }]), body: randomBytes(1 + int(2000)) }),
    invalidUtf8: () => {
      const text = Buffer.from(validText());
      const bad = pick([Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), Buffer.from([0xff]), Buffer.from([0xc0, 0xaf])]);
      const at = 1 + int(text.length - 2);
      return { headers: json, body: Buffer.concat([text.subarray(0, at), bad, text.subarray(at)]) };
    },
    deepArrays: () => {
      const depth = pick([40, 500, 10_000, 200_000]);
      return { headers: json, body: Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`) };
    },
    deepObjects: () => {
      const depth = pick([33, 300, 5000, 50_000]);
      return { headers: json, body: Buffer.from(`{"timestamp":"t","error":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`) };
    },
    hugeString: () => {
      const length = pick([70_000, 500_000, 1_100_000]);
      return { headers: json, body: Buffer.from(JSON.stringify(plantedErrorEvent({ extra: { blob: 'A'.repeat(length) } }))) };
    },
    wrongTypes: () => {
      const event = rng() < 0.5 ? plantedErrorEvent() : plantedScanEvent();
      const keys = Object.keys(event);
      for (let n = 0; n < 1 + int(3); n += 1) event[pick(keys)] = weird();
      const error = event['error'];
      if (rng() < 0.3 && error !== null && typeof error === 'object' && !Array.isArray(error)) (error as Record<string, unknown>)['type'] = weird();
      return { headers: json, body: Buffer.from(JSON.stringify(event)) };
    },
    prototypePollution: () => {
      const key = pick(['__proto__', 'constructor', 'prototype']);
      const text = pick([
        `{"timestamp":"t","error":{},"${key}":{"polluted":true}}`,
        `{"timestamp":"t","error":{"${key}":{"polluted":true}}}`,
        `{"timestamp":"t","error":{},"extra":{"a":[{"${key}":{"prototype":{"polluted":true}}}]}}`,
        `[{"timestamp":"t","error":{}},{"__proto__":{"polluted":true},"timestamp":"t","error":{}}]`,
      ]);
      return { headers: json, body: Buffer.from(text) };
    },
    wrongContentType: () => ({
      headers: { 'content-type': pick(['text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/xml', 'application/json; charset=utf-16', 'image/png', ';;;', 'application/jsonx']) },
      body: Buffer.from(rng() < 0.5 ? validText() : 'a=1&b=2'),
    }),
    wrongEncoding: () => {
      const encoding = pick(['br', 'zstd', 'compress', 'gzip, gzip', 'identity;q=0', 'GZIP', 'deflate', 'gzip', 'x-gzip', '']);
      const body = pick([Buffer.from(validText()), randomBytes(64), gzipSync(validText()).subarray(0, 20), gzipSync(validText())]);
      return { headers: { ...json, 'content-encoding': encoding }, body };
    },
    compressionBomb: () =>
      rng() < 0.5 ? { headers: { ...json, 'content-encoding': 'gzip' }, body: gzipBomb } : { headers: { ...json, 'content-encoding': 'deflate' }, body: deflateBomb },
    batches: () => {
      const text = pick([
        '[]',
        '[[]]',
        '[1,2,3]',
        `[${Array.from({ length: 1001 }, () => '{}').join(',')}]`,
        `[${validText()},null]`,
        `[${validText()},${validText()},"x"]`,
        '{}',
        'null',
        '"just a string"',
        '123',
      ]);
      return { headers: json, body: Buffer.from(text) };
    },
    brokenNdjson: () => ({
      headers: { 'content-type': 'application/x-ndjson' },
      body: Buffer.from(`${validText()}\n${validText().slice(0, 40)}\n${validText()}\n\n\r\n{`),
    }),
    manyKeys: () => {
      const extra: Record<string, number> = {};
      for (let k = 0; k < pick([2100, 20_000]); k += 1) extra[`k${k}`] = k;
      return { headers: json, body: Buffer.from(JSON.stringify(plantedErrorEvent({ extra }))) };
    },
    oddUnicode: () => {
      const value = pick(['\\ud800', '\\udfff\\ud800', '\\u0000\\u0000', '\\ufeff', '\\u202e', '\\uffff', 'é'.normalize('NFD'), '🦄'.repeat(100)]);
      const bom = rng() < 0.3 ? '\ufeff' : '';
      return { headers: json, body: Buffer.from(`${bom}{"timestamp":"t","error":{"type":"${value}","message":"${value}"},"extra":{"${value}":"${value}"}}`) };
    },
    numbers: () => ({
      headers: json,
      body: Buffer.from(`{"timestamp":${pick(['1e400', '-0', '9007199254740993', '-1', '1.5e-400', '0x10', 'NaN', 'Infinity'])},"error":{},"frames":[{"line":${pick(['-1', '1e400', '1.5', '"1"'])}}]}`),
    }),
    hostileValues: () => {
      const event = plantedErrorEvent({
        event_id: pick(['', 'a'.repeat(129), '../../etc/passwd', 'id with spaces', 'ok-id\n', '💥']),
        company_id: pick(['', 'c'.repeat(300), 'acme\u0000', 'acme']),
        user_id: pick([{}, [], 'u'.repeat(300), -5, 'fine-user']),
      });
      return { headers: json, body: Buffer.from(JSON.stringify(event)) };
    },
    duplicateKeys: () => ({ headers: json, body: Buffer.from('{"timestamp":"t","timestamp":{},"error":{},"error":"x","company_id":"acme","company_id":7}') }),
    emptyOrWhitespace: () => ({ headers: pick([json, {}]), body: Buffer.from(pick(['', ' ', '\n\n', '\t\r\n', '\u0000'])) }),
  };
  const kinds = Object.keys(generators);
  // Expensive shapes (megabyte strings, bombs, 20k keys) are rarer so the run stays short.
  const weights: Record<string, number> = { hugeString: 0.2, compressionBomb: 0.2, manyKeys: 0.2, deepArrays: 0.5, deepObjects: 0.5 };
  const total = kinds.reduce((sum, kind) => sum + (weights[kind] ?? 1), 0);
  return (): HostileRequest => {
    let roll = rng() * total;
    const kind = kinds.find((candidate) => (roll -= weights[candidate] ?? 1) < 0) ?? kinds[0]!;
    return { kind, path: rng() < 0.7 ? '/v1/errors' : '/v1/scans', ...generators[kind]!() };
  };
}

let pki: TestPki;
let upstream: Upstream;

useUpstream((made) => ({ pki, upstream } = made));

describe('hostile input', () => {
  it('answers 10,000 malformed and hostile bodies with 2xx/4xx only, in-process, and keeps the well-formed events', async () => {
    const dbPath = join(tempDir('relay-fuzz-'), 'relay.db');
    const config = loadConfig({
      RELAY_DB_PATH: dbPath,
      TELEMETRY_ENABLED: 'true',
      DIAGNOSTICS_ENDPOINT: 'https://diagnostics.example.eu/ingest',
      LAKERA_API_KEY: 'k',
      RELAY_DEFAULT_COMPANY: 'acme',
    });
    const stores = openStores({ dbPath, durability: config.durability, hashKey: 'k' });
    try {
      stores.consent.set('acme', { telemetryEnabled: true }, 'cli');
      const app = createApp({
        config,
        stores,
        scrubber: createScrubber(loadRules({}), { hashKey: 'k' }),
        metrics: createMetrics(),
        logger: createLogger('silent'),
        isDraining: () => false,
      });
      const next = hostileRequests(seeded(1123));
      const statuses = new Map<number, number>();
      const fiveHundreds: string[] = [];
      const good: string[] = [];
      let accepted = 0;
      let baselineRss = 0;
      let peakRss = 0;
      const started = performance.now();
      for (let n = 0; n < 10_000; n += 1) {
        if (n % 100 === 0) {
          const id = `inproc-ok-${n}`;
          const response = await app.request('/v1/errors', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(errorEvent(id)) });
          expect(response.status).toBe(202);
          good.push(id);
          accepted += 1;
        }
        const request = next();
        const response = await app.request(request.path, { method: 'POST', headers: request.headers, body: request.body });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500) fiveHundreds.push(`${request.kind} ${response.status} ${await response.text()}`);
        else if (response.status === 202) accepted += ((await response.json()) as { accepted: number }).accepted;
        else await response.arrayBuffer();
        if (n === 1000) baselineRss = process.memoryUsage().rss;
        if (n % 250 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
      const seconds = (performance.now() - started) / 1000;
      console.info(`fuzz in-process: 10000 hostile bodies in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
      expect(fiveHundreds).toEqual([]);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
      // Memory stays bounded: no growth with the number of hostile requests.
      expect(peakRss - baselineRss).toBeLessThan(200 * MiB);
      const stored = new Set(stores.outbox.peek('diagnostics', 100_000).map((row) => row.eventId));
      expect(good.filter((id) => !stored.has(id))).toEqual([]);
      expect(stores.outbox.size().events).toBe(accepted);
      // Every 4xx family the generator aims at actually occurred.
      for (const status of [400, 413, 415]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
    } finally {
      stores.close();
    }
  }, 120_000);

  it('survives hostile bodies and malformed HTTP over real connections to the CLI relay, memory bounded, and delivers the events posted in between', async () => {
    const dbPath = join(tempDir('relay-fuzz-http-'), 'relay.db');
    await allowAcme(dbPath);
    upstream.respond = () => ({ status: 200 });
    const relay = await startRelayProcess(relayEnv(dbPath, `${upstream.url}/ingest`, pki, { RELAY_LOG_LEVEL: 'info' }));
    const pool = new Pool(relay.url, { connections: 8 });
    try {
      const pid = relay.child.pid!;
      const next = hostileRequests(seeded(99));
      const statuses = new Map<number, number>();
      const fiveHundreds: string[] = [];
      const good: string[] = [];
      const closedBy = new Map<string, number>();
      let peakRss = 0;
      const send = async (n: number) => {
        const request = next();
        let response;
        try {
          response = await pool.request({ path: request.path, method: 'POST', headers: request.headers, body: request.body });
          await response.body.dump();
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'unknown';
          closedBy.set(`${request.kind} ${code}`, (closedBy.get(`${request.kind} ${code}`) ?? 0) + 1);
          return;
        }
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        if (response.statusCode >= 500) fiveHundreds.push(`${request.kind} ${response.statusCode}`);
        if (n % 50 === 0) {
          const id = `http-ok-${n}`;
          const ok = await pool.request({ path: '/v1/errors', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(errorEvent(id)) });
          await ok.body.dump();
          expect(ok.statusCode).toBe(202);
          good.push(id);
        }
      };
      const total = 2500;
      for (let n = 0; n < total; n += 8) {
        await Promise.all(Array.from({ length: Math.min(8, total - n) }, (_, i) => send(n + i)));
        if (n % 400 === 0) peakRss = Math.max(peakRss, processMemory(pid).rss);
      }

      // Malformed HTTP on raw sockets: the server answers 4xx or closes, never 5xx, never dies.
      const rawRng = seeded(7);
      const raw = [
        'GARBAGE\r\n\r\n',
        'POST /v1/errors HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"short":',
        'POST /v1/errors HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nnope\r\n0\r\n\r\n',
        'POST /v1/errors HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}{}{}{',
        `POST /v1/errors HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        'POST /v1/errors HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
        'POST /v1/errors HTTP/9.9\r\n\r\n',
        `POST /${'%'.repeat(3000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      ];
      const rawAnswers: string[] = [];
      for (let n = 0; n < 200; n += 1) {
        const payload = n < raw.length * 10 ? raw[n % raw.length]! : Buffer.from(Array.from({ length: 1 + Math.floor(rawRng() * 300) }, () => Math.floor(rawRng() * 256))).toString('latin1');
        rawAnswers.push(
          await new Promise<string>((resolve) => {
            const socket = connect(relay.port, '127.0.0.1', () => socket.end(payload, 'latin1'));
            let answer = '';
            socket.setTimeout(2000, () => socket.destroy());
            socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
            socket.on('error', () => {});
            socket.on('close', () => resolve(answer.slice(0, 12)));
          }),
        );
      }
      expect(rawAnswers.filter((answer) => /^HTTP\/1\.1 5/.test(answer))).toEqual([]);

      console.info(
        `fuzz over HTTP: ${total} hostile bodies; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
          `connections closed early ${JSON.stringify(Object.fromEntries(closedBy))}; peak RSS ${(peakRss / MiB).toFixed(0)} MiB`,
      );
      expect(fiveHundreds).toEqual([]);
      // Every request got an answer: none ran into a connection the relay had dropped.
      expect(Object.fromEntries(closedBy)).toEqual({});
      expect(relay.child.exitCode).toBeNull();
      expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
      const { hwm } = processMemory(pid);
      expect(hwm).toBeLessThan(300 * MiB);
      await waitForDelivery(upstream, good, 20_000);
    } finally {
      await pool.close();
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
  }, 120_000);
});
