/** Strings added per generation. */
const CLEAN_CACHE_LIMIT = 4096;
/** Longer strings are not remembered: they are rarely repeated and would cost memory. */
export const CLEAN_CACHE_MAX_LENGTH = 512;

/**
 * A set that forgets what stops recurring. Each string is stamped with the generation in which it
 * was last added or found; a generation ends after CLEAN_CACHE_LIMIT stamps, and then every string
 * not stamped in that generation is dropped. Strings that recur (paths, function names) stay;
 * one-off strings (timestamps, ids) age out. Bounded by 2 × CLEAN_CACHE_LIMIT entries. A lookup is
 * one hash probe, found or not (the scrubber asks for the strings it scans, except under keys whose
 * values it found not to recur).
 */
export class CleanCache {
  private readonly stamps = new Map<string, number>();
  private generation = 0;
  private added = 0;

  /** Strings currently remembered. */
  get size(): number {
    return this.stamps.size;
  }

  has(s: string): boolean {
    const stamp = this.stamps.get(s);
    if (stamp === undefined) return false;
    if (stamp !== this.generation) this.add(s);
    return true;
  }

  add(s: string): void {
    this.stamps.set(s, this.generation);
    if (++this.added < CLEAN_CACHE_LIMIT) return;
    this.added = 0;
    const ended = this.generation++;
    for (const [key, stamp] of this.stamps) if (stamp !== ended) this.stamps.delete(key);
  }
}
