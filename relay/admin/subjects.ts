import { keyedHash } from '../../scrubbers/keyed-hash.js';
import { egressBodyText } from '../sinks/egress-audit.js';
import type { Actor, AdminAudit } from './admin-audit.js';
import type { Db } from '../storage/db.js';
import { InputError } from '../errors.js';

/** Whose data: a user (matched through the keyed hash of the id) or a company. */
export interface SubjectQuery {
  user?: string | undefined;
  company?: string | undefined;
}

export interface SubjectExport {
  subject: { userHash: string | null; company: string | null };
  queued: Record<string, unknown>[];
  deadLetters: Record<string, unknown>[];
  sent: Record<string, unknown>[];
}

export interface ErasureCounts {
  queued: number;
  deadLetters: number;
  egressBodies: number;
  egressRows: number;
}

/**
 * Data-subject requests over the local store. Raw user ids are never stored: a user is found
 * through the keyed hash of the id, so the same key that pseudonymised the data finds it again.
 */
export class Subjects {
  constructor(
    private readonly db: Db,
    private readonly hashKey: string,
    private readonly audit: AdminAudit,
  ) {}

  /** SQL filters for the subject: over outbox-like rows, and over egress records. */
  private filters(query: SubjectQuery) {
    if (query.user === undefined && query.company === undefined) {
      throw new InputError('invalid_subject', 400, 'field "user" or "company" is required');
    }
    return {
      rows: this.where(query, 'user_hash = ?', 'company_id = ?'),
      egress: this.where(
        query,
        'EXISTS (SELECT 1 FROM json_each(user_hashes) WHERE value = ?)',
        'EXISTS (SELECT 1 FROM json_each(companies) WHERE value = ?)',
      ),
    };
  }

  private where(query: SubjectQuery, userColumn: string, companyColumn: string): { sql: string; params: string[]; userHash: string | null } {
    const userHash = query.user === undefined ? null : keyedHash(this.hashKey, query.user);
    const clauses: string[] = [];
    const params: string[] = [];
    if (userHash !== null) {
      clauses.push(userColumn);
      params.push(userHash);
    }
    if (query.company !== undefined) {
      clauses.push(companyColumn);
      params.push(query.company);
    }
    return { sql: clauses.join(' AND '), params, userHash };
  }

  /** Everything the relay holds or has recorded as sent for the subject. */
  export(query: SubjectQuery, actor: Actor): SubjectExport {
    const { rows: rowFilter, egress: egressFilter } = this.filters(query);
    const parse = (row: Record<string, unknown>) => ({ ...row, payload: JSON.parse(String(row['payload'])) as unknown });
    const queued = this.db
      .prepare(`SELECT id, event_id, kind, destination, company_id, payload, created_at FROM outbox WHERE ${rowFilter.sql}`)
      .all(...rowFilter.params) as Record<string, unknown>[];
    const dead = this.db
      .prepare(`SELECT id, event_id, kind, destination, company_id, payload, failed_at, reason FROM dead_letters WHERE ${rowFilter.sql}`)
      .all(...rowFilter.params) as Record<string, unknown>[];
    const sent = this.db
      .prepare(
        `SELECT id, sent_at, destination, host, status, outcome, event_count, sha256, body FROM egress_audit WHERE ${egressFilter.sql}`,
      )
      .all(...egressFilter.params)
      .map((row) => {
        const { body, ...rest } = row as Record<string, unknown> & { body: Buffer | null };
        return { ...rest, body: body === null ? null : egressBodyText(body) };
      });
    const subject = { userHash: rowFilter.userHash, company: query.company ?? null };
    this.audit.record(actor, 'subject.export', subjectLabel(subject), { queued: queued.length, dead_letters: dead.length, sent: sent.length });
    return { subject, queued: queued.map(parse), deadLetters: dead.map(parse), sent };
  }

  /**
   * Deletes the subject's queued events and dead letters, drops the egress bodies that carried
   * them, and removes the user's hash from egress records. Deleted pages are zeroed
   * (`secure_delete`) and the WAL is truncated, so no byte of the subject stays in the files.
   */
  erase(query: SubjectQuery, actor: Actor): ErasureCounts {
    const { rows: rowFilter, egress: egressFilter } = this.filters(query);
    const counts = this.db.transaction((): ErasureCounts => {
      const queued = this.db.prepare(`DELETE FROM outbox WHERE ${rowFilter.sql}`).run(...rowFilter.params).changes;
      const deadLetters = this.db.prepare(`DELETE FROM dead_letters WHERE ${rowFilter.sql}`).run(...rowFilter.params).changes;
      const egressBodies = this.db
        .prepare(`UPDATE egress_audit SET body = NULL WHERE body IS NOT NULL AND ${egressFilter.sql}`)
        .run(...egressFilter.params).changes;
      let egressRows = 0;
      if (rowFilter.userHash !== null) {
        egressRows = this.db
          .prepare(
            `UPDATE egress_audit SET user_hashes = (SELECT json_group_array(value) FROM json_each(user_hashes) WHERE value <> ?)
             WHERE EXISTS (SELECT 1 FROM json_each(user_hashes) WHERE value = ?)`,
          )
          .run(rowFilter.userHash, rowFilter.userHash).changes;
      }
      return { queued, deadLetters, egressBodies, egressRows };
    })();
    // The erased user's hash is not written again into the trail; the company, when given, is.
    this.audit.record(actor, 'subject.erase', subjectLabel({ userHash: null, company: query.company ?? null }), { ...counts });
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return counts;
  }
}

/** How a subject is named in the admin audit: the company, or a prefix of the keyed hash — never the raw user id. */
function subjectLabel(subject: { userHash: string | null; company: string | null }): string {
  const parts: string[] = [];
  if (subject.company !== null) parts.push(`company:${subject.company}`);
  if (subject.userHash !== null) parts.push(`user:${subject.userHash.slice(0, 16)}`);
  return parts.join(' ') || 'user';
}
