// The outbox's rows, as written and as read, and the SQL its queries share.
import type { EventKind } from '../../scrubbers/types.js';

/** A destination's name (a sink in relay/sinks/routes.ts): `diagnostics`, `lakera`. */
export type DestinationName = string;

/** A scrubbed event ready to be written. `payload` is already free of raw values. */
export interface NewOutboxRow {
  eventId: string;
  kind: EventKind;
  /**
   * Where it goes. With several, one row per destination is written, in the same transaction as
   * the rest: an accepted event is queued for all of them or (on a crash, a full disk) for none.
   */
  destination: DestinationName | readonly DestinationName[];
  companyId: string;
  userHash: string | null;
  ipHash: string | null;
  payload: string;
  /** JSON object `{rule: count}` of what the scrubber removed. */
  findings: string;
}

export interface OutboxRow extends Omit<NewOutboxRow, 'destination'> {
  destination: DestinationName;
  id: number;
  bytes: number;
  createdAt: number;
  attempts: number;
}

export interface DeadLetterRow extends OutboxRow {
  failedAt: number;
  reason: string;
}

/** One destination's share of the outbox, for the metrics. */
export interface DestinationQueue {
  events: number;
  bytes: number;
  /** When its oldest queued event was written (ms), or null when it has none. */
  oldestCreatedAt: number | null;
}

export interface OutboxTotals {
  events: number;
  bytes: number;
  oldestCreatedAt: number | null;
  byDestination: Record<string, number>;
  deadLetters: number;
}

export function destinationsOf(row: NewOutboxRow): readonly DestinationName[] {
  return typeof row.destination === 'string' ? [row.destination] : row.destination;
}

/** Rows read per step when expiring from the front of the outbox. */
export const EXPIRE_PAGE = 500;

export const ROW_COLUMNS = `id, event_id AS eventId, kind, destination, company_id AS companyId, user_hash AS userHash,
  ip_hash AS ipHash, payload, findings, bytes, created_at AS createdAt, attempts`;

// Totals are kept by triggers so that every process writing the file (the relay, the CLI) keeps
// them right, and reading them costs one row instead of a scan of the outbox.
export const TOTALS_SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox_totals (id INTEGER PRIMARY KEY CHECK (id = 1), events INTEGER NOT NULL, bytes INTEGER NOT NULL) STRICT;
INSERT OR IGNORE INTO outbox_totals (id, events, bytes) SELECT 1, COUNT(*), COALESCE(SUM(bytes), 0) FROM outbox;
CREATE TRIGGER IF NOT EXISTS outbox_totals_insert AFTER INSERT ON outbox
BEGIN UPDATE outbox_totals SET events = events + 1, bytes = bytes + NEW.bytes WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS outbox_totals_delete AFTER DELETE ON outbox
BEGIN UPDATE outbox_totals SET events = events - 1, bytes = bytes - OLD.bytes WHERE id = 1; END;
CREATE TABLE IF NOT EXISTS outbox_destination_totals (destination TEXT PRIMARY KEY, events INTEGER NOT NULL, bytes INTEGER NOT NULL) STRICT;
INSERT OR IGNORE INTO outbox_destination_totals (destination, events, bytes)
  SELECT destination, COUNT(*), COALESCE(SUM(bytes), 0) FROM outbox
  WHERE NOT EXISTS (SELECT 1 FROM outbox_destination_totals) GROUP BY destination;
CREATE TRIGGER IF NOT EXISTS outbox_destination_totals_insert AFTER INSERT ON outbox
BEGIN INSERT INTO outbox_destination_totals (destination, events, bytes) VALUES (NEW.destination, 1, NEW.bytes)
  ON CONFLICT (destination) DO UPDATE SET events = events + 1, bytes = bytes + excluded.bytes; END;
CREATE TRIGGER IF NOT EXISTS outbox_destination_totals_delete AFTER DELETE ON outbox
BEGIN UPDATE outbox_destination_totals SET events = events - 1, bytes = bytes - OLD.bytes WHERE destination = OLD.destination; END;
`;

