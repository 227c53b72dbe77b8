import { isVolumeFull, VolumeFullError, type Db } from './db.js';
import type { SpaceReserve } from './space-reserve.js';
import { destinationsOf, EXPIRE_PAGE, ROW_COLUMNS, TOTALS_SCHEMA, type DeadLetterRow, type DestinationName, type DestinationQueue, type NewOutboxRow, type OutboxRow, type OutboxTotals } from './outbox-rows.js';

export type { DeadLetterRow, DestinationName, DestinationQueue, NewOutboxRow, OutboxRow, OutboxTotals } from './outbox-rows.js';

/** The volume guard of an outbox: its reserve, and the room a write needs once the reserve is taken again. */
export interface OutboxSpace {
  reserve: SpaceReserve;
  /** Free bytes that must stay after the reserve is taken again before new events are accepted. */
  headroomBytes: number;
}

/**
 * The durable outbox: scrubbed events wait here until an upstream answers 2xx. Every method is
 * synchronous and each write is one transaction, so a `202` is only sent after the commit.
 *
 * A full volume never keeps it from deleting what was delivered: on SQLITE_FULL the reserve is
 * given up and the WAL checkpointed (so its file is reused from the start, needing no new space),
 * and while the reserve is not held, new events are refused and every delete is followed by a
 * checkpoint.
 */
export class Outbox {
  private readonly insertStmt;
  private readonly totalsStmt;
  private readonly claimStmt;
  private readonly deleteStmt;
  private readonly bumpStmt;
  private readonly oldestStmt;
  private readonly frontStmt;
  private readonly presentStmt;
  private readonly queuedStmt;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
    private readonly space?: OutboxSpace,
  ) {
    db.exec(TOTALS_SCHEMA);
    this.insertStmt = db.prepare(
      `INSERT INTO outbox (event_id, kind, destination, company_id, user_hash, ip_hash, payload, findings, bytes, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.totalsStmt = db.prepare<[], { events: number; bytes: number }>('SELECT events, bytes FROM outbox_totals WHERE id = 1');
    this.claimStmt = db.prepare<[string, number, number], OutboxRow>(
      `SELECT ${ROW_COLUMNS} FROM outbox WHERE destination = ? AND id > ? ORDER BY id LIMIT ?`,
    );
    this.deleteStmt = db.prepare<[number]>('DELETE FROM outbox WHERE id = ?');
    this.bumpStmt = db.prepare<[number]>('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?');
    this.oldestStmt = db.prepare<[number], { id: number; bytes: number }>(
      'SELECT id, bytes FROM outbox ORDER BY id LIMIT ?',
    );
    this.frontStmt = db.prepare<[number], { id: number; createdAt: number }>(
      'SELECT id, created_at AS createdAt FROM outbox ORDER BY id LIMIT ?',
    );
    this.presentStmt = db.prepare<[string], { id: number }>('SELECT id FROM outbox WHERE id IN (SELECT value FROM json_each(?))');
    this.queuedStmt = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM outbox WHERE destination = ?');
  }

  /**
   * Calls `listener` after each commit that queued rows (ingest, a dead-letter replay), so the
   * stages after the outbox learn of new work without the stages before it knowing them.
   * Returns the function that unsubscribes.
   */
  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Events and payload bytes currently queued. */
  size(): { events: number; bytes: number } {
    return this.totalsStmt.get() ?? { events: 0, bytes: 0 };
  }

  /**
   * Writes the rows in one transaction. `makeRoom` runs inside the same transaction first and may
   * evict older rows; it returns false to refuse the whole write (nothing is kept).
   */
  enqueue(rows: readonly NewOutboxRow[], makeRoom?: (incomingBytes: number) => boolean): { ids: number[] } | undefined {
    return this.enqueueGroups([{ rows, makeRoom }])[0];
  }

  /**
   * Writes several independent groups of rows in one transaction (group commit: one WAL commit,
   * and with `synchronous=FULL` one fsync, for many requests). `keep`, when given, is asked about
   * each row inside the transaction (the consent check) and the rows it refuses are not written.
   * Each group's `makeRoom` then runs in turn and may refuse that group alone (undefined in its
   * place); a storage error fails them all. A row for several destinations is written once per
   * destination (its bytes counted each time); `ids` has one id per stored row.
   */
  enqueueGroups(
    groups: readonly { rows: readonly NewOutboxRow[]; makeRoom?: ((incomingBytes: number) => boolean) | undefined }[],
    keep?: (row: NewOutboxRow) => boolean,
  ): ({ ids: number[]; rows: NewOutboxRow[] } | undefined)[] {
    if (this.space && !this.space.reserve.tryHold(this.space.headroomBytes)) throw new VolumeFullError();
    const createdAt = this.now();
    const insert = this.insertStmt;
    const written = this.whenFull(false, () => this.db.transaction(() =>
      groups.map(({ rows: given, makeRoom }) => {
        const rows = keep === undefined ? [...given] : given.filter(keep);
        const bytes = rows.map((row) => Buffer.byteLength(row.payload));
        const incoming = rows.reduce((sum, row, i) => sum + bytes[i]! * destinationsOf(row).length, 0);
        if (makeRoom && !makeRoom(incoming)) return undefined;
        const ids: number[] = [];
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          for (const destination of destinationsOf(row)) {
            const { lastInsertRowid } = insert.run(
              row.eventId, row.kind, destination, row.companyId, row.userHash, row.ipHash, row.payload, row.findings, bytes[i]!, createdAt,
            );
            ids.push(Number(lastInsertRowid));
          }
        }
        return { ids, rows };
      }),
    )());
    if (written.some((group) => group !== undefined && group.ids.length > 0)) this.notify();
    return written;
  }

  /** Deletes the oldest rows until `bytes` more fit under `limit`; returns how many were evicted. */
  evictOldest(incomingBytes: number, limit: number): number {
    let { bytes } = this.size();
    let evicted = 0;
    while (bytes + incomingBytes > limit) {
      const victims = this.oldestStmt.all(100);
      if (victims.length === 0) break;
      for (const victim of victims) {
        if (bytes + incomingBytes <= limit) break;
        this.deleteStmt.run(victim.id);
        bytes -= victim.bytes;
        evicted += 1;
      }
    }
    return evicted;
  }

  /** The next rows for a destination, oldest first, after `afterId`. Nothing is removed. */
  peek(destination: DestinationName, limit: number, afterId = 0): OutboxRow[] {
    return this.claimStmt.all(destination, afterId, limit);
  }

  /** Events queued for `destination`. */
  queued(destination: DestinationName): number {
    return this.queuedStmt.get(destination)?.n ?? 0;
  }

  /** Which of `ids` are still queued (not purged, expired, evicted or delivered meanwhile). */
  present(ids: readonly number[]): Set<number> {
    return new Set(this.presentStmt.all(JSON.stringify(ids)).map((row) => row.id));
  }

  /** Runs `fn` as one transaction on the outbox's connection; the writes inside it share one commit. */
  atomically<T>(fn: () => T): T {
    return this.whenFull(true, () => this.db.transaction(fn)());
  }

  /**
   * Runs a write; on SQLITE_FULL gives up the reserve and checkpoints, then (`retry`) runs it once
   * more. Inside an open transaction it only gives up the reserve: SQLite rolled the transaction
   * back, and its owner retries. While the reserve is not held, each write is followed by a
   * checkpoint: then the WAL is reused from its start and a delete needs no new space.
   */
  private whenFull<T>(retry: boolean, write: () => T): T {
    if (this.space === undefined || this.db.inTransaction) {
      try {
        return write();
      } catch (error) {
        if (this.space !== undefined && isVolumeFull(error)) this.space.reserve.release();
        throw error;
      }
    }
    let result: T;
    try {
      result = write();
    } catch (error) {
      if (!isVolumeFull(error)) throw error;
      this.space.reserve.release();
      this.checkpoint();
      if (!retry) throw error;
      result = write();
    }
    if (!this.space.reserve.isHeld()) this.checkpoint();
    return result;
  }

  private checkpoint(): void {
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Best effort: the write that follows reports the fault, if there is still one.
    }
  }

  /**
   * Removes rows that were delivered (or must never be sent). Inside a transaction already open
   * (`atomically`) the deletes join it: a nested transaction would be a savepoint, and SQLite
   * journals every page a savepoint changes (a delivered batch took much longer: docs/durability.md).
   */
  remove(ids: readonly number[]): void {
    const deleteRows = (): void => {
      for (const id of ids) this.deleteStmt.run(id);
    };
    if (this.db.inTransaction) this.whenFull(false, deleteRows);
    else this.whenFull(true, () => this.db.transaction(deleteRows)());
  }

  /** Counts one more failed attempt for each row. */
  recordAttempt(ids: readonly number[]): void {
    this.whenFull(true, () =>
      this.db.transaction(() => {
        for (const id of ids) this.bumpStmt.run(id);
      })(),
    );
  }

  /** Moves rows that failed permanently to the dead-letter table, with the reason. */
  deadLetter(ids: readonly number[], reason: string): void {
    const failedAt = this.now();
    const move = this.db.prepare(
      `INSERT INTO dead_letters (event_id, kind, destination, company_id, user_hash, ip_hash, payload, findings, bytes, created_at, attempts, failed_at, reason)
       SELECT event_id, kind, destination, company_id, user_hash, ip_hash, payload, findings, bytes, created_at, attempts + 1, ?, ? FROM outbox WHERE id = ?`,
    );
    this.whenFull(true, () =>
      this.db.transaction(() => {
        for (const id of ids) {
          move.run(failedAt, reason, id);
          this.deleteStmt.run(id);
        }
      })(),
    );
  }

  /** Dead letters, newest first; `beforeId` pages on from the last id of the previous page. */
  deadLetters(limit = 100, beforeId?: number): DeadLetterRow[] {
    return this.db
      .prepare<[number, number], DeadLetterRow>(
        `SELECT ${ROW_COLUMNS}, failed_at AS failedAt, reason FROM dead_letters WHERE id < ? ORDER BY id DESC LIMIT ?`,
      )
      .all(beforeId ?? Number.MAX_SAFE_INTEGER, limit);
  }

  /** Which of `ids` are dead letters now. */
  deadLetterIds(ids: readonly number[]): Set<number> {
    if (ids.length === 0) return new Set();
    const rows = this.db.prepare<number[], { id: number }>(`SELECT id FROM dead_letters WHERE id IN (${ids.map(() => '?').join(',')})`).all(...ids);
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Moves dead letters back into the outbox (all, or the given ids); returns how many. They are
   * queued anew: their age (`RELAY_MAX_EVENT_AGE`) counts from the replay, which keeps the outbox
   * in creation order for {@link expire}.
   */
  replayDeadLetters(ids?: readonly number[]): number {
    const filter = ids === undefined ? '' : `WHERE id IN (${ids.map(() => '?').join(',') || 'NULL'})`;
    const replayed = this.db.transaction(() => {
      const moved = this.db
        .prepare(
          `INSERT INTO outbox (event_id, kind, destination, company_id, user_hash, ip_hash, payload, findings, bytes, created_at, attempts)
           SELECT event_id, kind, destination, company_id, user_hash, ip_hash, payload, findings, bytes, ?, 0 FROM dead_letters ${filter} ORDER BY id`,
        )
        .run(this.now(), ...(ids ?? [])).changes;
      this.db.prepare(`DELETE FROM dead_letters ${filter}`).run(...(ids ?? []));
      return moved;
    })();
    if (replayed > 0) this.notify();
    return replayed;
  }

  /** Deletes every queued and dead-lettered event of a company; returns how many. */
  purgeCompany(companyId: string): number {
    return this.whenFull(true, () =>
      this.db.transaction(() => {
        const queued = this.db.prepare('DELETE FROM outbox WHERE company_id = ?').run(companyId).changes;
        const dead = this.db.prepare('DELETE FROM dead_letters WHERE company_id = ?').run(companyId).changes;
        return queued + dead;
      })(),
    );
  }

  /**
   * Deletes queued events created before `cutoff` (ms); returns how many. Rows are written in
   * creation order, so the expired ones are the oldest ids: this reads from the front in pages and
   * stops at the first row still young, instead of scanning the whole outbox.
   */
  expire(cutoff: number): number {
    let expired = 0;
    for (;;) {
      const page = this.frontStmt.all(EXPIRE_PAGE);
      const old = page.filter((row) => row.createdAt < cutoff);
      if (old.length > 0) this.remove(old.map((row) => row.id));
      expired += old.length;
      if (old.length < page.length || page.length < EXPIRE_PAGE) return expired;
    }
  }

  /** Deletes dead letters that failed before `cutoff` (ms); returns how many. */
  expireDeadLetters(cutoff: number): number {
    return this.db.prepare('DELETE FROM dead_letters WHERE failed_at < ?').run(cutoff).changes;
  }

  /**
   * Depth, bytes and oldest event per destination, read from the trigger-kept totals and the
   * `(destination, id)` index: a few rows, whatever the size of the outbox.
   */
  destinationQueues(): Map<string, DestinationQueue> {
    const queues = new Map<string, DestinationQueue>();
    const oldest = this.db.prepare<[string], { c: number }>('SELECT created_at AS c FROM outbox WHERE destination = ? ORDER BY id LIMIT 1');
    for (const row of this.db.prepare<[], { destination: string; events: number; bytes: number }>(
      'SELECT destination, events, bytes FROM outbox_destination_totals',
    ).all()) {
      const createdAt = row.events > 0 ? oldest.get(row.destination)?.c ?? null : null;
      queues.set(row.destination, { events: row.events, bytes: row.bytes, oldestCreatedAt: createdAt });
    }
    return queues;
  }

  /** Events in the dead-letter table. */
  deadLetterCount(): number {
    return this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM dead_letters').get()?.n ?? 0;
  }

  /** A summary for operators: depth, bytes, age, per destination. */
  totals(): OutboxTotals {
    const { events, bytes } = this.size();
    const oldest = this.db.prepare<[], { c: number }>('SELECT created_at AS c FROM outbox ORDER BY id LIMIT 1').get();
    const byDestination: Record<string, number> = {};
    for (const row of this.db
      .prepare<[], { destination: string; n: number }>('SELECT destination, COUNT(*) AS n FROM outbox GROUP BY destination')
      .all()) {
      byDestination[row.destination] = row.n;
    }
    const dead = this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM dead_letters').get();
    return { events, bytes, oldestCreatedAt: oldest?.c ?? null, byDestination, deadLetters: dead?.n ?? 0 };
  }
}
