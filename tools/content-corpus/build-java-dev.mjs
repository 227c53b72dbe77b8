// Builds a fourth development split (`dev4`) of the content-classifier corpus from the Java
// class library's sources (a JDK's lib/src.zip): English prose about software that no earlier
// split holds, and error messages of one more runtime, to fit the English word model on
// (tools/content-corpus/fit-english.mjs) without touching any held-out split.
//
// - human-javadoc-dev4.ndjson: sentences of the Javadoc comments, with the filter of heldout3
//   (6–60 words, no code; a sentence that names code in {@code …} or markup is left out).
// - technical-java-dev4.ndjson: the message of `throw new XxxException("…" + x + "…")`, its
//   string literals kept and the expressions between them replaced by a technical stand-in.
//
//   node tools/content-corpus/build-java-dev.mjs [path/to/src.zip]
//
// Without an argument it takes the first JDK under /usr/lib/jvm that ships lib/src.zip. The zip
// is unpacked into a temporary folder with `unzip`, which is removed afterwards. Deterministic
// for a given src.zip: files are walked in name order, every cap is a count.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder, newSentences, standIn, textsOfOtherSplits, writeNdjson } from './shared.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, 'test/corpus/content');
const SPLIT = 'dev4';
const PER_DOC_FILE = 3;
const PER_THROW_FILE = 6;

function findZip() {
  const jvm = '/usr/lib/jvm';
  if (!existsSync(jvm)) return undefined;
  for (const name of readdirSync(jvm).sort().reverse()) {
    const zip = join(jvm, name, 'lib/src.zip');
    if (existsSync(zip)) return zip;
  }
  return undefined;
}
const zip = process.argv[2] ?? findZip();
if (!zip) {
  console.log('no JDK src.zip found; nothing built');
  process.exit(0);
}
const version = readFileSync(join(zip, '../../release'), 'utf8').match(/JAVA_VERSION="([^"]+)"/)?.[1] ?? '?';
const dir = mkdtempSync(join(tmpdir(), 'jdk-src-'));
// Nothing another split holds may be fitted on here.
const seen = textsOfOtherSplits(out, '-dev4.ndjson');
const human = [];
const technical = [];
try {
  execFileSync('unzip', ['-q', '-o', zip, '*.java', '-d', dir], { stdio: 'ignore' });
  const DOC = /\/\*\*([\s\S]*?)\*\//g;
  const LITERAL = '"(?:\\\\.|[^"\\\\\\n])*"';
  const THROW = new RegExp(`throw\\s+new\\s+[A-Z]\\w*(?:Exception|Error)\\(\\s*(${LITERAL}(?:\\s*\\+\\s*(?:${LITERAL}|[\\w.]+(?:\\([^()]*\\))?))*)\\s*[,)]`, 'g');
  const PART = new RegExp(`${LITERAL}|[\\w.]+(?:\\([^()]*\\))?`, 'g');
  for (const file of filesUnder(dir, /^(test|tests|demo|sample)$/, (n) => n.endsWith('.java'))) {
    const src = readFileSync(file, 'utf8');
    const source = `jdk-${version}:${relative(dir, file)}`;
    let n = 0;
    for (const m of src.matchAll(DOC)) {
      // The description only: block tags (@param, @return, …) start where the first one stands.
      const body = m[1].replace(/^\s*\*\s?/gm, '').split(/^\s*@/m)[0];
      for (const para of body.split(/<p>|\n\s*\n/i)) {
        if (n >= PER_DOC_FILE) break;
        for (const s of newSentences(para.replace(/<\/?(?:em|i|b|strong)>/gi, ''), seen)) {
          human.push({ text: s, lang: 'en', source, kind: 'javadoc-sentence', words: s.split(/\s+/).length, split: SPLIT });
          if (++n >= PER_DOC_FILE) break;
        }
      }
    }
    n = 0;
    for (const m of src.matchAll(THROW)) {
      if (n >= PER_THROW_FILE) break;
      const text = [...m[1].matchAll(PART)]
        .map(([p]) => (p.startsWith('"') ? p.slice(1, -1).replace(/\\n|\\t/g, ' ').replace(/\\(["'\\])/g, '$1') : standIn(p)))
        .join('')
        .trim();
      if (text.length < 2 || !/\p{L}/u.test(text) || seen.has(text.toLowerCase())) continue;
      seen.add(text.toLowerCase());
      n++;
      technical.push({ text, source, kind: 'error-message', split: SPLIT });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
writeNdjson(out, 'human-javadoc-dev4.ndjson', human);
writeNdjson(out, 'technical-java-dev4.ndjson', technical);
console.log(`javadoc sentences ${human.length}, throw messages ${technical.length} (JDK ${version}, ${zip})`);
