import type { Destination } from './destination.js';

/** Why events were still in the outbox when a shutdown ended. */
export type LeftReason = 'deadline' | 'telemetry_disabled' | 'no_destination' | 'after_drain';

/** What a shutdown left behind: events still queued per destination, and why. */
export interface ShutdownReport {
  left: number;
  byDestination: Record<string, { events: number; reason: LeftReason }>;
  durationMs: number;
}

/**
 * The report of a drain that ended: `queued` events per destination name as the outbox holds
 * them now, `destinations` the ones configured, `timedOut` whether the deadline ended it.
 */
export function shutdownReport(
  queued: Record<string, number>,
  destinations: readonly Pick<Destination, 'name' | 'drained'>[],
  telemetryEnabled: boolean,
  timedOut: boolean,
  durationMs: number,
): ShutdownReport {
  const byDestination: ShutdownReport['byDestination'] = {};
  let left = 0;
  for (const [name, events] of Object.entries(queued)) {
    const destination = destinations.find((candidate) => candidate.name === name);
    const reason: LeftReason = !telemetryEnabled
      ? 'telemetry_disabled'
      : destination === undefined
        ? 'no_destination'
        : timedOut || !destination.drained
          ? 'deadline'
          : 'after_drain';
    byDestination[name] = { events, reason };
    left += events;
  }
  return { left, byDestination, durationMs };
}
