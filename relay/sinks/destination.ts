import { createSecureContext, rootCertificates } from 'node:tls';
import type * as UndiciModule from 'undici';
import type { Dispatcher } from 'undici';
import type { DestinationConfig, RelayConfig } from '../../config/env.js';
import type { ConfiguredSink } from './routes.js';
import { parseRetryAfter } from './send-policy.js';
import type { Sink } from './sink.js';

/** One upstream the forwarder sends to, with its own connections and its own backoff state. */
export interface Destination {
  name: string;
  /** How its events are written and sent (batch or single, gzip'd or not). */
  sink: Sink;
  config: DestinationConfig;
  url: string;
  /** Its connections; made with the first request (see {@link postTo}). */
  dispatcher: Dispatcher | undefined;
  /** Makes the dispatcher from the loaded undici. */
  newDispatcher: (undici: Undici) => Dispatcher;
  /** Consecutive failed rounds. */
  failures: number;
  /** Since when (`performance.now()`) the upstream has been failing; undefined while it answers. */
  failingSince: number | undefined;
  /** When the next round may start, on the `performance.now()` clock. */
  retryAt: number;
  /** The part of `retryAt` the upstream asked for with `Retry-After` (a drain does not skip it). */
  retryAfterAt: number;
  /** Rows the upstream accepted whose delete failed (storage full or failing): removed before anything else is sent. */
  undeleted: number[];
  /** The send loop found nothing left to send while draining. */
  drained: boolean;
}

type Undici = typeof UndiciModule;
let undici: Promise<Undici> | undefined;

/**
 * undici, loaded with the first request to any upstream rather than at start: a relay with nothing
 * to send (telemetry off, no company's consent yet) never holds the HTTP client in memory.
 */
function loadUndici(): Promise<Undici> {
  undici ??= import('undici');
  return undici;
}

/**
 * A destination and how its dispatcher is made: TLS 1.2+, the extra CA and client certificate,
 * the proxy if any. The certificate, key and extra CA are parsed here, so that a bad one stops
 * the start rather than the first send; the full TLS context, with the system's root
 * certificates, is built with the dispatcher, at the first send.
 */
export function createDestination(relay: RelayConfig, { sink, settings: config }: ConfiguredSink): Destination {
  const own = {
    ...(config.clientCert === undefined ? {} : { cert: config.clientCert, key: config.clientKey }),
  };
  createSecureContext({ ...own, ...(relay.caPem === undefined ? {} : { ca: relay.caPem }) });
  const { httpsProxy, noProxy } = relay;
  const newDispatcher = ({ Agent, EnvHttpProxyAgent }: Undici): Dispatcher => {
    const contextOptions = { minVersion: 'TLSv1.2' as const, ...(relay.caPem === undefined ? {} : { ca: [...rootCertificates, relay.caPem] }), ...own };
    // One secure context for every connection: built per connection, parsing the system roots
    // and the extra CA cost milliseconds each time.
    const tls = { ...contextOptions, rejectUnauthorized: true, secureContext: createSecureContext(contextOptions) };
    return httpsProxy === undefined
      ? new Agent({ connect: tls })
      : // `connect` is for hosts in NO_PROXY (undici's direct agent ignores `requestTls`); without it
        // they would be dialled without our CA and client certificate.
        new EnvHttpProxyAgent({ httpsProxy, httpProxy: httpsProxy, ...(noProxy === undefined ? {} : { noProxy }), connect: tls, requestTls: tls });
  };
  return {
    name: sink.name, sink, config, url: config.url.href, dispatcher: undefined, newDispatcher,
    failures: 0, failingSince: undefined, retryAt: 0, retryAfterAt: 0, undeleted: [], drained: false,
  };
}

/** How much of an answer's body is read; past it the status alone decides. */
const ANSWER_LIMIT = 1024 * 1024;

/**
 * Reads the answer's body to its end. Not `dump()`, which ends quietly on a reset: a 2xx whose
 * body is cut off is not taken as a delivery (the events are sent again, never lost).
 */
async function readAnswer(body: AsyncIterable<Buffer> & { destroy: () => unknown }): Promise<void> {
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > ANSWER_LIMIT) {
      body.destroy();
      return;
    }
  }
}

/**
 * POSTs `wire` to the destination. Settles by construction: an abort of `controller` (a consent
 * change, the shutdown deadline) or the whole-request deadline `timeoutMs` (which also bounds an
 * upstream that drips its answer) rejects at once, whatever undici is still waiting for.
 */
export async function postTo(
  destination: Destination,
  wire: Buffer,
  controller: AbortController,
  timeoutMs: number,
  now: () => number,
): Promise<{ status: number; retryAfter: number | undefined }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'scrub-relay' };
  if (destination.sink.gzip) headers['content-encoding'] = 'gzip';
  if (destination.config.apiKey !== undefined) headers['authorization'] = `Bearer ${destination.config.apiKey}`;
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(Object.assign(new Error('request aborted'), { name: 'AbortError', code: 'UND_ERR_ABORTED' }));
    controller.signal.addEventListener('abort', onAbort, { once: true });
  });
  const exchange = (async () => {
    const client = await loadUndici();
    destination.dispatcher ??= destination.newDispatcher(client);
    const response = await client.request(destination.url, {
      method: 'POST',
      dispatcher: destination.dispatcher,
      headers,
      body: wire,
      signal: controller.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await readAnswer(response.body);
    return { status: response.statusCode, retryAfter: parseRetryAfter(response.headers['retry-after'], now()) };
  })();
  // The loser of the race must not surface as an unhandled rejection.
  exchange.catch(() => undefined);
  aborted.catch(() => undefined);
  try {
    return await Promise.race([exchange, aborted]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) controller.signal.removeEventListener('abort', onAbort);
  }
}
