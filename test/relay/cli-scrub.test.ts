import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPlanted, plantedErrorEvent, plantedScanEvent } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../helpers/relay-process.js';

describe('scrub-relay scrub', () => {
  it('writes exactly one scrubbed line per input line, in order, with no planted value', async () => {
    const input = [1, 2, 3].map((n) => JSON.stringify(plantedErrorEvent({ event_id: `line-${n}` }))).join('\n');
    const result = await runCli(['scrub', '--kind', 'error'], { input: `${input}\n` });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((line) => (JSON.parse(line) as { event_id: string }).event_id)).toEqual(['line-1', 'line-2', 'line-3']);
    expect(findPlanted(result.stdout)).toEqual([]);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).not.toHaveProperty('company_id');
    expect(first).toMatchObject({ error: { type: 'PaymentError' }, frames: [{ line: 42, function: 'charge' }] });
    expect(first['_meta']).toMatchObject({ scrubbed: { email: 1 } });
  });

  it('writes scan events as the Lakera telemetry payload', async () => {
    const result = await runCli(['scrub', '--kind', 'scan'], {
      input: `${JSON.stringify(plantedScanEvent({ event_id: 's1' }))}\n`,
      env: { LAKERA_PROJECT_ID: 'proj-1' },
    });
    expect(result.code).toBe(0);
    const payload = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toEqual(['context', 'event_id', 'event_type', 'metadata', 'project_id', 'scan_result', 'timestamp']);
    expect(payload['project_id']).toBe('proj-1');
    expect(findPlanted(result.stdout)).toEqual([]);
  });

  it('turns a raw Lakera Guard response into the derived verdict, as ingest does', async () => {
    const { scan_result: _given, event_type: _type, ...entry } = plantedScanEvent({ event_id: 'guard-1' });
    const guardResponse = {
      flagged: true,
      breakdown: [{ project_id: 'p', policy_id: 'x', detector_id: 'd', detector_type: 'pii/email', detected: true, message_id: 0 }],
      payload: [{ start: 0, end: 20, text: 'jane.doe@example.com', detector_type: 'pii/email', labels: ['pii/email'], message_id: 0 }],
    };
    const result = await runCli(['scrub', '--kind', 'scan'], { input: `${JSON.stringify({ ...entry, guard_response: guardResponse })}\n` });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const payload = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(payload).toMatchObject({ event_id: 'guard-1', event_type: 'scan', scan_result: { flagged: true } });
    expect(result.stdout).not.toMatch(/jane\.doe|guard_response|"payload"/);
    expect(findPlanted(result.stdout)).toEqual([]);
  });

  it('refuses what ingest refuses: reserved key names, limits, non-objects, no company', async () => {
    const event = plantedErrorEvent();
    const { company_id: _company, ...noCompany } = event;
    const lines = [
      `{"timestamp":"2024-01-15T10:30:00Z","extra":{"__proto__":{"note":"mail john@example.com"}}}`,
      JSON.stringify({ ...event, extra: { a: { b: { c: { d: 1 } } } } }),
      '42',
      JSON.stringify(event),
      JSON.stringify(noCompany),
    ];
    const result = await runCli(['scrub'], { input: `${lines.join('\n')}\n`, env: { RELAY_MAX_DEPTH: '4' } });
    expect(result.code).toBe(1);
    const out = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(out).toHaveLength(5);
    expect(out[0]).toMatchObject({ error: 'invalid_event', message: 'field "extra.__proto__" is a reserved name' });
    expect(out[1]).toMatchObject({ error: 'invalid_event' });
    expect(String(out[1]!['message'])).toContain('extra.a.b');
    expect(out[2]).toMatchObject({ error: 'invalid_event', message: 'field "(event)" must be a JSON object' });
    expect(out[3]).toHaveProperty('event_id');
    expect(out[4]).toMatchObject({ error: 'invalid_event', message: 'field "company_id" is required (or configure RELAY_DEFAULT_COMPANY)' });
    expect(result.stdout).not.toContain('john@example.com');
    // With a default company, as the relay would then accept it.
    const withDefault = await runCli(['scrub'], { input: `${JSON.stringify(noCompany)}\n`, env: { RELAY_DEFAULT_COMPANY: 'acme' } });
    expect(withDefault.code).toBe(0);
    expect(JSON.parse(withDefault.stdout)).toHaveProperty('event_id');
  });

  it('explains which rule fired at which path and how often, never the value', async () => {
    const result = await runCli(['scrub', '--kind', 'error', '--explain'], { input: `${JSON.stringify(plantedErrorEvent())}\n` });
    expect(result.code).toBe(0);
    const { findings } = JSON.parse(result.stdout) as { findings: { rule: string; path: string; count: number }[] };
    expect(findings).toContainEqual({ rule: 'email', path: '$.error.message', count: 1 });
    expect(findings).toContainEqual(expect.objectContaining({ rule: 'credit_card', path: '$.error.message' }));
    expect(findings.some((finding) => finding.path.startsWith('$.request.headers'))).toBe(true);
    expect(findPlanted(result.stdout)).toEqual([]);
  });

  it('explains the zone every forwarded value fell in', async () => {
    const event = { timestamp: '2026-12-04T10:00:00Z', company_id: 'acme', error: { type: 'E', message: 'm' }, frames: [{ line: 3, vars: { n: 1 } }], extra: { note: 'x' } };
    const result = await runCli(['scrub', '--kind', 'error', '--explain'], { input: `${JSON.stringify(event)}\n` });
    expect(result.code).toBe(0);
    const { zones } = JSON.parse(result.stdout) as { zones: Record<string, string[]> };
    expect(zones).toEqual({
      passthrough: ['$.timestamp'],
      token: ['$.error.type'],
      text: ['$.error.message'],
      integer: ['$.frames[0].line'],
      local: ['$.frames[0].vars.n'],
      free: ['$.extra.note'],
    });
  });

  it('keeps line alignment for a bad line, reports it on stderr and exits 1', async () => {
    const input = `${JSON.stringify(plantedErrorEvent())}\nnot json\n${JSON.stringify({ timestamp: 't' })}\n`;
    const result = await runCli(['scrub'], { input });
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[1]!)).toMatchObject({ error: 'invalid_json' });
    expect(JSON.parse(lines[2]!)).toMatchObject({ error: 'invalid_event' });
    expect(result.stderr).toContain('line 2');
  });
});

describe('scrub-relay rules check', () => {
  it('passes on the shipped rules, trying every example even where the build verified them', async () => {
    const result = await runCli(['rules', 'check']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The bundle has the build's verified form beside it; `rules check` must not take it.
    const ruleLines = result.stdout.split('\n').filter((l) => /^ok {3}\S+ +examples /.test(l));
    expect(ruleLines.length).toBeGreaterThan(20);
    for (const line of ruleLines) expect(line).not.toMatch(/examples 0 passed/);
  });

  it('prints the forwarded schema: every declared path with its zone', async () => {
    const result = await runCli(['rules', 'check']);
    expect(result.stdout).toContain('forwarded schema');
    expect(result.stdout).toMatch(/^ +error \$\.frames\[\*\]\.vars\.\* local$/m);
    expect(result.stdout).toMatch(/^ +scan \$\.metadata\.file_name file_name$/m);
    expect(result.stdout).not.toMatch(/\$\.extra/);
  });

  it('refuses a rules file with a catastrophic pattern or a failing example, with the reason, exit 1', async () => {
    const dir = tempDir();
    const file = join(dir, 'rules.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'rules:',
        '  - id: evil',
        '    description: catastrophic backtracking',
        '    kind: regex',
        "    patterns: ['(a+)+$']",
        '    examples: { match: [aaa], no_match: [b] }',
        '  - id: order_ref',
        '    description: order references',
        '    kind: regex',
        "    patterns: ['ORD-\\d{6}']",
        '    examples: { match: [ORD-12345], no_match: [ORD-1] }',
      ].join('\n'),
    );
    const result = await runCli(['rules', 'check', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/evil/);
    expect(result.stdout).toMatch(/backtrack|ReDoS|not safe|exponential/i);
    expect(result.stdout).toMatch(/order_ref/);
    expect(result.stdout).toContain('ORD-12345');
  });

  it('makes the relay refuse to start on an unsafe user rules file', async () => {
    const dir = tempDir();
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, "version: 1\nrules:\n  - id: evil\n    description: x\n    kind: regex\n    patterns: ['(x+x+)+y']\n    examples: { match: [xxy], no_match: [z] }\n");
    const result = await runCli(['serve'], { env: { RELAY_RULES_FILE: file, RELAY_DB_PATH: join(dir, 'relay.db') } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('evil');
  });
});
