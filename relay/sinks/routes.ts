import type { DestinationConfig, RelayConfig } from '../../config/env.js';
import { ConfigError } from '../../config/errors.js';
import type { EventKind } from '../../scrubbers/types.js';
import { diagnosticsSink } from './diagnostics/sink.js';
import { lakeraSink } from './lakera/sink.js';
import type { Sink } from './sink.js';

/**
 * Every destination the relay can send to, and the event kinds it receives by default. Adding a
 * destination is a folder beside diagnostics/ and lakera/ providing its {@link Sink}, and one line
 * here. An event kind may go to several destinations: one outbox row is queued per destination.
 */
export const ROUTES: readonly { sink: Sink; kinds: readonly EventKind[] }[] = [
  { sink: diagnosticsSink, kinds: ['error'] },
  { sink: lakeraSink, kinds: ['scan'] },
];

/** A sink with the settings it is configured with. */
export interface ConfiguredSink {
  sink: Sink;
  settings: DestinationConfig;
}

/** The sink called `name`; throws a {@link ConfigError} for a name no route knows. */
export function sinkNamed(name: string): Sink {
  const route = ROUTES.find((candidate) => candidate.sink.name === name);
  if (route === undefined) {
    throw new ConfigError(`Expected a destination among [${ROUTES.map((r) => r.sink.name).join(', ')}], got "${name}"`);
  }
  return route.sink;
}

/** The names of the destinations `kind` is routed to (configured or not), in table order. */
export function routeOf(config: Pick<RelayConfig, 'routes'>, kind: EventKind): readonly string[] {
  const override = config.routes?.[kind];
  if (override !== undefined) return override.map((name) => sinkNamed(name).name);
  return ROUTES.filter((route) => route.kinds.includes(kind)).map((route) => route.sink.name);
}

/** The configured destinations an event of `kind` is queued for; none means it is dropped (`no_destination`). */
export function destinationsFor(config: RelayConfig, kind: EventKind): string[] {
  return [...new Set(routeOf(config, kind))].filter((name) => sinkNamed(name).settings(config) !== undefined);
}

/**
 * Every configured sink, in table order; throws a {@link ConfigError} when `config.routes` names
 * a destination no route knows. Routed to or not: rows queued for it under another
 * routing (an earlier run, a replayed dead letter) are still sent.
 */
export function configuredSinks(config: RelayConfig): ConfiguredSink[] {
  // At start, not at the first event: a route naming no sink is a configuration error.
  for (const names of Object.values(config.routes ?? {})) names.forEach(sinkNamed);
  const sinks: ConfiguredSink[] = [];
  for (const { sink } of ROUTES) {
    const settings = sink.settings(config);
    if (settings !== undefined) sinks.push({ sink, settings });
  }
  return sinks;
}
