import { describe, expect, it } from 'vitest';
import { buildFreeTextCorpus } from '../../bench/freetext-corpus.js';
import { scoreFreeText } from '../../bench/freetext-score.js';
import { runCli } from '../helpers/relay-process.js';

// The targets of issue 22, measured through `scrub-relay scrub --text` on the labelled corpus of
// bench/freetext-corpus.js (another seed than the bench's). Figures and the comparison with other
// libraries are printed by `npm run bench:freetext`.
const TARGETS: Record<string, number> = {
  person_name: 0.85,
  street_address: 0.8,
  phone: 0.95,
  credit_card: 0.99,
  iban: 0.99,
  email: 0.99,
  ip_address: 0.99,
  us_ssn: 0.99,
  secret_known_format: 0.97,
  secret_assignment: 0.97,
};

describe('free-text detectors on the labelled corpus', () => {
  it('reach the recall targets per type and destroy at most 0.5% of other words and technical tokens', async () => {
    const corpus = buildFreeTextCorpus(4711, 4, 300);
    const sections = ['pii', 'prose', 'technical'] as const;
    const lines = sections.flatMap((s) => corpus[s].map((l) => l.text));
    const result = await runCli(['scrub', '--text'], { input: `${lines.join('\n')}\n` });
    expect(result.code).toBe(0);
    const out = result.stdout.split('\n');
    const bySection = { pii: out.slice(0, corpus.pii.length), prose: out.slice(corpus.pii.length, corpus.pii.length + corpus.prose.length), technical: out.slice(corpus.pii.length + corpus.prose.length, lines.length) };
    const score = scoreFreeText(corpus, bySection);
    const recall = Object.fromEntries(Object.keys(TARGETS).map((type) => [type, score.recall[type]?.recall ?? 0]));
    for (const [type, target] of Object.entries(TARGETS)) expect({ type, recall: recall[type] }).toEqual({ type, recall: expect.toSatisfy((r: number) => r >= target) as unknown });
    expect(score.wordsDestroyed).toBeLessThanOrEqual(0.005);
    expect(score.technicalDestroyed).toBeLessThanOrEqual(0.005);
  }, 60_000);
});
