import type { Logger } from 'pino';
import type { Metrics } from '../observe/metrics.js';
import { safeError } from '../observe/safe-error.js';
import type { Outbox } from '../storage/outbox.js';
import type { Destination } from './destination.js';
import type { EgressAudit, NewEgressRecord } from './egress-audit.js';
import type { Outcome } from './send-policy.js';

/** What settling an upstream answer writes to: the outbox, the egress audit, the counters and the log. */
export interface SettleDeps {
  outbox: Outbox;
  egress: EgressAudit;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Records one upstream request in the egress audit and acts on its outcome for the outbox rows
 * `ids`: a delivery deletes them, a permanent refusal moves them to dead letters, anything else
 * counts one more attempt (not while `stopped`: the shutdown aborted it). Throws when a delivered
 * batch's rows could not be deleted; they are then in `destination.undeleted`.
 */
export function settle(
  deps: SettleDeps,
  destination: Destination,
  ids: number[],
  entry: NewEgressRecord,
  stopped: boolean,
): void {
  const { outcome, status } = entry;
  const stored = outcome === 'delivered' && recordDelivered(deps, ids, entry);
  // Otherwise audit first: it never throws, and a request that left is recorded even if settling it fails.
  if (!stored) audit(deps, entry);
  settleRows(deps, destination, ids, outcome, status, stored, stopped);
}

/**
 * A delivered batch's audit row and the delete of its rows in one transaction: one commit, and
 * with `full` durability one fsync instead of two. False when storage failed: the transaction
 * rolled back, nothing was written, and the caller writes the two apart as before.
 */
function recordDelivered({ outbox, egress }: SettleDeps, ids: number[], entry: NewEgressRecord): boolean {
  try {
    outbox.atomically(() => {
      egress.record(entry);
      outbox.remove(ids);
    });
    return true;
  } catch {
    return false;
  }
}

/** `removed`: a delivered batch's rows were already deleted (with its audit row). */
function settleRows(
  { outbox, metrics, logger }: SettleDeps,
  destination: Destination,
  ids: number[],
  outcome: Outcome,
  status: number | null,
  removed: boolean,
  stopped: boolean,
): void {
  if (outcome === 'delivered') {
    metrics.forwarded.inc({ destination: destination.name }, ids.length);
    if (removed) return;
    try {
      outbox.remove(ids);
    } catch (error) {
      destination.undeleted.push(...ids);
      throw error;
    }
    return;
  }
  if (outcome === 'rejected') {
    outbox.deadLetter(ids, `http_${status}`);
    metrics.dropped.inc({ reason: 'dead_letter' }, ids.length);
    logger.warn({ destination: destination.name, status, events: ids.length }, 'upstream refused the events; moved to dead letters');
    return;
  }
  if (stopped) return;
  try {
    outbox.recordAttempt(ids);
  } catch (error) {
    // Only a counter: a full disk must not turn the round's backoff into a tight retry loop.
    logger.error({ err: safeError(error), destination: destination.name }, 'could not count a failed attempt');
  }
}

function audit({ egress, logger }: SettleDeps, entry: NewEgressRecord): void {
  try {
    egress.record(entry);
  } catch (error) {
    logger.error({ err: safeError(error) }, 'egress audit write failed');
  }
}
