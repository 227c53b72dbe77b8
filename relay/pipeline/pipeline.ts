import type { EventKind } from '../../scrubbers/types.js';
import { InputError } from '../errors.js';
import type { IngestScope } from '../http/ingest-auth.js';
import { checkEvents, decodeEvents } from '../http/parse-body.js';
import { checkEventShape } from '../formats/native/event-schemas.js';
import { IngestBatcher, scrubOptions, type IngestDeps, type IngestResult } from './ingest.js';
import type { ScrubWorker } from './scrub-pool.js';

/** A request body as its route read it, with the headers that say how to decode it. */
export interface RawBody {
  bytes: Buffer;
  contentType: string | undefined;
  contentEncoding: string | undefined;
}

export interface PipelineDeps extends IngestDeps {
  /** Scrubs large bodies on a second thread; absent = every body is scrubbed in line. */
  scrubWorker?: ScrubWorker | undefined;
}

/**
 * The one ingest pipeline every route uses: decode → validate → gate → scrub →
 * consent-in-transaction → enqueue. A body enters at decode ({@link IngestPipeline.ingestBody}, on
 * the scrub worker when large); events a format already decoded from its own protocol enter at
 * validate ({@link IngestPipeline.ingestDecoded}), with no JSON round trip. Each stage hands on
 * to the next and never calls back: the outbox tells its own listeners (the forwarder) of new
 * rows. Rejects with the `RelayError` (4xx, 503) the request deserves.
 */
export class IngestPipeline {
  private readonly batcher: IngestBatcher;

  constructor(private readonly deps: PipelineDeps) {
    this.batcher = new IngestBatcher(deps);
  }

  /** A request body of JSON, a JSON array or NDJSON (`/v1/errors`, `/v1/scans`). */
  async ingestBody(kind: EventKind, body: RawBody, scope: IngestScope): Promise<IngestResult> {
    const { config, metrics } = this.deps;
    const worker = this.deps.scrubWorker;
    if (worker !== undefined && body.bytes.byteLength >= config.scrubWorkerMinBytes) {
      metrics.scrubWorkerRequests.inc();
      const { defaultCompany, companies } = scrubOptions(config, scope);
      const received = (count: number) => metrics.received.inc({ kind }, count);
      const bytes = new Uint8Array(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
      const scrubbed = await worker.scrub(kind, bytes, body.contentEncoding, body.contentType, received, { defaultCompany, companies });
      return this.batcher.ingestScrubbed(kind, scrubbed);
    }
    const events = decodeEvents(body.bytes, body.contentEncoding, body.contentType, config);
    // The events are this request's own parse, used for nothing else: scrubbed in place.
    return this.batcher.ingest(kind, events, true, scope);
  }

  /**
   * Error traces a format mapped from its protocol (Sentry, OTLP): the structural limits and the
   * event schema, with the same 400/413 messages as `/v1/errors`, then the rest of the pipeline.
   * `scope`: the companies the request may post for (default: any).
   */
  ingestDecoded(kind: EventKind, events: unknown[], scope?: IngestScope): Promise<IngestResult> {
    checkEvents(events, this.deps.config);
    events.forEach((event, index) => {
      const problem = checkEventShape(kind, event);
      if (problem !== undefined) throw new InputError('invalid_event', 400, `event ${index}: field "${problem.field}" ${problem.reason}`);
    });
    // Not in place: a mapped event may share objects with the request the format still answers from.
    return this.batcher.ingest(kind, events, false, scope);
  }

  /**
   * Like {@link ingestDecoded}, but an event over the limits or off the schema is left out alone
   * instead of failing the request (OTLP's partial success). Resolves with how many were left out.
   */
  async ingestEach(kind: EventKind, events: unknown[], scope?: IngestScope): Promise<{ invalid: number }> {
    const valid = events.filter((event) => this.problemOf(kind, event) === undefined);
    if (valid.length > 0) await this.batcher.ingest(kind, valid, false, scope);
    return { invalid: events.length - valid.length };
  }

  private problemOf(kind: EventKind, event: unknown): string | undefined {
    try {
      checkEvents([event], this.deps.config);
      return checkEventShape(kind, event) === undefined ? undefined : 'invalid_event';
    } catch (error) {
      if (error instanceof InputError) return error.code;
      throw error;
    }
  }
}
