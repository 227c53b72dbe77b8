import { applyConsentChange, NO_CONSENT, type CompanyConsent } from '../../config/consent.js';
import type { DeclaredConsent } from '../../config/consent-file.js';
import type { Actor, AdminAudit } from './admin-audit.js';
import type { Db } from '../storage/db.js';
import type { Outbox } from '../storage/outbox.js';

export interface ConsentEntry extends CompanyConsent {
  companyId: string;
  updatedAt: number;
  /** The keys the consent file names for this company; they win over the database's. */
  declaredByFile?: DeclaredConsent;
}

export interface ConsentChangeResult {
  before: CompanyConsent;
  after: CompanyConsent;
  /** Queued and dead-lettered events deleted because telemetry was revoked. */
  purged: number;
  /** Keys this change wrote to the database that the consent file decides instead (the file wins). */
  overriddenByFile?: (keyof CompanyConsent)[];
  /**
   * Upstream requests already started when the change committed that it no longer allows (they
   * carried the company's events, or its ids once `ids_allowed` is off); they were aborted.
   */
  inFlight: number;
}

/** One company whose consent the consent file changed. */
export interface ConsentFileChange extends ConsentChangeResult {
  companyId: string;
}

/**
 * Told of every committed change of a company's consent, from either source, before the change's
 * call returns; answers how many requests in flight the change no longer allows (and that it aborted).
 */
export type ConsentListener = (companyId: string, after: CompanyConsent) => number;

// The file's view is kept in the database too: a restart then diffs against what the file said
// last (an unchanged file writes no audit row), and the CLI sees the same answer as the relay.
// Its fifth column keeps its rows apart from `consent` rows for a page-level salvage.
const FILE_SCHEMA = `
CREATE TABLE IF NOT EXISTS consent_file (
  company_id TEXT PRIMARY KEY,
  telemetry_enabled INTEGER,
  ids_allowed INTEGER,
  updated_at INTEGER NOT NULL,
  file TEXT NOT NULL
) STRICT;
`;

interface Row {
  t: number | null;
  i: number | null;
  ft: number | null;
  fi: number | null;
}

function effective(row: Row | undefined): CompanyConsent {
  if (row === undefined) return NO_CONSENT;
  return { telemetryEnabled: (row.ft ?? row.t ?? 0) === 1, idsAllowed: (row.fi ?? row.i ?? 0) === 1 };
}

function same(a: CompanyConsent, b: CompanyConsent): boolean {
  return a.telemetryEnabled === b.telemetryEnabled && a.idsAllowed === b.idsAllowed;
}

function bit(value: boolean | undefined): number | null {
  return value === undefined ? null : value ? 1 : 0;
}

/**
 * Per-company consent, from two sources kept in the relay's SQLite file (so that the CLI and the
 * running relay see the same answer): the database (admin API, CLI) and the declarative consent
 * file, which wins for the keys it names. Revoking telemetry, from either, deletes the company's
 * queued events in the same transaction; every change lands in the admin audit trail.
 */
export class ConsentStore {
  private readonly getStmt;
  private readonly upsertStmt;
  private readonly listeners = new Set<ConsentListener>();

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly audit: AdminAudit,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(FILE_SCHEMA);
    this.getStmt = db.prepare<[string], Row>(
      `SELECT c.telemetry_enabled AS t, c.ids_allowed AS i, f.telemetry_enabled AS ft, f.ids_allowed AS fi
       FROM (SELECT ? AS id) k LEFT JOIN consent c ON c.company_id = k.id LEFT JOIN consent_file f ON f.company_id = k.id`,
    );
    this.upsertStmt = db.prepare(
      `INSERT INTO consent (company_id, telemetry_enabled, ids_allowed, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (company_id) DO UPDATE SET telemetry_enabled = excluded.telemetry_enabled,
       ids_allowed = excluded.ids_allowed, updated_at = excluded.updated_at`,
    );
  }

  /** The company's consent as it applies now: the file's keys, else the database's, else none. */
  get(companyId: string): CompanyConsent {
    return effective(this.getStmt.get(companyId));
  }

  /** Calls `listener` after every committed change (database or file), until the returned function is called. */
  subscribe(listener: ConsentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the listeners of a committed change; how many requests in flight they aborted. */
  private notify(companyId: string, before: CompanyConsent, after: CompanyConsent): number {
    if (same(before, after)) return 0;
    let inFlight = 0;
    for (const listener of this.listeners) inFlight += listener(companyId, after);
    return inFlight;
  }

  /** Changes the database's consent of a company (admin API, CLI, salvage). */
  set(
    companyId: string,
    change: { telemetryEnabled?: boolean | undefined; idsAllowed?: boolean | undefined },
    actor: Actor,
    action = 'consent.set',
  ): ConsentChangeResult {
    // Through the outbox: on a full volume its reserve is given up and the change retried, so a
    // revocation and its purge never fail for want of space.
    const result = this.outbox.atomically(() => {
      const row = this.getStmt.get(companyId);
      const before = effective(row);
      const stored = applyConsentChange(row?.t == null ? NO_CONSENT : { telemetryEnabled: row.t === 1, idsAllowed: row.i === 1 }, change);
      this.upsertStmt.run(companyId, stored.telemetryEnabled ? 1 : 0, stored.idsAllowed ? 1 : 0, this.now());
      const after = this.get(companyId);
      const purged = after.telemetryEnabled ? 0 : this.outbox.purgeCompany(companyId);
      const overriddenByFile: (keyof CompanyConsent)[] = [];
      if (change.telemetryEnabled !== undefined && row?.ft != null) overriddenByFile.push('telemetryEnabled');
      if (change.idsAllowed !== undefined && row?.fi != null) overriddenByFile.push('idsAllowed');
      const details = { before, after, purged, ...(overriddenByFile.length > 0 ? { overriddenByFile } : {}) };
      this.audit.record(actor, action, companyId, details);
      return details;
    });
    return { ...result, inFlight: this.notify(companyId, result.before, result.after) };
  }

  /**
   * Replaces what the consent file says with `declared`, in one transaction: each company whose
   * consent changes by it gets an admin-audit row (actor `consent-file`), and a revocation purges
   * its queued events as the admin route does. Returns the changes.
   */
  applyFile(declared: ReadonlyMap<string, DeclaredConsent>, file: string): ConsentFileChange[] {
    const changes = this.outbox.atomically(() => {
      const previous = this.db.prepare<[], { id: string }>('SELECT company_id AS id FROM consent_file').all().map((row) => row.id);
      const companies = [...new Set([...previous, ...declared.keys()])].sort();
      const before = new Map(companies.map((company) => [company, this.get(company)]));
      this.db.prepare('DELETE FROM consent_file').run();
      const insert = this.db.prepare('INSERT INTO consent_file (company_id, telemetry_enabled, ids_allowed, updated_at, file) VALUES (?, ?, ?, ?, ?)');
      const at = this.now();
      for (const [company, keys] of declared) insert.run(company, bit(keys.telemetryEnabled), bit(keys.idsAllowed), at, file);
      const changed: Omit<ConsentFileChange, 'inFlight'>[] = [];
      for (const company of companies) {
        const was = before.get(company)!;
        const after = this.get(company);
        if (same(was, after)) continue;
        const purged = after.telemetryEnabled ? 0 : this.outbox.purgeCompany(company);
        this.audit.record('consent-file', 'consent.file', company, { before: was, after, purged, file });
        changed.push({ companyId: company, before: was, after, purged });
      }
      return changed;
    });
    return changes.map((change) => ({ ...change, inFlight: this.notify(change.companyId, change.before, change.after) }));
  }

  /** When the database's row for the company was last written (ms), or undefined when it has none. */
  storedUpdatedAt(companyId: string): number | undefined {
    return this.db.prepare<[string], { u: number }>('SELECT updated_at AS u FROM consent WHERE company_id = ?').get(companyId)?.u;
  }

  /** Every company either source speaks for, with its consent as it applies now. */
  list(): ConsentEntry[] {
    return this.db
      .prepare<[], Row & { companyId: string; u: number | null; fu: number | null }>(
        `SELECT k.company_id AS companyId, c.telemetry_enabled AS t, c.ids_allowed AS i, c.updated_at AS u,
           f.telemetry_enabled AS ft, f.ids_allowed AS fi, f.updated_at AS fu
         FROM (SELECT company_id FROM consent UNION SELECT company_id FROM consent_file) k
         LEFT JOIN consent c ON c.company_id = k.company_id LEFT JOIN consent_file f ON f.company_id = k.company_id
         ORDER BY k.company_id`,
      )
      .all()
      .map((row) => {
        const entry: ConsentEntry = { companyId: row.companyId, ...effective(row), updatedAt: Math.max(row.u ?? 0, row.fu ?? 0) };
        if (row.fu !== null) {
          const declared: DeclaredConsent = {};
          if (row.ft !== null) declared.telemetryEnabled = row.ft === 1;
          if (row.fi !== null) declared.idsAllowed = row.fi === 1;
          entry.declaredByFile = declared;
        }
        return entry;
      });
  }
}
