import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { Db } from '../storage/db.js';

/** One upstream request, as recorded: enough to explain every byte that left. */
export interface EgressRecord {
  id: number;
  sentAt: number;
  destination: string;
  host: string;
  /** HTTP status, or null when no answer came (network error, timeout). */
  status: number | null;
  outcome: 'delivered' | 'retry' | 'rejected' | 'error';
  eventCount: number;
  /** Bytes of the body on the wire (after compression). */
  bytes: number;
  /** SHA-256 (hex) of the exact body bytes sent. */
  sha256: string;
  companies: string[];
  userHashes: string[];
  scrubCounts: Record<string, number>;
}

export interface NewEgressRecord extends Omit<EgressRecord, 'id' | 'sha256' | 'bytes'> {
  /** The exact bytes sent (gzip'd for the diagnostics endpoint). */
  wireBody: Buffer;
  /** Keep the body itself (while `RELAY_EGRESS_AUDIT_DAYS` > 0), not only its hash and size. */
  keepBody: boolean;
}

/**
 * The text of a kept egress body. Bodies are stored as sent, so their SHA-256 can be checked
 * against the record; a gzip'd one is recognised by its magic bytes (a JSON body never starts with 0x1f).
 */
export function egressBodyText(body: Buffer): string {
  return (body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString('utf8');
}

type RawRow = Omit<EgressRecord, 'companies' | 'userHashes' | 'scrubCounts'> & {
  companies: string;
  userHashes: string;
  scrubCounts: string;
};

const COLUMNS = `id, sent_at AS sentAt, destination, host, status, outcome, event_count AS eventCount, bytes, sha256,
  companies, user_hashes AS userHashes, scrub_counts AS scrubCounts`;

function decode(row: RawRow): EgressRecord {
  return {
    ...row,
    companies: JSON.parse(row.companies) as string[],
    userHashes: JSON.parse(row.userHashes) as string[],
    scrubCounts: JSON.parse(row.scrubCounts) as Record<string, number>,
  };
}

/** The local record of every upstream request (issue: egress audit). */
export class EgressAudit {
  private readonly insertStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO egress_audit (sent_at, destination, host, status, outcome, event_count, bytes, sha256, companies, user_hashes, scrub_counts, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  record(entry: NewEgressRecord): number {
    const sha256 = createHash('sha256').update(entry.wireBody).digest('hex');
    return Number(
      this.insertStmt.run(
        entry.sentAt,
        entry.destination,
        entry.host,
        entry.status,
        entry.outcome,
        entry.eventCount,
        entry.wireBody.byteLength,
        sha256,
        JSON.stringify(entry.companies),
        JSON.stringify(entry.userHashes),
        JSON.stringify(entry.scrubCounts),
        entry.keepBody ? entry.wireBody : null,
      ).lastInsertRowid,
    );
  }

  /** Records newest first; `beforeId` pages on from the last id of the previous page. */
  list(filter: { since?: number | undefined; company?: string | undefined; limit?: number | undefined; beforeId?: number | undefined } = {}): EgressRecord[] {
    const rows = this.db
      .prepare<[number, number, string | null, string | null, number], RawRow>(
        `SELECT ${COLUMNS} FROM egress_audit
         WHERE sent_at >= ? AND id < ? AND (? IS NULL OR EXISTS (SELECT 1 FROM json_each(companies) WHERE value = ?))
         ORDER BY id DESC LIMIT ?`,
      )
      .all(filter.since ?? 0, filter.beforeId ?? Number.MAX_SAFE_INTEGER, filter.company ?? null, filter.company ?? null, filter.limit ?? 100);
    return rows.map(decode);
  }

  /** One record with the scrubbed body it sent, when the body is still kept. */
  show(id: number): (EgressRecord & { body: string | null }) | undefined {
    const row = this.db
      .prepare<[number], RawRow & { body: Buffer | null }>(`SELECT ${COLUMNS}, body FROM egress_audit WHERE id = ?`)
      .get(id);
    if (!row) return undefined;
    return { ...decode(row), body: row.body === null ? null : egressBodyText(row.body) };
  }

  /** Retention: drops bodies older than `bodyCutoff` and whole rows older than `rowCutoff`. */
  expire(bodyCutoff: number, rowCutoff: number): { bodies: number; rows: number } {
    const bodies = this.db.prepare('UPDATE egress_audit SET body = NULL WHERE body IS NOT NULL AND sent_at < ?').run(bodyCutoff).changes;
    const rows = this.db.prepare('DELETE FROM egress_audit WHERE sent_at < ?').run(rowCutoff).changes;
    return { bodies, rows };
  }
}
