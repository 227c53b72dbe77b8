// A reader of SQLite's on-disk format (https://www.sqlite.org/fileformat2.html), for salvage only:
// the better-sqlite3 build has neither `sqlite3_recover` nor the `sqlite_dbpage` table, and a file
// SQLite refuses to open must still give back the rows its intact pages hold.

/** A value of a decoded record, as SQLite stores it. */
export type SqlValue = null | number | bigint | string | Buffer;

/** One row read from a table b-tree leaf: its rowid and its column values. */
export interface PageRow {
  rowid: bigint;
  values: SqlValue[];
}

/** The rows of one table leaf page, and the cells on it that could not be read. */
export interface LeafRows {
  rows: PageRow[];
  /** Cells whose bounds, record header or overflow chain were damaged. */
  unreadable: number;
}

/** Page images by page number (1-based), as a file or a WAL overlay gives them. */
export type PageSource = (pageNumber: number) => Buffer | undefined;

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const TABLE_LEAF = 0x0d;
const PAGE_TYPES = new Set([0x02, 0x05, 0x0a, 0x0d]);

/** Reads a SQLite varint at `offset`; undefined when it runs past `end`. */
export function readVarint(buf: Buffer, offset: number, end = buf.length): { value: bigint; length: number } | undefined {
  let value = 0n;
  for (let i = 0; i < 9; i++) {
    if (offset + i >= end) return undefined;
    const byte = buf[offset + i]!;
    if (i === 8) return { value: (value << 8n) | BigInt(byte), length: 9 };
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) return { value, length: i + 1 };
  }
  return undefined;
}

/** The page size the header states, or undefined when the header is not SQLite's. */
export function headerPageSize(file: Buffer): number | undefined {
  if (file.length < 100 || !file.subarray(0, 16).equals(SQLITE_MAGIC)) return undefined;
  const raw = file.readUInt16BE(16);
  const size = raw === 1 ? 65536 : raw;
  return size >= 512 && (size & (size - 1)) === 0 ? size : undefined;
}

/** Bytes reserved at the end of each page (header byte 20); 0 when the header is unreadable. */
export function headerReserved(file: Buffer): number {
  return headerPageSize(file) === undefined ? 0 : file[20]!;
}

/**
 * The page size of a file whose header may be damaged: the stated one, else the power of two at
 * which the most pages start with a valid b-tree header.
 */
export function guessPageSize(file: Buffer): number {
  const stated = headerPageSize(file);
  if (stated !== undefined) return stated;
  const shares = new Map<number, number>();
  for (let size = 512; size <= 65536; size *= 2) {
    let score = 0;
    for (let offset = size; offset + 8 <= file.length; offset += size) {
      if (looksLikeBtreePage(file, offset, size)) score += 1;
    }
    shares.set(size, score / Math.max(1, Math.floor(file.length / size) - 1));
  }
  // Every multiple of the true size is a page start too, with about the same share of plausible
  // pages: the smallest size near the best share is the one.
  const best = Math.max(...shares.values());
  for (const [size, share] of shares) if (best > 0 && share >= 0.75 * best) return size;
  return 4096;
}

function looksLikeBtreePage(buf: Buffer, offset: number, pageSize: number): boolean {
  const type = buf[offset]!;
  if (!PAGE_TYPES.has(type)) return false;
  const cells = buf.readUInt16BE(offset + 3);
  const content = buf.readUInt16BE(offset + 5) || 65536;
  return content <= pageSize && content >= 8 + 2 * cells;
}

/** Pages of a database file image (a short last page is kept as far as it goes). */
export function filePages(file: Buffer, pageSize: number): PageSource {
  return (pageNumber) => {
    const start = (pageNumber - 1) * pageSize;
    if (pageNumber < 1 || start >= file.length) return undefined;
    return file.subarray(start, Math.min(file.length, start + pageSize));
  };
}

/** Reads every cell of a table leaf page; undefined when the page is not one. */
export function readTableLeaf(page: Buffer, pageNumber: number, usable: number, pages: PageSource): LeafRows | undefined {
  const header = pageNumber === 1 ? 100 : 0;
  if (page.length < header + 8 || page[header] !== TABLE_LEAF) return undefined;
  const cellCount = page.readUInt16BE(header + 3);
  const result: LeafRows = { rows: [], unreadable: 0 };
  for (let i = 0; i < cellCount; i++) {
    const pointerAt = header + 8 + 2 * i;
    if (pointerAt + 2 > page.length) {
      result.unreadable += cellCount - i;
      break;
    }
    const row = readCell(page, page.readUInt16BE(pointerAt), usable, pages);
    if (row === undefined) result.unreadable += 1;
    else result.rows.push(row);
  }
  return result;
}

function readCell(page: Buffer, offset: number, usable: number, pages: PageSource): PageRow | undefined {
  const end = Math.min(page.length, usable);
  const size = readVarint(page, offset, end);
  if (size === undefined) return undefined;
  const rowid = readVarint(page, offset + size.length, end);
  if (rowid === undefined) return undefined;
  const payloadSize = Number(size.value);
  const start = offset + size.length + rowid.length;
  const payload = assemblePayload(page, start, payloadSize, usable, pages);
  if (payload === undefined) return undefined;
  const values = decodeRecord(payload);
  return values === undefined ? undefined : { rowid: rowid.value, values };
}

/** The cell's payload, following its overflow chain when it does not fit on the page. */
function assemblePayload(page: Buffer, start: number, payloadSize: number, usable: number, pages: PageSource): Buffer | undefined {
  const maxLocal = usable - 35;
  if (payloadSize <= maxLocal) {
    return start + payloadSize <= Math.min(page.length, usable) ? page.subarray(start, start + payloadSize) : undefined;
  }
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const k = minLocal + ((payloadSize - minLocal) % (usable - 4));
  const local = k <= maxLocal ? k : minLocal;
  if (start + local + 4 > Math.min(page.length, usable)) return undefined;
  const parts = [page.subarray(start, start + local)];
  let remaining = payloadSize - local;
  let next = page.readUInt32BE(start + local);
  const seen = new Set<number>();
  while (remaining > 0) {
    if (next === 0 || seen.has(next)) return undefined;
    seen.add(next);
    const overflow = pages(next);
    if (overflow === undefined || overflow.length < usable) return undefined;
    const take = Math.min(remaining, usable - 4);
    parts.push(overflow.subarray(4, 4 + take));
    remaining -= take;
    next = overflow.readUInt32BE(0);
  }
  return Buffer.concat(parts);
}

/** Decodes a record (header of serial types, then the values); undefined when it is malformed. */
export function decodeRecord(payload: Buffer): SqlValue[] | undefined {
  const headerSize = readVarint(payload, 0);
  if (headerSize === undefined) return undefined;
  const headerEnd = Number(headerSize.value);
  if (headerEnd > payload.length || headerEnd < headerSize.length) return undefined;
  const types: number[] = [];
  for (let at = headerSize.length; at < headerEnd; ) {
    const type = readVarint(payload, at, headerEnd);
    if (type === undefined) return undefined;
    types.push(Number(type.value));
    at += type.length;
  }
  const values: SqlValue[] = [];
  let at = headerEnd;
  for (const type of types) {
    const width = serialWidth(type);
    if (width === undefined || at + width > payload.length) return undefined;
    values.push(serialValue(type, payload, at, width));
    at += width;
  }
  return at === payload.length ? values : undefined;
}

const INT_WIDTHS = [0, 1, 2, 3, 4, 6, 8];

function serialWidth(type: number): number | undefined {
  if (type <= 6) return INT_WIDTHS[type];
  if (type === 7) return 8;
  if (type === 8 || type === 9) return 0;
  if (type >= 12) return Math.floor((type - 12) / 2);
  return undefined;
}

function serialValue(type: number, buf: Buffer, at: number, width: number): SqlValue {
  if (type === 0) return null;
  if (type === 8) return 0;
  if (type === 9) return 1;
  if (type === 7) return buf.readDoubleBE(at);
  if (type <= 6) {
    const big = width === 8 ? buf.readBigInt64BE(at) : BigInt(buf.readIntBE(at, width));
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  const bytes = buf.subarray(at, at + width);
  return type % 2 === 1 ? bytes.toString('utf8') : Buffer.from(bytes);
}
