import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/errors.js';
import { checkRules, defaultRulesPath, formatRulesCheckReport, loadRules } from '../../config/rules.js';
import { createScrubber } from '../../scrubbers/index.js';
import type { JsonObject } from '../../scrubbers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'scrub-rules-'));
let n = 0;
function userFile(yaml: string): string {
  const file = join(dir, `rules-${n++}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

function loadError(file: string): ConfigError {
  try {
    loadRules({ userFile: file });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadRules to throw');
}

describe('shipped rules', () => {
  it('compile, are ReDoS-safe and pass every one of their own examples', () => {
    const report = checkRules();
    const failures = report.rules.filter((r) => !r.ok).map((r) => `${r.id}: ${r.problems.join('; ')}`);
    expect(failures).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.rules.every((r) => r.examples.failed === 0 && r.examples.passed > 0)).toBe(true);
  });

  it('cover the whole catalogue', () => {
    const ids = new Set(checkRules().rules.map((r) => r.id));
    for (const id of ['email', 'ipv4', 'ipv6', 'phone', 'credit_card', 'iban', 'us_ssn', 'mac_address', 'path_username', 'person_name',
      'jwt', 'bearer_token', 'basic_auth', 'aws_access_key_id', 'aws_secret_access_key', 'github_token', 'gitlab_token', 'slack_token',
      'slack_webhook', 'stripe_key', 'openai_key', 'anthropic_key', 'google_api_key', 'npm_token', 'private_key', 'url_password',
      'kv_password', 'cookie', 'high_entropy', 'sensitive_key', 'content_field']) {
      expect(ids, id).toContain(id);
    }
  });

  it('are found from the package root', () => {
    expect(defaultRulesPath()).toMatch(/config[/\\]rules\.yaml$/);
  });

  it('format as a readable report', () => {
    const text = formatRulesCheckReport(checkRules());
    expect(text).toMatch(/^ok {3}email +examples \d+ passed, 0 failed/m);
    expect(text).toMatch(/rules ok \(ReDoS analysis \d+ ms\)$/);
  });
});

describe('user rules file', () => {
  it('adds a rule with its own examples', () => {
    const file = userFile(`version: 1
rules:
  - id: employee_id
    description: Internal employee numbers.
    kind: regex
    patterns: ['EMP-[0-9]{6}']
    examples: { match: ['EMP-123456'], no_match: ['EMP-12'] }
`);
    const s = createScrubber(loadRules({ userFile: file }), { hashKey: 'k' });
    const { event, findings } = s.scrub({ extra: { note: 'by EMP-123456' } }, 'error', { explain: true });
    expect(event['extra']).toEqual({ note: 'by [employee_id]' });
    expect(findings).toEqual([{ rule: 'employee_id', path: '$.extra.note', count: 1 }]);
  });

  it('disables a built-in rule by id', () => {
    const s = createScrubber(loadRules({ userFile: userFile('rules:\n  - id: email\n    enabled: false\n') }), { hashKey: 'k' });
    expect(s.scrub({ extra: { note: 'a@b.com' } }, 'error').event['extra']).toEqual({ note: 'a@b.com' });
    expect(checkRules(userFile('rules:\n  - id: email\n    enabled: false\n')).rules.find((r) => r.id === 'email')?.enabled).toBe(false);
  });

  it('re-configures entropy thresholds of a built-in rule', () => {
    const token = 'Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0L';
    const strict = createScrubber(loadRules({ userFile: userFile('rules:\n  - id: high_entropy\n    entropy: { min_length: 40 }\n    examples: { match: ["Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0LZx9Qw3Er7Ty1U"] }\n') }), { hashKey: 'k' });
    expect(strict.scrub({ extra: { note: token } }, 'error', { explain: true }).findings).toEqual([]);
  });

  it('scopes a rule to JSON paths', () => {
    const file = userFile("rules:\n  - id: email\n    paths: ['$.error.message', '$.frames[*].vars']\n");
    const s = createScrubber(loadRules({ userFile: file }), { hashKey: 'k' });
    const { event } = s.scrub({ error: { message: 'a@b.com' }, frames: [{ vars: { x: { y: 'c@d.com' } } }], extra: { note: 'e@f.com' } }, 'error');
    expect((event['error'] as JsonObject)['message']).toBe('[email]');
    // In frame locals a value a rule fired on becomes a marker: the scoped rule ran there.
    expect(JSON.stringify(event['frames'])).toContain('[str len=7]');
    expect(JSON.stringify(event['frames'])).not.toContain('c@d.com');
    expect(event['extra']).toEqual({ note: 'e@f.com' });
  });

  it('refuses a rule whose example fails, naming file, rule and example', () => {
    const file = userFile(`rules:
  - id: ticket
    description: Ticket ids.
    kind: regex
    patterns: ['T-[0-9]{4}']
    examples: { match: ['T-12'], no_match: [] }
`);
    expect(loadError(file).message).toBe(`rules file ${file}: rule "ticket": example should match but does not: "T-12"`);
    const report = checkRules(file);
    expect(report.ok).toBe(false);
    expect(formatRulesCheckReport(report)).toMatch(/^FAIL ticket/m);
  });

  it('refuses a catastrophic pattern at load with the reason', () => {
    const file = userFile(`rules:
  - id: foo
    description: Bad.
    kind: regex
    patterns: ['(a+)+$']
    examples: { match: ['aaa'] }
`);
    const err = loadError(file);
    expect(err.code).toBe('ERR_CONFIG');
    expect(err.message).toBe(
      `rules file ${file}: rule "foo": pattern is not linear: (a+)+: its body can match the same text in unboundedly many ways and repeats without bound: unboundedly many ways to try (no bound on the backtracking steps per character of text, limit 4096): (a+)+$`,
    );
  });

  it('refuses a polynomially backtracking pattern', () => {
    const file = userFile(`rules:
  - id: bar
    description: Bad.
    kind: regex
    patterns: ['(x+x+)+y']
    examples: { match: ['xxy'] }
  - id: baz
    description: Quadratic.
    kind: regex
    patterns: ['[a-z]+@[a-z]+']
    examples: { match: ['a@b'] }
`);
    const report = checkRules(file);
    expect(report.rules.find((r) => r.id === 'bar')?.problems[0]).toMatch(/^pattern is not linear: \(x\+x\+\)\+: its body can match the same text/);
    expect(report.rules.find((r) => r.id === 'baz')?.problems[0]).toMatch(/^pattern is not linear: \[a-z\]\+: it can rescan the rest of the text from every start position/);
  });

  it('refuses an unknown field with its name', () => {
    const file = userFile(`rules:
  - id: ticket
    description: Ticket ids.
    kind: regex
    patern: ['T-[0-9]{4}']
    patterns: ['T-[0-9]{4}']
    examples: { match: ['T-1234'] }
`);
    expect(loadError(file).message).toBe(`rules file ${file}: rule "ticket": unknown field(s) "patern"`);
  });

  it('refuses an override field that does not apply to the rule kind', () => {
    const file = userFile('rules:\n  - id: email\n    entropy: { min_length: 30 }\n');
    expect(loadError(file).message).toBe(`rules file ${file}: rule "email": field(s) "entropy" do not apply to a regex rule`);
  });

  it('refuses a wrong value and says what it received', () => {
    const file = userFile('rules:\n  - id: email\n    method: obliterate\n');
    expect(loadError(file).message).toMatch(new RegExp(`^rules file ${file}: rule "email".*got "obliterate"`));
  });

  it('refuses a pattern that does not compile', () => {
    const file = userFile("rules:\n  - id: email\n    patterns: ['([a-z']\n");
    expect(loadError(file).message).toMatch(/rule "email": pattern does not compile/);
  });

  it('refuses a file that is not YAML or cannot be read', () => {
    expect(loadError(userFile('rules: [\n')).message).toMatch(/not valid YAML/);
    expect(loadError(join(dir, 'missing.yaml')).message).toMatch(/missing\.yaml: cannot be read \(ENOENT\)/);
  });

  it('refuses an unsupported JSON path', () => {
    const file = userFile("rules:\n  - id: email\n    paths: ['$..deep']\n");
    expect(loadError(file).message).toMatch(/path "\$\.\.deep" is not supported/);
  });
});
