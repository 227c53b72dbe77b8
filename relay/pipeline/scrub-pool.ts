import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { EventKind } from '../../scrubbers/types.js';
import { InputError, UnavailableError } from '../errors.js';
import type { ScrubbedEvent } from './scrub-events.js';
import type { ScrubJob, ScrubReply, ScrubWorkerData } from './scrub-worker.js';

/**
 * The worker's file. Under the test runner this module is TypeScript source, which a worker
 * thread cannot load; the build (`npm run build`, run before the tests) holds the JS.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../dist/relay/pipeline/scrub-worker.js', here) : new URL('./scrub-worker.js', here);
}

/** V8 heap limits of the worker thread, in MB. */
export interface WorkerHeapLimits {
  maxOldGenerationSizeMb: number;
  maxYoungGenerationSizeMb: number;
}

/**
 * Heap limits of the worker: bounded so that its memory stays predictable and a body that
 * somehow needs more kills the worker (its requests get a 503, a new worker starts), never the
 * relay. A parsed body takes several times its size; 16x the largest body leaves room.
 */
function heapLimitsFor(maxBodyBytes: number): WorkerHeapLimits {
  return { maxOldGenerationSizeMb: Math.max(96, Math.ceil((16 * maxBodyBytes) / 2 ** 20)), maxYoungGenerationSizeMb: 12 };
}

/**
 * A second thread for the CPU-heavy, database-free half of ingest (decode, parse, validate,
 * scrub) of large bodies, so that one core scrubs while the main thread reads sockets and writes
 * the outbox. The thread starts with the first large body (a relay that only ever sees small ones
 * never pays for it). Jobs run in order. If the worker dies, its jobs fail with a 503 (nothing
 * was accepted, so nothing is lost) and the next job starts a new one.
 */
export class ScrubWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: (reply: ScrubReply) => void; reject: (error: unknown) => void }>();
  private nextId = 1;
  private closed = false;

  /** @param heapLimits the worker's heap limits; by default derived from `data.limits.maxBodyBytes`. */
  constructor(
    private readonly data: ScrubWorkerData,
    private readonly logger: Logger,
    private readonly heapLimits: WorkerHeapLimits = heapLimitsFor(data.limits.maxBodyBytes),
  ) {}

  /**
   * Decodes, parses, validates and scrubs one body on the worker. The body's buffer is handed to
   * the worker (transferred, not copied). `onReceived` learns how many events the body held once
   * it parsed. `scope`: the request's company scope, over the relay's defaults. Rejects with the
   * 4xx the request deserves, or a 503.
   */
  async scrub(
    kind: EventKind,
    body: Uint8Array,
    contentEncoding: string | undefined,
    contentType: string | undefined,
    onReceived: (events: number) => void,
    scope?: ScrubJob['scope'],
  ): Promise<ScrubbedEvent[]> {
    if (this.closed) throw new UnavailableError('shutting_down', 503, 'The relay is shutting down; retry shortly', { retryAfterSeconds: 5 });
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    const job: ScrubJob = { id, kind, body, contentEncoding, contentType, scope };
    const reply = await new Promise<ScrubReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(job, [body.buffer as ArrayBuffer]);
    });
    if (reply.received > 0) onReceived(reply.received);
    if (reply.ok) return reply.events;
    if ('error' in reply) {
      const { code, status, message, details } = reply.error;
      throw new InputError(code, status, message, { details });
    }
    throw new Error(`scrub worker failed (${reply.failure})`);
  }

  /** Stops the thread; jobs still running fail with a 503. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }

  private spawn(): Worker {
    const worker = new Worker(workerUrl(), { workerData: this.data, resourceLimits: this.heapLimits });
    worker.on('message', (reply: ScrubReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiter?.resolve(reply);
    });
    worker.on('error', (error) => {
      // Only the class: an uncaught error's message may quote the input.
      this.logger.error({ err: { name: error.name, code: (error as { code?: string }).code } }, 'scrub worker failed; its requests get 503');
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      const failure = new UnavailableError('scrub_worker_failed', 503, 'The relay could not scrub this request; retry shortly', { retryAfterSeconds: 1 });
      for (const { reject } of this.pending.values()) reject(failure);
      this.pending.clear();
    });
    return worker;
  }
}
