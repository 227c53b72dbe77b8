import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayEnv, startRelayProcess, tempDir, type RelayProcess } from '../helpers/relay-process.js';
import { createTestPki, type TestPki } from '../helpers/tls.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import {
  allowAcme,
  canMountTmpfs,
  deliveredCounts,
  errorEvent,
  metricsText,
  metricValue,
  postJson,
  tryRun,
  waitForDelivery,
} from './support.js';

// Real filesystems, no hooks: a size-limited tmpfs that really fills up, and an ext4 image on a
// loop device that the kernel itself remounts read-only after an error (errors=remount-ro). Both
// need root with CAP_SYS_ADMIN. On a developer machine that does not allow mounting they say so and
// are skipped; under CI (CI=true) they always run, so a CI machine without mount fails instead.
const probeDir = tempDir('relay-mount-probe-');
const mountable = canMountTmpfs(probeDir);
const inCi = process.env['CI'] === 'true';
const loopable = mountable && existsSync('/dev/loop-control') && tryRun('which', ['mkfs.ext4']) && tryRun('which', ['e2fsck']);
if (!mountable) console.warn('disk.test: this machine does not allow mount; the full-disk and read-only tests are skipped');
else if (!loopable) console.warn('disk.test: no loop devices or e2fsprogs; the read-only volume test is skipped');

let pki: TestPki;
let upstream: Upstream;
const mounts: string[] = [];

beforeAll(async () => {
  pki = createTestPki();
  upstream = await startUpstream(pki);
});
afterAll(async () => {
  await upstream.close();
  for (const dir of mounts.reverse()) tryRun('umount', ['-l', dir]);
});

function mountTmpfs(size: string): string {
  const dir = tempDir('relay-tmpfs-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

async function status(url: string): Promise<number> {
  return (await fetch(url)).status;
}

function alive(relay: RelayProcess): boolean {
  return relay.child.exitCode === null && relay.child.signalCode === null;
}

interface Fill {
  acknowledged: string[];
  statuses: Map<number, number>;
  retryAfter: Set<string>;
  codes: Set<string>;
}

/** Posts 20-event batches until `stopAfter503` answers in a row are 503 (or `max` requests). */
async function ingestUntilRefused(relay: RelayProcess, label: string, stopAfter503: number, max: number): Promise<Fill> {
  const fill: Fill = { acknowledged: [], statuses: new Map(), retryAfter: new Set(), codes: new Set() };
  let refusedInARow = 0;
  for (let seq = 0; seq < max && refusedInARow < stopAfter503; seq += 1) {
    const ids = Array.from({ length: 20 }, (_, i) => `${label}-${seq}-${i}`);
    const response = await postJson(`${relay.url}/v1/errors`, ids.map(errorEvent));
    fill.statuses.set(response.status, (fill.statuses.get(response.status) ?? 0) + 1);
    if (response.status === 202) {
      fill.acknowledged.push(...ids);
      refusedInARow = 0;
    } else {
      refusedInARow += 1;
      fill.retryAfter.add(response.headers.get('retry-after') ?? '(none)');
      fill.codes.add((JSON.parse(response.text || '{}') as { error?: string }).error ?? '(none)');
    }
  }
  return fill;
}

/**
 * With the upstream down, leaves 1 MiB free on the volume and posts until the relay refuses:
 * the volume is then full, with a backlog of acknowledged events.
 */
async function fillWithBacklog(dir: string, relay: RelayProcess, label: string): Promise<Fill> {
  upstream.respond = () => ({ status: 503 });
  const { bavail, bsize } = statfsSync(dir);
  writeFileSync(join(dir, 'filler'), Buffer.alloc(bavail * bsize - 1024 * 1024));
  const fill = await ingestUntilRefused(relay, label, 5, 2000);
  expect(fill.acknowledged.length).toBeGreaterThan(100);
  return fill;
}

/** Kills the relay and gives the upstream back its healthy answer. */
async function stop(relay: RelayProcess): Promise<void> {
  relay.child.kill('SIGKILL');
  await relay.exited;
  upstream.respond = () => ({ status: 200 });
}

describe('a full filesystem (size-limited tmpfs)', () => {
  it.skipIf(!mountable && !inCi)(
    'answers 503 with Retry-After and fails readiness while full, never crashes, and recovers when space returns',
    async () => {
      const dir = mountTmpfs('8m');
      const dbPath = join(dir, 'relay.db');
      await allowAcme(dbPath);
      upstream.respond = () => ({ status: 503 });
      const relay = await startRelayProcess(relayEnv(dbPath, `${upstream.url}/ingest`, pki, { RELAY_MAX_BACKOFF: '1' }));
      try {
        expect(await status(`${relay.url}/readyz`)).toBe(200);
        const { bavail, bsize } = statfsSync(dir);
        // Leave 1 MiB: the relay fills it with a few hundred kilobytes of outbox.
        writeFileSync(join(dir, 'filler'), Buffer.alloc(bavail * bsize - 1024 * 1024));

        const fill = await ingestUntilRefused(relay, 'full', 5, 2000);
        expect([...fill.statuses.keys()].sort()).toEqual([202, 503]);
        expect(fill.codes).toEqual(new Set(['storage_unavailable']));
        expect(fill.retryAfter).toEqual(new Set(['5']));
        expect(await status(`${relay.url}/readyz`)).toBe(503);
        expect(await status(`${relay.url}/healthz`)).toBe(200);
        expect(await status(`${relay.url}/metrics`)).toBe(200);
        expect(metricValue(await metricsText(relay.url), 'relay_storage_faults_total')).toBeGreaterThan(0);

        // The upstream comes back while the disk is still full: a delivered batch whose delete
        // fails must not be sent again and again.
        upstream.requests.length = 0;
        upstream.respond = () => ({ status: 200 });
        await new Promise((resolve) => setTimeout(resolve, 3000));
        const repeats = [...deliveredCounts(upstream).values()].filter((count) => count > 1).length;
        expect(repeats).toBe(0);
        expect(alive(relay)).toBe(true);

        rmSync(join(dir, 'filler'));
        await expect.poll(() => status(`${relay.url}/readyz`), { timeout: 10_000, interval: 250 }).toBe(200);
        const after = await postJson(`${relay.url}/v1/errors`, [errorEvent('after-space-returned')]);
        expect(after.status).toBe(202);
        await waitForDelivery(upstream, [...fill.acknowledged, 'after-space-returned'], 20_000);
        expect(alive(relay)).toBe(true);
      } finally {
        relay.child.kill('SIGKILL');
        await relay.exited;
        upstream.respond = () => ({ status: 200 });
      }
    },
    60_000,
  );
});

describe('a volume that stays full while the upstream is healthy', () => {
  it.skipIf(!mountable && !inCi).each([
    ['while it keeps running', false],
    ['after a restart on the full volume', true],
  ])(
    'keeps delivering and deleting what it acknowledged, and takes ingest again once space returns (%s)',
    async (_name, restart) => {
      const dir = mountTmpfs('8m');
      const dbPath = join(dir, 'relay.db');
      await allowAcme(dbPath);
      upstream.requests.length = 0;
      const env = relayEnv(dbPath, `${upstream.url}/ingest`, pki, { RELAY_MAX_BACKOFF: '1' });
      let relay = await startRelayProcess(env);
      try {
        const fill = await fillWithBacklog(dir, relay, `wedge-${restart}`);
        if (restart) {
          relay.child.kill('SIGKILL');
          await relay.exited;
          relay = await startRelayProcess(env);
        }

        // Space never returns; the upstream does. Every acknowledged event must leave, once.
        upstream.respond = () => ({ status: 200 });
        await waitForDelivery(upstream, fill.acknowledged, 30_000);
        expect([...deliveredCounts(upstream).values()].filter((count) => count > 1)).toEqual([]);
        await expect.poll(async () => metricValue(await metricsText(relay.url), 'relay_outbox_events'), { timeout: 10_000 }).toBe(0);
        expect(alive(relay)).toBe(true);
        const full = await metricsText(relay.url);
        expect(metricValue(full, 'relay_storage_reserve_held')).toBe(0);
        if (restart) {
          // The first relay gave the reserve up; the second finds no room to take it again.
          expect(relay.logs()).toContain('volume too full for the space reserve');
        } else {
          expect(metricValue(full, 'relay_storage_reserve_released_total')).toBeGreaterThanOrEqual(1);
          expect(relay.logs()).toContain('space reserve given up so delivered events can be deleted');
        }
        // Still full: ingest is refused, so it cannot take the space delivery needs.
        expect((await postJson(`${relay.url}/v1/errors`, [errorEvent(`wedge-${restart}-while-full`)])).status).toBe(503);

        rmSync(join(dir, 'filler'));
        await expect.poll(() => status(`${relay.url}/readyz`), { timeout: 10_000, interval: 250 }).toBe(200);
        const after = await postJson(`${relay.url}/v1/errors`, [errorEvent(`wedge-${restart}-after-space-returned`)]);
        expect(after.status).toBe(202);
        expect(metricValue(await metricsText(relay.url), 'relay_storage_reserve_held')).toBe(1);
        await waitForDelivery(upstream, [`wedge-${restart}-after-space-returned`], 15_000);
      } finally {
        await stop(relay);
      }
    },
    90_000,
  );
});

describe('a revocation on a full volume', () => {
  it.skipIf(!mountable && !inCi)('commits and purges the queued events instead of failing', async () => {
    const dir = mountTmpfs('8m');
    const dbPath = join(dir, 'relay.db');
    await allowAcme(dbPath);
    const relay = await startRelayProcess(relayEnv(dbPath, `${upstream.url}/ingest`, pki, { RELAY_ADMIN_TOKEN: 'full-admin' }));
    try {
      const fill = await fillWithBacklog(dir, relay, 'revoke-full');
      const response = await fetch(`${relay.url}/admin/consent/acme`, {
        method: 'PUT',
        headers: { authorization: 'Bearer full-admin', 'content-type': 'application/json' },
        body: JSON.stringify({ telemetry_enabled: false }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { purged: number }).purged).toBe(fill.acknowledged.length);
      expect(metricValue(await metricsText(relay.url), 'relay_outbox_events')).toBe(0);
    } finally {
      await stop(relay);
    }
  }, 60_000);
});

describe('a full volume during the drain at SIGTERM', () => {
  it.skipIf(!mountable && !inCi)(
    'exits within the shutdown timeout, and whatever it did not deliver is delivered after the restart, once',
    async () => {
      const dir = mountTmpfs('8m');
      const dbPath = join(dir, 'relay.db');
      await allowAcme(dbPath);
      upstream.requests.length = 0;
      const env = relayEnv(dbPath, `${upstream.url}/ingest`, pki, { RELAY_MAX_BACKOFF: '1', RELAY_SHUTDOWN_TIMEOUT: '3' });
      const relay = await startRelayProcess(env);
      const fill = await fillWithBacklog(dir, relay, 'drain-full');

      upstream.respond = () => ({ status: 200 });
      await expect.poll(() => upstream.requests.length, { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
      const started = Date.now();
      relay.child.kill('SIGTERM');
      const exit = await relay.exited;
      expect(exit.code).toBe(0);
      expect(Date.now() - started).toBeLessThan(3000 + 1000);

      const restarted = await startRelayProcess(env);
      try {
        await waitForDelivery(upstream, fill.acknowledged, 30_000);
        expect([...deliveredCounts(upstream).values()].filter((count) => count > 1)).toEqual([]);
      } finally {
        await stop(restarted);
      }
    },
    90_000,
  );
});

describe('a volume that turns read-only under the relay (ext4, errors=remount-ro)', () => {
  it.skipIf(!loopable && !inCi)(
    'answers 503 with Retry-After and fails readiness, keeps serving probes, and (durability full) loses nothing once the volume is repaired',
    async () => {
      const work = tempDir('relay-ext4-');
      const image = join(work, 'volume.img');
      const dir = join(work, 'mnt');
      mkdirSync(dir);
      execFileSync('dd', ['if=/dev/zero', `of=${image}`, 'bs=1M', 'count=16', 'status=none']);
      execFileSync('mkfs.ext4', ['-q', '-F', image]);
      execFileSync('mount', ['-o', 'loop,errors=remount-ro', image, dir]);
      mounts.push(dir);
      const device = basename(execFileSync('findmnt', ['-n', '-o', 'SOURCE', dir], { encoding: 'utf8' }).trim());
      const dbPath = join(dir, 'relay.db');
      await allowAcme(dbPath);
      upstream.respond = () => ({ status: 503 });
      // A volume that fails is a storage crash, not a process crash: only `full` (fsync of the WAL
      // at every commit) keeps what was acknowledged. With `normal` this test loses the events that
      // were still in the page cache (see docs/durability.md).
      const env = relayEnv(dbPath, `${upstream.url}/ingest`, pki, { RELAY_DURABILITY: 'full' });
      const relay = await startRelayProcess(env);
      let acknowledged: string[];
      try {
        const before = await ingestUntilRefused(relay, 'ro-before', 1, 10);
        expect(before.statuses.get(202)).toBe(10);
        acknowledged = before.acknowledged;

        // The kernel's own reaction to a filesystem error: the volume goes read-only at once.
        writeFileSync(`/sys/fs/ext4/${device}/trigger_fs_error`, '1');
        expect(execFileSync('findmnt', ['-n', '-o', 'OPTIONS', dir], { encoding: 'utf8' })).toMatch(/(^|,)ro,|emergency_ro/);

        const during = await ingestUntilRefused(relay, 'ro-during', 5, 20);
        expect([...during.statuses.keys()]).toEqual([503]);
        expect(during.retryAfter).toEqual(new Set(['5']));
        expect(during.codes).toEqual(new Set(['storage_unavailable']));
        expect(await status(`${relay.url}/readyz`)).toBe(503);
        expect(await status(`${relay.url}/healthz`)).toBe(200);
        expect(await status(`${relay.url}/metrics`)).toBe(200);
        expect(alive(relay)).toBe(true);
      } finally {
        relay.child.kill('SIGKILL');
        await relay.exited;
      }

      // What an operator does: unmount, repair, mount again. The acknowledged events are still there.
      execFileSync('umount', [dir]);
      mounts.pop();
      tryRun('e2fsck', ['-f', '-y', image]);
      execFileSync('mount', ['-o', 'loop', image, dir]);
      mounts.push(dir);
      upstream.respond = () => ({ status: 200 });
      const restarted = await startRelayProcess(env);
      try {
        await waitForDelivery(upstream, acknowledged, 15_000);
      } finally {
        restarted.child.kill('SIGTERM');
        await restarted.exited;
      }
    },
    60_000,
  );
});

afterAll(() => {
  rmSync(probeDir, { recursive: true, force: true });
});
