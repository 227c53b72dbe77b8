// Content-leak figures from the built relay (`dist/`): the labelled SDK corpus of
// test/corpus/sdk/ posted to an in-process relay (Sentry, OTLP, /v1/errors and /v1/scans routes)
// that forwards over TLS to an HTTPS upstream in this process; all traffic on 127.0.0.1. Prints
// the content texts that left (target 0) and the share of technical values kept (target >= 0.99),
// the same figures as test/sdk/content-leak.test.ts.
//
//   npm run build && node bench/content-leak.js
//   CONTENT_LEAK_REPORT=/tmp/leaks.json node bench/content-leak.js   (also writes every leak and loss)
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { fetch } from 'undici';
import { formatReport, measure } from '../test/corpus/sdk/check.js';
import { COMPANIES, loadCorpus, postCorpus, SENTRY_KEYS } from '../test/corpus/sdk/replay.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { loadConfig } = await import(join(ROOT, 'dist/config/env.js'));
const { createLogger } = await import(join(ROOT, 'dist/relay/observe/logger.js'));
const { startRelay } = await import(join(ROOT, 'dist/relay/server.js'));

const work = mkdtempSync(join(tmpdir(), 'content-leak-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function pki() {
  const run = (...args) => execFileSync('openssl', args, { cwd: work, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=content-leak bench CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(work, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'ext.cnf');
  return { caFile: join(work, 'ca.pem'), cert: readFileSync(join(work, 'server.pem')), key: readFileSync(join(work, 'server.key')) };
}

/** An HTTPS upstream that answers 200 and keeps every event it receives. */
async function upstream(tls) {
  const events = [];
  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
      events.push(...(Array.isArray(body.events) ? body.events : [body]));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `https://127.0.0.1:${server.address().port}`, events, close: () => new Promise((resolve) => server.close(resolve)) };
}

const corpus = loadCorpus();
const tls = pki();
const sink = await upstream(tls);
const relay = await startRelay(
  loadConfig({
    RELAY_PORT: '0',
    RELAY_DB_PATH: join(work, 'relay.db'),
    TELEMETRY_ENABLED: 'true',
    DIAGNOSTICS_ENDPOINT: `${sink.url}/ingest`,
    DIAGNOSTICS_API_KEY: 'bench-diagnostics-key',
    LAKERA_API_KEY: 'bench-lakera-key',
    LAKERA_PROJECT_ID: 'bench-project',
    LAKERA_TELEMETRY_ENDPOINT: `${sink.url}/v2/telemetry`,
    RELAY_ALLOWED_HOSTS: '127.0.0.1',
    RELAY_CA_FILE: tls.caFile,
    RELAY_HASH_KEY: 'bench-hash-key',
    RELAY_ADMIN_TOKEN: 'bench-admin-token',
    RELAY_SENTRY_KEYS: SENTRY_KEYS,
  }),
  { logger: createLogger('silent') },
);
try {
  for (const company of COMPANIES) {
    const response = await fetch(`${relay.url}/admin/consent/${company}`, {
      method: 'PUT',
      headers: { authorization: 'Bearer bench-admin-token', 'content-type': 'application/json' },
      body: JSON.stringify({ telemetry_enabled: true, ids_allowed: false }),
    });
    if (response.status !== 200) throw new Error(`consent for ${company}: HTTP ${response.status}`);
  }
  const started = performance.now();
  const refused = await postCorpus(relay.url, corpus.requests);
  if (refused.length > 0) console.log(`requests refused: ${refused.map((row) => `${row.id} ${row.route} ${row.status}`).join(', ')}`);
  // Wait for every event, or for the outbox to empty with nothing new for a second.
  let count = -1;
  let changed = Date.now();
  while (sink.events.length < corpus.requests.length) {
    if (sink.events.length !== count) [count, changed] = [sink.events.length, Date.now()];
    if (relay.stores.outbox.size().events === 0 && Date.now() - changed > 1000) break;
    if (Date.now() - changed > 60_000) throw new Error('no delivery for 60 s');
    await sleep(25);
  }
  const elapsed = performance.now() - started;
  const report = measure(corpus, sink.events);
  console.log(formatReport(report));
  console.log(`(${corpus.requests.length} requests posted and delivered in ${(elapsed / 1000).toFixed(1)} s)`);
  if (process.env.CONTENT_LEAK_REPORT) writeFileSync(process.env.CONTENT_LEAK_REPORT, JSON.stringify(report, null, 1));
} finally {
  await relay.close();
  await sink.close();
}
