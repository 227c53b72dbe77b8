import { existsSync, readFileSync } from 'node:fs';
import { filePages, guessPageSize, headerPageSize, headerReserved, readTableLeaf, type SqlValue } from './sqlite-pages.js';
import { readWal, type WalReport } from './sqlite-wal.js';
import type { DestinationName, NewOutboxRow } from './outbox.js';
import type { EventKind } from '../../scrubbers/types.js';

/** An outbox row read back from a damaged file, as it was queued. */
export interface SalvagedRow extends Omit<NewOutboxRow, 'destination'> {
  destination: DestinationName;
  id: number;
  createdAt: number;
}

/** A consent row read back from a damaged file. */
export interface SalvagedConsent {
  companyId: string;
  telemetryEnabled: boolean;
  idsAllowed: boolean;
  updatedAt: number;
}

/** Everything the salvage could read from a damaged database (and its WAL). */
export interface SalvageImage {
  /** Intact outbox rows, oldest id first. */
  rows: SalvagedRow[];
  consent: SalvagedConsent[];
  /** The keyed-hash key kept in the file, when it was readable. */
  hashKey: string | undefined;
  /** Outbox rows that were there but could not be read back (damaged cells, or missing against the stored total). */
  unreadable: number;
  /** True when `unreadable` is exact: the outbox's stored total was readable. */
  exact: boolean;
  /** The WAL as read, when there was one. */
  wal: WalReport | undefined;
}

const KINDS = new Set<string>(['error', 'scan']);
// Any sink's name (relay/sinks/routes.ts), not a fixed list: storage does not know the sinks, and a
// row queued for a destination configured in an earlier run is still an outbox row.
const DESTINATION_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

function isText(value: SqlValue | undefined): value is string {
  return typeof value === 'string';
}

function isInt(value: SqlValue | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

/** The outbox's row shape (see db.ts); `id` is the rowid alias and stored as NULL. */
function outboxRow(rowid: bigint, v: SqlValue[]): SalvagedRow | 'damaged' | undefined {
  if (v.length !== 12 || v[0] !== null || !isText(v[2]) || !isText(v[3]) || !KINDS.has(v[2]) || !DESTINATION_NAME.test(v[3])) return undefined;
  const [, eventId, kind, destination, companyId, userHash, ipHash, payload, findings, , createdAt] = v;
  const optionalText = (value: SqlValue | undefined) => value === null || isText(value);
  if (!isText(eventId) || !isText(companyId) || !optionalText(userHash) || !optionalText(ipHash) || !isText(payload) || !isText(findings) || !isInt(createdAt)) {
    return 'damaged';
  }
  // Rows are already scrubbed; one that is not valid JSON any more is damaged, never re-queued.
  if (!isJsonObject(payload) || !isJsonObject(findings)) return 'damaged';
  return {
    id: Number(rowid),
    eventId,
    kind: kind as EventKind,
    destination,
    companyId,
    userHash: userHash,
    ipHash: ipHash,
    payload,
    findings,
    createdAt,
  };
}

function consentRow(v: SqlValue[]): SalvagedConsent | undefined {
  const [companyId, telemetry, ids, updatedAt] = v;
  if (v.length !== 4 || !isText(companyId) || (telemetry !== 0 && telemetry !== 1) || (ids !== 0 && ids !== 1) || !isInt(updatedAt)) return undefined;
  return { companyId, telemetryEnabled: telemetry === 1, idsAllowed: ids === 1, updatedAt };
}

/**
 * Reads what can be read of a database image: the file's pages, overlaid with the newest intact
 * committed frame of each page from its WAL (frames SQLite would drop included). Every table leaf
 * page is read, reachable from the schema or not, so a damaged interior page or root loses nothing
 * but itself.
 */
export function readSalvageImage(db: Buffer | undefined, walBytes: Buffer | undefined): SalvageImage {
  const file = db ?? Buffer.alloc(0);
  const stated = headerPageSize(file);
  const wal = walBytes === undefined ? undefined : readWal(walBytes, stated ?? (file.length > 0 ? guessPageSize(file) : undefined));
  const known = stated ?? wal?.pageSize;
  if (known !== undefined) return readPages(file, wal, known);
  // The header is gone and no WAL tells: the page size that gives back the most rows is the one.
  let best = readPages(file, wal, guessPageSize(file));
  for (let size = 512; size <= 65536; size *= 2) {
    const image = readPages(file, wal, size);
    if (image.rows.length > best.rows.length) best = image;
  }
  return best;
}

function readPages(file: Buffer, wal: WalReport | undefined, pageSize: number): SalvageImage {
  const fromWal = wal?.pages ?? new Map<number, Buffer>();
  const page1 = fromWal.get(1) ?? file.subarray(0, 100);
  const usable = pageSize - (headerPageSize(page1) === undefined ? headerReserved(file) : headerReserved(page1));
  const fromFile = filePages(file, pageSize);
  const pages = (n: number) => fromWal.get(n) ?? fromFile(n);
  const pageCount = Math.max(Math.ceil(file.length / pageSize), ...fromWal.keys(), 0);

  const rows = new Map<number, SalvagedRow>();
  const consent = new Map<string, SalvagedConsent>();
  let damaged = 0;
  let total: number | undefined;
  let hashKey: string | undefined;
  for (let n = 1; n <= pageCount; n++) {
    const page = pages(n);
    if (page === undefined) continue;
    const leaf = readTableLeaf(page, n, usable, pages);
    if (leaf === undefined) continue;
    // A damaged cell cannot say which table it belonged to: only a page of outbox rows counts its losses.
    let outboxCells = 0;
    for (const { rowid, values } of leaf.rows) {
      const row = outboxRow(rowid, values);
      if (row === 'damaged') damaged += 1;
      else if (row !== undefined) rows.set(row.id, row);
      if (row !== undefined) {
        outboxCells += 1;
        continue;
      }
      const company = consentRow(values);
      if (company !== undefined) {
        const seen = consent.get(company.companyId);
        // Two readable versions of one company: the stricter one of each key, never a grant by mistake.
        consent.set(
          company.companyId,
          seen === undefined
            ? company
            : {
                companyId: company.companyId,
                telemetryEnabled: seen.telemetryEnabled && company.telemetryEnabled,
                idsAllowed: seen.idsAllowed && company.idsAllowed,
                updatedAt: Math.max(seen.updatedAt, company.updatedAt),
              },
        );
      } else if (values.length === 2 && values[0] === 'hash_key' && isText(values[1])) {
        hashKey = values[1];
      } else if (values.length === 3 && rowid === 1n && values[0] === null && isInt(values[1]) && isInt(values[2])) {
        total = values[1];
      }
    }
    if (outboxCells > 0) damaged += leaf.unreadable;
  }
  const intact = [...rows.values()].sort((a, b) => a.id - b.id);
  const missing = total === undefined ? 0 : Math.max(0, total - intact.length - damaged);
  return { rows: intact, consent: [...consent.values()], hashKey, unreadable: damaged + missing, exact: total !== undefined, wal };
}

/** Reads a database file and the WAL beside it (`FILE-wal`), either of which may be missing. */
export function readSalvageFiles(path: string): SalvageImage {
  const read = (file: string) => (existsSync(file) ? readFileSync(file) : undefined);
  return readSalvageImage(read(path), read(`${path}-wal`));
}
