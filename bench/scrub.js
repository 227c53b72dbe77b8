// Scrubber benchmark: recall per planted type, share of technical values kept, and speed on one
// core, beside JSON.parse + JSON.stringify of the same events and beside two npm redaction
// libraries run on the same events.
//
//   npm run build && node bench/scrub.js [--events 4000] [--seconds 3]
//
// Imports the built JS (dist/), so it measures what ships.
//
// Figures behind design choices in scrubbers/, measured on this bench's corpus when each choice
// was made (moved here from the code's comments, where they would go stale; rerun to check):
// - prefilter.ts `foldedMatcher`: testing literals case-insensitively instead of lower-casing
//   each string made scrubbing 1.6-6.3% faster (medians of four same-process A/B runs).
// - prefilter.ts `scan` as a plain function over typed arrays rather than a method: V8 compiled
//   the loop about 1.7 times as fast without `this` (16.6 to 9.8 µs per event inside the scrubber).
// - prefilter.ts, hex and number runs counted without branches and the capitals as two ORs: the
//   scan ran about 20% faster on the corpus's strings.
// - text-rule.ts: a pattern with the `d` flag (match indices) costs about 4x per match in V8, so
//   the hot loop runs patterns without it and keeps a sticky `d` twin for ambiguous matches.
// - object-walk.ts: `for…in` reads each value through V8's enum cache; `Object.keys` plus
//   `obj[key]` (a keyed lookup per key) cost about 3% more scrub time.
// - ScrubCallOptions.inPlace: about 7% faster from JSON.parse to JSON.stringify than building a
//   copy (both lines are printed below: "scrub()" in place, "building a copy").
// - config/rule-compile.ts `redosProblem`: the static backtracking analysis takes microseconds
//   per pattern; the rules' load time printed below includes it for every rule.
import { Buffer } from 'node:buffer';
import { cpus, platform, release } from 'node:os';
import { createRequire } from 'node:module';
import { loadRules } from '../dist/config/rules.js';
import { createScrubber } from '../dist/scrubbers/index.js';
import { makeCorpus } from './scrub-corpus.js';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const EVENTS = arg('events', 4000);
const SECONDS = arg('seconds', 3);

const loadStarted = performance.now();
const rules = loadRules({});
const loadMs = performance.now() - loadStarted;
const scrubber = createScrubber(rules, { hashKey: 'bench-key' });
// Events go through JSON like the relay's input does (flat strings, fresh objects).
const corpus = makeCorpus(20240115, EVENTS).map((c) => ({ ...c, event: JSON.parse(JSON.stringify(c.event)) }));

// ---------------------------------------------------------------- competitors
const require = createRequire(import.meta.url);
const competitors = [];
try {
  const { SyncRedactor } = require('redact-pii');
  const r = new SyncRedactor();
  competitors.push({ name: 'redact-pii@3.4.0 (SyncRedactor)', scrub: (event) => mapStrings(event, (s) => r.redact(s)) });
} catch (err) {
  console.log(`redact-pii not available: ${err.message}`);
}
try {
  const { Redactor } = await import('@redactpii/node');
  const r = new Redactor();
  competitors.push({ name: '@redactpii/node@1.0.17 (redactObject)', scrub: (event) => r.redactObject(event) });
} catch (err) {
  console.log(`@redactpii/node not available: ${err.message}`);
}

function mapStrings(value, fn) {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn);
    return out;
  }
  return value;
}

// ---------------------------------------------------------------- quality
function escaped(value) {
  return JSON.stringify(String(value)).slice(1, -1);
}

function quality(name, scrub) {
  const perType = new Map();
  let techTotal = 0;
  let techKept = 0;
  for (const { event, kind, planted, technical } of corpus) {
    const out = JSON.stringify(scrub(JSON.parse(JSON.stringify(event)), kind));
    for (const { type, value } of planted) {
      const t = perType.get(type) ?? { planted: 0, caught: 0 };
      t.planted++;
      if (!out.includes(escaped(value))) t.caught++;
      perType.set(type, t);
    }
    for (const value of technical) {
      techTotal++;
      if (out.includes(escaped(value))) techKept++;
    }
  }
  return { name, perType, techKept: techKept / techTotal, techTotal };
}

// ---------------------------------------------------------------- speed
/**
 * Events per second of CPU time of this process (user + system): "one core", and steadier than
 * wall time on a shared machine. Warm-up first, so the JIT has compiled what it measures.
 */
function rate(fn, events, seconds) {
  for (let i = 0; i < Math.min(events.length, 2000); i++) fn(events[i]);
  let n = 0;
  const started = process.cpuUsage();
  const budget = seconds * 1e6;
  let used = 0;
  while (used < budget) {
    for (let i = 0; i < events.length; i++) fn(events[i]);
    n += events.length;
    const u = process.cpuUsage(started);
    used = u.user + u.system;
  }
  return n / (used / 1e6);
}

/**
 * Like {@link rate}, for scrubbing events parsed just before, as the relay does: each event is
 * scrubbed once. Parsing, in chunks of a relay batch (100 events), is not timed. Scrubbing the same
 * parsed objects again and again would flatter the scrubber: V8 caches a string's hash in the
 * string, so the clean cache's lookups would find their hashes already computed.
 */
function rateFresh(scrub, texts, seconds) {
  const chunk = new Array(100);
  for (let i = 0; i < Math.min(texts.length, 2000); i++) scrub(JSON.parse(texts[i]));
  let n = 0;
  let at = 0;
  let used = 0;
  while (used < seconds * 1e6) {
    for (let i = 0; i < chunk.length; i++) chunk[i] = JSON.parse(texts[(at + i) % texts.length]);
    at += chunk.length;
    const started = process.cpuUsage();
    for (let i = 0; i < chunk.length; i++) scrub(chunk[i]);
    const u = process.cpuUsage(started);
    used += u.user + u.system;
    n += chunk.length;
  }
  return n / (used / 1e6);
}

const errorEvents = corpus.filter((c) => c.kind === 'error').map((c) => c.event);
const scanEvents = corpus.filter((c) => c.kind === 'scan').map((c) => c.event);
const errorTexts = errorEvents.map((e) => JSON.stringify(e));
const avgBytes = (list) => Math.round(list.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0) / list.length);

const ours = quality('scrub-relay', (event, kind) => scrubber.scrub(event, kind).event);
const theirs = competitors.map((c) => quality(c.name, (event) => c.scrub(event)));

const cpu = cpus()[0];
console.log(`machine: ${cpu?.model ?? 'unknown cpu'}, ${cpus().length} cores, ${platform()} ${release()}, node ${process.version}`);
console.log(`rules: ${rules.rules.length} enabled, loaded in ${Math.round(loadMs)} ms`);
console.log(`corpus: ${corpus.length} events (${errorEvents.length} error traces, avg ${avgBytes(errorEvents)} B; ${scanEvents.length} scan events, avg ${avgBytes(scanEvents)} B), seed 20240115`);
console.log('');

const types = [...ours.perType.keys()].sort();
const cols = [ours, ...theirs];
const header = ['type'.padEnd(22), 'planted'.padStart(7), ...cols.map((c) => c.name.split(' ')[0].slice(0, 22).padStart(24))].join(' ');
console.log('recall per planted type (share of planted values absent from the output)');
console.log(header);
for (const type of types) {
  const planted = ours.perType.get(type)?.planted ?? 0;
  const cells = cols.map((c) => {
    const t = c.perType.get(type);
    return (t ? (t.caught / t.planted).toFixed(3) : '-').padStart(24);
  });
  console.log([type.padEnd(22), String(planted).padStart(7), ...cells].join(' '));
}
console.log([`technical values kept`.padEnd(22), String(ours.techTotal).padStart(7), ...cols.map((c) => c.techKept.toFixed(3).padStart(24))].join(' '));
console.log('');

// The JSON round trip and our scrubber are measured in alternating rounds and reported as
// medians: on a shared machine the speed drifts by 10-20% from one second to the next, and a
// ratio of two figures taken at different moments would carry that drift.
const ROUNDS = 5;
const IN_PLACE = { inPlace: true };
const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  const roundTrip = rate((text) => JSON.stringify(JSON.parse(text)), errorTexts, SECONDS / ROUNDS);
  // In place, as the relay scrubs the events it has just parsed.
  const scrub = rateFresh((e) => scrubber.scrub(e, 'error', IN_PLACE), errorTexts, SECONDS / ROUNDS);
  // Building a new event and leaving the input alone: scrub()'s default.
  const copy = rateFresh((e) => scrubber.scrub(e, 'error'), errorTexts, SECONDS / ROUNDS);
  // What the relay pays per event: parse the text, scrub, serialise the result.
  const pipeline = rate((text) => JSON.stringify(scrubber.scrub(JSON.parse(text), 'error', IN_PLACE).event), errorTexts, SECONDS / ROUNDS);
  rounds.push({ roundTrip, scrub, copy, pipeline, ratio: scrub / roundTrip, copyRatio: copy / roundTrip, pipelineRatio: pipeline / roundTrip });
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const roundTrip = median(rounds.map((r) => r.roundTrip));
const ourRate = median(rounds.map((r) => r.scrub));
const ratio = median(rounds.map((r) => r.ratio));
const copyRate = median(rounds.map((r) => r.copy));
const copyRatio = median(rounds.map((r) => r.copyRatio));
const pipelineRate = median(rounds.map((r) => r.pipeline));
const pipelineRatio = median(rounds.map((r) => r.pipelineRatio));
const ourScanRate = rateFresh((e) => scrubber.scrub(e, 'scan', IN_PLACE), scanEvents.map((e) => JSON.stringify(e)), SECONDS);
// What `scrub --explain` pays on top: the JSON path of every finding. Measured last, after a
// warm-up: the switch of mode makes V8 re-optimise the scrubber first.
const EXPLAIN = { explain: true, inPlace: true };
rateFresh((e) => scrubber.scrub(e, 'error', EXPLAIN), errorTexts, 0.5);
const explainRate = rateFresh((e) => scrubber.scrub(e, 'error', EXPLAIN), errorTexts, SECONDS / ROUNDS);
const range = (key) => `${Math.round(Math.min(...rounds.map((r) => r[key]))).toLocaleString('en-US')}-${Math.round(Math.max(...rounds.map((r) => r[key]))).toLocaleString('en-US')}`;
console.log(`speed, one core (CPU time of this process), ~${avgBytes(errorEvents)} B error traces; medians of ${ROUNDS} alternating rounds (range);`);
console.log('scrub() runs on events parsed just before it (parsing not timed), each scrubbed once and in place, as in the relay:');
console.log(`  JSON.parse + JSON.stringify      ${Math.round(roundTrip).toLocaleString('en-US').padStart(10)} events/s  (${range('roundTrip')})`);
console.log(`  scrub-relay scrub()              ${Math.round(ourRate).toLocaleString('en-US').padStart(10)} events/s  (${range('scrub')}); ${(ratio * 100).toFixed(0)}% of the JSON round trip (median of the rounds' ratios)`);
console.log(`    building a copy (the default)  ${Math.round(copyRate).toLocaleString('en-US').padStart(10)} events/s  (${range('copy')}); ${(copyRatio * 100).toFixed(0)}% (the input left as it was)`);
console.log(`  JSON.parse + scrub() + stringify ${Math.round(pipelineRate).toLocaleString('en-US').padStart(10)} events/s  (${range('pipeline')}); ${(pipelineRatio * 100).toFixed(0)}% of the JSON round trip (the relay's whole step)`);
console.log(`  scrub-relay scrub() scan events  ${Math.round(ourScanRate).toLocaleString('en-US').padStart(10)} events/s`);
console.log(`  scrub-relay scrub() with explain ${Math.round(explainRate).toLocaleString('en-US').padStart(10)} events/s  (per-path findings, as \`scrub --explain\` prints them)`);
for (const c of competitors) {
  const r = rateFresh((e) => c.scrub(e), errorTexts.slice(0, 500), Math.min(SECONDS, 2));
  console.log(`  ${c.name.padEnd(32)} ${Math.round(r).toLocaleString('en-US').padStart(10)} events/s`);
}
