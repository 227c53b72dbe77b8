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

/** Clean-cache lookups under a key before its find rate is judged (see {@link worthLookingUp}). */
const COLD_KEY_MIN_LOOKS = 32;
/** A key is cold when fewer than 1 in this many lookups under it find the string. */
const COLD_KEY_FINDS = 4;
/** While a key is cold, 1 string in this many under it is still looked up. */
const COLD_KEY_SAMPLE = 16;
/** Lookups per key after which its counts are halved, so that they follow recent traffic. */
const CACHE_STATS_WINDOW = 1024;

/** Clean-cache lookups for strings under one key, and how many found the string. */
export interface CacheStats {
  cacheLooks: number;
  cacheFinds: number;
  /** Strings under this key not looked up while it was cold. */
  coldSkips: number;
}

/**
 * Whether strings under a key are worth a clean-cache lookup. Keys whose values rarely recur
 * (messages, stack traces, ids, timestamps) would only pay for the lookup and churn the cache; once
 * fewer than 1 in COLD_KEY_FINDS lookups under a key find its string, only 1 string in
 * COLD_KEY_SAMPLE under it is looked up (and remembered), which keeps measuring the key, and the
 * counts are halved every CACHE_STATS_WINDOW lookups so that a key whose values start to recur is
 * cached again. The caller counts a find in `cacheFinds`.
 */
export function worthLookingUp(stats: CacheStats): boolean {
  const cold = stats.cacheLooks >= COLD_KEY_MIN_LOOKS && stats.cacheFinds * COLD_KEY_FINDS < stats.cacheLooks;
  if (cold && ++stats.coldSkips % COLD_KEY_SAMPLE !== 0) return false;
  if (++stats.cacheLooks >= CACHE_STATS_WINDOW) {
    stats.cacheLooks >>>= 1;
    stats.cacheFinds >>>= 1;
  }
  return true;
}
