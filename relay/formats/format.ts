import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { RelayConfig } from '../../config/env.js';
import type { RelayError } from '../errors.js';
import type { IngestTokens } from '../http/ingest-auth.js';
import type { Metrics } from '../observe/metrics.js';
import type { IngestPipeline } from '../pipeline/pipeline.js';

/** Answers a refused request in the format's own protocol (or throws it to the app's `onError`). */
export type Refuse = (c: Context, error: RelayError) => Response | Promise<Response>;

/** One ingest route of a format, and what it needs from the shared HTTP middleware (relay/http/). */
export interface IngestRoute {
  /** Paths in hono's syntax; every one is a `POST`. */
  paths: readonly string[];
  /**
   * `bearer`: the ingest token middleware runs first and the request's scope is known
   * (`ingestScope`); `format`: the format authenticates the request itself (Sentry's DSN key).
   */
  auth: 'bearer' | 'format';
  handle: (c: Context) => Promise<Response>;
}

/**
 * An ingest format (native, Sentry, OTLP): its routes, decoding and response shape. The relay
 * mounts every format the same way (see `mountIngestFormats`): admission and load shedding,
 * authentication, draining and the rejection log come from relay/http/, once for all formats;
 * a format's handler reads its body, decodes it into events and hands them to the pipeline.
 */
export interface IngestFormat {
  /** For logs and metrics: `native`, `sentry`, `otlp`. */
  name: string;
  routes: readonly IngestRoute[];
  /** How a refused request is answered (a `RelayError` thrown by a handler or the middleware). */
  refuse: Refuse;
  /** How load shedding answers, when not with {@link refuse}. */
  shed?: Refuse | undefined;
}

/** What a format is built with. */
export interface FormatDeps {
  config: RelayConfig;
  metrics: Metrics;
  logger: Logger;
  /** The relay's ingest tokens (also the Sentry DSN keys of tenants). */
  tokens: IngestTokens;
  pipeline: IngestPipeline;
  /** Clock for events that carry no time. @default Date.now */
  now?: () => number;
}

/** A refusal the app's `onError` answers (the relay's own JSON error shape). */
export const throwToOnError: Refuse = (_c, error) => {
  throw error;
};
