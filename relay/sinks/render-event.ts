import type { CompanyConsent } from '../../config/consent.js';
import type { JsonObject } from '../../scrubbers/types.js';
import { toLakeraPayload, type SendIdentity } from './lakera.js';
import type { DestinationName, OutboxRow } from '../storage/outbox.js';

/** The identifiers a company allowed, added at send time only. */
export function sendIdentity(row: Pick<OutboxRow, 'companyId' | 'userHash' | 'ipHash'>, consent: CompanyConsent): SendIdentity {
  if (!consent.idsAllowed) return {};
  return {
    companyId: row.companyId,
    ...(row.userHash === null ? {} : { userHash: row.userHash }),
    ...(row.ipHash === null ? {} : { ipHash: row.ipHash }),
  };
}

/**
 * One event exactly as it is sent: for diagnostics the stored JSON with the stable id (and the
 * allowed identifiers) spliced in front, without re-parsing it; for Lakera its telemetry payload.
 */
export function renderEvent(
  destination: DestinationName,
  row: Pick<OutboxRow, 'eventId' | 'payload'>,
  identity: SendIdentity,
  projectId: string | undefined,
): string {
  if (destination === 'lakera') {
    return JSON.stringify(toLakeraPayload(row.eventId, JSON.parse(row.payload) as JsonObject, projectId, identity));
  }
  let head = `{"event_id":${JSON.stringify(row.eventId)}`;
  if (identity.companyId !== undefined) head += `,"company_id":${JSON.stringify(identity.companyId)}`;
  if (identity.userHash !== undefined) head += `,"user_id":${JSON.stringify(identity.userHash)}`;
  const rest = row.payload.slice(1);
  return rest.trimStart().startsWith('}') ? `${head}}` : `${head},${rest}`;
}
