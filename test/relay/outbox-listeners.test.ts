import { describe, expect, it } from 'vitest';
import { plantedErrorEvent } from '../helpers/fixtures.js';
import { useTestApps } from '../helpers/test-app.js';

const testApp = useTestApps();

describe('the outbox tells its listeners of new rows', () => {
  it('after each ingest commit that queued rows, and not for a request whose events were all dropped', async () => {
    const { app, stores } = testApp();
    let told = 0;
    stores.outbox.onEnqueued(() => (told += 1));
    const post = (event: Record<string, unknown>) =>
      app.request('/v1/errors', { method: 'POST', body: JSON.stringify(event), headers: { 'content-type': 'application/json' } });

    expect((await post(plantedErrorEvent())).status).toBe(202);
    expect(told).toBe(1);
    const refused = await post({ ...plantedErrorEvent(), company_id: 'no-consent-co' });
    expect(((await refused.json()) as { accepted: number }).accepted).toBe(0);
    expect(told).toBe(1);
  });

  it('after a dead-letter replay, and stops when unsubscribed', async () => {
    const { app, stores } = testApp();
    await app.request('/v1/errors', { method: 'POST', body: JSON.stringify(plantedErrorEvent()), headers: { 'content-type': 'application/json' } });
    const [row] = stores.outbox.peek('diagnostics', 1);
    stores.outbox.deadLetter([row!.id], 'test');
    let told = 0;
    const stop = stores.outbox.onEnqueued(() => (told += 1));
    expect(stores.outbox.replayDeadLetters()).toBe(1);
    expect(told).toBe(1);
    stop();
    stores.outbox.deadLetter([stores.outbox.peek('diagnostics', 1)[0]!.id], 'test');
    stores.outbox.replayDeadLetters();
    expect(told).toBe(1);
  });
});
