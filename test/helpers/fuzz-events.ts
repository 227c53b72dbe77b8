import type { EventKind, JsonObject, JsonValue } from '../../scrubbers/index.js';

/** Values from every catalogue type and the kinds of text around them, inserted into strings. */
const SNIPPETS = [
  ' user: Anna Smith ',
  'Dear Mr Brown,',
  ' John_Smith_CV.pdf ',
  '"Jane Doe" <jane.doe@corp.io>',
  ' x@y.io ',
  ' +44 20 7946 0958 ',
  '(415) 555-2671 ext. 12',
  ' 4111-1111-1111-1111 ',
  'GB82 WEST 1234 5698 7654 32',
  ' 123-45-6789 ',
  ' 00:1A:2B:3C:4D:5E ',
  ' fe80::1ff:fe23:4567:890a ',
  ' 203.0.113.7 ',
  '/Users/jdoe/x',
  'C:\\Users\\JSmith\\y',
  '?access_token=abc.def&x=1',
  ' password: hunter2 ',
  ' Bearer abcdefgh12345678 ',
  'https://bob:s3cret@db.example.com/x',
  ' aGVsbG8td29ybGQtMTIzNDU2Nzg5MGFiY2RlZg== ',
  'İK',
];

function mutate(s: string, rnd: () => number): string {
  let t = s;
  const edits = Math.floor(rnd() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * (t.length + 1));
    const r = rnd();
    if (r < 0.25) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(rnd() * 5));
    else if (r < 0.65) t = t.slice(0, at) + (SNIPPETS[Math.floor(rnd() * SNIPPETS.length)] as string) + t.slice(at);
    else if (r < 0.85) t = t.slice(0, at) + String.fromCharCode(32 + Math.floor(rnd() * 95)) + t.slice(at);
    else t = rnd() < 0.5 ? t.toUpperCase() : t.toLowerCase();
  }
  return t;
}

/**
 * A variant of `value`: each string edited (characters cut or added, snippets of catalogue values
 * inserted, case changed) and 1 key in 20 edited the same way, so that keys get renamed by scrubbing.
 */
export function fuzz(value: unknown, rnd: () => number): JsonValue {
  if (typeof value === 'string') return mutate(value, rnd);
  if (Array.isArray(value)) return value.map((v) => fuzz(v, rnd));
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[rnd() < 0.05 ? mutate(k, rnd) : k] = fuzz(v, rnd);
    return out;
  }
  return value as JsonValue;
}

/**
 * Calls `visit` with each event of `corpus` in round 0 and with a fuzzed variant of it in each
 * later round, under both event kinds (its own first).
 */
export function forEachVariant(
  corpus: readonly { event: unknown; kind: EventKind }[],
  rounds: number,
  rnd: () => number,
  visit: (input: JsonObject, kind: EventKind) => void,
): void {
  for (let round = 0; round < rounds; round++) {
    for (const { event, kind } of corpus) {
      const input = (round === 0 ? event : fuzz(event, rnd)) as JsonObject;
      for (const k of [kind, kind === 'error' ? 'scan' : 'error'] as EventKind[]) visit(input, k);
    }
  }
}
