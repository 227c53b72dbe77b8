import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isHumanText, looksTechnical, redactProse } from '../../scrubbers/content-policy.js';

const R = '[content]';

// Short templated technical messages of the runtimes and servers applications run on: they must
// leave as they are. Written from knowledge of those messages (the corpus below measures the
// classifier on messages we did not write).
const KEPT = [
  "Cannot read properties of undefined (reading 'map')",
  'connect ECONNREFUSED 127.0.0.1:5432',
  'Unexpected token < in JSON at position 0',
  'Request failed with status code 503',
  'timeout of 5000ms exceeded',
  'relation "users" does not exist',
  'duplicate key value violates unique constraint "users_pkey"',
  'Permission denied (publickey)',
  'No such file or directory',
  "TypeError: 'NoneType' object is not subscriptable",
  "AttributeError: 'dict' object has no attribute 'items_list'",
  'IndexError: list index out of range',
  'ValueError: invalid literal for int() with base 10: \'abc\'',
  'KeyError: \'user_id\'',
  "ModuleNotFoundError: No module named 'requests'",
  'json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)',
  'TypeError: unsupported operand type(s) for +: \'int\' and \'str\'',
  'RecursionError: maximum recursion depth exceeded',
  'java.lang.NullPointerException: Cannot invoke "String.length()" because "s" is null',
  'java.lang.ArrayIndexOutOfBoundsException: Index 5 out of bounds for length 3',
  'java.net.ConnectException: Connection refused',
  'panic: runtime error: invalid memory address or nil pointer dereference',
  'dial tcp 127.0.0.1:5432: connect: connection refused',
  'context deadline exceeded',
  'System.NullReferenceException: Object reference not set to an instance of an object.',
  'System.InvalidOperationException: Sequence contains no elements',
  "NoMethodError: undefined method `map' for nil:NilClass",
  'ArgumentError: wrong number of arguments (given 1, expected 2)',
  'PHP Fatal error:  Uncaught Error: Call to a member function fetch() on null',
  'SQLSTATE[23505]: Unique violation: 7 ERROR:  duplicate key value violates unique constraint',
  'ERROR 1045 (28000): Access denied for user',
  'unique_violation',
  'serialization_failure',
  'READY',
  'db.internal:5432',
  'v20.20.2',
  '3f9a1c0e7b2d4a6f',
  '@sentry/node/build/cjs/index.js',
  'node:internal/modules/cjs/loader',
  'log_level=debug max_connections=100 pool.timeout=30s',
  'at Object.<anonymous> (/srv/app/dist/server.js:42:17)',
  'Error: ENOENT: no such file or directory, open \'/srv/app/config.yaml\'',
];

// Human text in the seven languages: prompts, chat turns, answers, passages, also lower-case and
// without punctuation. Written for these tests; the held-out prompts are in the corpus.
const REMOVED = [
  'Hello, could you please check my order status for today?',
  'summarise this article about climate policy in three bullet points',
  'The committee approved the budget after a long debate about school funding.',
  'Pouvez-vous vérifier le statut de ma commande aujourd’hui ?',
  'bitte erkläre mir den Unterschied zwischen Miete und Pacht',
  '¿Me puedes ayudar a escribir una carta a mi casero?',
  'mi serve un riassunto del verbale della riunione di ieri',
  'Kun je deze tekst vertalen naar het Engels voor mijn collega?',
  'Podes ajudar-me a preparar a apresentação para amanhã?',
];

describe('content policy: examples', () => {
  it('keeps short templated technical messages, identifiers and config lines', () => {
    for (const text of KEPT) {
      expect(isHumanText(text), text).toBe(false);
      const out = redactProse(text, R);
      expect(out.count, text).toBe(0);
      expect(out.text, text).toBe(text);
    }
  });

  it('removes prompts, chat turns and passages in the seven languages', () => {
    for (const text of REMOVED) {
      expect(isHumanText(text), text).toBe(true);
      expect(redactProse(text, R)).toEqual({ text: R, count: 1 });
    }
  });

  it('removes English prose about software by the English model, and keeps a template in the same words', () => {
    for (const text of [
      'This module returns a promise that resolves when the file has been written to the disk.',
      'The server will retry the request after a short delay when the connection is closed.',
      'Returns the number of bytes that were written to the underlying stream.',
      'This option controls how long the client waits before it gives up on a slow server.',
    ]) {
      expect(isHumanText(text), text).toBe(true);
    }
    for (const text of ['server closed the connection before the request was complete', 'Invalid configuration file: expected a value for the key']) {
      expect(isHumanText(text), text).toBe(false);
    }
  });

  it('keeps a template that the English model is sure of, though its rare words would count as prose', () => {
    for (const text of ['gizmo frobnicator is not ready yet', 'flux capacitor is not charged yet']) {
      expect(isHumanText(text), text).toBe(false);
      // The same words addressed to someone are a message, not a template.
      expect(isHumanText(`hey, my ${text}`), text).toBe(true);
    }
  });

  it('cuts a quoted prompt out of an exception message and keeps the template', () => {
    expect(redactProse('ValueError: could not parse "Can you summarise the attached contract for me?"', R)).toEqual({
      text: `ValueError: could not parse "${R}"`,
      count: 1,
    });
    expect(redactProse("KeyError while handling 'wie viele Urlaubstage habe ich noch übrig' in router", R)).toEqual({
      text: `KeyError while handling '${R}' in router`,
      count: 1,
    });
  });

  it('replaces the clause after a template head when it is a sentence', () => {
    expect(redactProse('Failed to summarize: The quarterly report shows that our revenue grew in every region.', R)).toEqual({
      text: `Failed to summarize: ${R}`,
      count: 1,
    });
  });

  it('replaces a sentence held in a repr and keeps its technical fields', () => {
    const out = redactProse("<Document page_content='The tenant shall pay the rent on the first day of each month.' metadata={'source': 'lease.pdf', 'page': 3}>", R);
    expect(out.count).toBe(1);
    expect(out.text).toBe(`<Document page_content='${R}' metadata={'source': 'lease.pdf', 'page': 3}>`);
    const repr = redactProse('Message(role=user, content=can you help me write a letter to my landlord about the broken heating, id=42)', R);
    expect(repr.count).toBe(1);
    expect(repr.text).toContain('Message(role=user, content=');
    expect(repr.text).not.toContain('landlord');
  });

  it('replaces the prose at the end of a log line and keeps its timestamp and level', () => {
    const out = redactProse('2024-03-05T10:15:02.114Z INFO chat.handler received: please translate my cover letter into Spanish', R);
    expect(out.text).toBe(`2024-03-05T10:15:02.114Z INFO chat.handler received: ${R}`);
    expect(out.count).toBe(1);
  });

  it('returns a technical string unchanged, as the same string', () => {
    const text = 'Error: connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)';
    expect(redactProse(text, R).text).toBe(text);
    const noSpace = 'x'.repeat(10_000);
    expect(redactProse(noSpace, R).text).toBe(noSpace);
  });

  it('judges a long passage by samples and still removes it whole', () => {
    const passage = Array.from({ length: 200 }, () => 'The parties agree that the tenant may leave the flat with three months of notice.').join(' ');
    expect(isHumanText(passage)).toBe(true);
    expect(redactProse(passage, R)).toEqual({ text: R, count: 1 });
  });

  it('tells a word list outside the technical vocabulary from an identifier', () => {
    expect(looksTechnical('ERR_INVALID_ARG_TYPE')).toBe(true);
    expect(looksTechnical('invalid argument type')).toBe(true);
    expect(looksTechnical('Anna Schmidt Kuendigung')).toBe(false);
  });
});

// ------------------------------------------------------------------ the labelled corpus
interface Row {
  text: string;
  split?: string;
  lang?: string;
  kind?: string;
  source?: string;
  words?: number;
  embedded?: boolean;
}
const dir = new URL('../corpus/content/', import.meta.url);
const load = (name: string): Row[] =>
  readFileSync(new URL(name, dir), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row);
const wordCount = (t: string): number => t.split(/\s+/).filter(Boolean).length;

interface Tally {
  hit: number;
  n: number;
}
function tally(rows: Row[], group: (r: Row) => string, ok: (r: Row) => boolean): Map<string, Tally> {
  const out = new Map<string, Tally>();
  for (const r of rows) {
    const key = group(r);
    const t = out.get(key) ?? { hit: 0, n: 0 };
    t.n++;
    if (ok(r)) t.hit++;
    out.set(key, t);
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}
const share = (t: Tally): number => t.hit / t.n;
const print = (title: string, table: Map<string, Tally>): void => {
  console.log(`${title}\n${[...table].map(([k, t]) => `  ${k.padEnd(40)} ${share(t).toFixed(4)}  (${t.hit}/${t.n})`).join('\n')}`);
};

const removed = (r: Row): boolean => {
  const out = redactProse(r.text, R);
  return out.count > 0 && !out.text.includes(r.text);
};
const kept = (r: Row): boolean => redactProse(r.text, R).count === 0;

describe('content policy: labelled corpus', () => {
  const human = [...load('human-udhr.ndjson'), ...load('human-licences.ndjson'), ...load('human-docstrings-dev3.ndjson'), ...load('human-docs-heldout3.ndjson'), ...load('human-docs-heldout4.ndjson'), ...load('human-prompts-heldout.ndjson').map((r) => ({ ...r, split: 'heldout', kind: r.embedded ? 'prompt-in-log' : 'prompt', source: 'prompts' }))].filter(
    (r) => (r.words ?? wordCount(r.text)) >= 6,
  );
  const technical = [...load('technical-node-modules.ndjson'), ...load('technical-node-runtime.ndjson'), ...load('technical-published.ndjson')];
  const pythonDev = load('technical-python-dev3.ndjson');
  const stdlib = load('technical-stdlib-heldout3.ndjson');
  const perl = load('technical-perl-heldout4.ndjson');

  it('removes at least 99% of human text of six words or more in French, German, Spanish, Italian, Dutch and Portuguese', () => {
    const byLang = tally(human, (r) => r.lang ?? '?', removed);
    print('human text removed, by language (all splits):', byLang);
    print('human text removed, by language, split and kind:', tally(human, (r) => `${r.lang} ${r.split} ${r.kind}`, removed));
    for (const [lang, t] of byLang) if (lang !== 'en') expect(share(t), lang).toBeGreaterThanOrEqual(0.99);
  });

  it('removes at least 99% of the English prompts, of the English dev sentences and windows and of the held-out declaration sentences', () => {
    const en = human.filter((r) => r.lang === 'en' && (r.source === 'prompts' || r.split === 'dev' || (r.split === 'heldout' && r.kind === 'sentence')));
    const t = tally(en, () => 'en', removed).get('en')!;
    expect(share(t)).toBeGreaterThanOrEqual(0.99);
  });

  // KNOWN GAP, below the 0.99 target: English prose whose words are software's vocabulary too
  // (6-word windows of the declaration; licence, README, docstring, Go doc comment and manual page
  // sentences). The floors are the figures last measured, so that a change which makes it worse
  // fails here.
  it('stays above its measured floors on held-out English declaration windows, licence, README, docstring, Go doc and manual page sentences', () => {
    const en = (keep: (r: Row) => boolean): number => share(tally(human.filter(keep), () => 'en', removed).get('en')!);
    expect(en((r) => r.lang === 'en' && r.split === 'heldout' && r.source !== 'prompts')).toBeGreaterThanOrEqual(0.93);
    expect(en((r) => r.split === 'heldout2')).toBeGreaterThanOrEqual(0.98);
    expect(en((r) => r.split === 'heldout3')).toBeGreaterThanOrEqual(0.955);
    expect(en((r) => r.split === 'dev3')).toBeGreaterThanOrEqual(0.97);
    expect(en((r) => r.split === 'heldout4')).toBeGreaterThanOrEqual(0.94);
  });

  it('keeps at least 99% of technical strings from software we did not write', () => {
    const all = tally(technical, () => 'all', kept);
    print('technical strings kept, by source and split:', tally(technical, (r) => `${r.kind} ${r.split}${r.source?.startsWith('https:') ? ' published' : ''}`, kept));
    print('technical strings kept (all):', all);
    expect(share(all.get('all')!)).toBeGreaterThanOrEqual(0.99);
  });

  // KNOWN GAP, below the 0.99 target: error messages of the Python and Go standard libraries
  // (heldout3), of Debian's Python packages (dev3) and of Perl's library (heldout4) read much like
  // documentation sentences; Perl's also say `you` and `I`, and hit Dutch and German function
  // words (`op`, `die`). Floors at the figures last measured.
  it('stays above its measured floors on Python, Go and Perl error messages', () => {
    const bySource = tally([...stdlib, ...pythonDev, ...perl], (r) => `${r.split} ${r.source?.split(':')[0]}`, kept);
    print('technical strings kept, Python, Go and Perl:', bySource);
    expect(share(bySource.get('heldout3 python3.11')!)).toBeGreaterThanOrEqual(0.97);
    expect(share(bySource.get('heldout3 go1.19')!)).toBeGreaterThanOrEqual(0.975);
    expect(share(bySource.get('dev3 python-dist')!)).toBeGreaterThanOrEqual(0.96);
    expect(share(bySource.get('heldout4 perl')!)).toBeGreaterThanOrEqual(0.935);
  });

  // Precision: of the strings the policy removes, the share that are human text. The technical
  // strings removed by mistake are the cost of its recall; both figures over every labelled set
  // (precision depends on the mix: 13,895 human texts against 12,243 technical strings here;
  // measured 0.9823 when the floor was set).
  it('removes human text with a precision of at least 0.98 over the whole labelled corpus', () => {
    const all = [...technical, ...stdlib, ...pythonDev, ...perl];
    const falsePositives = all.filter((r) => !kept(r)).length;
    const byLang = tally(human, (r) => r.lang ?? '?', removed);
    const truePositives = [...byLang.values()].reduce((n, t) => n + t.hit, 0);
    const humanTotal = [...byLang.values()].reduce((n, t) => n + t.n, 0);
    const precision = truePositives / (truePositives + falsePositives);
    console.log(
      `content classifier: recall ${(truePositives / humanTotal).toFixed(4)} (${truePositives}/${humanTotal} human texts of 6+ words, seven languages), ` +
        `precision ${precision.toFixed(4)} (${falsePositives} of ${all.length} technical strings removed)`,
    );
    expect(precision).toBeGreaterThanOrEqual(0.98);
  });

  // The English model's weights are generated: a fresh fit on the committed corpus must give the
  // committed file byte for byte, so what the classifier decides can be traced to its data; and
  // the built classifier must score every training string as the fit did, so the fit's features
  // are the ones the classifier computes.
  it('ships the English model that a fresh fit on the corpus gives (tools/content-corpus/fit-english.mjs --check)', () => {
    const script = fileURLToPath(new URL('../../tools/content-corpus/fit-english.mjs', import.meta.url));
    const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(out).toContain('is what the fit gives');
    expect(out).toMatch(/the built classifier scores all \d+ training strings as the fit does/);
  });

  it('removes the planted prose from held-out log lines and exception messages, keeping their template', () => {
    const embedded = load('human-prompts-heldout.ndjson').filter((r) => r.embedded);
    for (const r of embedded) {
      const out = redactProse(r.text, R);
      expect(out.count, r.text).toBeGreaterThan(0);
      expect(out.text, r.text).not.toBe(R);
    }
  });
});
