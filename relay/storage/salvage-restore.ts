import type { Actor, AdminAudit } from '../admin/admin-audit.js';
import type { ConsentStore } from '../admin/consent-store.js';
import type { Db } from './db.js';
import type { Outbox } from './outbox.js';
import type { SalvageImage } from './salvage.js';

/** What a salvage put back. Counts only; no row content. */
export interface SalvageOutcome {
  /** Intact outbox rows read from the damaged file. */
  read: number;
  /** Rows queued again in the live outbox. */
  requeued: number;
  /** Rows the live outbox already holds (same event id and destination): not queued twice. */
  alreadyQueued: number;
  /** Rows of companies that have no telemetry consent now: not queued (consent is checked before every write). */
  withoutConsent: number;
  /** Rows that were there but could not be read back. */
  unreadable: number;
  /** True when `unreadable` is exact (the damaged file's stored outbox total was readable). */
  exact: boolean;
  /** Companies whose consent was taken from the damaged file (newer than, or missing from, the live database). */
  consentRestored: number;
}

/**
 * Puts back what a salvage read: the consent the damaged file held where it is newer than the live
 * one (a revocation purges as any revocation does), its hash key when the live file has none, then
 * every intact outbox row of a consenting company not already queued — in one transaction, one
 * admin-audit row. Rows are queued anew: their age counts from now, as a dead-letter replay's does.
 * The actor is the relay itself at start, or the operator who ran `outbox recover`.
 */
export function restoreSalvage(
  stores: { db: Db; outbox: Outbox; consent: ConsentStore; audit: AdminAudit },
  image: SalvageImage,
  source: string,
  actor: Actor = 'relay',
): SalvageOutcome {
  const { db, outbox, consent, audit } = stores;
  return db.transaction(() => {
    let consentRestored = 0;
    for (const salvaged of image.consent) {
      const live = consent.storedUpdatedAt(salvaged.companyId);
      if (live !== undefined && live >= salvaged.updatedAt) continue;
      consent.set(salvaged.companyId, { telemetryEnabled: salvaged.telemetryEnabled, idsAllowed: salvaged.idsAllowed }, actor, 'consent.salvaged');
      consentRestored += 1;
    }
    if (image.hashKey !== undefined) db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('hash_key', ?)").run(image.hashKey);

    const queued = new Set(
      db.prepare<[], { e: string; d: string }>('SELECT event_id AS e, destination AS d FROM outbox').all().map((row) => `${row.d}\0${row.e}`),
    );
    let alreadyQueued = 0;
    let withoutConsent = 0;
    const fresh = image.rows.filter((row) => {
      if (queued.has(`${row.destination}\0${row.eventId}`)) {
        alreadyQueued += 1;
        return false;
      }
      if (!consent.get(row.companyId).telemetryEnabled) {
        withoutConsent += 1;
        return false;
      }
      return true;
    });
    if (fresh.length > 0) {
      outbox.enqueue(fresh);
    }
    const outcome: SalvageOutcome = {
      read: image.rows.length,
      requeued: fresh.length,
      alreadyQueued,
      withoutConsent,
      unreadable: image.unreadable,
      exact: image.exact,
      consentRestored,
    };
    audit.record(actor, 'outbox.salvaged', null, { source, ...outcome });
    return outcome;
  })();
}
