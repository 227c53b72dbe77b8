// Types of bench/freetext-corpus.js and bench/freetext-score.js, for the test that reuses them.

export interface LabelledLine {
  lang: string;
  text: string;
  spans: { type: string; value: string; family?: string }[];
}

export interface FreeTextCorpus {
  pii: LabelledLine[];
  prose: { lang: string; text: string }[];
  technical: { source: string; text: string }[];
}

export const LANGUAGES: string[];

/** The corpus, the same for the same seed. */
export function buildFreeTextCorpus(seed?: number, perTemplate?: number, secretCount?: number): FreeTextCorpus;
