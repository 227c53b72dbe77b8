// Types of bench/freetext-score.js.
import type { FreeTextCorpus } from './freetext-corpus.js';

export interface FreeTextScore {
  recall: Record<string, { n: number; recall: number }>;
  wordsDestroyed: number;
  wordsTotal: number;
  technicalDestroyed: number;
  technicalTotal: number;
  misses: Record<string, string[]>;
  lostTechnical: string[];
}

export function scoreFreeText(corpus: FreeTextCorpus, out: { pii: string[]; prose: string[]; technical: string[] }): FreeTextScore;
