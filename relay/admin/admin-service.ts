import { RelayError } from '../errors.js';
import type { EgressRecord } from '../sinks/egress-audit.js';
import type { DeadLetterRow, OutboxTotals } from '../storage/outbox.js';
import type { SalvageImage } from '../storage/salvage.js';
import { restoreSalvage, type SalvageOutcome } from '../storage/salvage-restore.js';
import type { Stores } from '../storage/stores.js';
import type { Actor, AdminAuditRow } from './admin-audit.js';
import type { ConsentChangeResult, ConsentEntry } from './consent-store.js';
import type { ErasureCounts, SubjectExport, SubjectQuery } from './subjects.js';

/** A dead letter as operators see it: its findings parsed, never its payload. */
export type DeadLetterView = Omit<DeadLetterRow, 'payload' | 'findings'> & { findings: unknown };

/** The keys of a consent change; an absent key stays as it is. */
export interface ConsentChange {
  telemetryEnabled?: boolean | undefined;
  idsAllowed?: boolean | undefined;
}

/** One page of a list: newest first, from `since`, before the id `beforeId`. */
export interface PageQuery {
  since?: number | undefined;
  /** @default 100 */
  limit?: number | undefined;
  beforeId?: number | undefined;
}

export interface AdminServiceDeps {
  stores: Stores;
}

/**
 * Every admin operation, once: the HTTP admin routes, the CLI and the console call these and
 * nothing else. Each change writes its admin-audit row with the actor here (consent and subject
 * changes inside the stores' own transactions); reads write none, so the trail holds actions only.
 */
export class AdminService {
  private readonly stores: Stores;

  constructor(deps: AdminServiceDeps) {
    this.stores = deps.stores;
  }

  /** Every company either consent source speaks for. */
  listConsent(): ConsentEntry[] {
    return this.stores.consent.list();
  }

  /** Changes a company's consent; revoking telemetry purges its queued events in the same transaction. */
  setConsent(actor: Actor, companyId: string, change: ConsentChange): ConsentChangeResult {
    return this.stores.consent.set(companyId, change, actor);
  }

  /** Depth, bytes, age and dead letters of the outbox. */
  outboxStats(): OutboxTotals {
    return this.stores.outbox.totals();
  }

  /** Dead letters, newest first, without their payloads. */
  listDeadLetters(page: Omit<PageQuery, 'since'> = {}): DeadLetterView[] {
    return this.stores.outbox
      .deadLetters(page.limit ?? 100, page.beforeId)
      .map(({ payload: _payload, findings, ...row }) => ({ ...row, findings: JSON.parse(findings) as unknown }));
  }

  /**
   * Queues dead letters again: all, or the given ids. An id that is not a dead letter refuses the
   * whole replay (404, naming the ids), so a mistyped id never passes for done.
   */
  replayDeadLetters(actor: Actor, ids?: readonly number[]): { replayed: number } {
    if (ids !== undefined) {
      const present = this.stores.outbox.deadLetterIds(ids);
      const missing = ids.filter((id) => !present.has(id));
      if (missing.length > 0) throw new RelayError('not_found', 404, `No dead letter with id ${missing.join(', ')}`);
    }
    const replayed = this.stores.outbox.replayDeadLetters(ids);
    this.stores.audit.record(actor, 'dead_letters.replay', null, ids === undefined ? { replayed } : { replayed, ids: [...ids] });
    // The outbox tells its listeners (the forwarder) that rows are queued again.
    return { replayed };
  }

  /** Upstream requests, newest first, of one company or all. */
  listEgress(query: PageQuery & { company?: string | undefined } = {}): EgressRecord[] {
    return this.stores.egress.list(query);
  }

  /** One upstream request with the body it sent, while kept. */
  showEgress(id: number): EgressRecord & { body: string | null } {
    const record = Number.isSafeInteger(id) ? this.stores.egress.show(id) : undefined;
    if (record === undefined) throw new RelayError('not_found', 404, 'No egress record with that id');
    return record;
  }

  /** Everything held or recorded as sent for a user or a company. */
  exportSubject(actor: Actor, query: SubjectQuery): SubjectExport {
    return this.stores.subjects.export(query, actor);
  }

  /** Deletes a subject's queued events and dead letters and what the egress audit kept of them. */
  eraseSubject(actor: Actor, query: SubjectQuery): ErasureCounts {
    return this.stores.subjects.erase(query, actor);
  }

  /**
   * Queues again the intact events of a damaged database read from `source` (`outbox recover`),
   * with the consent it held where newer; one audit row with the counts.
   */
  recoverOutbox(actor: Actor, image: SalvageImage, source: string): SalvageOutcome {
    return restoreSalvage(this.stores, image, source, actor);
  }

  /** A console session opened with the admin or the auditor token. */
  recordSignIn(actor: 'console:admin' | 'console:auditor'): void {
    this.stores.audit.record(actor, 'console.sign_in', null, {});
  }

  /** The admin audit trail, newest first. */
  listAudit(page: PageQuery = {}): AdminAuditRow[] {
    return this.stores.audit.list({ since: page.since, limit: page.limit ?? 1000, beforeId: page.beforeId });
  }
}
