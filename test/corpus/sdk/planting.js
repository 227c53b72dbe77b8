// The labelling side of the corpus generator: picks content texts and technical values, places
// them in an event, and records every placement (event, path, text or value) for the checker.
import { fakerDE, fakerEN, fakerES, fakerFR, fakerIT, fakerNL, fakerPT_PT } from '@faker-js/faker';
import { FILE_TITLES, TEXTS } from './texts.js';

const FAKERS = { en: fakerEN, fr: fakerFR, de: fakerDE, es: fakerES, it: fakerIT, nl: fakerNL, pt: fakerPT_PT };
export const LANGUAGES = Object.keys(TEXTS);

/**
 * A planter for one corpus: `text()` draws a content text, `content()` and `tech()` record where a
 * text or a technical value was placed, `labels` holds every record.
 * @param {() => number} rnd
 * @param {number} seed
 */
export function planter(rnd, seed) {
  for (const faker of Object.values(FAKERS)) faker.seed(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const labels = [];
  let event = '';
  // Templates already drawn for this event: two texts of one event never share a template, so a
  // leak is attributed to the placement it came from.
  let drawn = new Set();

  const fill = (template, faker) =>
    template
      .replaceAll('{name}', faker.person.fullName())
      .replaceAll('{city}', faker.location.city())
      .replaceAll('{product}', faker.commerce.productName());

  return {
    labels,
    pick,
    int: (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1)),
    chance: (p) => rnd() < p,
    /** Starts labelling a new event. */
    begin(id) {
      event = id;
      drawn = new Set();
    },
    /**
     * A content text: one of ours in a random language (or `lang`), or, for a quarter of the
     * English ones, a sentence from faker's English locale data.
     */
    text(lang = undefined, kind = pick(['prompt', 'chat', 'answer', 'document', 'question'])) {
      for (let tries = 0; ; tries++) {
        if (tries > 500) throw new Error(`event ${event} has used every ${kind} template`);
        const language = lang ?? pick(LANGUAGES);
        if (language === 'en' && rnd() < 0.25) {
          const method = rnd() < 0.5 ? 'phrase' : 'description';
          if (drawn.has(method)) continue;
          drawn.add(method);
          const text = method === 'phrase' ? fakerEN.hacker.phrase() : fakerEN.commerce.productDescription();
          return { text, lang: language, kind: 'faker', source: 'faker' };
        }
        const template = pick(TEXTS[language][kind]);
        if (drawn.has(template)) continue;
        drawn.add(template);
        return { text: fill(template, FAKERS[language]), lang: language, kind, source: 'written' };
      }
    },
    /** A file name as people name their uploads: a person's name and a document title. */
    fileName(lang = pick(LANGUAGES)) {
      const faker = FAKERS[lang];
      const stem = `${faker.person.firstName()}_${faker.person.lastName()}_${pick(FILE_TITLES[lang])}`.replace(/\s+/g, '_');
      return { stem, lang };
    },
    /**
     * Records a planted content text at `path` of the current event. `form` says how it was
     * embedded (plain, quoted in an error message, percent-encoded, JSON in a string, …) and `key`
     * whether its key name is generated, one an instrumentation defines, or the SDK's own.
     */
    content(path, picked, form = 'plain', key = 'generated') {
      labels.push({ event, label: 'content', path, text: picked.text, lang: picked.lang, kind: picked.kind, form, key });
      return picked.text;
    },
    /** Records a file name's natural-language stem; it counts as leaked when two of its words travel together. */
    fileStem(path, picked) {
      labels.push({ event, label: 'content', path, text: picked.stem.replaceAll('_', ' '), lang: picked.lang, kind: 'file_name', form: 'file-name', key: 'sdk', window: 2 });
    },
    /** Records a technical value at `path`: it must arrive verbatim. Returns the value. */
    tech(path, value, what) {
      labels.push({ event, label: 'technical', path, value, what });
      return value;
    },
  };
}

// Error messages that quote their input: [before, after, the technical parts that must stay].
const QUOTING = [
  ['could not parse "', '"', ['could not parse']],
  ['Invalid input "', '": expected a JSON object', ['Invalid input', 'expected a JSON object']],
  ["Unexpected token in '", "' at position 12", ['Unexpected token in', 'at position 12']],
  ['moderation rejected the message: ', '', []],
  ["tool call failed for query='", "'", ['tool call failed for query=']],
];

/**
 * Content embedded the ways applications and SDKs embed it in a string. Given the `path` of a
 * field the relay forwards, the technical part around the text (an error message's template, a
 * URL's origin and path) is labelled too.
 */
export const EMBED = {
  'quoted-in-error': (text, p, path) => {
    const [before, after, technical] = p.pick(QUOTING);
    if (path !== undefined) for (const part of technical) p.tech(path, part, 'error template');
    return `${before}${text}${after}`;
  },
  'percent-encoded': (text, p, path) => {
    const base = `https://app.${p.pick(['example.com', 'example.org'])}/${p.pick(['chat', 'ask', 'search'])}/`;
    if (path !== undefined) p.tech(path, base, 'url');
    return `${base}?${p.pick(['q', 'msg', 'text'])}=${encodeURIComponent(text)}&page=2`;
  },
  'django-repr': (text, p) => `<WSGIRequest: ${p.pick(['POST', 'GET'])} '/chat/?q=${encodeURIComponent(text)}'>`,
  'json-in-string': (text, p) => JSON.stringify({ role: 'user', [p.pick(['body', 'txt', 'val'])]: text, ts: 1795000000 }),
  'form-body': (text) => `csrfmiddlewaretoken=Zq3x9VbN2mK7&q=${encodeURIComponent(text).replaceAll('%20', '+')}&submit=1`,
  'python-repr': (text) => `'${text.replaceAll("'", "\\'")}'`,
};
