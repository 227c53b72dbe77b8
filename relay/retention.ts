import type { RelayConfig } from '../config/env.js';
import type { Metrics } from './metrics.js';
import type { Stores } from './stores.js';

const DAY_MS = 24 * 3600 * 1000;

export interface RetentionCounts {
  expiredEvents: number;
  expiredDeadLetters: number;
  egressBodies: number;
  egressRows: number;
  adminAuditRows: number;
}

/**
 * Applies every retention limit once: queued events past `RELAY_MAX_EVENT_AGE` (counted as
 * dropped, reason `expired`), dead letters and audit rows past `RELAY_AUDIT_RETENTION_DAYS`, and
 * egress bodies past `RELAY_EGRESS_AUDIT_DAYS`. Runs at start and then periodically.
 */
export function applyRetention(
  stores: Stores,
  config: Pick<RelayConfig, 'maxEventAgeSeconds' | 'auditRetentionDays' | 'egressAuditDays'>,
  now: number,
  metrics?: Metrics,
): RetentionCounts {
  const auditCutoff = now - config.auditRetentionDays * DAY_MS;
  const expiredEvents = stores.outbox.expire(now - config.maxEventAgeSeconds * 1000);
  if (expiredEvents > 0) metrics?.dropped.inc({ reason: 'expired' }, expiredEvents);
  const expiredDeadLetters = stores.outbox.expireDeadLetters(auditCutoff);
  const egress = stores.egress.expire(now - config.egressAuditDays * DAY_MS, auditCutoff);
  const adminAuditRows = stores.audit.expire(auditCutoff);
  return { expiredEvents, expiredDeadLetters, egressBodies: egress.bodies, egressRows: egress.rows, adminAuditRows };
}
