// Footprint benchmark: what one relay costs while it waits, the way the image starts it (the
// package's bin with `serve` and no other flags or settings), forwarding over TLS to an
// HTTPS upstream on 127.0.0.1 that this script creates. Prints the machine, then beside bare node:
// idle RSS after 5 s and 60 s, CPU over 30 idle seconds, the median start to the first 200 on
// /healthz over 10 starts (beside `node -e 0`), and peak RSS (VmHWM) under bench/load.js's
// single-event load and its 10x overload, RSS after one delivered event, and the size of the
// files the image's runtime stage copies. RSS and CPU are of the whole process tree the command
// starts, so a supervising parent process is counted too.
//
//   npm run build && node bench/footprint.js        (about 2 minutes)
//   FOOTPRINT_IDLE_SECONDS=10 FOOTPRINT_STARTS=3 FOOTPRINT_LOAD_SECONDS=3 node bench/footprint.js
//   node bench/footprint.js modules                 (idle memory per dependency, heap snapshot)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { closedLoop, openLoop } from './load.js';
import { benchPki, forwardingEnv, freePort } from './local-tls.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/bundle/cli.js');
const BIN = join(ROOT, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin['scrub-relay']);
const IDLE_S = Number(process.env.FOOTPRINT_IDLE_SECONDS ?? 60);
const CPU_S = Math.min(30, Math.max(1, IDLE_S - 5));
const STARTS = Number(process.env.FOOTPRINT_STARTS ?? 10);
const LOAD_MS = Number(process.env.FOOTPRINT_LOAD_SECONDS ?? 8) * 1000;
const CLK_TCK = 100;

const work = mkdtempSync(join(tmpdir(), 'relay-footprint-'));
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const f = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));
const line = (label, value) => console.log(`  ${label.padEnd(44)} ${value}`);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** `pid` and every descendant, read from /proc. */
function tree(pid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const found = [pid];
  for (let i = 0; i < found.length; i += 1) for (const [child, parent] of parents) if (parent === found[i]) found.push(child);
  return found;
}

/** RSS and VmHWM (MB), and CPU seconds (utime + stime), summed over the process tree of `pid`. */
function usage(pid) {
  let rss = 0;
  let hwm = 0;
  let cpu = 0;
  for (const member of tree(pid)) {
    try {
      const status = readFileSync(`/proc/${member}/status`, 'utf8');
      const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
      rss += kb('VmRSS') / 1024;
      hwm += kb('VmHWM') / 1024;
      const stat = readFileSync(`/proc/${member}/stat`, 'utf8');
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu += (Number(after[11]) + Number(after[12])) / CLK_TCK;
    } catch {
      // exited meanwhile
    }
  }
  return { rss, hwm, cpu };
}

/** Status of a GET, or 0 when nothing answers; node:http, so the poller itself stays cheap. */
function get(port, path) {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function untilHealthy(port, child, timeoutMs = 20_000) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`relay exited with ${child.exitCode}`);
    if ((await get(port, '/healthz')) === 200) return;
    await sleep(2);
  }
  throw new Error(`/healthz did not answer in ${timeoutMs} ms`);
}

const tls = benchPki(work, 'footprint CA');
const upstreamPort = await freePort();
let delivered = 0;
const upstream = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => {
  delivered += 1;
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise((resolve) => upstream.listen(upstreamPort, '127.0.0.1', resolve));
const relayEnv = {
  ...forwardingEnv(`https://127.0.0.1:${upstreamPort}/ingest`, tls.caFile),
  RELAY_LOG_LEVEL: 'warn',
};

/** The relay as the image runs it: the bin, nothing but the environment above. */
async function startRelay(name, extraEnv = {}) {
  const port = await freePort();
  const env = { PATH: process.env.PATH ?? '', ...relayEnv, RELAY_DB_PATH: join(work, `${name}.db`), RELAY_PORT: String(port), ...extraEnv };
  const started = performance.now();
  const child = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  await untilHealthy(port, child);
  const startMs = performance.now() - started;
  return {
    port,
    child,
    startMs,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      children.delete(child);
    },
  };
}

/** A bare node process that only waits, and a bare hono/node-server answering 202: the baselines. */
function startBare(source) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  return child;
}

async function idle() {
  console.log(`\nIdle (the relay and bare node started together, nothing sent; CPU from ${IDLE_S - CPU_S} s to ${IDLE_S} s)`);
  const relay = await startRelay('idle');
  const bare = startBare('setInterval(() => {}, 1 << 30);');
  const t0 = performance.now();
  const at = (seconds) => sleep(Math.max(0, t0 + seconds * 1000 - performance.now()));
  await at(5);
  const rss5 = usage(relay.child.pid).rss;
  const bare5 = usage(bare.pid).rss;
  await at(IDLE_S - CPU_S);
  const cpuFrom = usage(relay.child.pid).cpu;
  const bareFrom = usage(bare.pid).cpu;
  await at(IDLE_S);
  const end = usage(relay.child.pid);
  const bareEnd = usage(bare.pid);
  line('RSS after 5 s', `${f(rss5, 1)} MB (bare node ${f(bare5, 1)} MB)`);
  line(`RSS after ${IDLE_S} s`, `${f(end.rss, 1)} MB (bare node ${f(bareEnd.rss, 1)} MB)`);
  line(`CPU over ${CPU_S} idle s`, `${f(end.cpu - cpuFrom, 2)} s (bare node ${f(bareEnd.cpu - bareFrom, 2)} s)`);
  line('processes in the relay tree', String(tree(relay.child.pid).length));
  bare.kill('SIGKILL');
  await relay.stop();
  const afterSend = await idleAfterDelivery();
  return { rss5, rss: end.rss, cpu: end.cpu - cpuFrom, afterSend };
}

/**
 * What lazily loaded parts (the HTTP client, the TLS roots) add once the relay has sent: RSS
 * 15 s after one event was delivered to the upstream.
 */
async function idleAfterDelivery() {
  execFileSync(process.execPath, [CLI, 'consent', 'set', 'acme', '--telemetry'], { env: { PATH: process.env.PATH ?? '', ...relayEnv, RELAY_DB_PATH: join(work, 'delivery.db') }, stdio: 'ignore' });
  const relay = await startRelay('delivery');
  const before = delivered;
  const answer = await globalThis.fetch(`${relay.url}/v1/errors`, { method: 'POST', headers: json, body: event });
  if (answer.status !== 202) throw new Error(`the event was answered ${answer.status}`);
  const deadline = performance.now() + 20_000;
  while (delivered === before) {
    if (performance.now() > deadline) throw new Error('the event was not delivered in 20 s');
    await sleep(50);
  }
  await sleep(15_000);
  const rss = usage(relay.child.pid).rss;
  line('RSS 15 s after one delivered event', `${f(rss, 1)} MB`);
  await relay.stop();
  return rss;
}

async function startUp() {
  console.log(`\nStart-up (median of ${STARTS}; spawn to the first 200 on /healthz, spawn to exit of \`node -e 0\`)`);
  const relay = [];
  const bare = [];
  for (let i = 0; i < STARTS; i += 1) {
    const started = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    bare.push(performance.now() - started);
    const running = await startRelay(`start-${i}`);
    relay.push(running.startMs);
    await running.stop();
  }
  const ratio = median(relay) / median(bare);
  line('start to first 200 on /healthz', `${f(median(relay))} ms (min ${f(Math.min(...relay))}, max ${f(Math.max(...relay))})`);
  line('node -e 0', `${f(median(bare))} ms; ratio ${f(ratio, 1)}x`);
  return { startMs: median(relay), bareMs: median(bare) };
}

const event = JSON.stringify({
  timestamp: '2026-11-23T10:00:00.000Z',
  company_id: 'acme',
  user_id: 'user-1',
  level: 'error',
  error: { type: 'PaymentError', message: 'charge failed for jane.doe@example.com from 203.0.113.9 (token=sk_live_a1b2c3d4a1b2c3d4a1b2c3d4)', stack: 'PaymentError: charge failed\n    at charge (/srv/app/billing.js:42:13)' },
  frames: [{ file: '/srv/app/billing.js', line: 42, column: 13, function: 'charge' }],
  environment: { runtime: 'node 20.20.2', os: 'linux', libraries: { express: '4.21.2' }, release: '1.4.2' },
  performance: { duration_ms: 182 },
  trace: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' },
});
const json = { 'content-type': 'application/json' };

async function underLoad() {
  console.log(`\nPeak RSS (VmHWM of the tree) under single events, 10 concurrent, ${LOAD_MS / 1000} s, then 10x that rate for 5 s`);
  const basePort = await freePort();
  const base = startBare(`
    import { serve } from '@hono/node-server';
    import { Hono } from 'hono';
    const app = new Hono();
    app.post('/v1/errors', (c) => c.json({ accepted: 1 }, 202));
    app.get('/healthz', (c) => c.text('ok'));
    serve({ fetch: app.fetch, hostname: '127.0.0.1', port: ${basePort} });`);
  await untilHealthy(basePort, base);
  const baseLoad = await closedLoop({ url: `http://127.0.0.1:${basePort}`, path: '/v1/errors', headers: json, body: () => event, concurrency: 10, durationMs: LOAD_MS, warmupMs: 500 });
  const baseHwm = usage(base.pid).hwm;
  base.kill('SIGKILL');
  execFileSync(process.execPath, [CLI, 'consent', 'set', 'acme', '--telemetry'], { env: { PATH: process.env.PATH ?? '', ...relayEnv, RELAY_DB_PATH: join(work, 'load.db') }, stdio: 'ignore' });
  const relay = await startRelay('load');
  const load = await closedLoop({ url: relay.url, path: '/v1/errors', headers: json, body: () => event, concurrency: 10, durationMs: LOAD_MS, warmupMs: 500 });
  const loadHwm = usage(relay.child.pid).hwm;
  const rate = Math.round(load.requestsPerSecond * 10);
  const storm = await openLoop({ url: relay.url, path: '/v1/errors', headers: json, body: () => event, rate, durationMs: 5000, connections: 512, maxInFlight: 4096, timeoutMs: 10_000 });
  const stormHwm = usage(relay.child.pid).hwm;
  line('bare hono/node-server, same load', `${f(baseHwm, 1)} MB at ${f(baseLoad.requestsPerSecond)} req/s`);
  line('relay, load', `${f(loadHwm, 1)} MB at ${f(load.requestsPerSecond)} req/s ${JSON.stringify(load.statuses)}`);
  line(`relay, overload ${rate} req/s`, `${f(stormHwm, 1)} MB, statuses ${JSON.stringify(storm.statuses)}, errors ${storm.errors}`);
  await relay.stop();
  return { loadHwm, stormHwm };
}

/** In a fresh process: memory after importing one module, minus memory before, after a full GC. */
function moduleCost(specifier) {
  const source = `
    const before = (() => { gc(); return process.memoryUsage(); })();
    await import(${JSON.stringify(specifier)});
    gc(); gc();
    const after = process.memoryUsage();
    process.stdout.write(JSON.stringify(Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]))));`;
  const result = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', source], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  return JSON.parse(result.stdout);
}

/** Self size of an idle relay's heap by constructor/name, from a heap snapshot. */
function heapSummary() {
  const source = `
    import { getHeapSnapshot } from 'node:v8';
    import { loadConfig } from './dist/config/env.js';
    import { startRelay } from './dist/relay/server.js';
    const relay = await startRelay(loadConfig(process.env));
    await new Promise((r) => setTimeout(r, 1000));
    gc();
    let text = '';
    for await (const chunk of getHeapSnapshot()) text += chunk;
    const snap = JSON.parse(text);
    const fields = snap.snapshot.meta.node_fields;
    const types = snap.snapshot.meta.node_types[0];
    const width = fields.length;
    const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => fields.indexOf(k));
    const byKey = new Map();
    let total = 0;
    for (let i = 0; i < snap.nodes.length; i += width) {
      const type = types[snap.nodes[i + iType]];
      const name = type === 'object' || type === 'closure' || type === 'native' ? snap.strings[snap.nodes[i + iName]] : '(' + type + ')';
      const size = snap.nodes[i + iSize];
      total += size;
      byKey.set(name, (byKey.get(name) ?? 0) + size);
    }
    const top = [...byKey].sort((a, b) => b[1] - a[1]).slice(0, 15);
    process.stdout.write(JSON.stringify({ total, top }));
    await relay.close();`;
  const env = { PATH: process.env.PATH ?? '', ...relayEnv, RELAY_DB_PATH: join(work, 'heap.db'), RELAY_PORT: '0' };
  const result = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', source], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`heap snapshot failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

function modules() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const specifiers = [
    // Baselines: what any import costs (loader, first compile), and node's own HTTPS client.
    'node:os',
    'node:https',
    ...Object.keys(pkg.dependencies).map((name) => (name === 'protobufjs' ? 'protobufjs/light.js' : name)),
    './dist/scrubbers/index.js',
    './dist/config/rules.js',
    './dist/relay/formats/otlp/protobuf.js',
    './dist/relay/formats/otlp/traces.js',
    './dist/relay/formats/sentry/event.js',
    './dist/relay/app.js',
    './dist/relay/server.js',
  ];
  console.log('\nIdle memory per module (fresh process each; after import minus before, after a full GC; MB)');
  console.log(`  ${'module'.padEnd(44)} ${'rss'.padStart(7)} ${'heapUsed'.padStart(9)} ${'external'.padStart(9)}`);
  const mb = (bytes) => f(bytes / 2 ** 20, 1);
  for (const specifier of specifiers) {
    const cost = moduleCost(specifier);
    if (cost === undefined) console.log(`  ${specifier.padEnd(44)} (import failed)`);
    else console.log(`  ${specifier.padEnd(44)} ${mb(cost.rss).padStart(7)} ${mb(cost.heapUsed).padStart(9)} ${mb(cost.external).padStart(9)}`);
  }
  const heap = heapSummary();
  console.log(`\nHeap snapshot of an idle relay (1 s after start, after a GC): ${mb(heap.total)} MB in all; largest by constructor/type`);
  for (const [name, size] of heap.top) console.log(`  ${name.slice(0, 44).padEnd(44)} ${mb(size).padStart(7)}`);
}

/** Bytes under `path` (a file or a folder), without what `skip` names. */
function bytesUnder(path, skip = () => false) {
  if (skip(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + bytesUnder(join(path, name), skip), 0);
}

/**
 * What the image adds to its Node base: the files the Dockerfile's runtime stage copies from the
 * builder, measured in this checkout (the builder's removals of better-sqlite3's sources and
 * object files applied), beside dist/ and every production dependency, what it copied before the
 * bundle. No image can be built here (no base image can be pulled), so this is the files' size.
 */
function runtimeFiles() {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const sources = [...runtime.matchAll(/^COPY --from=\S+ \/app\/(\S+) /gm)].map((m) => m[1]);
  // The builder keeps only the addon of better-sqlite3's build, and none of its sources.
  const removed = (path) => /better-sqlite3\/(deps|src|build\/(?!Release$|Release\/better_sqlite3\.node$)[^/]+(\/[^/]+)?)$/.test(path);
  console.log('\nRuntime image: files its stage copies from the builder, beside the Node base image (MB)');
  let total = 0;
  for (const source of sources) {
    const bytes = bytesUnder(join(ROOT, source), removed);
    total += bytes;
    line(source, f(bytes / 2 ** 20, 2));
  }
  line('in all', f(total / 2 ** 20, 2));
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean).slice(1).sort();
  const tops = listed.filter((path, i) => !listed.slice(0, i).some((other) => path.startsWith(`${other}/`)));
  // What the image copied before the bundle: dist/ and every production dependency, with the
  // builder removing only better-sqlite3's vendored sources and one of its object folders.
  const removedBefore = (path) => /better-sqlite3\/(deps|build\/Release\/obj\.target)$/.test(path);
  const before = tops.reduce((sum, path) => sum + bytesUnder(path, removedBefore), 0) + bytesUnder(join(ROOT, 'dist'), (path) => path.endsWith('/bundle'));
  line('before the bundle: dist/ + production deps', f(before / 2 ** 20, 2));
  return total;
}

const started = performance.now();
const cpu = cpus();
console.log('scrub-relay footprint');
console.log(`  machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, ${f(totalmem() / 2 ** 30, 1)} GiB, Linux ${release()}, node ${process.version}`);
console.log(`  relay: ${BIN.slice(ROOT.length)} serve (as the image), TLS upstream on 127.0.0.1`);
if (process.argv[2] === 'modules') {
  modules();
} else {
  const [idleResult, start, load] = [await idle(), await startUp(), await underLoad()];
  const image = runtimeFiles();
  console.log('\nSummary');
  line(`RSS idle (5 s / ${IDLE_S} s)`, `${f(idleResult.rss5, 1)} / ${f(idleResult.rss, 1)} MB`);
  line('RSS idle after one delivery', `${f(idleResult.afterSend, 1)} MB`);
  line(`CPU idle (${CPU_S} s)`, `${f(idleResult.cpu, 2)} s`);
  line('start to /healthz vs node -e 0', `${f(start.startMs)} ms vs ${f(start.bareMs)} ms (${f(start.startMs / start.bareMs, 1)}x)`);
  line('peak RSS load / overload', `${f(load.loadHwm, 1)} / ${f(load.stormHwm, 1)} MB`);
  line('runtime image files', `${f(image / 2 ** 20, 1)} MB`);
}
upstream.close();
console.log(`\nfinished in ${f((performance.now() - started) / 1000, 1)} s`);
process.exit(0);
