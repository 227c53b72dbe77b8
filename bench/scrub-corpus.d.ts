// Types of bench/scrub-corpus.js, for the tests that reuse its corpus.

/** A seeded generator of numbers in [0, 1). */
export function prng(seed: number): () => number;

export interface CorpusEvent {
  kind: 'error' | 'scan';
  event: Record<string, unknown>;
  /** Sensitive values planted in the event, by catalogue type. */
  planted: { type: string; value: string }[];
  /** Technical values that must survive scrubbing. */
  technical: string[];
}

/** `count` labelled events, the same for the same seed. */
export function makeCorpus(seed: number, count: number): CorpusEvent[];
