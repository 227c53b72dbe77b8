// Types of vocabulary.js, for the tests that check the generated key names.

export interface Vocabulary {
  pseudo(): string;
  key(): string;
  keys(): string[];
}

/** A seeded source of generated key names. */
export function vocabulary(rnd: () => number): Vocabulary;
/** The segments of a key name, split at `.`, `_`, `-`, `/` and camelCase humps, lower-cased. */
export function keySegments(name: string): string[];
