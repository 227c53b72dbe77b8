import { randomBytes } from 'node:crypto';
import type { Durability } from '../../config/env.js';
import { AdminAudit } from '../admin/admin-audit.js';
import { ConsentFile, type ConsentFileResult } from '../admin/consent-file.js';
import { ConsentStore } from '../admin/consent-store.js';
import { isStorageFault, openDatabase, volumeFreeBytes, type DamageKind, type Db, type StorageDamage } from './db.js';
import { EgressAudit } from '../sinks/egress-audit.js';
import { Outbox } from './outbox.js';
import { restoreSalvage, type SalvageOutcome } from './salvage-restore.js';
import { SpaceReserve } from './space-reserve.js';
import { Subjects } from '../admin/subjects.js';

/** Everything the relay keeps in its SQLite file, opened once and shared by the service and the CLI. */
export interface Stores {
  db: Db;
  outbox: Outbox;
  consent: ConsentStore;
  audit: AdminAudit;
  egress: EgressAudit;
  subjects: Subjects;
  /** The key for keyed hashes: `RELAY_HASH_KEY`, or a random key created once and kept in the file. */
  hashKey: string;
  /** Set when a damaged file was moved aside at open. */
  movedAside: string | undefined;
  /** The running relay's space reserve (undefined for the CLI, an in-memory database or a reserve of 0). */
  reserve: SpaceReserve | undefined;
  /** The declarative consent file, when configured, and what reading it at open did. */
  consentFile: { source: ConsentFile; initial: ConsentFileResult } | undefined;
  /** Set when the files were damaged at open: what was found and what was read back and queued again. */
  salvage: StartupSalvage | undefined;
  close(): void;
}

/** Damage found at open and the salvage of it. */
export interface StartupSalvage extends SalvageOutcome {
  /** The SQLite code when queueing failed on storage (nothing was queued; the kept file can be recovered later). */
  failed?: string;
  kind: DamageKind;
  /** Where the damaged files (or a copy of the damaged WAL) were kept. */
  keptAt: string;
  /** Committed WAL frames SQLite would have dropped. */
  droppedFrames: number;
}

export function openStores(options: {
  dbPath: string;
  durability: Durability;
  hashKey: string | undefined;
  now?: () => number;
  /**
   * The running relay's volume guard (see {@link SpaceReserve}): the reserve's size, and the room
   * new events need after it (`headroomBytes`). The CLI's short writes go without.
   */
  space?: { reserveBytes: number; headroomBytes: number } | undefined;
  /** `RELAY_CONSENT_FILE`: applied at open, before a salvage decides which events may be queued again. */
  consentFile?: string | undefined;
}): Stores {
  const now = options.now ?? Date.now;
  const { db, movedAside, damage } = openDatabase(options.dbPath, options.durability, now);
  const space =
    options.space === undefined || options.space.reserveBytes === 0 || options.dbPath === ':memory:'
      ? undefined
      : {
          reserve: new SpaceReserve(`${options.dbPath}.reserve`, options.space.reserveBytes, () => volumeFreeBytes(options.dbPath)),
          headroomBytes: options.space.headroomBytes,
        };
  if (space !== undefined) {
    space.reserve.tryHold(space.headroomBytes);
    // What the WAL holds beyond the file must fit in the reserve for the checkpoint that follows a
    // full volume: checkpoint at half of it (SQLite's default is 1000 pages, 4 MiB).
    db.pragma(`wal_autocheckpoint = ${Math.max(64, Math.floor(space.reserve.bytes / 2 / (db.pragma('page_size', { simple: true }) as number)))}`);
  }
  const outbox = new Outbox(db, now, space);
  const audit = new AdminAudit(db, now);
  const consent = new ConsentStore(db, outbox, audit, now);
  const consentFile = options.consentFile === undefined ? undefined : new ConsentFile(options.consentFile, consent);
  const consentFileState = consentFile === undefined ? undefined : { source: consentFile, initial: consentFile.load() };
  // Before the hash key is read: a fresh file takes the damaged one's key, so pseudonyms stay stable.
  const salvage: StartupSalvage | undefined =
    damage === undefined
      ? undefined
      : { kind: damage.kind, keptAt: damage.keptAt, droppedFrames: damage.droppedFrames, ...restoreOrReport({ db, outbox, consent, audit }, damage) };
  const egress = new EgressAudit(db);
  const hashKey = options.hashKey ?? storedHashKey(db);
  const subjects = new Subjects(db, hashKey, audit);
  return {
    db,
    outbox,
    consent,
    audit,
    egress,
    subjects,
    hashKey,
    movedAside,
    reserve: space?.reserve,
    consentFile: consentFileState,
    salvage,
    close: () => {
      if (db.open) db.close();
    },
  };
}

/**
 * The salvage, or (storage failing, e.g. the volume is full) what it read and that nothing was
 * queued: the relay starts all the same, and the kept file can be recovered later with
 * `outbox recover`.
 */
function restoreOrReport(stores: Parameters<typeof restoreSalvage>[0], damage: StorageDamage): SalvageOutcome & { failed?: string } {
  try {
    return restoreSalvage(stores, damage.image, damage.keptAt);
  } catch (error) {
    if (!isStorageFault(error)) throw error;
    const { rows, unreadable, exact } = damage.image;
    return { read: rows.length, requeued: 0, alreadyQueued: 0, withoutConsent: 0, unreadable, exact, consentRestored: 0, failed: String((error as { code?: unknown }).code) };
  }
}

function storedHashKey(db: Db): string {
  db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('hash_key', ?)").run(randomBytes(32).toString('hex'));
  return db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'hash_key'").get()!.value;
}
