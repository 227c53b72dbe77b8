import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, readSync, renameSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Durability } from '../../config/env.js';
import { readSalvageFiles, readSalvageImage, type SalvageImage } from './salvage.js';
import { headerPageSize } from './sqlite-pages.js';
import { readWal } from './sqlite-wal.js';

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

CREATE TABLE IF NOT EXISTS consent (
  company_id TEXT PRIMARY KEY,
  telemetry_enabled INTEGER NOT NULL,
  ids_allowed INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- No AUTOINCREMENT: its sqlite_sequence row is one more page written by every commit, and no
-- outbox id is ever referenced after its row is gone.
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  destination TEXT NOT NULL,
  company_id TEXT NOT NULL,
  user_hash TEXT,
  ip_hash TEXT,
  payload TEXT NOT NULL,
  findings TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS outbox_destination ON outbox (destination, id);
-- Only the forwarder's index: each more index costs every ingested and every delivered event a
-- b-tree write (insert 12 -> 7 us/row without these three). Purges and subject requests are rare
-- and scan the bounded outbox; retention reads it from the oldest row (ids follow created_at).
DROP INDEX IF EXISTS outbox_company;
DROP INDEX IF EXISTS outbox_user;
DROP INDEX IF EXISTS outbox_created;

CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  destination TEXT NOT NULL,
  company_id TEXT NOT NULL,
  user_hash TEXT,
  ip_hash TEXT,
  payload TEXT NOT NULL,
  findings TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  failed_at INTEGER NOT NULL,
  reason TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS dead_letters_company ON dead_letters (company_id);
CREATE INDEX IF NOT EXISTS dead_letters_user ON dead_letters (user_hash);

CREATE TABLE IF NOT EXISTS egress_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sent_at INTEGER NOT NULL,
  destination TEXT NOT NULL,
  host TEXT NOT NULL,
  status INTEGER,
  outcome TEXT NOT NULL,
  event_count INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  companies TEXT NOT NULL,
  user_hashes TEXT NOT NULL,
  scrub_counts TEXT NOT NULL,
  body BLOB
) STRICT;
CREATE INDEX IF NOT EXISTS egress_sent ON egress_audit (sent_at);

CREATE TABLE IF NOT EXISTS admin_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT,
  details TEXT NOT NULL
) STRICT;
CREATE TRIGGER IF NOT EXISTS admin_audit_no_update BEFORE UPDATE ON admin_audit
BEGIN SELECT RAISE(ABORT, 'admin_audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS admin_audit_retention_only BEFORE DELETE ON admin_audit
WHEN OLD.at >= COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'admin_audit_cutoff'), 0)
BEGIN SELECT RAISE(ABORT, 'admin_audit rows are removed only by retention'); END;
`;

/** How the files found at open were damaged. */
export type DamageKind = 'corrupt_file' | 'wal_frames_dropped' | 'empty_database_with_wal' | 'wal_without_database';

/** Damage found at open, and what could be read back from the damaged files. */
export interface StorageDamage {
  kind: DamageKind;
  /** Where the damaged files were moved (or the WAL copied) for salvage and post-mortem. */
  keptAt: string;
  /** Committed WAL frames SQLite would have dropped (checksum chain broken, or no database beside the WAL). */
  droppedFrames: number;
  image: SalvageImage;
}

/** What opening the database found. */
export interface OpenResult {
  db: Db;
  /** Set when the file was damaged and moved aside; the path it was moved to. */
  movedAside: string | undefined;
  damage: StorageDamage | undefined;
}

function configure(db: Db, durability: Durability): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  // Deleted rows (revoked consent, erasure) are overwritten, so their bytes do not linger in the file.
  db.pragma('secure_delete = ON');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
}

function quickCheck(db: Db): void {
  const rows = db.pragma('quick_check', { simple: false }) as { quick_check: string }[];
  const first = rows[0]?.quick_check;
  if (first !== 'ok') throw new Error(`quick_check: ${first ?? 'no result'}`);
}

/**
 * Opens (or creates) the relay's SQLite file, in WAL mode with the chosen durability. A file that
 * is damaged or not a database is moved aside (with its WAL) and a fresh one is created, so that a
 * corrupt buffer never keeps the relay from starting.
 */
export function openDatabase(path: string, durability: Durability, now: () => number = Date.now): OpenResult {
  try {
    return openOrMoveAside(path, durability, now);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new StorageOpenError(
      `cannot open the database at ${path} (${typeof code === 'string' ? code : (error as Error).name}): ` +
        'check that its directory exists, is writable by this user and the volume is not read-only or full',
      { cause: error },
    );
  }
}

/** The database file cannot be created or opened (permissions, read-only or full volume); the message names the path. */
export class StorageOpenError extends Error {
  override readonly name = 'StorageOpenError';
  readonly code = 'storage_open_failed';
}

function openOrMoveAside(path: string, durability: Durability, now: () => number): OpenResult {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // Read before SQLite opens the file, and kept: a salvage must see the WAL as it was, whatever
  // opening and closing a damaged file does to it. A WAL of its header alone holds no frame.
  const walBefore = path === ':memory:' || (fileSize(`${path}-wal`) ?? 0) <= 32 ? undefined : readFileSync(`${path}-wal`);
  const found = walBefore === undefined ? undefined : inspectWal(path, walBefore, now);
  if (found !== undefined && 'orphan' in found) {
    // SQLite would delete this WAL and start empty: every event in it would vanish without a word.
    const aside = moveAside(path, now);
    const db = new Database(path);
    configure(db, durability);
    const image = readSalvageFiles(aside);
    return { db, movedAside: aside, damage: { kind: found.orphan, keptAt: aside, droppedFrames: image.wal?.dropped ?? 0, image } };
  }
  try {
    const db = new Database(path);
    try {
      quickCheck(db);
      configure(db, durability);
      return { db, movedAside: undefined, damage: found?.damage };
    } catch (error) {
      db.close();
      throw error;
    }
  } catch (error) {
    if (path === ':memory:' || !isCorruption(error)) throw error;
    const aside = moveAside(path, now);
    const db = new Database(path);
    configure(db, durability);
    const image = readSalvageImage(readFileSync(aside), walBefore ?? (existsSync(`${aside}-wal`) ? readFileSync(`${aside}-wal`) : undefined));
    return { db, movedAside: aside, damage: { kind: 'corrupt_file', keptAt: aside, droppedFrames: image.wal?.dropped ?? 0, image } };
  }
}

function moveAside(path: string, now: () => number): string {
  const aside = `${path}.corrupt-${now()}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  return aside;
}

/** The size of a file in bytes, or undefined when there is none. */
export function fileSize(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

function readHeader(file: string): Buffer {
  const header = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  return header;
}

/**
 * Looks at the WAL before SQLite does: SQLite silently deletes a WAL beside a missing or empty
 * database file, and silently drops every commit after a frame whose checksum fails. Both are
 * caught here; for dropped commits the WAL is copied aside and the image read now, before the
 * open replays and checkpoints the part SQLite keeps.
 */
function inspectWal(path: string, wal: Buffer, now: () => number): { orphan: DamageKind } | { damage: StorageDamage } | undefined {
  const dbSize = fileSize(path);
  if (dbSize === undefined) return { orphan: 'wal_without_database' };
  if (dbSize === 0) return { orphan: 'empty_database_with_wal' };
  const report = readWal(wal, headerPageSize(readHeader(path)));
  if (report === undefined || report.dropped === 0) return undefined;
  // A process that has the database open (the relay, while the CLI starts) may be appending frames
  // while they are read: a torn read looks like a broken chain. Such a WAL reads differently twice;
  // a damaged one reads the same.
  if (!readFileSync(`${path}-wal`).equals(wal)) return undefined;
  const keptAt = `${path}-wal.dropped-${now()}`;
  copyFileSync(`${path}-wal`, keptAt);
  return { damage: { kind: 'wal_frames_dropped', keptAt, droppedFrames: report.dropped, image: readSalvageImage(readFileSync(path), wal) } };
}

function isCorruption(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    code === 'SQLITE_CORRUPT' ||
    code === 'SQLITE_NOTADB' ||
    (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT')) ||
    error.message.startsWith('quick_check:')
  );
}

/** New events are refused: the volume filled and the space reserve is not taken again yet. */
export class VolumeFullError extends Error {
  override readonly name = 'VolumeFullError';
  // SQLite's own code, so that every caller treats it as the storage fault it is.
  readonly code = 'SQLITE_FULL';
  constructor() {
    super('the volume is full; new events are refused until space returns');
  }
}

/** True for SQLITE_FULL (and our own {@link VolumeFullError}). */
export function isVolumeFull(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_FULL';
}

/** True for SQLite errors that mean "storage is not usable right now" rather than a bug. */
export function isStorageFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|BUSY|LOCKED|PROTOCOL|CORRUPT|NOTADB)/.test(code)
  );
}

/**
 * Bytes an unprivileged writer can still use on the volume that holds the database, or
 * undefined for an in-memory database or when the volume cannot be asked.
 */
export function volumeFreeBytes(path: string): number | undefined {
  if (path === ':memory:') return undefined;
  try {
    const stats = statfsSync(dirname(path));
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}
