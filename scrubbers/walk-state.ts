import { formatJsonPathSegment, pathWithin } from './json-path.js';
import type { KeyInfo, KeyTable } from './key-table.js';
import type { CompiledRule } from './rule-set.js';
import type { SchemaNode } from './schema.js';
import type { EventKind, ZoneReport } from './types.js';

/** What one rule found in one event: its total and, when explaining, its count per path in the order paths first occurred. */
export interface Tally {
  rule: string;
  total: number;
  paths: string[] | undefined;
  counts: number[] | undefined;
}

/** Per-call state: kept off module scope so that scrubbing stays pure and re-entrant. */
export interface Walk {
  kind: EventKind;
  /** The scrubber's key names, to show a path as findings do. */
  keys: KeyTable;
  path: (string | number)[];
  /** Per path segment: {@link KeyInfo.skips} of its key (0 for an array index). */
  skipMasks: number[];
  /** `pathText[k]`: the first k segments of `path` as a finding shows them; entries up to `pathTextValid` are current. */
  pathText: string[];
  pathTextValid: number;
  /** Per rule that fired, in the order rules first fired: few per event, so found by a linear scan. */
  tallies: Tally[];
  currentRule: string | undefined;
  /** Number of `record` calls so far: tells whether a string produced a finding. */
  fired: number;
  /** Whether findings keep their JSON paths (`ScrubCallOptions.explain`). */
  explain: boolean;
  /** The key whose value is being walked (array items count as their key's), for the clean cache's statistics. */
  owner: KeyInfo | undefined;
  /** Whether the event is scrubbed in place (`ScrubCallOptions.inPlace`). */
  inPlace: boolean;
  /** The schema node of the value being walked; undefined: a free-form zone. */
  node: SchemaNode | undefined;
  /** Set by `scrubText` when a rule was skipped for where the string sits (its answer depends on the path). */
  pathDependent: boolean;
  /** The zone of every scalar forwarded, when explaining. */
  zones: ZoneReport[] | undefined;
}

/** The state of a walk over one event of `kind`, starting at the schema node of its kind. */
export function startWalk(kind: EventKind, keys: KeyTable, node: SchemaNode | undefined, inPlace: boolean, explain: boolean): Walk {
  return {
    kind,
    keys,
    inPlace,
    path: [],
    skipMasks: [],
    pathText: ['$'],
    pathTextValid: 0,
    tallies: [],
    currentRule: undefined,
    fired: 0,
    explain,
    owner: undefined,
    node,
    pathDependent: false,
    zones: explain ? [] : undefined,
  };
}

/** Steps into a key (with its KeyInfo) or an array index. */
export function enter(walk: Walk, segment: string | number, info?: KeyInfo): void {
  walk.path.push(segment);
  walk.skipMasks.push(info === undefined ? 0 : info.skips);
  if (walk.pathTextValid >= walk.path.length) walk.pathTextValid = walk.path.length - 1;
}

/** Steps back out of the segment last entered. */
export function leave(walk: Walk): void {
  walk.path.pop();
  walk.skipMasks.pop();
}

/** The current path as findings show it; formatted once per node, however many rules fire there. */
export function pathText(walk: Walk): string {
  const { path, pathText } = walk;
  for (let k = walk.pathTextValid; k < path.length; k++) {
    const seg = path[k] as string | number;
    pathText[k + 1] = (pathText[k] as string) + (typeof seg === 'number' ? formatJsonPathSegment(seg) : walk.keys.info(seg).segment);
  }
  walk.pathTextValid = path.length;
  return pathText[path.length] as string;
}

/** Whether a rule applies at the current place: its event kinds, and its path scopes if it has any. */
export function applies(rule: CompiledRule, walk: Walk): boolean {
  if (!rule.kinds.has(walk.kind)) return false;
  if (rule.paths.length === 0) return true;
  for (const scope of rule.paths) if (pathWithin(walk.path, scope)) return true;
  return false;
}
