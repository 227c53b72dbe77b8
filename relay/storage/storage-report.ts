import type { Logger } from 'pino';
import type { Metrics } from '../observe/metrics.js';
import type { Stores } from './stores.js';

/**
 * Logs and counts what the stores found at open (damage, and what its salvage queued again) and,
 * from then on, each time the space reserve is given up on a full volume or taken again.
 */
export function reportStorage(stores: Stores, metrics: Metrics, logger: Logger): void {
  const { salvage, reserve } = stores;
  if (salvage !== undefined) {
    metrics.storageDamage.inc({ kind: salvage.kind });
    metrics.salvaged.inc(salvage.requeued);
    metrics.salvageUnreadable.inc(salvage.unreadable);
    const { kind, keptAt, droppedFrames, read, requeued, alreadyQueued, withoutConsent, unreadable, exact, consentRestored, failed } = salvage;
    logger.error(
      { kind, keptAt, droppedFrames, read, requeued, alreadyQueued, withoutConsent, unreadable, unreadableExact: exact, consentRestored, failed },
      'damaged storage salvaged: intact queued events were read back and queued again',
    );
  }
  if (reserve === undefined) return;
  metrics.storageReserveHeld.set(reserve.isHeld() ? 1 : 0);
  if (!reserve.isHeld()) logger.warn({ reserveBytes: reserve.bytes }, 'volume too full for the space reserve; new events are refused until space returns');
  reserve.onChange((held) => {
    metrics.storageReserveHeld.set(held ? 1 : 0);
    if (held) logger.info({ reserveBytes: reserve.bytes }, 'space returned; reserve taken again and new events accepted');
    else {
      metrics.storageFullEvents.inc();
      logger.warn({ reserveBytes: reserve.bytes }, 'volume full; space reserve given up so delivered events can be deleted; new events are refused until space returns');
    }
  });
}
