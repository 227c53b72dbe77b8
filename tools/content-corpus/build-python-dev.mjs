// Builds a development split (`dev3`) for English prose about software and for error messages
// of another runtime, to tune the classifier on without touching heldout3: the docstrings and the
// `raise XxxError("…")` literals of the Python packages Debian installs
// (/usr/lib/python3/dist-packages: pip, cryptography, pygments, yaml, …; the standard library,
// which heldout3 measures, is not among them).
//
// - human-docstrings-dev3.ndjson: sentences of the docstrings, with the filter of heldout3
//   (6–60 words, no code).
// - technical-python-dev3.ndjson: the raise literals, placeholders replaced by a stand-in.
//
//   node tools/content-corpus/build-python-dev.mjs
import { readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder, isCodeFreeSentence, standIn, writeNdjson } from './shared.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, 'test/corpus/content');
const SPLIT = 'dev3';
const DIR = '/usr/lib/python3/dist-packages';
const PER_FILE = 8;
const files = (dir) => filesUnder(dir, /^(tests?|__pycache__)$/, (name) => name.endsWith('.py') && !name.startsWith('test_'));

const human = [];
const technical = [];
// Nothing heldout3 holds may also be tuned on here.
const seen = new Set(
  ['human-docs-heldout3.ndjson', 'technical-stdlib-heldout3.ndjson'].flatMap((f) =>
    existsSync(join(out, f)) ? readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text) : [],
  ),
);
const DOC = /("""|''')([\s\S]*?)\1/g;
const RAISE = /raise\s+[A-Z]\w*(?:Error|Exception|Warning)\(\s*f?(?:"((?:\\.|[^"\\\n])*)"|'((?:\\.|[^'\\\n])*)')/g;
if (existsSync(DIR)) {
  for (const file of files(DIR)) {
    const src = readFileSync(file, 'utf8');
    const source = `python-dist:${relative(DIR, file)}`;
    let n = 0;
    for (const m of src.matchAll(DOC)) {
      for (const para of m[2].split(/\n\s*\n/)) {
        // Parameter lists, doctests and reST directives are not prose.
        if (/^\s*(>>>|:|\.\.|[-=~]{3})/m.test(para)) continue;
        for (const sentence of para.replace(/\s+/g, ' ').trim().split(/(?<=[.!?])\s+(?=[A-Z])/)) {
          const s = sentence.trim();
          if (n >= PER_FILE || !isCodeFreeSentence(s) || seen.has(s.toLowerCase()) || seen.has(s)) continue;
          seen.add(s.toLowerCase());
          n++;
          human.push({ text: s, lang: 'en', source, kind: 'docstring-sentence', words: s.split(/\s+/).length, split: SPLIT });
        }
      }
    }
    n = 0;
    for (const m of src.matchAll(RAISE)) {
      if (n >= PER_FILE) break;
      const text = (m[1] ?? m[2] ?? '')
        .replace(/\{[^{}]*\}/g, standIn)
        .replace(/%(\([^)]*\))?[-#0 +]?\d*(\.\d+)?[sdrifxXc]/g, standIn)
        .replace(/\\n|\\t/g, ' ')
        .replace(/\\(["'\\])/g, '$1')
        .trim();
      if (text.length < 2 || !/\p{L}/u.test(text) || seen.has(text)) continue;
      seen.add(text);
      n++;
      technical.push({ text, source, kind: 'error-message', split: SPLIT });
    }
  }
}
writeNdjson(out, 'human-docstrings-dev3.ndjson', human);
writeNdjson(out, 'technical-python-dev3.ndjson', technical);
console.log(`docstring sentences ${human.length}, raise messages ${technical.length}`);
