import type { CacheStats } from './clean-cache.js';
import { formatJsonPathSegment } from './json-path.js';
import { containsAnyParts, endsWithParts, keyParts, namesContent } from './key-names.js';
import type { CompiledContentRule, CompiledKeynameRule } from './rule-set.js';
import type { CandidateMemo } from './text-rule-index.js';
import type { TextRule } from './text-rule.js';

/** Key names seen across events repeat; their parsed form is cached up to this many entries. */
const KEY_CACHE_LIMIT = 4096;

/** Key positions per object remembered by {@link KeyMemo}; keys further on are looked up. */
const MEMO_POSITIONS = 64;

/** Skip-key rules that get a bit in {@link KeyInfo.skips}; further ones are matched per string. */
const MAX_SKIP_BITS = 30;

/** What the rules say about one key name, worked out once per name. */
export interface KeyInfo extends CacheStats, CandidateMemo {
  key: string;
  /** A top-level key copied as it is (`rules.passthrough`). */
  passthrough: boolean;
  parts: string[];
  normalized: string;
  /** Content rules whose key list names this key (applied only where the schema does not declare it). */
  content: CompiledContentRule[];
  /** Key-name rule that marks this key as sensitive, if any. */
  sensitive: CompiledKeynameRule | undefined;
  /** Content rules with a path scope ending in this key (checked against the full path). */
  pathContent: CompiledContentRule[];
  /**
   * The key name itself was seen to hold nothing a text rule finds, per event kind, with no rule
   * skipped for where it stood (a skip depends on the path; the answer must not).
   */
  clean: { error: boolean; scan: boolean };
  /** The key as a segment of a finding's path (`.vars`, `["x-api-key"]`). */
  segment: string;
  /** `skipBit`s of the text rules whose skip keys this key names. */
  skips: number;
  /** The keys of the objects last walked under this key, by position (see {@link KeyMemo}). */
  children: KeyMemo;
}

/**
 * The KeyInfo of each key position in the objects last walked under one parent key. Events of one
 * application repeat their shapes, so the key at a position is usually the one seen there before:
 * one string comparison (keys from JSON.parse are interned: a pointer comparison) instead of a
 * map lookup. Reset when the key cache is cleared (`epoch`), so it never keeps evicted entries alive.
 */
export interface KeyMemo {
  epoch: number;
  infos: KeyInfo[];
}

/**
 * Key names and what the rules say about them. An entry depends only on the key name and the
 * compiled rules, never on where the key stood, so it holds for every event.
 */
export class KeyTable {
  /** The memo of top-level keys. */
  readonly root: KeyMemo = { epoch: 0, infos: [] };
  private readonly cache = new Map<string, KeyInfo>();
  /** Bumped when the key cache is cleared: memos of an older epoch start again. */
  private epoch = 0;
  private readonly pathContentRules: CompiledContentRule[];
  private readonly skipRules: TextRule[];

  /**
   * Gives each text rule with skip keys (up to 30) its `skipBit`: skip keys are then matched once
   * per key name rather than once per string.
   */
  constructor(
    private readonly passthrough: ReadonlySet<string>,
    private readonly keynameRules: readonly CompiledKeynameRule[],
    private readonly contentRules: readonly CompiledContentRule[],
    textRules: readonly TextRule[],
  ) {
    this.pathContentRules = contentRules.filter((r) => r.keys.length === 0 && r.paths.length > 0);
    this.skipRules = textRules.filter((t) => t.skipKeys.length > 0).slice(0, MAX_SKIP_BITS);
    this.skipRules.forEach((t, i) => (t.skipBit = 1 << i));
  }

  /** The KeyInfo of `key`, worked out on first sight. */
  info(key: string): KeyInfo {
    let info = this.cache.get(key);
    if (info !== undefined) return info;
    const parts = keyParts(key);
    const normalized = parts.join('_');
    const lowerKey = key.toLowerCase();
    info = {
      key,
      passthrough: this.passthrough.has(key),
      parts,
      normalized,
      content: this.contentRules.filter((r) => r.keys.length > 0 && namesContent(parts, r.keys, r.exceptLast)),
      sensitive: this.keynameRules.find(
        (r) => containsAnyParts(parts, r.keys) || r.suffixKeys.some((s) => endsWithParts(parts, s)),
      ),
      pathContent: this.pathContentRules.filter((r) =>
        r.paths.some((scope) => {
          const lastSeg = scope[scope.length - 1];
          return lastSeg !== undefined && ('any' in lastSeg || ('key' in lastSeg && lastSeg.key.toLowerCase() === lowerKey));
        }),
      ),
      clean: { error: false, scan: false },
      segment: formatJsonPathSegment(key),
      skips: this.skipRules.reduce((mask, t) => (containsAnyParts(parts, t.skipKeys) ? mask | t.skipBit : mask), 0),
      cacheLooks: 0,
      cacheFinds: 0,
      coldSkips: 0,
      children: { epoch: this.epoch, infos: [] },
      lastCandidates: undefined,
      lastFeatures: 0,
      lastGroups: 0,
      lastTable: 0,
    };
    if (this.cache.size >= KEY_CACHE_LIMIT) {
      this.cache.clear();
      this.epoch++;
    }
    this.cache.set(key, info);
    return info;
  }

  /** The memo of the keys of objects under `owner` (the top level when undefined), emptied if older than the key cache. */
  memoOf(owner: KeyInfo | undefined): KeyMemo {
    const memo = owner === undefined ? this.root : owner.children;
    if (memo.epoch !== this.epoch) {
      memo.infos.length = 0;
      memo.epoch = this.epoch;
    }
    return memo;
  }

  /** The KeyInfo of `key` at `position` in an object whose parent key's memo is `memo`. */
  at(memo: KeyMemo, position: number, key: string): KeyInfo {
    const known = position < MEMO_POSITIONS ? memo.infos[position] : undefined;
    if (known !== undefined && known.key === key) return known;
    const info = this.info(key);
    if (position < MEMO_POSITIONS && position <= memo.infos.length) memo.infos[position] = info;
    return info;
  }
}
