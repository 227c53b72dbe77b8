import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';
import type { StartupSalvage } from './stores.js';

/** Logs and counts the damage found at start and what its salvage queued again. */
export function reportSalvage(salvage: StartupSalvage, metrics: Metrics, logger: Logger): void {
  metrics.storageDamage.inc({ kind: salvage.kind });
  metrics.salvaged.inc(salvage.requeued);
  metrics.salvageUnreadable.inc(salvage.unreadable);
  const { kind, keptAt, droppedFrames, read, requeued, alreadyQueued, withoutConsent, unreadable, exact, consentRestored } = salvage;
  logger.error(
    { kind, keptAt, droppedFrames, read, requeued, alreadyQueued, withoutConsent, unreadable, unreadableExact: exact, consentRestored },
    'damaged storage salvaged: intact queued events were read back and queued again',
  );
}
