// Event path: which source files one event passes through from its route to the upstream. The
// built relay (dist/) runs in this process, forwarding over TLS to an HTTPS upstream on
// 127.0.0.1; V8's precise coverage (call counts, per function) is reset, one request is posted
// and forwarded, and the files of relay/, config/, scrubbers/ and protocol/ whose functions were
// called are listed per route. Warm-up requests first, so lazily loaded code does not count as
// "on the path" only because it loaded.
//
//   npm run build && node bench/event-path.js          (a few seconds)
//   node bench/event-path.js --json                     (machine-readable)
import { Session } from 'node:inspector/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fetch } from 'undici';
import { benchPki, forwardingEnv, freePort } from './local-tls.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const LAYERS = ['relay/', 'config/', 'scrubbers/', 'protocol/'];
const SENTRY_KEY = 'k3y0000000000000000000000000abcd';
const asJson = process.argv.includes('--json');

const work = mkdtempSync(join(tmpdir(), 'event-path-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const tls = benchPki(work, 'scrub-relay event-path CA');
const upstreamPort = await freePort();
let forwarded = 0;
const upstream = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    forwarded += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise((resolve) => upstream.listen(upstreamPort, '127.0.0.1', resolve));

const { loadConfig } = await import(pathToFileURL(join(DIST, 'config/env.js')).href);
const { startRelay } = await import(pathToFileURL(join(DIST, 'relay/server.js')).href);
const { createLogger } = await import(pathToFileURL(join(DIST, 'relay/observe/logger.js')).href);

const config = loadConfig({
  RELAY_DB_PATH: join(work, 'relay.db'),
  RELAY_PORT: '0',
  ...forwardingEnv(`https://127.0.0.1:${upstreamPort}/ingest`, tls.caFile),
  RELAY_SENTRY_KEYS: `${SENTRY_KEY}=acme`,
  // Every body is scrubbed in line: the worker thread's files would not show in this isolate.
  RELAY_SCRUB_WORKER: 'false',
  // On a busy machine the event loop lags; load shedding would refuse the bench's requests.
  RELAY_MAX_EVENT_LOOP_DELAY: '60000',
});
const relay = await startRelay(config, { logger: createLogger('silent') });
relay.stores.consent.set('acme', { telemetryEnabled: true, idsAllowed: true }, 'cli');

let n = 0;
const nativeEvent = () => ({
  event_id: `path-${++n}`,
  timestamp: '2026-11-23T10:00:00.000Z',
  company_id: 'acme',
  user_id: 'user-1',
  level: 'error',
  error: { type: 'PaymentError', message: `charge failed for jane.doe@example.com (token=sk_live_${'a1b2c3d4'.repeat(3)})`, stack: 'PaymentError: charge failed\n    at charge (/srv/app/billing.js:42:13)' },
  frames: [{ file: '/srv/app/billing.js', line: 42, column: 13, function: 'charge' }],
});
const sentryEnvelope = () => {
  const id = (++n).toString(16).padStart(32, '0');
  const event = {
    event_id: id,
    timestamp: 1795427278.25,
    platform: 'node',
    level: 'error',
    exception: { values: [{ type: 'PaymentError', value: 'charge failed for jane.doe@example.com', stacktrace: { frames: [{ filename: '/srv/app/billing.js', function: 'charge', lineno: 42, colno: 13, in_app: true }] } }] },
    user: { id: 'user-1', email: 'jane.doe@example.com' },
  };
  return [JSON.stringify({ event_id: id }), JSON.stringify({ type: 'event' }), JSON.stringify(event), ''].join('\n');
};
const otlpTraces = () => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'company.id', value: { stringValue: 'acme' } }] },
      scopeSpans: [
        {
          scope: { name: 'bench' },
          spans: [
            {
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: (++n).toString(16).padStart(16, '0'),
              name: 'job',
              startTimeUnixNano: '1795427278000000000',
              endTimeUnixNano: '1795427278250000000',
              events: [
                {
                  timeUnixNano: '1795427278100000000',
                  name: 'exception',
                  attributes: [
                    { key: 'exception.type', value: { stringValue: 'TypeError' } },
                    { key: 'exception.message', value: { stringValue: 'bad input from jane.doe@example.com' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
  ],
});

const json = { 'content-type': 'application/json' };
const routes = {
  'POST /v1/errors': () => ({ path: '/v1/errors', headers: json, body: JSON.stringify(nativeEvent()) }),
  'POST /api/:project/envelope/ (Sentry)': () => ({ path: `/api/42/envelope/?sentry_key=${SENTRY_KEY}`, headers: { 'content-type': 'application/x-sentry-envelope' }, body: sentryEnvelope() }),
  'POST /v1/traces (OTLP/JSON)': () => ({ path: '/v1/traces', headers: json, body: JSON.stringify(otlpTraces()) }),
};

/** Posts one request and waits until the upstream has received what it forwarded. */
async function sendOne(make) {
  const { path, headers, body } = make();
  const before = forwarded;
  const response = await fetch(`${relay.url}${path}`, { method: 'POST', headers, body });
  if (response.status >= 300) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
  const deadline = Date.now() + 10_000;
  while (forwarded === before) {
    if (Date.now() > deadline) throw new Error(`${path}: nothing reached the upstream in 10 s`);
    await sleep(5);
  }
  // Let the forwarder finish its bookkeeping (sent rows deleted, egress audit) after the upload.
  await sleep(50);
}

function layerFile(url) {
  if (!url.startsWith('file://')) return undefined;
  const path = relative(DIST, fileURLToPath(url));
  if (path.startsWith('..')) return undefined;
  return LAYERS.some((layer) => path.startsWith(layer)) ? path.replace(/\.js$/, '.ts') : undefined;
}

/** The project files with a function called since the last take (takePreciseCoverage resets the counts). */
async function calledFiles(session) {
  const { result } = await session.post('Profiler.takePreciseCoverage');
  const files = new Map();
  for (const script of result) {
    const file = layerFile(script.url);
    if (file === undefined) continue;
    // Without block coverage each function has one range: its own call count.
    const calls = script.functions.reduce((sum, fn) => sum + (fn.ranges[0]?.count ?? 0), 0);
    if (calls > 0) files.set(file, (files.get(file) ?? 0) + calls);
  }
  return files;
}

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });

for (const make of Object.values(routes)) for (let i = 0; i < 3; i++) await sendOne(make);

const report = {};
for (const [route, make] of Object.entries(routes)) {
  await calledFiles(session);
  await sendOne(make);
  const files = await calledFiles(session);
  report[route] = [...files.keys()].sort();
}

await session.post('Profiler.stopPreciseCoverage');
session.disconnect();
await relay.close();
await new Promise((resolve) => upstream.close(resolve));

if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  for (const [route, files] of Object.entries(report)) {
    const byLayer = (layer) => files.filter((file) => file.startsWith(layer)).length;
    console.log(`\n${route}: ${files.length} files (${LAYERS.map((layer) => `${layer} ${byLayer(layer)}`).join(', ')})`);
    for (const file of files) console.log(`  ${file}`);
  }
}
process.exit(0);
