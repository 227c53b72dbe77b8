import { describe, expect, it } from 'vitest';
import { loadRules } from '../../config/rules.js';
import { UnavailableError } from '../../relay/errors.js';
import { createLogger } from '../../relay/observe/logger.js';
import { ScrubWorker } from '../../relay/pipeline/scrub-pool.js';
import { findPlanted, plantedErrorEvent } from '../helpers/fixtures.js';

const rules = loadRules({});
const limits = { maxBodyBytes: 64 * 2 ** 20, maxBatchEvents: 1000, maxDepth: 32, maxStringLength: 65_536, maxKeys: 2000 };

function worker(heap?: { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number }): ScrubWorker {
  return new ScrubWorker({ rules, hashKey: 'k', limits, options: { defaultCompany: undefined, keepUserIp: false } }, createLogger('silent'), heap);
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('ScrubWorker', () => {
  it('fails the requests of a worker that ran out of memory with a 503, and starts a new worker for the next body', async () => {
    const pool = worker({ maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 });
    try {
      // About 24 MB of small objects: parsing it alone needs far more than a 16 MB heap.
      const huge = new TextEncoder().encode(`[${Array.from({ length: 1_500_000 }, (_, i) => `{"n":${i}}`).join(',')}]`);
      const failed = await pool.scrub('error', huge, undefined, 'application/json', () => {}).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(UnavailableError);
      expect(failed).toMatchObject({ code: 'scrub_worker_failed', status: 503, retryAfterSeconds: 1 });

      let received = 0;
      const events = await pool.scrub('error', encode([plantedErrorEvent()]), undefined, 'application/json', (n) => (received = n));
      expect(received).toBe(1);
      expect(events).toHaveLength(1);
      const [event] = events;
      expect(event).toMatchObject({ companyId: 'acme', outcome: 'scrubbed' });
      // The user id comes back raw on purpose: the main thread turns it into its keyed hash.
      expect(event?.outcome === 'scrubbed' ? findPlanted(event.event.payload) : ['not scrubbed']).toEqual([]);
    } finally {
      await pool.close();
    }
  });

  it('answers a body it cannot parse with the same 400 as the main thread, and refuses work once closed', async () => {
    const pool = worker();
    const refused = await pool.scrub('error', new TextEncoder().encode('{"level": '), undefined, 'application/json', () => {}).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ name: 'InputError', code: 'invalid_json', status: 400 });
    await pool.close();
    await expect(pool.scrub('error', encode(plantedErrorEvent()), undefined, 'application/json', () => {})).rejects.toMatchObject({ code: 'shutting_down', status: 503 });
  });
});
