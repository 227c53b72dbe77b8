import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configHelp, configTable, withConfigTable } from '../../config/env-docs.js';
import { ENV_OPTIONS } from '../../config/env-schema.js';
import { loadConfig } from '../../config/env.js';
import { REPO, runCli, tempDir } from '../helpers/relay-process.js';

const README = join(REPO, 'README.md');

describe('the configuration schema', () => {
  it('gives every option its declared default when the environment is empty', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      telemetryEnabled: false,
      host: '127.0.0.1',
      port: 4319,
      dbPath: './data/relay.db',
      maxDepth: 32,
      maxBodyBytes: 1024 * 1024,
      whenFull: 'reject',
      durability: 'normal',
      logLevel: 'info',
      ingestTenants: [],
      sentryDsnCompanies: {},
      diagnostics: undefined,
      lakera: undefined,
      allowedHosts: ['api.lakera.ai'],
    });
    // Each documented default is the value the relay runs with.
    for (const [key, declared] of Object.entries(ENV_OPTIONS)) {
      if (!declared.doc.defaultIsValue || declared.doc.default === undefined || !(key in config)) continue;
      expect(String((config as unknown as Record<string, unknown>)[key]), declared.doc.env).toBe(declared.doc.default);
    }
  });

  it('refuses a bad value naming the variable, the range and what it got', () => {
    expect(() => loadConfig({ RELAY_PORT: 'abc' })).toThrow('Expected RELAY_PORT to be 0-65535, got "abc"');
    expect(() => loadConfig({ RELAY_MAX_DEPTH: '300' })).toThrow('Expected RELAY_MAX_DEPTH to be 4-256, got "300"');
    expect(() => loadConfig({ RELAY_SCRUB_WORKER: 'maybe' })).toThrow('Expected RELAY_SCRUB_WORKER to be true or false, got "maybe"');
    expect(() => loadConfig({ RELAY_WHEN_FULL: 'spill' })).toThrow('Expected RELAY_WHEN_FULL to be one of reject|drop_oldest, got "spill"');
    expect(() => loadConfig({ RELAY_HEAP_MB: '12x' })).toThrow('Expected RELAY_HEAP_MB to be a number of megabytes (16-65536), got "12x"');
    expect(() => loadConfig({ DIAGNOSTICS_ENDPOINT: 'http://diag.example.eu/x' })).toThrow(
      'Expected DIAGNOSTICS_ENDPOINT to be an https:// URL, got "http://diag.example.eu" (only TLS is allowed)',
    );
  });

  it('reads a secret from NAME_FILE, and refuses both NAME and NAME_FILE', () => {
    const file = join(tempDir(), 'admin-token');
    writeFileSync(file, 'from-the-file\n');
    expect(loadConfig({ RELAY_ADMIN_TOKEN_FILE: file }).adminToken).toBe('from-the-file');
    expect(() => loadConfig({ RELAY_ADMIN_TOKEN_FILE: file, RELAY_ADMIN_TOKEN: 'x' })).toThrow('Set either RELAY_ADMIN_TOKEN or RELAY_ADMIN_TOKEN_FILE, not both');
  });

  it('reads the lower-case proxy variables when the upper-case ones are unset', () => {
    expect(loadConfig({ https_proxy: 'http://proxy:3128', no_proxy: 'internal' })).toMatchObject({ httpsProxy: 'http://proxy:3128', noProxy: 'internal' });
    expect(loadConfig({ HTTPS_PROXY: 'http://upper:3128', https_proxy: 'http://lower:3128' }).httpsProxy).toBe('http://upper:3128');
  });

  it('documents every option in one line of the README table, which README.md holds as the schema writes it (npm run docs:config)', () => {
    const readme = readFileSync(README, 'utf8');
    const table = configTable();
    for (const declared of Object.values(ENV_OPTIONS)) {
      expect(table.split('\n').filter((line) => line.startsWith(`| \`${declared.doc.env}\` |`))).toHaveLength(1);
    }
    expect(withConfigTable(readme)).toBe(readme);
  });

  it('keeps the heap range of bin/scrub-relay, which runs before node, equal to the schema', () => {
    const bin = readFileSync(join(REPO, 'bin/scrub-relay'), 'utf8');
    expect(ENV_OPTIONS.heapMb.doc.accepts).toBe('16-65536');
    expect(bin).toContain('-lt 16 ] || [ "$RELAY_HEAP_MB" -gt 65536 ]');
  });
});

describe('scrub-relay serve --help', () => {
  it('prints every option with what it accepts and its default, and starts nothing', async () => {
    const result = await runCli(['serve', '--help'], { env: { RELAY_PORT: 'not-read' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${configHelp()}\n`);
    expect(result.stdout).toContain('  RELAY_PORT  0-65535  (default: 4319)');
    expect(result.stdout).toContain('  RELAY_ADMIN_TOKEN *  secret');
    for (const declared of Object.values(ENV_OPTIONS)) expect(result.stdout).toContain(`  ${declared.doc.env}`);
  });
});

describe('two configurations', () => {
  it('share no default list, map or URL', () => {
    const a = loadConfig({ LAKERA_API_KEY: 'k' });
    const b = loadConfig({ LAKERA_API_KEY: 'k' });
    expect(a.ingestTenants).not.toBe(b.ingestTenants);
    expect(a.sentryDsnCompanies).not.toBe(b.sentryDsnCompanies);
    expect(a.lakera?.url).not.toBe(b.lakera?.url);
    expect(a.lakera?.url.href).toBe('https://api.lakera.ai/v2/telemetry');
  });
});
