import { describe, expect, it } from 'vitest';
import { prng } from '../../bench/scrub-corpus.js';
import { METRIC, Prefilter } from '../../scrubbers/prefilter.js';

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
    // Maximal runs of base64/hex token characters holding both a digit and a letter.
    tokenRun: longest(s.split(/[^A-Za-z0-9+=_-]/).filter((run) => /[0-9]/.test(run) && /[A-Za-z]/.test(run))),
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
