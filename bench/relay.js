// Relay benchmark: the real CLI (`dist/bundle/cli.js serve`) as a child process, telemetry on and
// consent given, forwarding over TLS to an HTTPS upstream in this process; all traffic on
// 127.0.0.1. Prints the machine, a baseline (a bare hono/node-server endpoint answering 202 with
// the same load generator), and per durability (normal, full): single-event and batch ingest,
// outbox drain rate and the relay's peak RSS; then an overload run at 10x the sustainable rate.
//
//   npm run build && node bench/relay.js            (about 2-3 minutes)
//   BENCH_SECONDS=4 node bench/relay.js             (shorter phases)
//
// Costs behind choices in relay/pipeline/ingest.ts, measured on their own (not by this script)
// when each was made; moved here from the code's comments:
// - an HMAC (keyedHash) costs a few microseconds, a large share of a small event's ingest: the
//   pseudonymizer remembers recent answers;
// - a labelled prom-client counter increment costs about a microsecond: findings are summed per
//   request before the counters are touched.
// Commit costs per durability setting are in docs/durability.md.
import { Buffer } from 'node:buffer';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { fetch } from 'undici';
import { closedLoop, openLoop } from './load.js';
import { benchPki, forwardingEnv, freePort } from './local-tls.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/bundle/cli.js');
const PHASE_MS = Number(process.env.BENCH_SECONDS ?? 8) * 1000;
const WARMUP_MS = 1000;
const SINGLE_CONCURRENCY = 10;
const BATCH_CONCURRENCY = 4;
const BATCH_EVENTS = 100;
const DRAIN_EVENTS = 50_000;
const OVERLOAD_MS = 5000;

// The relay runs the way `npm start` and the image run it: the package's bin, which sets the
// node flags and malloc settings itself.
const BIN = join(ROOT, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin['scrub-relay']);

const work = mkdtempSync(join(tmpdir(), 'relay-bench-'));
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function event(i) {
  // A realistic trace: personal data and a secret for the scrubber to find, a stack, context.
  return {
    timestamp: '2026-11-23T10:00:00.000Z',
    company_id: 'acme',
    user_id: `user-${i % 1000}`,
    level: 'error',
    error: {
      type: 'PaymentError',
      message: `charge failed for jane.doe${i % 97}@example.com from 203.0.113.${i % 250} (token=sk_live_${'a1b2c3d4'.repeat(3)})`,
      stack: 'PaymentError: charge failed\n    at charge (/srv/app/billing.js:42:13)\n    at process (/srv/app/queue.js:88:7)\n    at run (/srv/app/worker.js:12:3)',
    },
    frames: [{ file: '/srv/app/billing.js', line: 42, column: 13, function: 'charge' }],
    environment: { runtime: 'node 20.20.2', os: 'linux', libraries: { express: '4.21.2' }, release: '1.4.2' },
    performance: { duration_ms: 182 },
    trace: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' },
  };
}
const singleBody = JSON.stringify(event(1));
const batchBody = JSON.stringify(Array.from({ length: BATCH_EVENTS }, (_, i) => event(i)));
const json = { 'content-type': 'application/json' };

/** An HTTPS upstream that answers 200 after reading the body; `up` can be toggled. */
async function startUpstream(tls, port) {
  const state = { requests: 0, firstAt: undefined, server: undefined };
  state.start = async () => {
    state.server = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      req.on('data', () => {});
      req.on('end', () => {
        state.requests += 1;
        state.firstAt ??= performance.now();
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise((resolve) => state.server.listen(port, '127.0.0.1', resolve));
  };
  state.stop = async () => {
    state.server.closeAllConnections();
    await new Promise((resolve) => state.server.close(resolve));
  };
  await state.start();
  return state;
}

async function waitHttp(url, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${url} did not answer in ${timeoutMs} ms`);
}

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
  return { rss: mb('VmRSS'), hwm: mb('VmHWM') };
}

async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}

async function startRelay(env) {
  const port = await freePort();
  const child = spawn(BIN, ['serve'], {
    env: { PATH: process.env.PATH ?? '', RELAY_PORT: String(port), RELAY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/healthz`);
  return {
    url,
    child,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      children.delete(child);
    },
  };
}

async function startBaseline() {
  const port = await freePort();
  const source = `
    import { serve } from '@hono/node-server';
    import { Hono } from 'hono';
    const app = new Hono();
    app.post('/v1/errors', (c) => c.json({ accepted: 1 }, 202));
    serve({ fetch: app.fetch, hostname: '127.0.0.1', port: ${port} });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i += 1) {
    try {
      await fetch(`${url}/v1/errors`, { method: 'POST', body: '{}' });
      break;
    } catch {
      await sleep(50);
    }
  }
  return { url, child };
}

const f = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));
const line = (label, value) => console.log(`  ${label.padEnd(34)} ${value}`);
function printLoad(label, result, eventsPerRequest = 1) {
  line(
    label,
    `${f(result.requestsPerSecond)} req/s, ${f(result.requestsPerSecond * eventsPerRequest)} events/s, p50 ${f(result.p50, 2)} ms, p99 ${f(result.p99, 2)} ms, max ${f(result.max, 1)} ms, statuses ${JSON.stringify(result.statuses)}, errors ${result.errors}`,
  );
}

async function runDurability(durability, tls, results) {
  console.log(`\nRELAY_DURABILITY=${durability}`);
  const upstreamPort = await freePort();
  const upstream = await startUpstream(tls, upstreamPort);
  const dbPath = join(work, `relay-${durability}.db`);
  const env = {
    RELAY_DB_PATH: dbPath,
    RELAY_DURABILITY: durability,
    ...forwardingEnv(`https://127.0.0.1:${upstreamPort}/ingest`, tls.caFile),
    RELAY_MAX_BACKOFF: '1',
  };
  execFileSync(process.execPath, [CLI, 'consent', 'set', 'acme', '--telemetry', '--ids'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
  const relay = await startRelay(env);
  const idle = memory(relay.child.pid).rss;
  // RSS sampled every 100 ms from the first request on, beside VmHWM (the kernel's exact peak):
  // with the idle figure they show what start-up, load and transients each take.
  let loaded = 0;
  const sampler = setInterval(() => {
    loaded = Math.max(loaded, memory(relay.child.pid).rss);
  }, 100);

  const single = await closedLoop({ url: relay.url, path: '/v1/errors', headers: json, body: () => singleBody, concurrency: SINGLE_CONCURRENCY, durationMs: PHASE_MS, warmupMs: WARMUP_MS });
  printLoad(`single events, ${SINGLE_CONCURRENCY} concurrent`, single);
  // Single events alone never start the scrub worker: the peak of the most common sidecar load.
  const singleHwm = memory(relay.child.pid).hwm;
  const batch = await closedLoop({ url: relay.url, path: '/v1/errors', headers: json, body: () => batchBody, concurrency: BATCH_CONCURRENCY, durationMs: PHASE_MS, warmupMs: WARMUP_MS });
  printLoad(`batches of ${BATCH_EVENTS}, ${BATCH_CONCURRENCY} concurrent`, batch, BATCH_EVENTS);

  // Let the forwarder catch up, then take the upstream down and pre-fill the outbox.
  const settleDeadline = Date.now() + 60_000;
  while ((await metric(relay.url, 'relay_outbox_events')) > 0 && Date.now() < settleDeadline) await sleep(100);
  await upstream.stop();
  const fillBatch = JSON.stringify(Array.from({ length: 1000 }, (_, i) => event(i)));
  for (let filled = 0; filled < DRAIN_EVENTS; filled += 1000) {
    const response = await fetch(`${relay.url}/v1/errors`, { method: 'POST', headers: json, body: fillBatch });
    await response.arrayBuffer();
    if (response.status !== 202) throw new Error(`pre-fill answered ${response.status}`);
  }
  const queued = await metric(relay.url, 'relay_outbox_events');
  upstream.firstAt = undefined;
  await upstream.start();
  while ((await metric(relay.url, 'relay_outbox_events')) > 0) await sleep(20);
  const drainSeconds = (performance.now() - upstream.firstAt) / 1000;
  line(`drain of ${queued} queued events`, `${f(queued / drainSeconds)} events/s (${f(drainSeconds, 2)} s from the first upstream request)`);

  clearInterval(sampler);
  const { hwm } = memory(relay.child.pid);
  line('relay RSS idle / peak sampled', `${f(idle, 1)} MB after start / ${f(loaded, 1)} MB under load`);
  line('relay peak RSS (VmHWM)', `${f(singleHwm, 1)} MB after the single events, ${f(hwm, 1)} MB in all`);
  results[durability] = { single, batch, drain: queued / drainSeconds, hwm };
  await relay.stop();
  await upstream.stop();
  return { env, upstreamPort };
}

// Many clients at once: more connections than the relay's RELAY_MAX_INFLIGHT (256), so the excess
// meets the relay's own load shedding (503 + Retry-After) rather than queueing in the generator.
const OVERLOAD_CONNECTIONS = 512;

async function overload(tls, sustainable) {
  const rate = Math.round(sustainable * 10);
  console.log(`\nOverload: ${rate} req/s offered (10x the measured ${f(sustainable)} req/s) for ${OVERLOAD_MS / 1000} s, RELAY_DURABILITY=normal`);
  const upstreamPort = await freePort();
  const upstream = await startUpstream(tls, upstreamPort);
  const dbPath = join(work, 'relay-overload.db');
  const env = {
    RELAY_DB_PATH: dbPath,
    ...forwardingEnv(`https://127.0.0.1:${upstreamPort}/ingest`, tls.caFile),
  };
  execFileSync(process.execPath, [CLI, 'consent', 'set', 'acme', '--telemetry'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
  const relay = await startRelay(env);
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memory(relay.child.pid).rss);
  }, 100);
  const result = await openLoop({ url: relay.url, path: '/v1/errors', headers: json, body: () => singleBody, rate, durationMs: OVERLOAD_MS, connections: OVERLOAD_CONNECTIONS, maxInFlight: 4096, timeoutMs: 10_000 });
  clearInterval(sampler);
  const healthz = await fetch(`${relay.url}/healthz`).then((response) => response.status, () => 'no answer');
  line('offered / answered', `${result.offered} / ${result.requests} (shed by the generator at 4096 in flight: ${result.shed}, errors ${result.errors}, unanswered ${result.unanswered})`);
  line('answered rate', `${f(result.requestsPerSecond)} req/s`);
  line('statuses', `${JSON.stringify(result.statuses)} (503s: ${result.statuses[503] ?? 0})`);
  line('latency from scheduled start', `p50 ${f(result.p50, 1)} ms, p99 ${f(result.p99, 1)} ms, max ${f(result.max, 1)} ms`);
  line('relay RSS peak (sampled) / VmHWM', `${f(peak, 1)} MB / ${f(memory(relay.child.pid).hwm, 1)} MB`);
  line('relay alive, /healthz after', `${relay.child.exitCode === null} / ${healthz}`);
  await relay.stop();
  await upstream.stop();
}

const started = performance.now();
const cpu = cpus();
console.log('scrub-relay bench');
console.log(`  machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, ${f(totalmem() / 2 ** 30, 1)} GiB, Linux ${release()}, node ${process.version}`);
console.log(`  relay: ${BIN.slice(ROOT.length)} serve (as npm start and the image)`);
console.log(`  phases ${PHASE_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up; load generator: undici Pool, closed loop; one ${Buffer.byteLength(singleBody)} B event, batch ${Buffer.byteLength(batchBody)} B`);

const tls = benchPki(work);
const baseline = await startBaseline();
console.log('\nBaseline: bare hono/node-server POST answering 202 (no parsing, no storage)');
const baseSingle = await closedLoop({ url: baseline.url, path: '/v1/errors', headers: json, body: () => singleBody, concurrency: SINGLE_CONCURRENCY, durationMs: PHASE_MS, warmupMs: WARMUP_MS });
printLoad(`single events, ${SINGLE_CONCURRENCY} concurrent`, baseSingle);
const baseBatch = await closedLoop({ url: baseline.url, path: '/v1/errors', headers: json, body: () => batchBody, concurrency: BATCH_CONCURRENCY, durationMs: PHASE_MS, warmupMs: WARMUP_MS });
printLoad(`batches of ${BATCH_EVENTS}, ${BATCH_CONCURRENCY} concurrent`, baseBatch, BATCH_EVENTS);
baseline.child.kill('SIGKILL');

const results = {};
await runDurability('normal', tls, results);
await runDurability('full', tls, results);

console.log('\nSummary (target)');
for (const durability of ['normal', 'full']) {
  const r = results[durability];
  const mark = (ok) => (ok ? 'ok  ' : 'MISS');
  console.log(`  ${durability}:`);
  line(`${mark(r.single.requestsPerSecond >= 5000 && r.single.p99 < 20)} single >= 5000 req/s, p99 < 20 ms`, `${f(r.single.requestsPerSecond)} req/s, p99 ${f(r.single.p99, 2)} ms (${f((100 * r.single.requestsPerSecond) / baseSingle.requestsPerSecond)}% of baseline)`);
  line(`${mark(r.batch.requestsPerSecond * BATCH_EVENTS >= 30_000)} batches >= 30000 events/s`, `${f(r.batch.requestsPerSecond * BATCH_EVENTS)} events/s (${f((100 * r.batch.requestsPerSecond) / baseBatch.requestsPerSecond)}% of baseline)`);
  line(`${mark(r.drain >= 10_000)} drain >= 10000 events/s`, `${f(r.drain)} events/s`);
  line(`${mark(r.hwm <= 150)} peak RSS <= 150 MB`, `${f(r.hwm, 1)} MB`);
}

await overload(tls, results.normal.single.requestsPerSecond);
console.log(`\nbench finished in ${f((performance.now() - started) / 1000, 1)} s`);
process.exit(0);
