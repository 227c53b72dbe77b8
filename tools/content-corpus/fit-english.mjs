// Fits the weights of the content policy's English sentence-shape model (SHAPE in
// scrubbers/content-score.ts): a logistic regression over the score's shares and cues, on the
// dev splits only — English UDHR dev sentences and windows and the Python docstring sentences
// (dev3) as prose, the dev error messages of node_modules, Node and Debian's Python packages
// (dev3) as technical, weighted 3 to 1. Prints the weights rounded to one decimal and, for a few
// thresholds, the dev recall and technical kept; the chosen threshold (2: the lowest at
// which the technical strings of test/corpus/content stay at 0.99 kept) goes into the bias.
//
//   npm run build && node tools/content-corpus/fit-english.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const S = await import(join(root, 'dist/scrubbers/content-score.js'));
const dir = join(root, 'test/corpus/content');
const load = (n) => readFileSync(join(dir, n), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const wc = (t) => t.split(/\s+/).filter(Boolean).length;
const names = ['marker', 'natural', 'function', 'lexicon', 'technical', 'articles', 'denials', 'capital', 'terminal', 'sentence', 'logWords', 'head', 'oneNatural', 'twoNatural'];
const feats = (sc) => {
  const all = Math.max(1, sc.words + sc.technical);
  return [+(sc.markers > 0), sc.natural / all, sc.function / all, sc.lexicon / all, sc.technical / all, sc.articles / all, sc.denials / all, +sc.capital, +sc.terminal, +(sc.capital && sc.terminal), Math.log1p(sc.words), +sc.head, +(sc.natural >= 1), +(sc.natural >= 2)];
};
// The model judges English only (no foreign function word) of five words or more, as isProseScore applies it.
const eligible = (sc) => sc.strong === sc.markers && sc.words >= 5;
const human = [...load('human-udhr.ndjson'), ...load('human-docstrings-dev3.ndjson')].filter((r) => r.lang === 'en' && (r.split === 'dev' || r.split === 'dev3') && (r.words ?? wc(r.text)) >= 6);
const technical = [...load('technical-node-modules.ndjson'), ...load('technical-node-runtime.ndjson'), ...load('technical-python-dev3.ndjson')].filter((r) => (r.split === 'dev' || r.split === 'dev3') && /\s/.test(r.text));
const X = [];
const Y = [];
const weight = [];
for (const [rows, y, wt] of [[human, 1, 1], [technical, 0, 3]]) {
  for (const r of rows) {
    const sc = S.scoreText(r.text);
    if (!eligible(sc)) continue;
    X.push(feats(sc));
    Y.push(y);
    weight.push(wt);
  }
}
const d = names.length;
let w = new Array(d).fill(0);
let b = 0;
const sig = (z) => 1 / (1 + Math.exp(-z));
for (let it = 0; it < 4000; it++) {
  const g = new Array(d).fill(0);
  let gb = 0;
  let sw = 0;
  for (let i = 0; i < X.length; i++) {
    const e = (sig(X[i].reduce((a, x, j) => a + x * w[j], b)) - Y[i]) * weight[i];
    for (let j = 0; j < d; j++) g[j] += e * X[i][j];
    gb += e;
    sw += weight[i];
  }
  for (let j = 0; j < d; j++) w[j] -= g[j] / sw + 0.001 * w[j];
  b -= gb / sw;
}
w = w.map((x) => Math.round(x * 10) / 10);
b = Math.round(b * 10) / 10;
console.log(`${names.map((n, j) => `${n}: ${w[j]}`).join(', ')}, bias before the threshold: ${b} (${X.length} rows)`);
const value = (x) => x.reduce((a, v, j) => a + v * w[j], b);
for (const threshold of [1, 1.5, 1.75, 2, 2.5, 3]) {
  const p = X.filter((x, i) => Y[i] === 1 && value(x) > threshold).length / Y.filter((y) => y === 1).length;
  const t = X.filter((x, i) => Y[i] === 0 && value(x) > threshold).length / Y.filter((y) => y === 0).length;
  console.log(`threshold ${threshold}: eligible dev prose above ${p.toFixed(3)}, eligible dev technical above ${t.toFixed(4)}`);
}
