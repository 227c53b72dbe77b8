import { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { RelayConfig } from '../../config/env.js';
import { InputError, UnavailableError, type RelayError } from '../errors.js';
import { decodeBody } from './parse-body.js';

/** How much body an ingest request may send, and how fast it must arrive. */
export interface BodyReadLimits {
  /** Largest body, in bytes (`RELAY_MAX_BODY_BYTES`). */
  maxBytes: number;
  /** Time a body may take at any pace, in ms (`RELAY_BODY_TIMEOUT`). */
  timeoutMs: number;
  /** Bytes that buy one more second once the timeout is spent (`RELAY_BODY_MIN_RATE`). */
  minBytesPerSecond: number;
}

/** The body limits of an ingest request, from the configuration. */
export function bodyReadLimits(config: Pick<RelayConfig, 'maxBodyBytes' | 'bodyTimeoutSeconds' | 'bodyMinRate'>): BodyReadLimits {
  return { maxBytes: config.maxBodyBytes, timeoutMs: config.bodyTimeoutSeconds * 1000, minBytesPerSecond: config.bodyMinRate };
}

/** {@link readIngestBody}, then its `Content-Encoding` undone within the same size limit. */
export async function readDecodedBody(c: Context, limits: BodyReadLimits): Promise<Buffer> {
  const raw = await readIngestBody(c, limits);
  return decodeBody(raw, c.req.header('content-encoding'), limits.maxBytes);
}

/** Takes `bytes` more from the in-flight budget for this request; `false` when they do not fit. */
export type BodyAllowance = (bytes: number) => boolean;

const allowances = new WeakMap<Context, BodyAllowance>();

/** Charges the bytes this request's body buffers to the in-flight budget (the admission middleware calls it). */
export function chargeBodyTo(c: Context, allowance: BodyAllowance): void {
  allowances.set(c, allowance);
}

/** A source of body chunks: `start` subscribes, the returned function stops reading. */
type ChunkSource = (onChunk: (chunk: Uint8Array) => void, onEnd: () => void, onError: (error: unknown) => void) => () => void;

/**
 * Reads an ingest request's body, counting each chunk against the in-flight budget as it
 * arrives, so a slow body holds only the bytes it has sent. The body must arrive within
 * `timeoutMs` plus one second per `minBytesPerSecond` bytes received (Apache `mod_reqtimeout`'s
 * rule), else `408`; past `maxBytes` it is `413`, past the budget `503`. After any of these the
 * rest is not read, and the response says `Connection: close`.
 */
export async function readIngestBody(c: Context, limits: BodyReadLimits): Promise<Buffer> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limits.maxBytes) {
    throw stopped(c, tooLarge(limits.maxBytes));
  }
  const allowance = allowances.get(c) ?? (() => true);
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  const source = incoming instanceof IncomingMessage ? nodeSource(incoming) : webSource(c.req.raw.body);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const started = Date.now();
    let received = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = () => started + limits.timeoutMs + (received * 1000) / limits.minBytesPerSecond;
    const finish = (error: RelayError | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stop();
      if (error === undefined) resolve(joined(chunks, received));
      else reject(stopped(c, error));
    };
    const check = () => {
      const left = deadline() - Date.now();
      if (left > 0) timer = setTimeout(check, left);
      else finish(new InputError('body_timeout', 408, `The body did not arrive in time: allow ${limits.timeoutMs / 1000} s, then at least ${limits.minBytesPerSecond} bytes per second`));
    };
    const stop = source(
      (chunk) => {
        if (done) return;
        received += chunk.byteLength;
        if (received > limits.maxBytes) return finish(tooLarge(limits.maxBytes));
        if (!allowance(chunk.byteLength)) return finish(new UnavailableError('overloaded', 503, 'The relay is busy; retry shortly', { retryAfterSeconds: 1 }));
        chunks.push(chunk);
      },
      () => finish(undefined),
      () => finish(new InputError('body_incomplete', 400, 'The body ended before it was complete')),
    );
    if (!done) timer = setTimeout(check, limits.timeoutMs);
  });
}

// A fresh, unpooled buffer of its own: the body may be transferred to the scrub worker whole.
function joined(chunks: readonly Uint8Array[], length: number): Buffer {
  const body = Buffer.from(new ArrayBuffer(length));
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function tooLarge(maxBytes: number): InputError {
  return new InputError('body_too_large', 413, `Body is larger than ${maxBytes} bytes`);
}

// The rest of the body is never read, so the server drops this connection after answering;
// saying so keeps a client from sending its next request into a closed socket.
function stopped(c: Context, error: RelayError): RelayError {
  if (error.status !== 400) c.header('Connection', 'close');
  return error;
}

/** Node's request stream, read directly: no web `Request` is built (see @hono/node-server's own fast path). */
function nodeSource(incoming: IncomingMessage): ChunkSource {
  return (onChunk, onEnd, onError) => {
    const onClose = () => {
      if (!incoming.complete) onError(new Error('aborted'));
    };
    incoming.on('data', onChunk);
    incoming.once('end', onEnd);
    incoming.once('error', onError);
    incoming.once('close', onClose);
    return () => {
      incoming.off('data', onChunk);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
      if (!incoming.readableEnded) incoming.pause();
    };
  };
}

/** A web stream body (`app.request()` in tests, other runtimes). */
function webSource(body: ReadableStream<Uint8Array> | null): ChunkSource {
  return (onChunk, onEnd, onError) => {
    if (body === null) {
      queueMicrotask(onEnd);
      return () => {};
    }
    const reader = body.getReader();
    let stopped = false;
    const pump = async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (stopped) return;
        if (done) return onEnd();
        onChunk(value);
      }
    };
    pump().catch(onError);
    return () => {
      stopped = true;
      reader.cancel().catch(() => {});
    };
  };
}
