// Metrics benchmark: what a scrape costs the relay's SQLite with a large outbox, and what the
// per-destination totals' triggers cost an enqueue. Builds an outbox of 100k rows of 1 KB
// (two destinations) in a temp dir, then prints the time of the queue read a scrape does now
// (trigger-kept totals and the (destination, id) index), of the operator summary the scrape read
// before (`totals()`), and of a plain GROUP BY over the outbox; then the same enqueue with the
// per-destination triggers dropped.
//
//   npm run build && node bench/metrics-scrape.js          (about 15 seconds)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../dist/relay/storage/stores.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const BATCH = 500;
const payload = 'x'.repeat(1000);

function batch(offset) {
  return Array.from({ length: BATCH }, (_, i) => ({
    eventId: `e${offset + i}`, kind: 'error', destination: i % 3 ? 'diagnostics' : 'lakera',
    companyId: 'acme', userHash: null, ipHash: null, payload, findings: '{}',
  }));
}

function timed(label, runs, fn) {
  const started = performance.now();
  for (let i = 0; i < runs; i++) fn();
  console.log(`${label}: ${((performance.now() - started) / runs).toFixed(3)} ms`);
}

function run(withTriggers, warmUp = false) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-metrics-'));
  const stores = openStores({ dbPath: join(dir, 'relay.db'), durability: 'normal', hashKey: 'bench' });
  if (!withTriggers) stores.db.exec('DROP TRIGGER outbox_destination_totals_insert; DROP TRIGGER outbox_destination_totals_delete;');
  const started = performance.now();
  for (let offset = 0; offset < ROWS; offset += BATCH) stores.outbox.enqueue(batch(offset));
  if (!warmUp) console.log(`enqueue ${ROWS} rows, ${BATCH} per transaction, ${withTriggers ? 'with' : 'without'} the per-destination triggers: ${Math.round(performance.now() - started)} ms`);
  if (withTriggers && !warmUp) {
    timed('scrape queue read (size, dead letters, per destination)', 100, () => {
      stores.outbox.size();
      stores.outbox.deadLetterCount();
      stores.outbox.destinationQueues();
    });
    timed('operator summary, totals()', 10, () => stores.outbox.totals());
    const groupBy = stores.db.prepare('SELECT destination, COUNT(*), SUM(bytes), MIN(created_at) FROM outbox GROUP BY destination');
    timed('GROUP BY over the outbox', 10, () => groupBy.all());
  }
  stores.close();
  rmSync(dir, { recursive: true, force: true });
}

// A warm-up round first: the first enqueue in a process pays for JIT and a cold page cache.
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
run(false, true);
for (let round = 0; round < rounds; round++) {
  run(true);
  run(false);
}
