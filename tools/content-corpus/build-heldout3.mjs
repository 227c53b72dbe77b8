// Builds the third held-out split of the content-classifier corpus (`heldout3`), from public text
// on this machine that no earlier split used and nobody looked at while tuning:
//
// - human-docs-heldout3.ndjson: English prose sentences of the README.md files of the installed
//   packages (node_modules/<pkg>/README.md) — documentation prose, English about software, the
//   hard case. Code blocks, headings, tables, HTML, links' targets and list markers go first;
//   a sentence is kept when it has 6–60 words, opens with a capital and ends with . ! or ?, and
//   holds no code (no backtick, URL, markup, `=`, path, file name, identifier or flag).
// - technical-stdlib-heldout3.ndjson: the message literals of `raise XxxError("…")` in Python's
//   standard library (/usr/lib/python3.11) and of `errors.New("…")` / `fmt.Errorf("…")` in Go's
//   (/usr/lib/go-1.19/src), tests excluded; format placeholders replaced by a technical stand-in
//   value chosen by hash, as build.mjs does for template literals.
//
//   node tools/content-corpus/build-heldout3.mjs
//
// Deterministic for a given machine: files are walked in name order, every cap is a count.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder, isCodeFreeSentence, standIn, writeNdjson } from './shared.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, 'test/corpus/content');
const nm = join(root, 'node_modules');
const SPLIT = 'heldout3';

// ------------------------------------------------------------------ human: README prose
const PER_README = 12;
const licenceSentences = new Set(
  readFileSync(join(out, 'human-licences.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).text.toLowerCase()),
);
/** Markdown to its prose paragraphs: code, markup and link targets removed. */
function paragraphs(md) {
  const text = md
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/^(```|~~~)[\s\S]*?^\1.*$/gm, '\n\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/(^|\s)\*([^*\s][^*]*)\*(?=[\s.,;:!?]|$)/g, '$1$2');
  const out = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => !/^( {4}|\t)/.test(l) && !/^\s*(#|\||\[[^\]]*\]:)/.test(l));
    const prose = lines.map((l) => l.replace(/^\s*(>\s*)*([-*+]|\d+[.)])?\s+/, '')).join(' ');
    if (prose.trim()) out.push(prose.replace(/\s+/g, ' ').trim());
  }
  return out;
}
function isProseSentence(s) {
  // Copyright lines and licence sentences belong to other sets.
  return isCodeFreeSentence(s) && !/copyright|\(c\)|licen[cs]e/i.test(s) && !licenceSentences.has(s.toLowerCase());
}
const packages = [];
for (const name of readdirSync(nm).sort()) {
  if (name.startsWith('.')) continue;
  if (name.startsWith('@')) for (const n of readdirSync(join(nm, name)).sort()) packages.push(`${name}/${n}`);
  else packages.push(name);
}
const docs = [];
const seen = new Set();
for (const pkg of packages) {
  let file;
  try {
    file = readdirSync(join(nm, pkg)).find((f) => /^readme\.md$/i.test(f));
  } catch {
    continue;
  }
  if (!file) continue;
  let version = '?';
  try {
    version = JSON.parse(readFileSync(join(nm, pkg, 'package.json'), 'utf8')).version;
  } catch {
    /* no package.json: version unknown */
  }
  let n = 0;
  for (const p of paragraphs(readFileSync(join(nm, pkg, file), 'utf8'))) {
    for (const sentence of p.split(/(?<=[.!?]["')]?)\s+(?=["(]?[A-Z])/)) {
      const s = sentence.trim();
      if (n >= PER_README || !isProseSentence(s) || seen.has(s.toLowerCase())) continue;
      seen.add(s.toLowerCase());
      n++;
      docs.push({ text: s, lang: 'en', source: `npm:${pkg}@${version}/${file}`, kind: 'readme-sentence', words: s.split(/\s+/).length, split: SPLIT });
    }
  }
}
writeNdjson(out, 'human-docs-heldout3.ndjson', docs);

// ------------------------------------------------------------------ technical: Python and Go
const files = (dir, ext) =>
  filesUnder(dir, /^(tests?|testdata|idle_test|site-packages|dist-packages|vendor|__pycache__)$/, (name) => name.endsWith(ext) && !name.endsWith('_test.go') && !name.startsWith('test_'));
const PER_FILE = 8;
const technical = [];
const seenTech = new Set();
function add(text, source) {
  text = text.replace(/\\n/g, ' ').replace(/\\t/g, ' ').replace(/\\(["'\\])/g, '$1').trim();
  if (text.length < 2 || !/\p{L}/u.test(text) || seenTech.has(text)) return false;
  seenTech.add(text);
  technical.push({ text, source, kind: 'error-message', split: SPLIT });
  return true;
}
const PY = '/usr/lib/python3.11';
const PY_RAISE = /raise\s+[A-Z]\w*(?:Error|Exception|Warning)\(\s*f?(?:"((?:\\.|[^"\\\n])*)"|'((?:\\.|[^'\\\n])*)')/g;
if (existsSync(PY)) {
  for (const file of files(PY, '.py')) {
    let n = 0;
    for (const m of readFileSync(file, 'utf8').matchAll(PY_RAISE)) {
      if (n >= PER_FILE) break;
      let text = m[1] ?? m[2] ?? '';
      text = text.replace(/\{[^{}]*\}/g, standIn);
      text = text.replace(/%(\([^)]*\))?[-#0 +]?\d*(\.\d+)?[sdrifxXc]/g, standIn);
      if (add(text, `python3.11:${relative(PY, file)}`)) n++;
    }
  }
}
const GO = '/usr/lib/go-1.19/src';
const GO_ERR = /(?:errors\.New|fmt\.Errorf)\(\s*"((?:\\.|[^"\\\n])*)"/g;
if (existsSync(GO)) {
  for (const file of files(GO, '.go')) {
    if (/\/cmd\//.test(file)) continue;
    let n = 0;
    for (const m of readFileSync(file, 'utf8').matchAll(GO_ERR)) {
      if (n >= PER_FILE) break;
      const text = m[1].replace(/%[-#+ 0]*\d*(\.\d+)?[vsdqwxXTtfgp]/g, standIn);
      if (add(text, `go1.19:${relative(GO, file)}`)) n++;
    }
  }
}
writeNdjson(out, 'technical-stdlib-heldout3.ndjson', technical);
console.log(`readme sentences ${docs.length}, stdlib messages ${technical.length} (python ${technical.filter((r) => r.source.startsWith('python')).length})`);
