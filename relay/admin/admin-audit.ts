import type { Db } from '../storage/db.js';

/**
 * Who did it: which token, the local CLI as the OS user who ran it (`cli:<user>`), the relay
 * itself (salvage), the declarative consent file, or a console session (`console:<role>`).
 */
export type Actor = 'admin' | 'auditor' | 'cli' | `cli:${string}` | 'relay' | 'consent-file' | 'console:admin' | 'console:auditor';

export interface AdminAuditRow {
  id: number;
  at: number;
  actor: Actor;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}

/**
 * The append-only trail of operator actions (consent changes, exports, erasures, replays, purges).
 * Rows carry counts and old/new values, never payloads. The table refuses updates and refuses
 * deletes of rows newer than the retention cut-off.
 */
export class AdminAudit {
  private readonly insertStmt;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.insertStmt = db.prepare(
      'INSERT INTO admin_audit (at, actor, action, subject, details) VALUES (?, ?, ?, ?, ?)',
    );
  }

  record(actor: Actor, action: string, subject: string | null, details: Record<string, unknown>): void {
    this.insertStmt.run(this.now(), actor, action, subject, JSON.stringify(details));
  }

  /** Rows newest first; `beforeId` pages on from the last id of the previous page. */
  list(options: { since?: number | undefined; limit?: number | undefined; beforeId?: number | undefined } = {}): AdminAuditRow[] {
    const rows = this.db
      .prepare<[number, number, number], Omit<AdminAuditRow, 'details'> & { details: string }>(
        'SELECT id, at, actor, action, subject, details FROM admin_audit WHERE at >= ? AND id < ? ORDER BY id DESC LIMIT ?',
      )
      .all(options.since ?? 0, options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit ?? 1000);
    return rows.map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }));
  }

  /** Retention: removes rows older than `cutoff` (ms); the trigger allows nothing newer. */
  expire(cutoff: number): number {
    return this.db.transaction(() => {
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('admin_audit_cutoff', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(cutoff));
      return this.db.prepare('DELETE FROM admin_audit WHERE at < ?').run(cutoff).changes;
    })();
  }
}
