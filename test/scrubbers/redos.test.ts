import { describe, expect, it } from 'vitest';
import { loadRules } from '../../config/rules.js';
import { createScrubber } from '../../scrubbers/index.js';

const scrubber = createScrubber(loadRules({}), { hashKey: 'k' });

/** A responsiveness check, not a benchmark: each input must be scrubbed well within this bound. */
const BOUND_MS = 2000;

const ADVERSARIAL: [string, string][] = [
  ['50 KB of a', 'a'.repeat(50_000)],
  ['runs of aaaa@', 'aaaa@'.repeat(10_000)],
  ['a@ repeated without a domain end', 'a@a.'.repeat(12_000)],
  ['long digit run', '4'.repeat(50_000)],
  ['digits with separators', '4111 '.repeat(10_000)],
  ['long base64 run', 'Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0L'.repeat(1_600)],
  ['eyJ repeated', 'eyJ'.repeat(16_000)],
  ['eyJ. repeated', 'eyJa1.'.repeat(8_000)],
  ['colons', '1:'.repeat(25_000)],
  ['dots and digits', '1.'.repeat(25_000)],
  ['plus and digits', '+1 '.repeat(16_000)],
  ['capitalised words', 'User Ab '.repeat(6_000)],
  ['password= repeated', 'password='.repeat(5_000)],
  ['scheme:// repeated', 'ab://'.repeat(10_000)],
  ['BEGIN PRIVATE KEY without end', '-----BEGIN PRIVATE KEY-----' + 'A'.repeat(50_000)],
  ['/home/ repeated', '/home/'.repeat(8_000)],
];

describe('ReDoS responsiveness', () => {
  it.each(ADVERSARIAL)('scrubs %s quickly', (_name, text) => {
    const started = performance.now();
    scrubber.scrub({ error: { message: text } }, 'error');
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
  });

  it('bounds the scanned length of a string to the configured cap', () => {
    const started = performance.now();
    const { findings } = scrubber.scrub({ error: { message: 'aaaa@'.repeat(200_000) } }, 'error', { explain: true });
    expect(findings).toContainEqual({ rule: 'truncated', path: '$.error.message', count: 1 });
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
  });
});
