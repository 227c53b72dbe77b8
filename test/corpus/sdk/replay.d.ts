// Types of replay.js, for the tests that post the corpus.

export interface CorpusRequest {
  id: string;
  source: 'sentry-python' | 'sentry-node' | 'otlp-traces' | 'otlp-logs' | 'errors' | 'scans';
  company: string;
  /** The timestamp the mapped event carries, unique per request. */
  timestamp: string;
  route: string;
  headers: Record<string, string>;
  body: string;
}

export interface Label {
  event: string;
  label: 'content' | 'technical';
  /** Where in the request's event it was planted. */
  path: string;
  text?: string;
  value?: string | number;
  lang?: string;
  kind?: string;
  form?: string;
  key?: 'generated' | 'known' | 'sdk';
  what?: string;
  window?: number;
}

export interface Corpus {
  requests: CorpusRequest[];
  labels: Label[];
  keys: string[];
}

export const COMPANIES: string[];
export const SENTRY_KEYS: string;
export function sentryKeyOf(company: string): string;
export function loadCorpus(): Corpus;
export function postCorpus(baseUrl: string, requests: CorpusRequest[], concurrency?: number): Promise<{ id: string; route: string; status: number }[]>;
