import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/relay-process.js';

const BIN = join(REPO, 'bin/scrub-relay');

interface Started {
  code: number | null;
  output: string;
  settings: Record<string, unknown> | undefined;
}

/** Runs `bin/scrub-relay serve` until it logs its memory settings (then stops it) or exits. */
function serve(env: Record<string, string>): Promise<Started> {
  const dir = tempDir();
  const child = spawn(BIN, ['serve'], {
    env: { PATH: process.env['PATH'] ?? '', RELAY_PORT: '0', RELAY_DB_PATH: join(dir, 'relay.db'), RELAY_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let settings: Record<string, unknown> | undefined;
  const read = (chunk: Buffer) => {
    output += chunk.toString();
    const line = output.split('\n').find((candidate) => candidate.includes('"msg":"memory settings"'));
    if (line !== undefined && settings === undefined) {
      settings = JSON.parse(line) as Record<string, unknown>;
      child.kill('SIGTERM');
    }
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output, settings })));
}

/** A fake cgroup tree: `files` relative to its root. */
function cgroupRoot(files: Record<string, string>): string {
  const root = tempDir('cgroup-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('serve, started through the bin', () => {
  it('caps the old generation at half the cgroup v2 memory limit and logs where it came from', async () => {
    const root = cgroupRoot({ 'memory.max': `${192 * 2 ** 20}\n` });
    const { settings, output } = await serve({ SCRUB_RELAY_CGROUP_ROOT: root });
    expect(settings, output).toMatchObject({ maxOldSpaceMb: 96, maxSemiSpaceMb: 4, v8PoolSize: 2, mallocMmapThreshold: '131072', mallocTrimThreshold: '131072' });
    expect(settings?.['from']).toBe(`cgroup ${root}/memory.max (192 MB)`);
    // What V8 itself reports: the cap is in effect, not only passed.
    expect(settings?.['heapLimitMb']).toBeGreaterThanOrEqual(96);
    expect(settings?.['heapLimitMb']).toBeLessThan(128);
  });

  it('reads a cgroup v1 limit, and keeps the cap within 32-256 MB', async () => {
    const small = await serve({ SCRUB_RELAY_CGROUP_ROOT: cgroupRoot({ 'memory/memory.limit_in_bytes': `${48 * 2 ** 20}\n` }) });
    expect(small.settings).toMatchObject({ maxOldSpaceMb: 32 });
    const large = await serve({ SCRUB_RELAY_CGROUP_ROOT: cgroupRoot({ 'memory/memory.limit_in_bytes': `${4 * 2 ** 30}\n` }) });
    expect(large.settings).toMatchObject({ maxOldSpaceMb: 256 });
  });

  it('uses 256 MB when the container has no memory limit', async () => {
    const v2 = await serve({ SCRUB_RELAY_CGROUP_ROOT: cgroupRoot({ 'memory.max': 'max\n' }) });
    expect(v2.settings).toMatchObject({ maxOldSpaceMb: 256, from: 'default (no container memory limit)' });
    const v1 = await serve({ SCRUB_RELAY_CGROUP_ROOT: cgroupRoot({ 'memory/memory.limit_in_bytes': '9223372036854771712\n' }) });
    expect(v1.settings).toMatchObject({ maxOldSpaceMb: 256, from: 'default (no container memory limit)' });
  });

  it('takes RELAY_HEAP_MB over the cgroup limit, and refuses a bad one naming what it got', async () => {
    const root = cgroupRoot({ 'memory.max': `${192 * 2 ** 20}\n` });
    const chosen = await serve({ SCRUB_RELAY_CGROUP_ROOT: root, RELAY_HEAP_MB: '80' });
    expect(chosen.settings).toMatchObject({ maxOldSpaceMb: 80, from: 'RELAY_HEAP_MB' });
    const bad = await serve({ SCRUB_RELAY_CGROUP_ROOT: root, RELAY_HEAP_MB: '12x' });
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('Expected RELAY_HEAP_MB to be a number of megabytes (16-65536), got "12x"');
  });
});
