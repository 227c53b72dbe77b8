/** Strings remembered per generation. */
const CLEAN_CACHE_LIMIT = 4096;
/** Longer strings are not remembered: they are rarely repeated and would cost memory. */
export const CLEAN_CACHE_MAX_LENGTH = 512;

/**
 * A set with two generations: when the young one is full it becomes the old one, and a string
 * found in the old one moves back to the young one. Strings that recur (paths, function names)
 * stay; one-off strings (timestamps, ids) age out. Bounded by 2 × CLEAN_CACHE_LIMIT entries.
 */
export class CleanCache {
  private young = new Set<string>();
  private old = new Set<string>();

  has(s: string): boolean {
    if (this.young.has(s)) return true;
    if (!this.old.has(s)) return false;
    this.add(s);
    return true;
  }

  add(s: string): void {
    if (this.young.size >= CLEAN_CACHE_LIMIT) {
      this.old = this.young;
      this.young = new Set();
    }
    this.young.add(s);
  }
}
