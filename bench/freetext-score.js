// Scores what a redactor made of the free-text corpus (bench/freetext-corpus.js): recall per type of
// labelled value, and the share of non-PII words and of technical tokens it destroyed.

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;

function count(list) {
  const m = new Map();
  for (const w of list) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

function words(text) {
  return text.match(WORD) ?? [];
}

/** Tokens of a span value that must be gone: words of two or more characters. */
function spanTokens(value) {
  return words(value).filter((w) => w.length >= 2);
}

/**
 * A span is caught when its value no longer occurs in the output and, for names and addresses
 * (several words), when every word of it occurs fewer times than in the input.
 */
function caught(span, input, output) {
  if (output.includes(span.value)) return false;
  if (span.type !== 'person_name' && span.type !== 'street_address') return true;
  const inCounts = count(words(input));
  const outCounts = count(words(output));
  return spanTokens(span.value).every((w) => /^\p{Ll}/u.test(w) || (outCounts.get(w) ?? 0) < (inCounts.get(w) ?? 0));
}

/** How many of the expected items (a multiset) the output lost. */
function lost(expectedItems, keptItems) {
  const expected = count(expectedItems);
  const kept = count(keptItems);
  let total = 0;
  let missing = 0;
  for (const [item, n] of expected) {
    total += n;
    missing += Math.max(0, n - (kept.get(item) ?? 0));
  }
  return { total, lost: missing };
}

/** Words outside the labelled spans, and how many of them the output lost. */
function destroyedWords(input, output, spans) {
  let rest = input;
  for (const span of spans) rest = rest.split(span.value).join(' ');
  return lost(words(rest), words(output));
}

/** Whitespace-separated tokens of a technical line the output lost. */
function destroyedTokens(input, output) {
  const tokens = (text) => text.split(/\s+/).filter(Boolean);
  return lost(tokens(input), tokens(output));
}

/**
 * @param corpus {pii, prose, technical} from buildFreeTextCorpus
 * @param out {pii: string[], prose: string[], technical: string[]} the redactor's output, line for line
 */
export function scoreFreeText(corpus, out) {
  const recall = {};
  const misses = {};
  corpus.pii.forEach((line, i) => {
    const output = out.pii[i] ?? '';
    for (const span of line.spans) {
      const r = (recall[span.type] ??= { n: 0, caught: 0 });
      r.n++;
      if (caught(span, line.text, output)) r.caught++;
      else (misses[span.type] ??= []).push(line.text);
    }
  });
  const words = { total: 0, lost: 0 };
  const add = (acc, d) => {
    acc.total += d.total;
    acc.lost += d.lost;
  };
  corpus.pii.forEach((line, i) => {
    if (line.lang !== 'code') add(words, destroyedWords(line.text, out.pii[i] ?? '', line.spans));
  });
  corpus.prose.forEach((line, i) => add(words, destroyedWords(line.text, out.prose[i] ?? '', [])));
  const technical = { total: 0, lost: 0 };
  const lostTokens = [];
  corpus.technical.forEach((line, i) => {
    const d = destroyedTokens(line.text, out.technical[i] ?? '');
    add(technical, d);
    if (d.lost > 0) lostTokens.push(line.text);
  });
  const rate = (r) => (r.n === 0 ? 1 : r.caught / r.n);
  return {
    recall: Object.fromEntries(Object.entries(recall).map(([type, r]) => [type, { n: r.n, recall: rate(r) }])),
    wordsDestroyed: words.total === 0 ? 0 : words.lost / words.total,
    wordsTotal: words.total,
    technicalDestroyed: technical.total === 0 ? 0 : technical.lost / technical.total,
    technicalTotal: technical.total,
    misses,
    lostTechnical: lostTokens,
  };
}
