// Builds the fourth held-out split (`heldout4`) of the content-classifier corpus, after the
// English model was fitted, from public text on this machine that no earlier split used and that
// nothing was tuned on:
//
// - human-docs-heldout4.ndjson: English sentences of Go's standard-library doc comments
//   (/usr/lib/go-1.19/src, tests, testdata, vendor and cmd/ excluded; at most 3 per file) and of
//   the manual pages of sections 1, 5 and 8 rendered by `man` (the pages whose name hashes into
//   one in 8; at most 3 per page; NAME, SYNOPSIS, AUTHORS, COPYRIGHT, SEE ALSO left out) —
//   reference documentation and a user's manual, with the filter of heldout3 (6–60 words, no code).
// - technical-perl-heldout4.ndjson: the message literals of `die`, `croak` and `confess` in
//   Perl's library (/usr/share/perl/5.36, /usr/share/perl5), `$variables` replaced by a technical
//   stand-in chosen by hash; at most 8 per file.
//
//   node tools/content-corpus/build-heldout4.mjs
//
// Deterministic for a given machine: files and pages are walked in name order, every cap is a count.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder, fnv, isCodeFreeSentence, newSentences, standIn, textsOfOtherSplits, writeNdjson } from './shared.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, 'test/corpus/content');
const SPLIT = 'heldout4';
const PER_FILE = 3;
const PER_PERL_FILE = 8;

// Nothing another split holds may be measured again here.
const seen = textsOfOtherSplits(out, '-heldout4.ndjson');
const human = [];
const isProse = (s) => isCodeFreeSentence(s) && !/copyright|licen[cs]e/i.test(s);
/** Adds the prose sentences of `paragraph`, `room` at most; returns how many it added. */
function addSentences(paragraph, source, kind, room) {
  let n = 0;
  if (room <= 0) return 0;
  for (const s of newSentences(paragraph, seen, isProse)) {
    human.push({ text: s, lang: 'en', source, kind, words: s.split(/\s+/).length, split: SPLIT });
    if (++n >= room) break;
  }
  return n;
}

// ------------------------------------------------------------------ human: Go doc comments
const GO = '/usr/lib/go-1.19/src';
if (existsSync(GO)) {
  const goFiles = filesUnder(GO, /^(testdata|vendor|cmd|internal)$/, (name) => name.endsWith('.go') && !name.endsWith('_test.go'));
  for (const file of goFiles) {
    const source = `go1.19:${relative(GO, file)}`;
    let n = 0;
    // A doc comment: consecutive `//` lines; a blank `//` line ends a paragraph.
    let paragraph = '';
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^\s*\/\/ ?(.*)$/.exec(line);
      if (m && m[1].trim() !== '' && !/^\s/.test(m[1]) && !m[1].startsWith('go:')) {
        paragraph += ` ${m[1]}`;
        continue;
      }
      if (paragraph) n += addSentences(paragraph, source, 'go-doc-sentence', PER_FILE - n);
      paragraph = '';
    }
  }
}

// ------------------------------------------------------------------ human: manual pages
const MAN = '/usr/share/man';
for (const section of ['man1', 'man5', 'man8']) {
  const dir = join(MAN, section);
  if (!existsSync(dir)) continue;
  for (const page of readdirSync(dir).sort()) {
    if (fnv(page) % 8 !== 0) continue;
    let text;
    try {
      text = execFileSync('man', ['-l', '--nj', '--nh', join(dir, page)], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '4000' }, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      continue;
    }
    let n = 0;
    let heading = '';
    for (const line of text.replace(/.\x08/g, '').split('\n')) {
      if (/^\S/.test(line)) heading = line.trim();
      else if (!/^(NAME|SYNOPSIS|AUTHORS?|COPYRIGHT|SEE ALSO|REPORTING BUGS|LICEN[CS]E)$/.test(heading)) n += addSentences(line, `man:${section}/${page}`, 'manpage-sentence', PER_FILE - n);
    }
  }
}
writeNdjson(out, 'human-docs-heldout4.ndjson', human);

// ------------------------------------------------------------------ technical: Perl's die messages
const technical = [];
const DIE = /\b(?:die|croak|confess)\s*\(?\s*(?:"((?:\\.|[^"\\\n])*)"|'((?:\\.|[^'\\\n])*)')/g;
for (const base of ['/usr/share/perl/5.36', '/usr/share/perl5']) {
  if (!existsSync(base)) continue;
  for (const file of filesUnder(base, /^(t|tests?)$/, (name) => /\.(pm|pl)$/.test(name))) {
    let n = 0;
    for (const m of readFileSync(file, 'utf8').matchAll(DIE)) {
      if (n >= PER_PERL_FILE) break;
      const text = (m[1] ?? m[2])
        .replace(/[$@][{]?\w+(?:::\w+)*[}]?(?:->)?(?:\[[^\]]*\]|\{[^}]*\})*/g, standIn)
        .replace(/\\n|\\t/g, ' ')
        .replace(/\\(["'\\$@])/g, '$1')
        .trim();
      if (text.length < 2 || !/\p{L}/u.test(text) || seen.has(text.toLowerCase())) continue;
      seen.add(text.toLowerCase());
      n++;
      technical.push({ text, source: `perl:${relative(base, file)}`, kind: 'error-message', split: SPLIT });
    }
  }
}
writeNdjson(out, 'technical-perl-heldout4.ndjson', technical);
console.log(`heldout4: Go doc sentences ${human.filter((r) => r.kind === 'go-doc-sentence').length}, manual page sentences ${human.filter((r) => r.kind === 'manpage-sentence').length}, Perl messages ${technical.length}`);
