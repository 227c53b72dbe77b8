import { randomBytes } from 'node:crypto';
import type { Durability } from '../config/env.js';
import { AdminAudit } from './admin-audit.js';
import { ConsentStore } from './consent-store.js';
import { openDatabase, type Db } from './db.js';
import { EgressAudit } from './egress-audit.js';
import { Outbox } from './outbox.js';
import { Subjects } from './subjects.js';

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
  close(): void;
}

export function openStores(options: {
  dbPath: string;
  durability: Durability;
  hashKey: string | undefined;
  now?: () => number;
}): Stores {
  const now = options.now ?? Date.now;
  const { db, movedAside } = openDatabase(options.dbPath, options.durability, now);
  const outbox = new Outbox(db, now);
  const audit = new AdminAudit(db, now);
  const consent = new ConsentStore(db, outbox, audit, now);
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
    close: () => {
      if (db.open) db.close();
    },
  };
}

function storedHashKey(db: Db): string {
  db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('hash_key', ?)").run(randomBytes(32).toString('hex'));
  return db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'hash_key'").get()!.value;
}
