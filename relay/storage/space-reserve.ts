import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { fileSize } from './db.js';

const CHUNK = 1024 * 1024;

/**
 * A file of zeros beside the database that holds back part of the volume. When the volume fills
 * (SQLITE_FULL), it is deleted: that space lets the WAL be checkpointed and delivered rows be
 * deleted, which is what frees the rest. It is taken again once the volume has room for it and
 * the largest write after it; until then new events are refused, so ingest cannot eat the space
 * that delivery needs.
 */
export class SpaceReserve {
  private held: boolean;
  private readonly listeners: ((held: boolean) => void)[] = [];

  /**
   * @param path the reserve file (`<db>.reserve`)
   * @param bytes its size
   * @param freeBytes what the volume has free now, or undefined when it cannot be asked
   */
  constructor(
    private readonly path: string,
    readonly bytes: number,
    private readonly freeBytes: () => number | undefined,
  ) {
    this.held = fileSize(path) === bytes;
  }

  /** Calls `listener` each time the reserve is given up (false) or taken again (true). */
  onChange(listener: (held: boolean) => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener(this.held);
  }

  /** True while the reserve file is in place. */
  isHeld(): boolean {
    return this.held;
  }

  /** Takes the reserve when the volume has room for it plus `headroom`; true once it is held. */
  tryHold(headroom: number): boolean {
    if (this.held) return true;
    const free = this.freeBytes();
    if (free !== undefined && free < this.bytes - (fileSize(this.path) ?? 0) + headroom) return false;
    try {
      const fd = openSync(this.path, 'w');
      try {
        const zeros = Buffer.alloc(Math.min(CHUNK, this.bytes));
        for (let written = 0; written < this.bytes; ) written += writeSync(fd, zeros, 0, Math.min(zeros.length, this.bytes - written));
      } finally {
        closeSync(fd);
      }
      this.held = true;
      this.changed();
    } catch {
      // The volume filled under us: give back what was written.
      rmSync(this.path, { force: true });
    }
    return this.held;
  }

  /** Deletes the reserve file, its space now free; true when it was held. */
  release(): boolean {
    const was = this.held;
    rmSync(this.path, { force: true });
    this.held = false;
    if (was) this.changed();
    return was;
  }
}
