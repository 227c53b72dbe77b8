// Types of check.js, for the tests that measure the corpus.
import type { Corpus, Label } from './replay.js';

export interface LeakedLabel extends Label {
  source: string;
  /** Path, in the upstream event, of the string that carried the text out. */
  arrivedAt: string;
  /** That path with generated key names as `<gen>`. */
  field: string;
}

export interface LeakReport {
  events: { posted: number; delivered: number; missing: string[] };
  content: {
    total: number;
    leaked: LeakedLabel[];
    distinctTexts: number;
    distinctLeakedAnywhere: number;
    bySource: Record<string, number>;
    byForm: Record<string, number>;
    byKey: Record<string, number>;
    byField: Record<string, number>;
  };
  technical: { total: number; kept: number; ratio: number; lostByWhat: Record<string, number>; lost: Label[] };
}

/** Case-folded words of a text, punctuation and spacing ignored. */
export function words(text: string): string[];
/** The figures for one run of the corpus through a relay. */
export function measure(corpus: Corpus, received: Record<string, unknown>[]): LeakReport;
/** The figures as the console report prints them. */
export function formatReport(report: LeakReport, options?: { top?: number }): string;
/** The texts that any of the received events reveals, by the rule of `measure`. */
export function findTexts(texts: string[], received: unknown[]): { at: string; text: string }[];
