import type { JsonObject, JsonValue } from '../../../scrubbers/types.js';
import type { SendIdentity } from '../sink.js';

function object(value: JsonValue | undefined): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

/**
 * A stored (already scrubbed) scan event → Lakera's telemetry payload:
 * `timestamp, event_type, context, scan_result, metadata, project_id`. Content fields never
 * reach this point (the scrubber removed them before storage); fields outside this shape are
 * not sent to Lakera.
 */
export function toLakeraPayload(
  eventId: string,
  event: JsonObject,
  projectId: string | undefined,
  identity: SendIdentity,
): JsonObject {
  const metadata: JsonObject = { ...object(event['metadata']) };
  delete metadata['user_ip'];
  if (identity.ipHash !== undefined) metadata['user_ip_hash'] = identity.ipHash;
  const payload: JsonObject = {
    event_id: eventId,
    timestamp: event['timestamp'] ?? null,
    event_type: event['event_type'] ?? null,
    context: object(event['context']),
    scan_result: object(event['scan_result']),
    metadata,
    project_id: projectId ?? null,
  };
  if (identity.companyId !== undefined) payload['company_id'] = identity.companyId;
  if (identity.userHash !== undefined) payload['user_id'] = identity.userHash;
  return payload;
}
