import { mayForward, type CompanyConsent } from '../../config/consent.js';
import type { ConsentStore } from '../admin/consent-store.js';
import type { Metrics } from '../observe/metrics.js';
import type { Outbox, OutboxRow } from '../storage/outbox.js';

/** A queued row and the consent its request is built with. */
export interface SendItem {
  row: OutboxRow;
  consent: CompanyConsent;
}

/**
 * The consent gate at send time: what may be sent, and with which identifiers, is read from the
 * database right before a request starts, never from what was read when the rows were taken.
 */
export class SendGate {
  constructor(
    private readonly globalEnabled: boolean,
    private readonly outbox: Outbox,
    private readonly consent: ConsentStore,
    private readonly metrics: Metrics,
  ) {}

  /**
   * The rows still queued whose company may be forwarded now, with the consent read now. Rows
   * of a company that may not are deleted (a change made in this database purged them already;
   * this covers a change made by another process).
   */
  allowed(rows: readonly OutboxRow[]): SendItem[] {
    const present = this.outbox.present(rows.map((row) => row.id));
    const consents = this.reader();
    const items: SendItem[] = [];
    const refused: number[] = [];
    for (const row of rows) {
      if (!present.has(row.id)) continue;
      const consent = consents(row.companyId);
      if (mayForward(this.globalEnabled, consent)) items.push({ row, consent });
      else refused.push(row.id);
    }
    if (refused.length > 0) {
      this.outbox.remove(refused);
      this.metrics.dropped.inc({ reason: 'revoked' }, refused.length);
    }
    return items;
  }

  /** True while every item is still queued and its company's consent is the one it was built with. */
  unchanged(items: readonly SendItem[]): boolean {
    const present = this.outbox.present(items.map((item) => item.row.id));
    const consents = this.reader();
    return items.every(({ row, consent }) => {
      const now = consents(row.companyId);
      return present.has(row.id) && now.telemetryEnabled === consent.telemetryEnabled && now.idsAllowed === consent.idsAllowed;
    });
  }

  /** Reads each company's consent once per call site. */
  private reader(): (companyId: string) => CompanyConsent {
    const cache = new Map<string, CompanyConsent>();
    return (companyId) => {
      let consent = cache.get(companyId);
      if (consent === undefined) {
        consent = this.consent.get(companyId);
        cache.set(companyId, consent);
      }
      return consent;
    };
  }
}
