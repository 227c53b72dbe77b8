import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureVersion } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createTestPki, type TestPki } from './tls.js';

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Exact bytes on the wire. */
  raw: Buffer;
  /** Body after Content-Encoding was undone. */
  text: string;
  json: unknown;
  sha256: string;
  /** `Date.now()` when the request's headers arrived. */
  arrivedAt: number;
}

/** How the upstream answers one request; `delayMs` holds the answer back, `hang` never answers. */
export interface UpstreamAnswer {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
  hang?: boolean;
}

export interface Upstream {
  url: string;
  port: number;
  /** Requests answered 2xx. */
  requests: ReceivedRequest[];
  /** Every request, whatever the answer. */
  all: ReceivedRequest[];
  /** Status to answer with (default 200); a function can vary it per request. */
  respond: (request: ReceivedRequest) => UpstreamAnswer;
  /** `Date.now()` of every request's arrival (headers), whether its body ever completed or not. */
  arrivals: number[];
  /** Forgets every request and answers 200 again. */
  reset(): void;
  /** All events received so far (diagnostics bodies unpacked, Lakera payloads as they are). */
  events(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** A real HTTPS server on 127.0.0.1 with the test CA's certificate, recording every request. */
export async function startUpstream(
  pki: TestPki,
  options: { maxVersion?: SecureVersion; minVersion?: SecureVersion; ciphers?: string; port?: number } = {},
): Promise<Upstream> {
  const requests: ReceivedRequest[] = [];
  const all: ReceivedRequest[] = [];
  const upstream = {
    requests,
    all,
    arrivals: [] as number[],
    respond: (_request: ReceivedRequest) => ({ status: 200 }),
  } as Upstream;
  const server: Server = createServer(
    {
      cert: pki.cert,
      key: pki.key,
      ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
      ...(options.minVersion ? { minVersion: options.minVersion } : {}),
      ...(options.ciphers ? { ciphers: options.ciphers } : {}),
    },
    (req, res) => {
      const arrivedAt = Date.now();
      upstream.arrivals.push(arrivedAt);
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const received: ReceivedRequest = {
          path: req.url ?? '',
          headers: req.headers,
          raw,
          text,
          json,
          sha256: createHash('sha256').update(raw).digest('hex'),
          arrivedAt,
        };
        all.push(received);
        const answer = upstream.respond(received);
        if (answer.hang === true) return;
        const reply = () => {
          if (answer.status >= 200 && answer.status < 300) requests.push(received);
          res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          res.end('{}');
        };
        if (answer.delayMs === undefined) reply();
        else setTimeout(reply, answer.delayMs);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  upstream.port = port;
  upstream.url = `https://127.0.0.1:${port}`;
  upstream.events = () =>
    requests.flatMap((request) => {
      const body = request.json as { events?: Record<string, unknown>[] } | Record<string, unknown>;
      return Array.isArray((body as { events?: unknown }).events) ? (body as { events: Record<string, unknown>[] }).events : [body];
    });
  upstream.reset = () => {
    requests.length = 0;
    all.length = 0;
    upstream.arrivals.length = 0;
    upstream.respond = () => ({ status: 200 });
  };
  upstream.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return upstream;
}

/**
 * One test CA and one HTTPS upstream for a test file, reset after each test and closed at the
 * end. `assign` receives them once they exist (in `beforeAll`).
 * @example
 * let pki: TestPki;
 * let upstream: Upstream;
 * useUpstream((made) => ({ pki, upstream } = made));
 */
export function useUpstream(assign: (made: { pki: TestPki; upstream: Upstream }) => void): void {
  let upstream: Upstream | undefined;
  beforeAll(async () => {
    const pki = createTestPki();
    upstream = await startUpstream(pki);
    assign({ pki, upstream });
  });
  afterEach(() => upstream?.reset());
  afterAll(async () => {
    await upstream?.close();
  });
}

/** Event ids the upstream received on `path`: a diagnostics batch unpacked, a Lakera payload as it is. */
export function receivedEventIds(upstream: Upstream, path: string): string[] {
  return upstream.requests
    .filter((request) => request.path === path)
    .flatMap((request) => {
      const body = request.json as { events?: { event_id: string }[]; event_id?: string };
      return body.events === undefined ? [String(body.event_id)] : body.events.map((event) => event.event_id);
    });
}

/** `n` distinct event ids: `prefix-0` … */
export function eventIds(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
}
