/** One item of a Sentry envelope: its header and its raw payload bytes. */
export interface EnvelopeItem {
  /** The item header's `type` (`event`, `transaction`, `session`, `attachment`, …). */
  type: string;
  header: Record<string, unknown>;
  payload: Buffer;
}

/** A parsed Sentry envelope. */
export interface Envelope {
  header: Record<string, unknown>;
  items: EnvelopeItem[];
}

/**
 * Why an envelope could not be read. The message names the part (header, item index) and the
 * problem, never the content.
 */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

/**
 * Envelope item types the relay knows and drops (only `event` items are kept); any other type is
 * counted as `sentry_other`, so a client cannot create metric labels at will.
 */
export const SENTRY_DROPPED_TYPES: ReadonlySet<string> = new Set([
  'transaction', 'session', 'sessions', 'attachment', 'replay_event', 'replay_recording', 'replay_video',
  'client_report', 'profile', 'profile_chunk', 'check_in', 'span', 'otel_span', 'log', 'otel_log', 'statsd',
  'metric_meta', 'trace_metric', 'feedback', 'user_report', 'security', 'raw_security', 'nel',
]);

const NEWLINE = 0x0a;

/**
 * Parses a Sentry envelope: a JSON header line, then items, each a JSON header line followed by a
 * payload. A payload is `length` bytes when the item header gives `length` (so it may contain
 * newlines or binary data), otherwise it runs to the next newline.
 * See https://develop.sentry.dev/sdk/data-model/envelopes/.
 * @example parseEnvelope(Buffer.from('{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event"}\n{}\n'))
 */
export function parseEnvelope(body: Buffer, maxItems = 1000): Envelope {
  let offset = 0;
  const readLine = (): Buffer | undefined => {
    if (offset >= body.length) return undefined;
    const end = body.indexOf(NEWLINE, offset);
    const line = body.subarray(offset, end === -1 ? body.length : end);
    offset = end === -1 ? body.length : end + 1;
    return line;
  };

  const headerLine = readLine();
  if (headerLine === undefined || headerLine.toString('utf8').trim() === '') {
    throw new EnvelopeError('envelope header is missing (the first line must be a JSON object)');
  }
  const header = jsonObject(headerLine, 'envelope header');
  const items: EnvelopeItem[] = [];

  while (offset < body.length) {
    const line = readLine();
    if (line === undefined) break;
    // Blank lines between items (and the trailing newline) are allowed by the format.
    if (line.toString('utf8').trim() === '') continue;
    const index = items.length;
    if (index >= maxItems) throw new EnvelopeError(`envelope has more than ${maxItems} items`);
    const itemHeader = jsonObject(line, `item ${index} header`);
    const type = itemHeader['type'];
    if (typeof type !== 'string' || type === '') {
      throw new EnvelopeError(`item ${index} header: field "type" is required and must be a string`);
    }
    const length = itemHeader['length'];
    let payload: Buffer;
    if (length === undefined || length === null) {
      payload = readLine() ?? Buffer.alloc(0);
    } else {
      if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
        throw new EnvelopeError(`item ${index} header: field "length" must be a non-negative integer`);
      }
      if (offset + length > body.length) {
        throw new EnvelopeError(`item ${index}: payload is shorter than its "length" of ${length} bytes`);
      }
      payload = body.subarray(offset, offset + length);
      offset += length;
      // The payload is followed by a newline unless it is the last thing in the envelope.
      if (offset < body.length) {
        if (body[offset] !== NEWLINE) {
          throw new EnvelopeError(`item ${index}: payload is longer than its "length" of ${length} bytes`);
        }
        offset += 1;
      }
    }
    items.push({ type, header: itemHeader, payload });
  }
  return { header, items };
}

/** Parses an item payload as a JSON object, naming the item when it is not one. */
export function itemJson(item: EnvelopeItem, index: number): Record<string, unknown> {
  return jsonObject(item.payload, `item ${index} (${safeType(item.type)}) payload`);
}

function jsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new EnvelopeError(`${what} is not valid UTF-8`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new EnvelopeError(`${what} is not valid JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new EnvelopeError(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** An item type as it may appear in a message or a metric label: short, `[a-z0-9_]` only. */
export function safeType(type: string): string {
  return /^[a-z][a-z0-9_]{0,31}$/.test(type) ? type : 'unknown';
}
