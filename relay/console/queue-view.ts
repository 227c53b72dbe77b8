import type { Db } from '../storage/db.js';

/** Depth and age of one destination's queue. */
export interface DestinationQueue {
  destination: string;
  events: number;
  bytes: number;
  oldestCreatedAt: number | null;
}

/** What the Outbox page shows: per destination, the queue and its dead letters. */
export interface QueueView {
  outbox: DestinationQueue[];
  deadLetters: (DestinationQueue & { oldestFailedAt: number | null; reasons: Record<string, number> })[];
}

/**
 * Depth, bytes and age per destination of the outbox and the dead letters, for operators; reads
 * counts and times only, never a payload.
 */
export function queueView(db: Db): QueueView {
  const outbox = db
    .prepare<[], DestinationQueue>(
      'SELECT destination, COUNT(*) AS events, COALESCE(SUM(bytes), 0) AS bytes, MIN(created_at) AS oldestCreatedAt FROM outbox GROUP BY destination ORDER BY destination',
    )
    .all();
  const dead = db
    .prepare<[], DestinationQueue & { oldestFailedAt: number | null }>(
      `SELECT destination, COUNT(*) AS events, COALESCE(SUM(bytes), 0) AS bytes, MIN(created_at) AS oldestCreatedAt,
       MIN(failed_at) AS oldestFailedAt FROM dead_letters GROUP BY destination ORDER BY destination`,
    )
    .all();
  const reasons = db
    .prepare<[], { destination: string; reason: string; n: number }>('SELECT destination, reason, COUNT(*) AS n FROM dead_letters GROUP BY destination, reason')
    .all();
  return {
    outbox,
    deadLetters: dead.map((row) => ({
      ...row,
      reasons: Object.fromEntries(reasons.filter((r) => r.destination === row.destination).map((r) => [r.reason, r.n])),
    })),
  };
}

/** Per company, how many queued events and dead letters revoking its telemetry would delete. */
export function pendingByCompany(db: Db): Record<string, { queued: number; deadLetters: number }> {
  const pending: Record<string, { queued: number; deadLetters: number }> = {};
  for (const row of db.prepare<[], { company: string; n: number }>('SELECT company_id AS company, COUNT(*) AS n FROM outbox GROUP BY company_id').all()) {
    pending[row.company] = { queued: row.n, deadLetters: 0 };
  }
  for (const row of db.prepare<[], { company: string; n: number }>('SELECT company_id AS company, COUNT(*) AS n FROM dead_letters GROUP BY company_id').all()) {
    (pending[row.company] ??= { queued: 0, deadLetters: 0 }).deadLetters = row.n;
  }
  return pending;
}

/** Ids of egress records whose body hashed to `sha256`: a receiver's hash checked against the audit. */
export function egressIdsByHash(db: Db, sha256: string): number[] {
  return db
    .prepare<[string], { id: number }>('SELECT id FROM egress_audit WHERE sha256 = ? ORDER BY id DESC LIMIT 20')
    .all(sha256.toLowerCase())
    .map((row) => row.id);
}
