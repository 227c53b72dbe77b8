import { decodeBody, parseEvents, type BodyLimits } from '../http/parse-body.js';

/**
 * The decode stage: a request body to its events — `Content-Encoding` undone within the body
 * limit, then one JSON object, a JSON array or NDJSON as `Content-Type` says, each event held to
 * the structural limits. Shared by the main thread and the scrub worker. Throws the 4xx.
 */
export function decodeEvents(raw: Uint8Array, contentEncoding: string | undefined, contentType: string | undefined, limits: BodyLimits): unknown[] {
  return parseEvents(decodeBody(raw, contentEncoding, limits.maxBodyBytes), contentType, limits);
}
