import type { CompanyConsent } from '../../config/consent.js';
import type { OutboxRow } from '../storage/outbox.js';
import { sinkNamed } from './routes.js';
import type { SendIdentity } from './sink.js';

/** The identifiers a company allowed, added at send time only. */
export function sendIdentity(row: Pick<OutboxRow, 'companyId' | 'userHash' | 'ipHash'>, consent: CompanyConsent): SendIdentity {
  if (!consent.idsAllowed) return {};
  return {
    companyId: row.companyId,
    ...(row.userHash === null ? {} : { userHash: row.userHash }),
    ...(row.ipHash === null ? {} : { ipHash: row.ipHash }),
  };
}

/** One event exactly as the destination called `destination` is sent it (see each sink's `encode`). */
export function renderEvent(
  destination: string,
  row: Pick<OutboxRow, 'eventId' | 'payload'>,
  identity: SendIdentity,
  projectId: string | undefined,
): string {
  return sinkNamed(destination).encode(row, identity, { projectId });
}
