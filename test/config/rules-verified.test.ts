import { appendFileSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, runCli, startRelayProcess, tempDir, type RelayProcess } from '../helpers/relay-process.js';

// The shipped rules' verified form (config/rules-verified.ts), through the program the bin runs
// (dist/bundle/cli.js, built by `npm run build`): an ordinary start takes the rules the build
// proved, a changed input makes it prove them again, and a user file's changes are always proved.

const started: RelayProcess[] = [];
afterEach(async () => {
  for (const relay of started.splice(0)) {
    relay.child.kill('SIGKILL');
    await relay.exited;
  }
});

async function listening(env: Record<string, string>, cli?: string): Promise<Record<string, unknown>> {
  const relay = await startRelayProcess({ RELAY_DB_PATH: join(tempDir(), 'relay.db'), TELEMETRY_ENABLED: 'false', ...env }, 20_000, cli);
  started.push(relay);
  const line = relay
    .logs()
    .split('\n')
    .find((l) => l.includes('scrub-relay listening'));
  return JSON.parse(line ?? '{}') as Record<string, unknown>;
}

/** A copy of the installed program (package.json, shipped YAML, the bundle) that a test may change. */
function programCopy(): string {
  const root = tempDir('relay-program-');
  cpSync(join(REPO, 'package.json'), join(root, 'package.json'));
  mkdirSync(join(root, 'config'));
  for (const file of ['rules.yaml', 'forwarded-schema.yaml']) cpSync(join(REPO, 'config', file), join(root, 'config', file));
  cpSync(join(REPO, 'dist', 'bundle'), join(root, 'dist', 'bundle'), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  return root;
}

describe('shipped rules: the verified form', () => {
  it('an ordinary start takes the shipped rules as the build verified them', async () => {
    const line = await listening({});
    expect(line['rulesVerified']).toBe('build');
    expect(line['rules']).toBeGreaterThan(20);
  });

  it('a changed rules file, schema or program makes the start verify everything again', async () => {
    const copy = programCopy();
    const cli = join(copy, 'dist', 'bundle', 'cli.js');
    expect((await listening({}, cli))['rulesVerified']).toBe('build');

    appendFileSync(join(copy, 'config', 'rules.yaml'), '\n# an operator edited the shipped file\n');
    expect((await listening({}, cli))['rulesVerified']).toBe('verified now (verified form is stale)');

    const other = programCopy();
    appendFileSync(join(other, 'dist', 'bundle', 'scrub-worker.js'), '\n// another build\n');
    expect((await listening({}, join(other, 'dist', 'bundle', 'cli.js')))['rulesVerified']).toBe('verified now (verified form is stale)');

    const third = programCopy();
    writeFileSync(join(third, 'dist', 'bundle', 'rules.verified.json'), '{not json');
    expect((await listening({}, join(third, 'dist', 'bundle', 'cli.js')))['rulesVerified']).toBe('verified now (verified form unreadable)');
  });

  it('still proves a shipped rule that a user file changed: a non-linear pattern is refused', async () => {
    const dir = tempDir();
    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, 'rules:\n  - id: email\n    patterns: ["(a+)+$"]\n');
    const result = await runCli(['serve'], { env: { RELAY_DB_PATH: join(dir, 'relay.db'), RELAY_PORT: '0', TELEMETRY_ENABLED: 'false', RELAY_RULES_FILE: rulesFile } });
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/rule "email": pattern is not linear/);
  });

  it('still tries the examples of a shipped rule that a user file changed', async () => {
    const dir = tempDir();
    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, 'rules:\n  - id: email\n    patterns: ["x@y\\\\.invalid"]\n');
    const result = await runCli(['serve'], { env: { RELAY_DB_PATH: join(dir, 'relay.db'), RELAY_PORT: '0', TELEMETRY_ENABLED: 'false', RELAY_RULES_FILE: rulesFile } });
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/rule "email": example should match but does not/);
  });
});
