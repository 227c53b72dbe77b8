import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runCli, waitFor } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import type { Upstream } from '../helpers/upstream.js';

/** mulberry32: a small seeded generator, so a failing fault run can be replayed exactly. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gives company `acme` telemetry consent in the database at `dbPath`, through the CLI. */
export async function allowAcme(dbPath: string, env: Record<string, string> = {}): Promise<void> {
  const result = await runCli(['consent', 'set', 'acme', '--telemetry'], { env: { ...env, RELAY_DB_PATH: dbPath } });
  if (result.code !== 0) throw new Error(`consent set failed: ${result.stderr}`);
}

/** A small, valid error trace with a stable id. */
export function errorEvent(eventId: string): Record<string, unknown> {
  return {
    event_id: eventId,
    timestamp: '2026-11-23T10:00:00.000Z',
    level: 'error',
    error: { type: 'TimeoutError', message: 'upstream call timed out after 3000 ms', stack: 'TimeoutError: timed out\n    at call (/srv/app/client.js:10:5)' },
    environment: { runtime: 'node 20.20.2', os: 'linux', release: '1.0.0' },
  };
}

/** POSTs JSON to the relay; a connection error (the relay was killed) is status 0. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch {
    return { status: 0, headers: new Headers(), text: '' };
  }
}

/** How many times the upstream accepted (2xx) each `event_id`. */
export function deliveredCounts(upstream: Pick<Upstream, 'events'>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of upstream.events()) {
    const id = String(event['event_id']);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Waits until every id was accepted upstream at least once. */
export async function waitForDelivery(upstream: Pick<Upstream, 'events'>, ids: readonly string[], timeoutMs: number): Promise<void> {
  let missing = ids.length;
  try {
    await waitFor(
      () => {
        const counts = deliveredCounts(upstream);
        missing = ids.filter((id) => !counts.has(id)).length;
        return missing === 0;
      },
      timeoutMs,
      'every acknowledged event upstream',
    );
  } catch (error) {
    throw new Error(`${missing} of ${ids.length} acknowledged events never reached the upstream`, { cause: error });
  }
}

/** The relay's /metrics text. */
export async function metricsText(relayUrl: string): Promise<string> {
  const response = await fetch(`${relayUrl}/metrics`);
  return response.text();
}

/** One sample's value from Prometheus text, matching a metric name and an optional label subset. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) return Number(match[3]);
  }
  return undefined;
}

/** Resident set size and its high-water mark of a process, in bytes (Linux /proc). */
export function processMemory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

export interface ClientPki {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** A client certificate signed by the test CA (for mutual TLS). */
export function createClientCert(pki: TestPki): ClientPki {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: pki.dir, stdio: 'pipe' });
  if (!existsSync(join(pki.dir, 'client.pem'))) {
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=scrub-relay test client');
    writeFileSync(join(pki.dir, 'client-ext.cnf'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
    run('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2', '-extfile', 'client-ext.cnf');
  }
  return {
    cert: readFileSync(join(pki.dir, 'client.pem'), 'utf8'),
    key: readFileSync(join(pki.dir, 'client.key'), 'utf8'),
    certFile: join(pki.dir, 'client.pem'),
    keyFile: join(pki.dir, 'client.key'),
  };
}

export interface MtlsUpstream {
  url: string;
  eventIds: string[];
  /** TLS handshakes refused (no or wrong client certificate). */
  refusedHandshakes: number;
  close(): Promise<void>;
}

/** An HTTPS upstream that requires a client certificate signed by the test CA. */
export async function startMtlsUpstream(pki: TestPki): Promise<MtlsUpstream> {
  const state = { eventIds: [] as string[], refusedHandshakes: 0 };
  const server: HttpsServer = createHttpsServer({ cert: pki.cert, key: pki.key, ca: pki.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      const body = JSON.parse(text) as { events: { event_id: string }[] };
      state.eventIds.push(...body.events.map((event) => event.event_id));
      res.writeHead(200).end('{}');
    });
  });
  server.on('tlsClientError', () => {
    state.refusedHandshakes += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    get eventIds() {
      return state.eventIds;
    },
    get refusedHandshakes() {
      return state.refusedHandshakes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ConnectProxy {
  url: string;
  /** `host:port` of every CONNECT request seen. */
  connects: string[];
  close(): Promise<void>;
}

/** A minimal HTTP CONNECT proxy on 127.0.0.1 that records what it tunnels. */
export async function startConnectProxy(): Promise<ConnectProxy> {
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const server: HttpServer = createHttpServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    connects.push(target);
    const [host, port] = target.split(':');
    const remote = connect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) remote.write(head);
      remote.pipe(client);
      client.pipe(remote);
    });
    for (const socket of [client, remote]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        remote.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Runs a privileged command; false when this machine does not allow it (not root, no mount). */
export function tryRun(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Can this machine mount a tmpfs (root with CAP_SYS_ADMIN)? Probed once with a 64 KiB mount. */
export function canMountTmpfs(dir: string): boolean {
  mkdirSync(dir, { recursive: true });
  if (!tryRun('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir])) return false;
  return tryRun('umount', [dir]);
}
