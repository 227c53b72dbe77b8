import { describe, expect, it } from 'vitest';
import { CleanCache } from '../../scrubbers/clean-cache.js';

describe('CleanCache', () => {
  it('remembers what was added', () => {
    const cache = new CleanCache();
    expect(cache.has('/srv/app/src/db/pool.ts')).toBe(false);
    cache.add('/srv/app/src/db/pool.ts');
    expect(cache.has('/srv/app/src/db/pool.ts')).toBe(true);
  });

  it('keeps strings that keep recurring while one-off strings age out, within 2 × 4096 entries', () => {
    const cache = new CleanCache();
    cache.add('recurring');
    let maxSize = 0;
    for (let i = 0; i < 50_000; i++) {
      cache.add(`one-off-${i}`);
      if (i % 1000 === 0) expect(cache.has('recurring')).toBe(true);
      maxSize = Math.max(maxSize, cache.size);
    }
    expect(cache.has('recurring')).toBe(true);
    expect(cache.has('one-off-0')).toBe(false);
    expect(cache.has('one-off-49999')).toBe(true);
    expect(maxSize).toBeLessThanOrEqual(2 * 4096);
    expect(maxSize).toBeGreaterThan(4096);
  });
});
