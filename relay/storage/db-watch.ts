import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Calls `changed` when the database file or its WAL is written, by this process or another one
 * (the CLI replaying dead letters, `outbox recover`): an inotify watch instead of a polling timer,
 * so an idle relay is not woken. Returns a stop function. Where the file system cannot be watched
 * (`:memory:`, some network file systems, no inotify watches left) it watches nothing: rows
 * written by another process are then sent with the next event or retry.
 */
export function watchDatabaseWrites(dbPath: string, changed: () => void): () => void {
  if (dbPath === ':memory:' || dbPath === '') return () => {};
  const name = basename(dbPath);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(dbPath), { persistent: false }, (_event, file) => {
      if (file === null || file.startsWith(name)) changed();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    return () => {};
  }
  return () => watcher?.close();
}
