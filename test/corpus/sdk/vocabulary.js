// Key names for the content-leak corpus: pronounceable pseudo-words and compounds of them, in the
// casing styles applications use. They are generated, not chosen, so that no scrub rule can have
// been written with them in mind; test/sdk/content-leak.test.ts checks that none of their segments
// appears in the rules or the forwarded schema.

const ONSETS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'dr', 'gl', 'kl', 'pl', 'tr', 'sk', 'zv', 'kr', 'fl'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou', 'ei'];
const CODAS = ['', '', 'n', 'r', 'l', 'm', 'x', 'sk', 'nt', 'lb', 'rv'];
const CLUSTERS = ['rq', 'zk', 'vt', 'qx', 'jf', 'wz', 'xv', 'kq'];

/**
 * A seeded source of key names. `pseudo()` is one pseudo-word of two or three syllables;
 * `key()` a compound in a random style (`zorbel_krant`, `plivuTramox`, `sko.drenax`,
 * `vaira-dulb`, a two-letter cluster such as `rq`, or a single pseudo-word).
 * @param {() => number} rnd
 */
export function vocabulary(rnd) {
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const syllable = () => pick(ONSETS) + pick(VOWELS) + pick(CODAS);
  const pseudo = () => {
    let word = syllable() + syllable();
    if (rnd() < 0.3) word += syllable();
    return word;
  };
  const capital = (word) => word[0].toUpperCase() + word.slice(1);
  const used = new Set();
  const compose = () => {
    const style = Math.floor(rnd() * 7);
    const a = pseudo();
    const b = pseudo();
    switch (style) {
      case 0:
        return `${a}_${b}`;
      case 1:
        return a + capital(b);
      case 2:
        return `${a}.${b}`;
      case 3:
        return `${a}-${b}`;
      case 4:
        return pick(CLUSTERS) + (rnd() < 0.5 ? '' : String(Math.floor(rnd() * 9) + 1));
      case 5:
        return capital(a) + capital(b);
      default:
        return a;
    }
  };
  return {
    pseudo,
    /** A key name not handed out before by this vocabulary. */
    key() {
      for (;;) {
        const name = compose();
        if (!used.has(name)) {
          used.add(name);
          return name;
        }
      }
    },
    /** Every key handed out so far. */
    keys: () => [...used],
  };
}

/** The segments of a key name, split at `.`, `_`, `-`, `/` and camelCase humps, lower-cased. */
export function keySegments(name) {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s._\-/]+/)
    .filter((part) => part !== '')
    .map((part) => part.toLowerCase());
}
