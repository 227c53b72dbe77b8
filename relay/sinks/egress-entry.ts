import type { NewEgressRecord } from './egress-audit.js';
import type { Destination } from './destination.js';
import type { SendItem } from './send-gate.js';
import type { Outcome } from './send-policy.js';

/** What the egress audit records about one upstream request: who was in it, and what left. */
export function egressEntry(
  destination: Pick<Destination, 'name' | 'config'>,
  items: readonly SendItem[],
  request: { outcome: Outcome; status: number | null; sentAt: number; wire: Buffer; keepBody: boolean },
): NewEgressRecord {
  const scrubCounts: Record<string, number> = {};
  const companies = new Set<string>();
  const userHashes = new Set<string>();
  for (const { row, consent } of items) {
    companies.add(row.companyId);
    if (consent.idsAllowed && row.userHash !== null) userHashes.add(row.userHash);
    for (const [rule, count] of Object.entries(JSON.parse(row.findings) as Record<string, number>)) {
      scrubCounts[rule] = (scrubCounts[rule] ?? 0) + count;
    }
  }
  return {
    sentAt: request.sentAt,
    destination: destination.name,
    host: destination.config.url.host,
    status: request.status,
    outcome: request.outcome,
    eventCount: items.length,
    companies: [...companies],
    userHashes: [...userHashes],
    scrubCounts,
    wireBody: request.wire,
    keepBody: request.keepBody,
  };
}
