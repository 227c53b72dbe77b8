// SQLite's write-ahead log, read the way SQLite recovers it and also past the point where SQLite
// stops (https://www.sqlite.org/fileformat2.html#walformat): a frame whose checksum fails ends
// SQLite's replay, and every commit after it is dropped without a word.

const WAL_HEADER = 32;
const FRAME_HEADER = 24;
const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;

/** What a WAL holds, frame by frame. */
export interface WalReport {
  pageSize: number;
  /** Frames SQLite replays: up to its last commit frame before the first checksum failure. */
  replayed: number;
  /**
   * Committed frames SQLite drops: frames after the first checksum failure (or all of them, when
   * the WAL header itself is damaged) whose own checksum still holds, up to their last commit.
   */
  dropped: number;
  /** Frames of this WAL generation whose checksum fails (garbage). */
  damaged: number;
  /** The newest intact committed image of each page, replayed and dropped frames alike. */
  pages: Map<number, Buffer>;
}

function checksum(data: Buffer, start: number, end: number, bigEndian: boolean, s: [number, number]): [number, number] {
  let [s0, s1] = s;
  for (let i = start; i + 8 <= end; i += 8) {
    const a = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const b = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    s0 = (s0 + a + s1) >>> 0;
    s1 = (s1 + b + s0) >>> 0;
  }
  return [s0, s1];
}

/**
 * Reads a WAL image. `fallbackPageSize` is used when the WAL header is damaged (then the salt of
 * the first frame stands for the generation). Undefined when nothing in it can be a frame.
 */
export function readWal(wal: Buffer, fallbackPageSize: number | undefined): WalReport | undefined {
  if (wal.length < WAL_HEADER) return undefined;
  const magic = wal.readUInt32BE(0);
  const headerPageSize = wal.readUInt32BE(8);
  const headerIntact =
    (magic === MAGIC_LE || magic === MAGIC_BE) &&
    headerPageSize >= 512 &&
    (headerPageSize & (headerPageSize - 1)) === 0 &&
    headerPageSize <= 65536 &&
    (() => {
      const [c0, c1] = checksum(wal, 0, 24, magic === MAGIC_BE, [0, 0]);
      return c0 === wal.readUInt32BE(24) && c1 === wal.readUInt32BE(28);
    })();
  const pageSize = headerIntact ? headerPageSize : fallbackPageSize;
  if (pageSize === undefined || wal.length < WAL_HEADER + FRAME_HEADER + pageSize) return undefined;
  // A damaged header loses the byte order too: a little-endian host writes 0x377f0682.
  const bigEndian = headerIntact ? magic === MAGIC_BE : false;
  const salt1 = headerIntact ? wal.readUInt32BE(16) : wal.readUInt32BE(WAL_HEADER + 8);
  const salt2 = headerIntact ? wal.readUInt32BE(20) : wal.readUInt32BE(WAL_HEADER + 12);

  const frameSize = FRAME_HEADER + pageSize;
  const frames = Math.floor((wal.length - WAL_HEADER) / frameSize);
  let previous: [number, number] = headerIntact ? [wal.readUInt32BE(24), wal.readUInt32BE(28)] : [0, 0];
  let chainIntact = headerIntact;
  let replayed = 0;
  let damaged = 0;
  let dropped = 0;
  // Frames of the transaction not yet committed: SQLite keeps them only once its commit frame comes.
  let pending: [number, Buffer][] = [];
  const pages = new Map<number, Buffer>();

  for (let i = 0; i < frames; i++) {
    const at = WAL_HEADER + i * frameSize;
    // Another generation's frame (left behind after a WAL reset) or a header overwritten by garbage.
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) {
      chainIntact = false;
      previous = [wal.readUInt32BE(at + 16), wal.readUInt32BE(at + 20)];
      continue;
    }
    const stored: [number, number] = [wal.readUInt32BE(at + 16), wal.readUInt32BE(at + 20)];
    let sum = checksum(wal, at, at + 8, bigEndian, previous);
    sum = checksum(wal, at + FRAME_HEADER, at + frameSize, bigEndian, sum);
    previous = stored;
    // With a damaged WAL header the first frame's chain has no start to be checked against.
    const intact = (sum[0] === stored[0] && sum[1] === stored[1]) || (!headerIntact && i === 0);
    if (!intact) {
      damaged += 1;
      chainIntact = false;
      continue;
    }
    pending.push([wal.readUInt32BE(at), wal.subarray(at + FRAME_HEADER, at + frameSize)]);
    if (wal.readUInt32BE(at + 4) === 0) continue;
    for (const [page, data] of pending) pages.set(page, data);
    if (chainIntact) replayed += pending.length;
    else dropped += pending.length;
    pending = [];
  }
  return { pageSize, replayed, dropped, damaged, pages };
}
