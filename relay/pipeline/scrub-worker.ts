import { parentPort, workerData } from 'node:worker_threads';
import { createScrubber } from '../../scrubbers/index.js';
import type { CompiledRuleSet, EventKind } from '../../scrubbers/index.js';
import { RelayError } from '../errors.js';
import { decodeEvents, type BodyLimits } from '../http/parse-body.js';
import { scrubEvents, type ScrubbedEvent, type ScrubOptions } from './scrub-events.js';

/** What the relay hands its scrub worker at start: rules compiled once on the main thread. */
export interface ScrubWorkerData {
  rules: CompiledRuleSet;
  hashKey: string;
  limits: BodyLimits;
  options: ScrubOptions;
}

/** One request body to decode, parse, validate and scrub. */
export interface ScrubJob {
  id: number;
  kind: EventKind;
  body: Uint8Array;
  contentEncoding: string | undefined;
  contentType: string | undefined;
  /** This request's company scope (its token's), over the relay's defaults. */
  scope?: Pick<ScrubOptions, 'defaultCompany' | 'companies'> | undefined;
}

export type ScrubReply =
  | { id: number; ok: true; received: number; events: ScrubbedEvent[] }
  /** A 4xx for the client, as the main thread would have raised it. */
  | { id: number; ok: false; received: number; error: { code: string; status: RelayError['status']; message: string; details: unknown } }
  /** Anything else: only the error's class crosses over, never its message (it may quote a value). */
  | { id: number; ok: false; received: number; failure: string };

// The worker: the CPU-heavy, database-free half of ingest for large bodies, on a second core.
if (parentPort !== null) {
  const port = parentPort;
  const data = workerData as ScrubWorkerData;
  const scrubber = createScrubber(data.rules, { hashKey: data.hashKey });
  // The events are this worker's own parse of a body, used for nothing else: scrubbed in place.
  const options: ScrubOptions = { ...data.options, inPlace: true };
  port.on('message', (job: ScrubJob) => {
    let received = 0;
    let reply: ScrubReply;
    try {
      const events = decodeEvents(job.body, job.contentEncoding, job.contentType, data.limits);
      received = events.length;
      reply = { id: job.id, ok: true, received, events: scrubEvents(scrubber, job.kind, events, { ...options, ...job.scope }) };
    } catch (error) {
      reply =
        error instanceof RelayError
          ? { id: job.id, ok: false, received, error: { code: error.code, status: error.status, message: error.message, details: error.details } }
          : { id: job.id, ok: false, received, failure: error instanceof Error ? error.name : typeof error };
    }
    port.postMessage(reply);
  });
}
