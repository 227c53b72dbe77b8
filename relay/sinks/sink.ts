import type { DestinationConfig, RelayConfig } from '../../config/env.js';
import type { OutboxRow } from '../storage/outbox.js';

/** Identifiers the company allowed to be sent, added at send time only. */
export interface SendIdentity {
  companyId?: string;
  userHash?: string;
  ipHash?: string;
}

/** What an encoder may know besides the event: the project the relay reports for (`LAKERA_PROJECT_ID`). */
export interface EncodeContext {
  projectId: string | undefined;
}

/**
 * One kind of destination: where its settings are in the relay's configuration and how an event
 * is written for it. Batching, retry, backoff, consent at send time, the egress audit and shutdown
 * are the driver's ({@link Forwarder}), the same for every sink.
 */
export interface Sink {
  /** Stable name: the outbox's `destination` column, the metrics' and the egress audit's label. */
  name: string;
  /** `batch`: one request carries many events (`{"events": [...]}`); `single`: one event per request. */
  mode: 'batch' | 'single';
  /** Send the body gzip'd (`Content-Encoding: gzip`). */
  gzip: boolean;
  /** This sink's settings, or undefined when it is not configured (nothing is queued for it then). */
  settings(config: RelayConfig): DestinationConfig | undefined;
  /** One stored (already scrubbed) event exactly as it is sent, with the identifiers allowed. */
  encode(row: Pick<OutboxRow, 'eventId' | 'payload'>, identity: SendIdentity, context: EncodeContext): string;
}
