import type { Finding, JsonObject } from './types.js';
import { pathText } from './walk-state.js';
import type { Tally, Walk } from './walk-state.js';

/** Counts `count` findings of `rule` at the current place, by path too when explaining. */
export function record(walk: Walk, rule: string, count: number): void {
  walk.fired++;
  let tally: Tally | undefined;
  for (const t of walk.tallies) {
    if (t.rule === rule) {
      tally = t;
      break;
    }
  }
  if (tally === undefined) {
    tally = walk.explain ? { rule, total: 0, paths: [], counts: [] } : { rule, total: 0, paths: undefined, counts: undefined };
    walk.tallies.push(tally);
  }
  tally.total += count;
  const { paths, counts } = tally;
  if (paths === undefined || counts === undefined) return;
  const path = pathText(walk);
  const at = paths.indexOf(path);
  if (at === -1) {
    paths.push(path);
    counts.push(count);
  } else {
    counts[at] = (counts[at] as number) + count;
  }
}

/** The text of a result that counts its findings under `rule`. */
export function counted(walk: Walk, rule: string, result: { text: string; count: number }): string {
  if (result.count > 0) record(walk, rule, result.count);
  return result.text;
}

/**
 * Counts per rule, written to the output's `_meta.scrubbed` when any rule fired (so that a
 * receiver can tell a scrubbed value from an empty one), and removed from it otherwise.
 */
export function markScrubbed(walk: Walk, out: JsonObject): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of walk.tallies) counts[t.rule] = t.total;
  if (walk.tallies.length > 0) out['_meta'] = { scrubbed: counts };
  else if ('_meta' in out) delete out['_meta'];
  return counts;
}

/** The findings per rule and path, in the order rules first fired (only when explaining). */
export function findingsOf(walk: Walk): Finding[] {
  const findings: Finding[] = [];
  for (const { rule, paths, counts: perPath } of walk.tallies) {
    if (paths === undefined || perPath === undefined) continue;
    for (let i = 0; i < paths.length; i++) findings.push({ rule, path: paths[i] as string, count: perPath[i] as number });
  }
  return findings;
}
