// Fits the content policy's English model and writes it to scrubbers/content-english.ts: a
// logistic regression that tells English prose about software (documentation, docstrings,
// licences) from templated error messages, which share its vocabulary.
//
// Features, as scrubbers/content-score.ts computes them at run time:
// - the score's shares and cues (SHAPE): function words, articles, natural and lexicon words,
//   code-shaped tokens and denials per token, a capital at the start, a full stop at the end, …;
// - each plain word (lower case) and each pair of neighbouring tokens (a code-shaped token is
//   `<T>`, the start of the text `<S>`), counted and divided by the square root of the string's
//   token count, for the words and pairs seen in at least MIN_ROWS training strings.
//
// Training data: the dev splits only — English UDHR dev sentences and windows, Python docstring
// sentences (dev3) and Javadoc sentences (dev4) as prose; the dev error messages of
// node_modules and Node, Debian's Python packages (dev3) and the Java class library (dev4) as
// technical, weighted 3 to 1. Only strings the model judges are used: English (no foreign
// function word), five words or more. AdaGrad, a fixed seed and a fixed number of passes make the
// fit deterministic for a given corpus.
//
// The decision threshold is the lowest of THRESHOLDS at which every dev technical source keeps
// at least KEEP of its strings; it is folded into the bias. Weights are rounded to two decimals,
// and features whose weight rounds to 0 are left out.
//
//   npm run build && node tools/content-corpus/fit-english.mjs && npm run build
//   node tools/content-corpus/fit-english.mjs --check   # exit 1 if the committed file differs from a fresh fit,
//                                                        # or the built classifier scores a training string otherwise than the fit
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const S = await import(join(root, 'dist/scrubbers/content-score.js'));
const W = await import(join(root, 'dist/scrubbers/content-words.js'));
const dir = join(root, 'test/corpus/content');
const load = (n) => readFileSync(join(dir, n), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const wc = (t) => t.split(/\s+/).filter(Boolean).length;

const MIN_ROWS = 20;
const TECHNICAL_WEIGHT = 3;
const PASSES = 15;
const RATE = 0.1;
const L2 = 1e-4;
const THRESHOLDS = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3];
const KEEP = 0.997;

const SHAPE_NAMES = ['marker', 'natural', 'function', 'lexicon', 'technical', 'articles', 'denials', 'capital', 'terminal', 'sentence', 'logWords', 'head', 'oneNatural', 'twoNatural'];
/** The shape features of a score, in SHAPE_NAMES order (content-score.ts's englishProse). */
const shape = (sc) => {
  const all = Math.max(1, sc.words + sc.technical);
  return [+(sc.markers > 0), sc.natural / all, sc.function / all, sc.lexicon / all, sc.technical / all, sc.articles / all, sc.denials / all, +sc.capital, +sc.terminal, +(sc.capital && sc.terminal), Math.log1p(sc.words), +sc.head, +(sc.natural >= 1), +(sc.natural >= 2)];
};
// The model judges English only (no foreign function word) of five words or more, as isProseScore applies it.
const eligible = (sc) => sc.strong === sc.markers && sc.words >= S.SHORT_WORDS;

/** The word and pair features of `text`, as content-score.ts's countRange keys them. */
function wordFeatures(text) {
  const out = { word: '' };
  const counts = new Map();
  const add = (k) => counts.set(k, (counts.get(k) ?? 0) + 1);
  let prev = '<S>';
  let tokens = 0;
  let i = 0;
  while (i < text.length) {
    while (i < text.length && S.isSpace(text.charCodeAt(i))) i++;
    const start = i;
    while (i < text.length && !S.isSpace(text.charCodeAt(i))) i++;
    if (i === start) continue;
    const cls = W.classifyToken(text, start, i, false, out);
    if (cls === W.WordClass.None) continue;
    const key = cls === W.WordClass.Technical || cls === W.WordClass.Caps ? '<T>' : out.word;
    if (key !== '<T>') add(`w ${key}`);
    add(`p ${prev} ${key}`);
    prev = key;
    tokens++;
  }
  const norm = 1 / Math.sqrt(Math.max(1, tokens));
  return [...counts].map(([k, n]) => [k, n * norm]);
}

const isDev = (r) => r.split === 'dev' || r.split === 'dev3' || r.split === 'dev4';
const humanSources = ['human-udhr.ndjson', 'human-docstrings-dev3.ndjson', 'human-javadoc-dev4.ndjson'];
const technicalSources = ['technical-node-modules.ndjson', 'technical-node-runtime.ndjson', 'technical-python-dev3.ndjson', 'technical-java-dev4.ndjson'];
const human = humanSources.flatMap(load).filter((r) => r.lang === 'en' && isDev(r) && (r.words ?? wc(r.text)) >= 6);
const rows = [];
for (const [set, y, weight] of [
  [human.map((r) => ({ ...r, file: 'human' })), 1, 1],
  [technicalSources.flatMap((f) => load(f).map((r) => ({ ...r, file: f }))).filter((r) => isDev(r) && /\s/.test(r.text)), 0, TECHNICAL_WEIGHT],
]) {
  for (const r of set) {
    const sc = S.scoreText(r.text);
    if (!eligible(sc)) continue;
    rows.push({ text: r.text, shape: shape(sc), words: wordFeatures(r.text), y, weight, file: r.file });
  }
}

// Features of at least MIN_ROWS training strings.
const seenIn = new Map();
for (const r of rows) for (const [k] of r.words) seenIn.set(k, (seenIn.get(k) ?? 0) + 1);
const names = [...seenIn].filter(([, n]) => n >= MIN_ROWS).map(([k]) => k).sort();
const index = new Map(names.map((k, i) => [k, i]));
for (const r of rows) r.idx = r.words.filter(([k]) => index.has(k)).map(([k, v]) => [index.get(k), v]);

const d = SHAPE_NAMES.length;
const ws = new Float64Array(d);
const wv = new Float64Array(names.length);
let bias = 0;
const gs = new Float64Array(d).fill(1e-8);
const gv = new Float64Array(names.length).fill(1e-8);
let gb = 1e-8;
const value = (r) => {
  let z = bias;
  for (let j = 0; j < d; j++) z += ws[j] * r.shape[j];
  for (const [i, v] of r.idx) z += wv[i] * v;
  return z;
};
let seed = 1;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const order = rows.map((_, i) => i);
for (let pass = 0; pass < PASSES; pass++) {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (const k of order) {
    const r = rows[k];
    const e = (1 / (1 + Math.exp(-value(r))) - r.y) * r.weight;
    for (let j = 0; j < d; j++) {
      const g = e * r.shape[j] + L2 * ws[j];
      gs[j] += g * g;
      ws[j] -= (RATE * g) / Math.sqrt(gs[j]);
    }
    for (const [i, v] of r.idx) {
      const g = e * v + L2 * wv[i];
      gv[i] += g * g;
      wv[i] -= (RATE * g) / Math.sqrt(gv[i]);
    }
    gb += e * e;
    bias -= (RATE * e) / Math.sqrt(gb);
  }
}

const round = (x) => Math.round(x * 100) / 100 || 0;
for (let j = 0; j < d; j++) ws[j] = round(ws[j]);
for (let i = 0; i < wv.length; i++) wv[i] = round(wv[i]);
bias = round(bias);
// Each dev technical source's share kept is over all its dev strings, the ones the model never
// judges (no whitespace, under five words) included.
const totals = new Map(technicalSources.map((f) => [f, load(f).filter(isDev).length]));
let threshold;
for (const t of THRESHOLDS) {
  const lost = (f) => rows.filter((r) => r.y === 0 && r.file === f && value(r) > t).length / totals.get(f);
  const prose = rows.filter((r) => r.y === 1 && value(r) > t).length / rows.filter((r) => r.y === 1).length;
  console.log(`threshold ${t}: eligible dev prose above ${prose.toFixed(4)}; dev technical kept ${technicalSources.map((f) => `${f} ${(1 - lost(f)).toFixed(4)}`).join(', ')}`);
  if (threshold === undefined && technicalSources.every((f) => 1 - lost(f) >= KEEP)) threshold = t;
}
if (threshold === undefined) throw new Error(`no threshold keeps ${KEEP} of every dev technical source`);
const kept = names.map((k, i) => [k, wv[i]]).filter(([, w]) => w !== 0);
const pack = (entries) => {
  const lines = [];
  let line = '';
  for (const e of entries) {
    if (line && line.length + e.length > 96) {
      lines.push(line);
      line = '';
    }
    line += (line ? ' ' : '') + e;
  }
  if (line) lines.push(line);
  return lines.map((l) => `  ${JSON.stringify(l)},`).join('\n');
};
const wordsOut = kept.filter(([k]) => k.startsWith('w ')).map(([k, w]) => `${k.slice(2)}=${w}`);
const pairsOut = kept.filter(([k]) => k.startsWith('p ')).map(([k, w]) => `${k.slice(2).replace(' ', '+')}=${w}`);
const shapeOut = SHAPE_NAMES.map((n, j) => `  ${n}: ${ws[j]},`).join('\n');
const target = join(root, 'scrubbers/content-english.ts');
const generated = `// GENERATED by tools/content-corpus/fit-english.mjs — do not edit by hand; re-run it.
// The English model of the content policy (see that script for what it is fitted on and how):
// ${rows.length} training strings (${rows.filter((r) => r.y === 1).length} prose), ${wordsOut.length} word and ${pairsOut.length} pair weights, decision threshold ${threshold} folded into the bias.

/** Weights of the score's shares and cues (content-score.ts's englishProse). */
export const SHAPE = {
  bias: ${round(bias - threshold)},
${shapeOut}
} as const;

/** \`word=weight\`: the weight of each occurrence of a plain word (lower case). */
export const WORD_WEIGHTS: readonly string[] = [
${pack(wordsOut)}
];

/** \`previous+word=weight\`: the weight of a pair of neighbouring tokens (\`<S>\` the start, \`<T>\` a code-shaped token). */
export const PAIR_WEIGHTS: readonly string[] = [
${pack(pairsOut)}
];
`;
if (process.argv.includes('--check')) {
  const same = readFileSync(target, 'utf8') === generated;
  console.log(same ? 'scrubbers/content-english.ts is what the fit gives' : 'scrubbers/content-english.ts differs from a fresh fit: re-run tools/content-corpus/fit-english.mjs');
  if (!same) process.exit(1);
  // The features above mirror content-score.ts's countRange; the built classifier, reading the
  // committed weights, must give every training string the value the fit gave it.
  const off = rows.filter((r) => Math.abs(S.englishProse(S.scoreText(r.text)) - (value(r) - threshold)) > 1e-6);
  console.log(off.length === 0 ? `the built classifier scores all ${rows.length} training strings as the fit does` : `the built classifier scores ${off.length} training strings otherwise than the fit, e.g. ${JSON.stringify(off[0].text)}`);
  process.exit(off.length === 0 ? 0 : 1);
}
writeFileSync(target, generated);
console.log(`wrote scrubbers/content-english.ts: ${rows.length} rows, ${wordsOut.length} words, ${pairsOut.length} pairs, threshold ${threshold}`);
