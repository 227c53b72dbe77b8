import { describe, expect, it } from 'vitest';
import { prng } from '../../bench/scrub-corpus.js';
import { foldedMatcher, METRIC, Prefilter } from '../../scrubbers/prefilter.js';

// The prefilter's one pass counts and measures runs without branches and with packed tables, for
// speed. Each figure is compared here with its plain definition, written with regexes, on seeded
// strings drawn from the characters that start, break and extend every kind of run.

const rnd = prng(20261203);
const ALPHABET = ['a', 'F', 'g', 'Z', '0', '7', ':', '.', '-', '(', ')', '+', ' ', '/', '_', '=', '@', 'é', '€', 'İ', '\n'];

function sample(): string {
  const n = Math.floor(rnd() * 80);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
  return s;
}

const longest = (runs: readonly string[]): number => runs.reduce((max, run) => Math.max(max, run.length), 0);

function plain(s: string) {
  return {
    digits: (s.match(/[0-9]/g) ?? []).length,
    // Maximal runs of base64/hex token characters holding a letter (letters-only keys are secrets too).
    tokenRun: longest(s.split(/[^A-Za-z0-9+=_-]/).filter((run) => /[A-Za-z]/.test(run))),
    hexRun: longest(s.split(/[^0-9A-Fa-f:.-]/)),
    numRun: longest(s.split(/[^0-9 .()+-]/)),
    ipv6Shape: /::|[0-9a-f]:[0-9a-f]{0,4}:/i.test(s),
    ibanShape: /[A-Z]{2}[0-9]{2}/.test(s),
  };
}

describe('prefilter measurements', () => {
  it('match their plain definitions on 20,000 seeded strings', () => {
    const literals = ['@', '::', 'user', 'bearer', 'İd', 'ab'];
    const prefilter = new Prefilter(literals, [[0], [1, 2], [3], [4, 5]]);
    let mismatches = 0;
    const seen = { tokenRun: 0, hexRun: 0, numRun: 0, ipv6Shape: 0, ibanShape: 0, literal: 0 };
    for (let i = 0; i < 20_000; i++) {
      const s = sample();
      prefilter.measure(s);
      const want = plain(s);
      const got = {
        digits: prefilter.metrics[METRIC.digits],
        tokenRun: prefilter.metrics[METRIC.tokenRun],
        hexRun: prefilter.metrics[METRIC.hexRun],
        numRun: prefilter.metrics[METRIC.numRun],
        ipv6Shape: prefilter.hasShape(1),
        ibanShape: prefilter.hasShape(2),
      };
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        if (mismatches++ < 3) expect(got, JSON.stringify(s)).toEqual(want);
      }
      literals.forEach((literal, id) => {
        const present = s.toLowerCase().includes(literal.toLowerCase());
        if (prefilter.has(Int32Array.of(id)) !== present) mismatches++;
        if (present) seen.literal++;
      });
      if (want.tokenRun > 2) seen.tokenRun++;
      if (want.hexRun > 3) seen.hexRun++;
      if (want.numRun > 3) seen.numRun++;
      if (want.ipv6Shape) seen.ipv6Shape++;
      if (want.ibanShape) seen.ibanShape++;
    }
    expect(mismatches).toBe(0);
    // Every measurement was exercised, not only its zero.
    for (const [name, count] of Object.entries(seen)) expect(count, name).toBeGreaterThan(30);
  });
});

// An ASCII literal is confirmed with a case-insensitive regex instead of lower-casing the string.
// Both must agree on every string; these two facts about single characters make that hold, and the
// seeded strings below then exercise the matchers built from them through the prefilter itself.
describe('confirming an ASCII literal without lower-casing the string', () => {
  const everyCharacterOutsideAscii = function* (): Generator<string> {
    for (let cp = 128; cp <= 0x10ffff; cp++) if (cp < 0xd800 || cp > 0xdfff) yield String.fromCodePoint(cp);
  };

  it('relies on no character outside ASCII matching one inside it under the i flag', () => {
    const asciiInsensitive = /[\0-\x7f]/i;
    const matching = [...everyCharacterOutsideAscii()].filter((ch) => asciiInsensitive.test(ch));
    expect(matching).toEqual([]);
  });

  it('relies on only İ and the Kelvin sign lower-casing into ASCII', () => {
    const intoAscii = [...everyCharacterOutsideAscii()].filter((ch) => /[\0-\x7f]/.test(ch.toLowerCase()));
    expect(intoAscii).toEqual(['\u0130', '\u212a']);
  });

  it('answers as toLowerCase().includes does on 20,000 seeded strings full of look-alikes', () => {
    const literals = ['key', 'api', 'ki', 'ik', 'kik', 'a.p', 'x|y', 'pi', 'ie', '/home/', 'sk-ant-'];
    const prefilter = new Prefilter(literals);
    const letters = ['k', 'K', '\u212a', 'i', 'I', '\u0130', '\u0131', '\u0307', 'e', 'y', 'a', 'P', '.', '|', 'x', '/', 'h', 'o', 'm', 's', '-', 'n', 't'];
    let mismatches = 0;
    const found = new Set<string>();
    for (let n = 0; n < 20_000; n++) {
      let s = '';
      const length = Math.floor(rnd() * 12);
      for (let i = 0; i < length; i++) s += letters[Math.floor(rnd() * letters.length)];
      prefilter.measure(s);
      literals.forEach((literal, id) => {
        const present = s.toLowerCase().includes(literal);
        if (present) found.add(literal);
        if (prefilter.has(Int32Array.of(id)) !== present || foldedMatcher(literal).test(s) !== present) {
          if (mismatches++ < 3) expect({ s, literal, present: !present }).toEqual({ s, literal, present });
        }
      });
    }
    expect(mismatches).toBe(0);
    // The look-alikes were met: a match through İ at the end of `api` and through the Kelvin sign.
    expect(foldedMatcher('api').test('AP\u0130')).toBe(true);
    expect(foldedMatcher('key').test('\u212aEY')).toBe(true);
    expect(foldedMatcher('ik').test('\u0130k')).toBe(false);
    expect([...found].sort()).toEqual(['a.p', 'api', 'ie', 'ik', 'key', 'ki', 'kik', 'pi', 'x|y']);
  });

  it('ignores case in a literal without ASCII letters too', () => {
    const prefilter = new Prefilter(['ü', 'ß€']);
    prefilter.measure('GRÜN');
    expect(prefilter.has(Int32Array.of(0))).toBe(true);
    prefilter.measure('GRUN');
    expect(prefilter.has(Int32Array.of(0))).toBe(false);
    prefilter.measure('ß€');
    expect(prefilter.has(Int32Array.of(1))).toBe(true);
  });
});
