// Linear-time check of every shipped rule: scans adversarial strings of 8, 32 and 64 KB with each
// rule alone (through the scrubber, prefilter and validators included) and reports the time per
// byte and how it grows with the length. Linear means the 64 KB time is about 8 times the 8 KB
// time; a quadratic rule shows 64. Exits 1 when a rule's ratio passes --max-ratio.
//
//   npm run build && node bench/linear.js [--runs 5] [--max-ratio 16] [--dist dist]
//
// The strings are built to hit each rule's worst case: runs of each character its examples use,
// its examples repeated with and without separators, near-misses (an example cut short or with
// its last character changed) repeated, characters alternating with separators, and for the
// entropy rule random base64, base64url, hex and letters, and long `key=value` chains.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const RUNS = Number(arg('runs', 5));
const MAX_RATIO = Number(arg('max-ratio', 16));
const DIST = resolve(arg('dist', 'dist'));
const SIZES = [8 * 1024, 32 * 1024, 64 * 1024];

const { loadRules } = await import(pathToFileURL(`${DIST}/config/rules.js`).href);
const { createScrubber } = await import(pathToFileURL(`${DIST}/scrubbers/index.js`).href);

/** `unit` repeated to exactly `n` characters. */
function fill(unit, n) {
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

function randomText(alphabet, n) {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SEPARATORS = [' ', '-', '.', ':', '/', '@', '=', '_', '"', "'", '\\', '\n', ',', '+'];

/** Units (repeated to length) for one rule: what its examples and characters make of it. */
function unitsFor(rule) {
  const units = new Map();
  const add = (name, unit) => {
    if (unit.length > 0 && !units.has(name)) units.set(name, unit);
  };
  const examples = rule.examples.match;
  const chars = new Set(examples.join(''));
  for (const c of chars) add(`run of ${JSON.stringify(c)}`, c);
  examples.forEach((ex, i) => {
    add(`example ${i} repeated`, ex);
    add(`example ${i} + space`, `${ex} `);
    add(`example ${i} cut short`, ex.slice(0, -1));
    add(`example ${i} cut short + space`, `${ex.slice(0, -1)} `);
    add(`example ${i} last char changed`, `${ex.slice(0, -1)}!`);
    add(`example ${i} first half`, ex.slice(0, Math.ceil(ex.length / 2)));
  });
  for (const sep of SEPARATORS) {
    add(`a${sep} alternating`, `a${sep}`);
    add(`1${sep} alternating`, `1${sep}`);
    add(`A${sep} alternating`, `A${sep}`);
  }
  return units;
}

/** Strings that are not repetitions of one unit, built per length. */
const GENERATED = {
  'random base64': (n) => randomText(B64, n),
  'random base64url': (n) => randomText(B64URL, n),
  'random hex': (n) => randomText('0123456789abcdef', n),
  'random letters': (n) => randomText('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', n),
  'random lower-case letters': (n) => randomText('abcdefghijklmnopqrstuvwxyz', n),
  'key=value chain': (n) => fill(`k=${randomText(B64URL, 30)}`, n),
  'sha512- then base64': (n) => `sha512-${randomText(B64, n - 7)}`,
  'template opener then base64': (n) => `\${${randomText(B64URL, n - 2)}`,
};

function singleRuleScrubber(rule) {
  const ruleSet = {
    passthrough: new Set(),
    limits: { maxStringLength: 1 << 20, maxDepth: 8 },
    rules: [{ ...rule, paths: [], kinds: new Set(['error', 'scan']), ...(rule.kind === 'regex' ? { skipKeys: [] } : {}) }],
    sources: [],
  };
  return createScrubber(ruleSet, { hashKey: 'bench-linear' });
}

/** Best of RUNS, in ms, of scrubbing `text` as one string. */
function time(scrubber, text, runs = RUNS) {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const event = { message: text };
    const started = performance.now();
    scrubber.scrub(event, 'error');
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

const rules = loadRules({}).rules.filter((r) => r.kind === 'regex' || r.kind === 'entropy');
console.log(`node ${process.version}, ${RUNS} runs per string (best), sizes ${SIZES.map((s) => `${s / 1024} KB`).join(' / ')}, rules from ${DIST}`);
console.log('rule'.padEnd(22), 'worst string'.padEnd(34), SIZES.map((s) => `ns/B@${s / 1024}K`.padStart(10)).join(''), '  64K/8K');
let failed = 0;
for (const rule of rules) {
  const scrubber = singleRuleScrubber(rule);
  const builders = [...unitsFor(rule)].map(([name, unit]) => [name, (n) => fill(unit, n)]);
  if (rule.kind === 'entropy') builders.push(...Object.entries(GENERATED));
  let worst;
  for (const [name, build] of builders) {
    const texts = SIZES.map((n) => build(n));
    time(scrubber, texts[0]);
    let ms = texts.map((t) => time(scrubber, t));
    // Other processes share the cores: a ratio past the bound is measured again, longer, before it counts.
    if (ms[2] / Math.max(ms[0], 0.005) > MAX_RATIO) ms = texts.map((t) => time(scrubber, t, RUNS * 4));
    const ratio = ms[2] / Math.max(ms[0], 0.005);
    // Worst by the largest string's time: what an attacker would pick.
    if (worst === undefined || ms[2] > worst.ms[2]) worst = { name, ms, ratio };
    if (ratio > MAX_RATIO && ms[2] > 1) {
      failed++;
      console.log(`  ${rule.id}: ${name} grows ${ratio.toFixed(1)}x for 8x the length`);
    }
  }
  const perByte = worst.ms.map((m, i) => ((m * 1e6) / SIZES[i]).toFixed(1).padStart(10)).join('');
  console.log(rule.id.padEnd(22), worst.name.slice(0, 34).padEnd(34), perByte, `  ${worst.ratio.toFixed(1)}x`);
}
// Issue 19's figure: one error event whose message is random base64, through every rule.
const all = createScrubber(loadRules({}), { hashKey: 'bench-linear' });
const whole = [16, 32, 64].map((kb) => {
  const text = randomBytes(kb * 768).toString('base64').slice(0, kb * 1024);
  return `${kb} KB ${time(all, text, RUNS * 2).toFixed(2)} ms`;
});
console.log(`random base64 in one message, all rules: ${whole.join(' / ')}`);
console.log(failed === 0 ? `every rule linear: 64 KB costs at most ${MAX_RATIO}x the 8 KB time` : `${failed} string(s) grew faster than ${MAX_RATIO}x`);
process.exitCode = failed === 0 ? 0 : 1;
