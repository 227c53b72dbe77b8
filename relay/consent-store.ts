import { applyConsentChange, NO_CONSENT, type CompanyConsent } from '../config/consent.js';
import type { Actor, AdminAudit } from './admin-audit.js';
import type { Db } from './db.js';
import type { Outbox } from './outbox.js';

export interface ConsentEntry extends CompanyConsent {
  companyId: string;
  updatedAt: number;
}

export interface ConsentChangeResult {
  before: CompanyConsent;
  after: CompanyConsent;
  /** Queued and dead-lettered events deleted because telemetry was revoked. */
  purged: number;
}

/**
 * Per-company consent, kept in the relay's SQLite file so that the CLI and the running relay see
 * the same answer. Revoking telemetry deletes the company's queued events in the same transaction.
 */
export class ConsentStore {
  private readonly getStmt;
  private readonly upsertStmt;

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly audit: AdminAudit,
    private readonly now: () => number = Date.now,
  ) {
    this.getStmt = db.prepare<[string], { t: number; i: number }>(
      'SELECT telemetry_enabled AS t, ids_allowed AS i FROM consent WHERE company_id = ?',
    );
    this.upsertStmt = db.prepare(
      `INSERT INTO consent (company_id, telemetry_enabled, ids_allowed, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (company_id) DO UPDATE SET telemetry_enabled = excluded.telemetry_enabled,
       ids_allowed = excluded.ids_allowed, updated_at = excluded.updated_at`,
    );
  }

  get(companyId: string): CompanyConsent {
    const row = this.getStmt.get(companyId);
    return row ? { telemetryEnabled: row.t === 1, idsAllowed: row.i === 1 } : NO_CONSENT;
  }

  set(
    companyId: string,
    change: { telemetryEnabled?: boolean | undefined; idsAllowed?: boolean | undefined },
    actor: Actor,
    action = 'consent.set',
  ): ConsentChangeResult {
    return this.db.transaction(() => {
      const before = this.get(companyId);
      const after = applyConsentChange(before, change);
      this.upsertStmt.run(companyId, after.telemetryEnabled ? 1 : 0, after.idsAllowed ? 1 : 0, this.now());
      const purged = after.telemetryEnabled ? 0 : this.outbox.purgeCompany(companyId);
      this.audit.record(actor, action, companyId, { before, after, purged });
      return { before, after, purged };
    })();
  }

  /** When the database's row for the company was last written (ms), or undefined when it has none. */
  storedUpdatedAt(companyId: string): number | undefined {
    return this.db.prepare<[string], { u: number }>('SELECT updated_at AS u FROM consent WHERE company_id = ?').get(companyId)?.u;
  }

  list(): ConsentEntry[] {
    return this.db
      .prepare<[], { companyId: string; t: number; i: number; updatedAt: number }>(
        'SELECT company_id AS companyId, telemetry_enabled AS t, ids_allowed AS i, updated_at AS updatedAt FROM consent ORDER BY company_id',
      )
      .all()
      .map((row) => ({ companyId: row.companyId, telemetryEnabled: row.t === 1, idsAllowed: row.i === 1, updatedAt: row.updatedAt }));
  }
}
