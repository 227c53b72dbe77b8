// Free-text benchmark: recall per type of personal data and secret, and the share of non-PII words
// and technical tokens destroyed, through `scrub-relay scrub --text`, beside redact-pii and
// @redactpii/node on the same lines in the same run. The corpus: bench/freetext-corpus.js.
//
//   npm run build && node bench/freetext.js [--misses 5]
//
// Runs the built CLI (dist/), so it measures what ships. Nothing leaves the machine.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildFreeTextCorpus } from './freetext-corpus.js';
import { scoreFreeText } from './freetext-score.js';

const args = process.argv.slice(2);
const missesShown = (() => {
  const i = args.indexOf('--misses');
  return i === -1 ? 0 : Number(args[i + 1]);
})();

const CLI = fileURLToPath(new URL('../dist/bundle/cli.js', import.meta.url));

/** The lines through `scrub-relay scrub --text`, one output line per input line. */
export function scrubTextLines(lines) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [CLI, 'scrub', '--text'], {
    input: `${lines.join('\n')}\n`,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? '' },
  });
  if (result.status !== 0) throw new Error(`scrub --text exited ${result.status}: ${result.stderr}`);
  const out = result.stdout.split('\n');
  return { out: out.slice(0, lines.length), ms: performance.now() - started };
}

const corpus = buildFreeTextCorpus();
// Lines may hold no newline: the corpus is one string per line.
const sections = ['pii', 'prose', 'technical'];
const all = sections.flatMap((s) => corpus[s].map((l) => l.text.replace(/\n/g, ' ')));

function split(outLines) {
  const out = {};
  let at = 0;
  for (const s of sections) {
    out[s] = outLines.slice(at, at + corpus[s].length);
    at += corpus[s].length;
  }
  return out;
}

const require = createRequire(import.meta.url);
const runs = [];
{
  const { out, ms } = scrubTextLines(all);
  runs.push({ name: 'scrub-relay scrub --text', score: scoreFreeText(corpus, split(out)), ms });
}
try {
  const { SyncRedactor } = require('redact-pii');
  const r = new SyncRedactor();
  const started = performance.now();
  const out = all.map((line) => r.redact(line));
  runs.push({ name: 'redact-pii@3.4.0', score: scoreFreeText(corpus, split(out)), ms: performance.now() - started });
} catch (err) {
  console.log(`redact-pii not available: ${err.message}`);
}
try {
  const { Redactor } = await import('@redactpii/node');
  // No API key: the library then sends nothing anywhere.
  const r = new Redactor();
  const started = performance.now();
  const out = all.map((line) => r.redact(line));
  runs.push({ name: '@redactpii/node@1.0.17', score: scoreFreeText(corpus, split(out)), ms: performance.now() - started });
} catch (err) {
  console.log(`@redactpii/node not available: ${err.message}`);
}

const types = [...new Set(runs.flatMap((r) => Object.keys(r.score.recall)))].sort();
const pad = (s, n) => String(s).padEnd(n);
const pct = (x) => `${(x * 100).toFixed(1)}%`;
console.log(`free-text corpus: ${corpus.pii.length} labelled lines (7 languages + code), ${corpus.prose.length} prose lines (UDHR), ${corpus.technical.length} technical lines`);
console.log(`${pad('recall', 22)}${pad('n', 6)}${runs.map((r) => pad(r.name, 28)).join('')}`);
for (const type of types) {
  const n = runs[0].score.recall[type]?.n ?? 0;
  console.log(`${pad(type, 22)}${pad(n, 6)}${runs.map((r) => pad(r.score.recall[type] ? r.score.recall[type].recall.toFixed(3) : '-', 28)).join('')}`);
}
console.log(`${pad('non-PII words lost', 22)}${pad(runs[0].score.wordsTotal, 6)}${runs.map((r) => pad(pct(r.score.wordsDestroyed), 28)).join('')}`);
console.log(`${pad('technical tokens lost', 22)}${pad(runs[0].score.technicalTotal, 6)}${runs.map((r) => pad(pct(r.score.technicalDestroyed), 28)).join('')}`);
console.log(`${pad('time (ms, all lines)', 28)}${runs.map((r) => pad(Math.round(r.ms), 28)).join('')}  (scrub-relay: one CLI process, start-up included)`);
if (missesShown > 0) {
  const ours = runs[0].score;
  for (const [type, lines] of Object.entries(ours.misses)) console.log(`missed ${type}:\n  ${lines.slice(0, missesShown).join('\n  ')}`);
  console.log(`technical lines changed:\n  ${ours.lostTechnical.slice(0, missesShown).join('\n  ')}`);
}
