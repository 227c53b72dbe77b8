import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relayEnv, startRelayProcess, tempDir, type RelayProcess } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import { useUpstream, type Upstream } from '../helpers/upstream.js';
import { allowAcme, deliveredCounts, errorEvent, postJson, seeded, waitForDelivery } from './support.js';

const CYCLES = 10;
const EVENTS_PER_REQUEST = 20;

interface Load {
  workers: number;
  /** Pause between one worker's requests. */
  pauseMs: number;
  batchSize: number;
}

let pki: TestPki;
let upstream: Upstream;

useUpstream((made) => ({ pki, upstream } = made));

interface CycleLog {
  acknowledged: string[];
  statuses: Map<number, number>;
}

/** Posts batches from several workers until the relay stops answering (it was killed). */
async function ingestUntilKilled(relay: RelayProcess, label: string, load: Load, log: CycleLog): Promise<void> {
  let killed = false;
  void relay.exited.then(() => {
    killed = true;
  });
  const worker = async (w: number) => {
    for (let seq = 0; !killed; seq += 1) {
      const ids = Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => `${label}-w${w}-${seq}-${i}`);
      const { status } = await postJson(`${relay.url}/v1/errors`, ids.map(errorEvent));
      log.statuses.set(status, (log.statuses.get(status) ?? 0) + 1);
      if (status === 202) log.acknowledged.push(...ids);
      if (status === 0) return;
      if (load.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, load.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: load.workers }, (_, w) => worker(w)));
}

async function runKillCycles(variant: string, seed: number, load: Load): Promise<void> {
  const random = seeded(seed);
  const dbPath = join(tempDir('relay-kill-'), 'relay.db');
  await allowAcme(dbPath);
  const env = relayEnv(dbPath, `${upstream.url}/ingest`, pki, { RELAY_BATCH_SIZE: String(load.batchSize) });
  const log: CycleLog = { acknowledged: [], statuses: new Map() };

  for (let cycle = 0; cycle < CYCLES; cycle += 1) {
    const relay = await startRelayProcess(env);
    const delayMs = 150 + Math.floor(random() * 1200);
    const ingest = ingestUntilKilled(relay, `${variant}-c${cycle}`, load, log);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    relay.child.kill('SIGKILL');
    expect((await relay.exited).signal).toBe('SIGKILL');
    await ingest;
  }

  // Only 202 (kept) and 0 (connection cut by the kill) are possible answers.
  expect([...log.statuses.keys()].filter((status) => status !== 202 && status !== 0)).toEqual([]);
  expect(log.acknowledged.length).toBeGreaterThan(CYCLES * EVENTS_PER_REQUEST);

  const last = await startRelayProcess(env);
  try {
    await waitForDelivery(upstream, log.acknowledged, 30_000);
  } finally {
    last.child.kill('SIGTERM');
    await last.exited;
  }
  const counts = deliveredCounts(upstream);
  const duplicates = [...counts.values()].reduce((sum, count) => sum + (count - 1), 0);
  // A duplicate is only possible for a batch the upstream accepted right before a kill, before its rows were deleted.
  expect(duplicates).toBeLessThanOrEqual(load.batchSize * CYCLES);
}

describe('SIGKILL at random points under sustained ingest', () => {
  it(
    'delivers every acknowledged event after 10 kill/restart cycles on the same database',
    async () => {
      upstream.respond = () => ({ status: 200 });
      await runKillCycles('ok', 20261123, { workers: 3, pauseMs: 0, batchSize: 50 });
    },
    120_000,
  );

  it(
    'delivers every acknowledged event across kills while the upstream intermittently answers 503',
    async () => {
      const flaky = seeded(4242);
      upstream.respond = () => (flaky() < 0.25 ? { status: 503 } : { status: 200 });
      // Each 503 costs a backoff of 0.5-1 s, so this variant ingests less and sends bigger batches.
      await runKillCycles('flaky', 777, { workers: 1, pauseMs: 10, batchSize: 200 });
      expect(upstream.all.length).toBeGreaterThan(upstream.requests.length);
    },
    120_000,
  );
});
