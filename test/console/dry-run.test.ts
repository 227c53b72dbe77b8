import { describe, expect, it } from 'vitest';
import { CounterHistory } from '../../relay/admin/counter-history.js';
import { PLANTED, plantedErrorEvent, plantedScanEvent } from '../helpers/fixtures.js';
import { useTestApps } from '../helpers/test-app.js';
import { ADMIN_TOKEN, AUDITOR_TOKEN, consoleRequest, signIn } from './support.js';

const testApp = useTestApps();
const makeApp = () => testApp({ env: { RELAY_AUDITOR_TOKEN: AUDITOR_TOKEN } });

interface DryRunAnswer {
  rules: string;
  events: { index: number; ok: boolean; output?: Record<string, unknown>; findings?: { rule: string; path: string }[]; zones?: { path: string; zone: string }[]; message?: string }[];
}

describe('console: rules and dry run', () => {
  it('lists every rule with its examples and whether they pass, and the forwarded schema', async () => {
    const { app } = makeApp();
    const login = await signIn(app, AUDITOR_TOKEN);
    const view = (await (await consoleRequest(app, login, 'GET', 'rules')).json()) as {
      rules: { id: string; description: string; method: string; examples: { passed: boolean }[] }[];
      schema: string[];
    };
    const email = view.rules.find((rule) => rule.id === 'email');
    expect(email?.description).not.toBe('');
    expect(email?.examples.length).toBeGreaterThan(0);
    expect(view.rules.every((rule) => rule.examples.every((example) => example.passed))).toBe(true);
    expect(view.schema).toContain('error $.error.type token');
  });

  it('explains each redaction of pasted NDJSON by rule and path, and stores nothing', async () => {
    const { app, rows } = makeApp();
    const login = await signIn(app, AUDITOR_TOKEN);
    const input = `${JSON.stringify(plantedErrorEvent())}\n${JSON.stringify({ level: 'error' })}\n`;
    const response = await consoleRequest(app, login, 'POST', 'dry-run', { kind: 'error', input });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as DryRunAnswer;
    const [first, second] = answer.events;
    expect(first?.findings).toContainEqual(expect.objectContaining({ rule: 'email', path: '$.error.message' }));
    expect(first?.zones).toContainEqual({ path: '$.error.type', zone: 'token' });
    expect(JSON.stringify(first?.output)).not.toContain(PLANTED.email);
    expect(second).toMatchObject({ ok: false });
    expect(rows()).toHaveLength(0);
  });

  it('removes the content of a scan event in a dry run', async () => {
    const { app } = makeApp();
    const login = await signIn(app, AUDITOR_TOKEN);
    const answer = (await (await consoleRequest(app, login, 'POST', 'dry-run', { kind: 'scan', input: JSON.stringify(plantedScanEvent()) })).json()) as DryRunAnswer;
    expect(answer.events[0]?.output).not.toHaveProperty('content');
    expect(answer.events[0]?.findings?.map((f) => f.path)).toContain('$.content');
  });

  it('tries a pasted rules file against the events, and refuses one with an unsafe pattern', async () => {
    const { app } = makeApp();
    const login = await signIn(app, ADMIN_TOKEN);
    const rules = [
      'rules:',
      '  - id: ticket_number',
      '    kind: regex',
      '    description: Support ticket numbers',
      '    patterns: ["TCK-\\\\d{6}"]',
      '    examples: { match: ["TCK-123456"], no_match: ["TCK-12"] }',
    ].join('\n');
    const event = plantedErrorEvent({ error: { type: 'E', message: 'ticket TCK-654321 failed', stack: '' } });
    const tried = (await (await consoleRequest(app, login, 'POST', 'dry-run', { kind: 'error', input: JSON.stringify(event), rules })).json()) as DryRunAnswer;
    expect(tried.rules).toBe('pasted');
    expect(tried.events[0]?.findings).toContainEqual(expect.objectContaining({ rule: 'ticket_number', path: '$.error.message' }));
    const unsafe = rules.replace('TCK-\\\\d{6}', '(a+)+$').replace('"TCK-123456"', '"aaaa"').replace('"TCK-12"', '"b"');
    const refused = await consoleRequest(app, login, 'POST', 'dry-run', { kind: 'error', input: JSON.stringify(event), rules: unsafe });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: string; message: string };
    expect(body.error).toBe('invalid_rules');
    expect(body.message).toContain('pattern is not linear');
    expect(body.message).not.toContain('relay-console-rules-');
  });
});

describe('console: statistics', () => {
  it('charts accepted events and findings per rule from counters kept in SQLite', async () => {
    const { app, stores } = makeApp();
    const login = await signIn(app, AUDITOR_TOKEN);
    const posted = await app.request('/v1/errors', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([plantedErrorEvent(), plantedErrorEvent()]) });
    expect(posted.status).toBe(202);
    const stats = (await (await consoleRequest(app, login, 'GET', 'stats?hours=1')).json()) as Record<string, { label: string; value: number }[]>;
    const total = (points: { label: string; value: number }[] | undefined, label: string) => (points ?? []).filter((p) => p.label === label).reduce((n, p) => n + p.value, 0);
    expect(total(stats['accepted'], 'error')).toBe(2);
    expect(total(stats['findings'], 'email')).toBeGreaterThanOrEqual(2);
    const kept = stores.db.prepare("SELECT SUM(value) AS n FROM counter_history WHERE series = 'accepted'").get() as { n: number };
    expect(kept.n).toBe(2);
  });

  it('drops counter buckets older than the retention cut-off', async () => {
    const { stores, metrics } = makeApp();
    let now = Date.parse('2026-01-01T00:00:00Z');
    const history = new CounterHistory(stores.db, metrics, () => now);
    metrics.accepted.inc({ kind: 'error' }, 3);
    await history.sample();
    now += 3600_000;
    metrics.accepted.inc({ kind: 'error' }, 1);
    await history.sample();
    expect(history.series('accepted', 0).map((p) => p.value)).toEqual([3, 1]);
    expect(history.expire(now)).toBe(1);
    expect(history.series('accepted', 0).map((p) => p.value)).toEqual([1]);
  });
});
