import type { RelayConfig } from '../../config/env.js';
import type { Metrics } from '../observe/metrics.js';
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
 * egress bodies past `RELAY_EGRESS_AUDIT_DAYS`. Runs after start and then at its next due time.
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

/**
 * When the next retention run has something to remove: the earliest moment a stored row crosses
 * one of the limits (ms, wall clock), or undefined when nothing is stored that could ever expire.
 */
export function nextRetentionDue(
  stores: Stores,
  config: Pick<RelayConfig, 'maxEventAgeSeconds' | 'auditRetentionDays' | 'egressAuditDays'>,
): number | undefined {
  const first = (sql: string): number | undefined => stores.db.prepare<[], { t: number | null }>(sql).get()?.t ?? undefined;
  const auditMs = config.auditRetentionDays * DAY_MS;
  // Each limit is "older than the cutoff", strictly: a row is due 1 ms after it reaches the limit.
  const candidates = [
    plus(first('SELECT created_at AS t FROM outbox ORDER BY id LIMIT 1'), config.maxEventAgeSeconds * 1000),
    plus(first('SELECT MIN(failed_at) AS t FROM dead_letters'), auditMs),
    plus(first('SELECT MIN(sent_at) AS t FROM egress_audit WHERE body IS NOT NULL'), config.egressAuditDays * DAY_MS),
    plus(first('SELECT MIN(sent_at) AS t FROM egress_audit'), auditMs),
    plus(first('SELECT MIN(at) AS t FROM admin_audit'), auditMs),
  ].filter((due): due is number => due !== undefined);
  return candidates.length === 0 ? undefined : Math.min(...candidates);
}

function plus(at: number | undefined, limitMs: number): number | undefined {
  return at === undefined ? undefined : at + limitMs + 1;
}

/** setTimeout's longest delay (about 24.8 days); a later due time is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs retention at its next due time, and only then: no timer while nothing can expire. */
export interface RetentionSchedule {
  /** Something was stored that is due at `at` at the latest (ms, wall clock). */
  dueBy(at: number): void;
  /** Looks up the next due time in the database and waits for it. */
  rearm(): void;
  stop(): void;
}

/**
 * Schedules `run` at the due time `due()` reports, after each run again. `dueBy` brings the next
 * run forward for a row just written, without a query. `maxWaitMs` bounds one wait (tests shorten
 * it; a clock set back is caught up with then).
 */
export function scheduleRetention(run: () => void, due: () => number | undefined, now: () => number, maxWaitMs = MAX_TIMER_MS): RetentionSchedule {
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Infinity;
  let stopped = false;
  const arm = (at: number) => {
    if (stopped || at >= armedFor) return;
    clearTimeout(timer);
    armedFor = at;
    // At least a second apart: a run that failed leaves its rows due, and must not spin.
    timer = setTimeout(fire, Math.min(maxWaitMs, Math.max(1000, at - now())));
    timer.unref();
  };
  const rearm = () => {
    clearTimeout(timer);
    timer = undefined;
    armedFor = Infinity;
    let at: number | undefined;
    try {
      at = due();
    } catch {
      // Storage unreadable for now: look again in a minute rather than never.
      at = now() + 60_000;
    }
    if (at !== undefined) arm(at);
  };
  const fire = () => {
    timer = undefined;
    armedFor = Infinity;
    run();
    rearm();
  };
  return {
    dueBy: arm,
    rearm,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
