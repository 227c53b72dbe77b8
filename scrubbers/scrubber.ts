import { isHighEntropyToken } from './entropy.js';
import { CLEAN_CACHE_MAX_LENGTH, CleanCache } from './clean-cache.js';
import { MAX_GROUPS, METRIC, Prefilter } from './prefilter.js';
import { ScrubError } from './errors.js';
import { formatJsonPath, formatJsonPathSegment, parseJsonPath, pathWithin } from './json-path.js';
import { containsAnyParts, endsWithParts, keyParts, namesContent } from './key-names.js';
import { holdsWords, redactProse } from './content-policy.js';
import { cleanFileName } from './file-name.js';
import { fieldOf, fitsType, FREE_ZONE, type SchemaNode } from './schema.js';
import { decodePercent, encodeForUrl, hasPercentEscape, isFormEncoded, stripQueries, stripQueryValues } from './url-text.js';
import { redactText } from './redact.js';
import type {
  CompiledContentRule,
  CompiledEntropyRule,
  CompiledKeynameRule,
  CompiledRule,
  CompiledRuleSet,
} from './rule-set.js';
import type { EventKind, Finding, JsonObject, JsonValue, ScrubCallOptions, ScrubResult, Scrubber, ZoneReport } from './types.js';
import { prepareTextRule } from './text-rule.js';
import type { TextRule } from './text-rule.js';

/** Options of {@link createScrubber}. */
export interface ScrubberOptions {
  /** Key of the `hash` method's HMAC. Keep it secret and stable: it makes hashes joinable across events. */
  hashKey: Buffer | string;
  /**
   * Only the text rules (secrets, personal data): no content policy and no zone policies — what
   * `scrub --text` and a rule's own examples measure. Never for events that are forwarded.
   * @default false
   */
  textOnly?: boolean;
}

/** Strings shorter than this hold nothing a text rule can find (`a@b.io` is the shortest match). */
const MIN_SCANNED_LENGTH = 6;

/** Integers with fewer digits cannot be a payment card; smaller numbers are counts and ids. */
const MIN_NUMBER_SCANNED = 1e11;

/** Key names seen across events repeat; their parsed form is cached up to this many entries. */
const KEY_CACHE_LIMIT = 4096;

/** Key positions per object remembered by {@link KeyMemo}; keys further on are looked up. */
const MEMO_POSITIONS = 64;

/** Distinct prefilter outcomes whose candidate rule lists are kept. */
const CANDIDATE_CACHE_LIMIT = 4096;

/** Clean-cache lookups under a key before its find rate is judged (see `useCleanCache`). */
const COLD_KEY_MIN_LOOKS = 32;
/** A key is cold when fewer than 1 in this many lookups under it find the string. */
const COLD_KEY_FINDS = 4;
/** While a key is cold, 1 string in this many under it is still looked up. */
const COLD_KEY_SAMPLE = 16;
/** Lookups per key after which its counts are halved, so that they follow recent traffic. */
const CACHE_STATS_WINDOW = 1024;

/** What takes the place of human-written text (rule `content_policy`). */
const CONTENT_MARK = '[content]';

/** Rule ids of the content policy's own findings. */
const CONTENT_POLICY = 'content_policy';
const FRAME_LOCAL = 'frame_local';
const URL_QUERY = 'url_query';
const FILE_NAME = 'file_name';
/** The zone of the top-level keys the relay validates and copies itself (`rules.passthrough`). */
const PASSTHROUGH_ZONE = 'passthrough';

/** How far before a random-looking token `high_entropy` looks for a word naming it technical. */
const CONTEXT_CHARS = 24;

/** How far back from a token a digest's `sha512-` may start: a SHA-512 in base64 is 88 characters. */
const DIGEST_REACH = 128;
/** Subresource-integrity style digests (`sha256-<base64>`); their base64 may hold a `/`. */
const DIGEST_PREFIX = /^(?:sha(?:1|224|256|384|512)|md5)[-:_]/i;

function isSpaceOrQuote(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 34 || c === 39;
}

interface KeyInfo {
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
  /** Clean-cache lookups for strings under this key, and how many found the string (see `useCleanCache`). */
  cacheLooks: number;
  cacheFinds: number;
  /** Strings under this key not looked up while it was cold. */
  coldSkips: number;
  /** The keys of the objects last walked under this key, by position (see {@link KeyMemo}). */
  children: KeyMemo;
  /**
   * The candidate rules of the last string measured under this key, and what selected them
   * (features, literal groups, event kind and whether it was a number): strings under one key tend
   * to measure alike, and this skips the two map lookups of `candidatesFor`.
   */
  lastCandidates: TextRule[] | undefined;
  lastFeatures: number;
  lastGroups: number;
  lastTable: number;
}

/**
 * The KeyInfo of each key position in the objects last walked under one parent key. Events of one
 * application repeat their shapes, so the key at a position is usually the one seen there before:
 * one string comparison (keys from JSON.parse are interned: a pointer comparison) instead of a
 * map lookup. Reset when the key cache is cleared (`epoch`), so it never keeps evicted entries alive.
 */
interface KeyMemo {
  epoch: number;
  infos: KeyInfo[];
}

/** What one rule found in one event: its total and, when explaining, its count per path in the order paths first occurred. */
interface Tally {
  rule: string;
  total: number;
  paths: string[] | undefined;
  counts: number[] | undefined;
}

/** Per-call state: kept off module scope so that scrubbing stays pure and re-entrant. */
interface Walk {
  kind: EventKind;
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

/**
 * Builds a scrubber from compiled rules. Everything costly (regexes, key-name tables, prefilters)
 * is prepared here once; `scrub` then walks each event once, building a new event and never
 * touching the input, or, with `inPlace`, writing what it changes back into the input.
 *
 * Top-level keys in `rules.passthrough` (company_id, user_id, event_id, timestamp) are copied as
 * they are: the relay strips and pseudonymises ids itself. The output gets
 * `_meta: { scrubbed: { <rule>: <count> } }` when any rule fired, so a receiver can tell a
 * scrubbed value from an empty one.
 *
 * @example
 * const scrubber = createScrubber(loadRules({}), { hashKey: process.env.RELAY_HASH_KEY });
 * const { event, findings } = scrubber.scrub(parsed, 'error');
 * @throws {ScrubError} from `scrub` when a detector fails; the event must then be dropped.
 */
export function createScrubber(rules: CompiledRuleSet, options: ScrubberOptions): Scrubber {
  const hashKey = options.hashKey;
  const { maxStringLength, maxDepth } = rules.limits;
  const passthrough = rules.passthrough;
  const { schema, urlQueryKeep, locals } = rules;
  const textOnly = options.textOnly === true;

  const keynameRules: CompiledKeynameRule[] = [];
  const contentRules: CompiledContentRule[] = [];
  const literalIndex = new Map<string, number>();
  const literalId = (text: string): number => {
    const folded = text.toLowerCase();
    let id = literalIndex.get(folded);
    if (id === undefined) {
      id = literalIndex.size;
      literalIndex.set(folded, id);
    }
    return id;
  };
  const allTextRules: TextRule[] = [];
  for (const rule of rules.rules) {
    if (rule.kind === 'regex' || rule.kind === 'entropy') allTextRules.push(prepareTextRule(rule, literalId));
    else if (rule.kind === 'keyname') keynameRules.push(rule);
    else contentRules.push(rule);
  }
  const textRulesByKind: Record<EventKind, TextRule[]> = {
    error: allTextRules.filter((t) => t.rule.kinds.has('error')),
    scan: allTextRules.filter((t) => t.rule.kinds.has('scan')),
  };
  // A rule all of whose patterns need a literal gets a group bit: the prefilter pass then says,
  // for free, whether any of its literals can occur, and the rule is not even considered if not.
  const literalGroups: number[][] = [];
  for (const t of allTextRules) {
    const union = t.literalIds.length > 0 ? [...t.literalIds] : t.patternLiteralIds.every((ids) => ids.length > 0) ? t.patternLiteralIds.flatMap((ids) => [...ids]) : [];
    if (union.length === 0 || literalGroups.length >= MAX_GROUPS) continue;
    t.group = 1 << literalGroups.length;
    literalGroups.push(union);
  }
  const prefilter = new Prefilter([...literalIndex.keys()], literalGroups);

  // Each distinct prefilter threshold gets a feature bit; a string's features select, through a
  // small cache, the rules that can possibly match it, so most strings touch no rule at all.
  const gateMetric: number[] = [];
  const gateMin: number[] = [];
  const gateBit = (metric: keyof typeof METRIC, min: number): number => {
    if (min <= 0) return 0;
    let i = gateMetric.findIndex((m, k) => m === METRIC[metric] && gateMin[k] === min);
    if (i === -1) {
      if (gateMetric.length >= 30) return 0;
      gateMetric.push(METRIC[metric]);
      gateMin.push(min);
      i = gateMetric.length - 1;
    }
    return 1 << i;
  };
  for (const t of allTextRules) {
    const gates: [keyof typeof METRIC, number][] = [
      ['digits', t.minDigits],
      ['hexRun', t.minHexRun],
      ['numRun', t.minNumRun],
      ['tokenRun', t.minTokenRun],
    ];
    const bits = gates.map(([metric, min]) => gateBit(metric, min));
    t.requires = bits.reduce((all, bit) => all | bit, 0);
    t.gated = gates.every(([, min], i) => min <= 0 || bits[i] !== 0);
  }

  /** The gates of a rule that did not get feature bits (more than 30 distinct thresholds in the rules). */
  function passesGates(t: TextRule): boolean {
    const m = prefilter.metrics;
    return (
      (m[METRIC.digits] as number) >= t.minDigits &&
      (m[METRIC.hexRun] as number) >= t.minHexRun &&
      (m[METRIC.numRun] as number) >= t.minNumRun &&
      (m[METRIC.tokenRun] as number) >= t.minTokenRun
    );
  }
  /** Per event kind, for strings and for JSON numbers: features → literal groups → candidate rules. */
  type CandidateCache = Map<number, Map<number, TextRule[]>>;
  const candidateCache: Record<EventKind, CandidateCache[]> = {
    error: [new Map() as CandidateCache, new Map() as CandidateCache],
    scan: [new Map() as CandidateCache, new Map() as CandidateCache],
  };

  /** The rules whose gates the last measured string passed: `scrubText` need check only their literals and scopes. */
  function candidates(kind: EventKind, fromNumber: boolean, owner: KeyInfo | undefined): TextRule[] {
    const metrics = prefilter.metrics;
    let features = 0;
    for (let g = 0; g < gateMetric.length; g++) {
      if ((metrics[gateMetric[g] as number] as number) >= (gateMin[g] as number)) features |= 1 << g;
    }
    const groups = prefilter.groups;
    const table = (kind === 'scan' ? 2 : 0) + (fromNumber ? 1 : 0);
    if (owner !== undefined) {
      const last = owner.lastCandidates;
      if (last !== undefined && owner.lastFeatures === features && owner.lastGroups === groups && owner.lastTable === table) return last;
    }
    const list = candidatesFor(kind, fromNumber, features, groups);
    if (owner !== undefined) {
      owner.lastCandidates = list;
      owner.lastFeatures = features;
      owner.lastGroups = groups;
      owner.lastTable = table;
    }
    return list;
  }

  function candidatesFor(kind: EventKind, fromNumber: boolean, features: number, groups: number): TextRule[] {
    const cache = candidateCache[kind][fromNumber ? 1 : 0] as Map<number, Map<number, TextRule[]>>;
    let byGroups = cache.get(features);
    if (byGroups === undefined) {
      byGroups = new Map();
      cache.set(features, byGroups);
    }
    let list = byGroups.get(groups);
    if (list === undefined) {
      list = textRulesByKind[kind].filter(
        (t) =>
          (t.requires & features) === t.requires &&
          (t.group === 0 || (t.group & groups) !== 0) &&
          (!fromNumber || t.numbers),
      );
      if (byGroups.size >= CANDIDATE_CACHE_LIMIT) byGroups.clear();
      byGroups.set(groups, list);
    }
    return list;
  }

  // Skip keys are matched once per key name: each rule that has them gets a bit in KeyInfo.skips.
  const skipRules = allTextRules.filter((t) => t.skipKeys.length > 0).slice(0, 30);
  skipRules.forEach((t, i) => (t.skipBit = 1 << i));

  const pathContentRules = contentRules.filter((r) => r.keys.length === 0 && r.paths.length > 0);
  const keyCache = new Map<string, KeyInfo>();
  /** Bumped when the key cache is cleared: memos of an older epoch start again. */
  let keyEpoch = 0;
  const rootKeys: KeyMemo = { epoch: 0, infos: [] };
  // Strings proven clean by every rule, none skipped for where the string sits (file paths, function
  // names, versions repeat across events); a clean string never needs scanning again.
  // Only strings without any finding are kept, so the cache never holds a sensitive value.
  const cleanStrings: Record<EventKind, CleanCache> = { error: new CleanCache(), scan: new CleanCache() };

  function keyInfo(key: string): KeyInfo {
    let info = keyCache.get(key);
    if (info !== undefined) return info;
    const parts = keyParts(key);
    const normalized = parts.join('_');
    const lowerKey = key.toLowerCase();
    info = {
      key,
      passthrough: passthrough.has(key),
      parts,
      normalized,
      content: contentRules.filter((r) => r.keys.length > 0 && namesContent(parts, r.keys, r.exceptLast)),
      sensitive: keynameRules.find(
        (r) => containsAnyParts(parts, r.keys) || r.suffixKeys.some((s) => endsWithParts(parts, s)),
      ),
      pathContent: pathContentRules.filter((r) =>
        r.paths.some((scope) => {
          const lastSeg = scope[scope.length - 1];
          return lastSeg !== undefined && ('any' in lastSeg || ('key' in lastSeg && lastSeg.key.toLowerCase() === lowerKey));
        }),
      ),
      clean: { error: false, scan: false },
      segment: formatJsonPathSegment(key),
      skips: skipRules.reduce((mask, t) => (containsAnyParts(parts, t.skipKeys) ? mask | t.skipBit : mask), 0),
      cacheLooks: 0,
      cacheFinds: 0,
      coldSkips: 0,
      children: { epoch: keyEpoch, infos: [] },
      lastCandidates: undefined,
      lastFeatures: 0,
      lastGroups: 0,
      lastTable: 0,
    };
    if (keyCache.size >= KEY_CACHE_LIMIT) {
      keyCache.clear();
      keyEpoch++;
    }
    keyCache.set(key, info);
    return info;
  }

  /** The KeyInfo of `key` at `position` in an object whose parent key's memo is `memo`. */
  function keyInfoAt(memo: KeyMemo, position: number, key: string): KeyInfo {
    const known = position < MEMO_POSITIONS ? memo.infos[position] : undefined;
    if (known !== undefined && known.key === key) return known;
    const info = keyInfo(key);
    if (position < MEMO_POSITIONS && position <= memo.infos.length) memo.infos[position] = info;
    return info;
  }

  function applies(rule: CompiledRule, walk: Walk): boolean {
    if (!rule.kinds.has(walk.kind)) return false;
    if (rule.paths.length === 0) return true;
    for (const scope of rule.paths) if (pathWithin(walk.path, scope)) return true;
    return false;
  }

  function enter(walk: Walk, segment: string | number, info?: KeyInfo): void {
    walk.path.push(segment);
    walk.skipMasks.push(info === undefined ? 0 : info.skips);
    if (walk.pathTextValid >= walk.path.length) walk.pathTextValid = walk.path.length - 1;
  }

  /** The current path as findings show it; formatted once per node, however many rules fire there. */
  function pathText(walk: Walk): string {
    const { path, pathText } = walk;
    for (let k = walk.pathTextValid; k < path.length; k++) {
      const seg = path[k] as string | number;
      pathText[k + 1] = (pathText[k] as string) + (typeof seg === 'number' ? formatJsonPathSegment(seg) : keyInfo(seg).segment);
    }
    walk.pathTextValid = path.length;
    return pathText[path.length] as string;
  }

  function record(walk: Walk, rule: string, count: number): void {
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

  function leave(walk: Walk): void {
    walk.path.pop();
    walk.skipMasks.pop();
  }

  /** Whether the immediate or parent key names one of the rule's skip keys. */
  function skippedByKey(t: TextRule, walk: Walk): boolean {
    if (t.skipBit !== 0) {
      const masks = walk.skipMasks;
      const n = masks.length;
      return (((n > 0 ? (masks[n - 1] as number) : 0) | (n > 1 ? (masks[n - 2] as number) : 0)) & t.skipBit) !== 0;
    }
    const skipKeys = t.skipKeys;
    if (skipKeys.length === 0) return false;
    const n = walk.path.length;
    for (let i = Math.max(0, n - 2); i < n; i++) {
      const seg = walk.path[i];
      if (typeof seg === 'string' && containsAnyParts(keyInfo(seg).parts, skipKeys)) return true;
    }
    return false;
  }

  function scrubText(input: string, walk: Walk, fromNumber: boolean): string {
    let s = input;
    if (s.length > maxStringLength) {
      s = s.slice(0, maxStringLength);
      record(walk, 'truncated', 1);
    }
    if (s.length < MIN_SCANNED_LENGTH) return s;
    const clean = cleanStrings[walk.kind];
    const owner = walk.owner;
    const cacheable = !fromNumber && s.length <= CLEAN_CACHE_MAX_LENGTH && (owner === undefined || useCleanCache(owner));
    if (cacheable && clean.has(s)) {
      if (owner !== undefined) owner.cacheFinds++;
      return s;
    }
    const firedBefore = walk.fired;
    let pathDependent = false;
    const pf = prefilter;
    pf.measure(s);
    const textRules = candidates(walk.kind, fromNumber, owner);
    if (textRules.length === 0) {
      if (cacheable) clean.add(s);
      return s;
    }
    for (let r = 0; r < textRules.length; r++) {
      const t = textRules[r] as TextRule;
      if (!t.gated && !passesGates(t)) continue;
      if (t.shape !== 0 && !pf.hasShape(t.shape)) continue;
      if (t.literalIds.length > 0 && !pf.has(t.literalIds)) continue;
      // A rule skipped here may fire on the same string elsewhere; one that ran without firing never will.
      if ((t.scoped && !applies(t.rule, walk)) || skippedByKey(t, walk)) {
        pathDependent = true;
        walk.pathDependent = true;
        continue;
      }
      walk.currentRule = t.rule.id;
      s = t.entropy !== undefined && t.tokenRuns !== undefined ? applyEntropyRule(t.tokenRuns, t.entropy, s, walk) : applyRegexRule(t, s, walk);
    }
    walk.currentRule = undefined;
    if (cacheable && !pathDependent && walk.fired === firedBefore && s === input) clean.add(s);
    return s;
  }

  /**
   * Whether strings under this key are worth a clean-cache lookup. Keys whose values rarely recur
   * (messages, stack traces, ids, timestamps) would only pay for the lookup and churn the cache; once
   * fewer than 1 in COLD_KEY_FINDS lookups under a key find its string, only 1 string in
   * COLD_KEY_SAMPLE under it is looked up (and remembered), which keeps measuring the key, and the
   * counts are halved every CACHE_STATS_WINDOW lookups so that a key whose values start to recur is
   * cached again.
   */
  function useCleanCache(info: KeyInfo): boolean {
    const cold = info.cacheLooks >= COLD_KEY_MIN_LOOKS && info.cacheFinds * COLD_KEY_FINDS < info.cacheLooks;
    if (cold && ++info.coldSkips % COLD_KEY_SAMPLE !== 0) return false;
    if (++info.cacheLooks >= CACHE_STATS_WINDOW) {
      info.cacheLooks >>>= 1;
      info.cacheFinds >>>= 1;
    }
    return true;
  }

  function applyRegexRule(t: TextRule, input: string, walk: Walk): string {
    const rule = t.rule;
    let s = input;
    let total = 0;
    for (let pi = 0; pi < t.fast.length; pi++) {
      const re = t.fast[pi];
      if (re === undefined) continue;
      const literals = t.patternLiteralIds[pi];
      if (literals !== undefined && !prefilter.has(literals)) continue;
      re.lastIndex = 0;
      let out = '';
      let last = 0;
      let count = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(s)) !== null) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        let start = m.index;
        let end = start + m[0].length;
        if (t.hasValueGroup[pi]) {
          const value = m.groups?.['value'];
          if (value === undefined || value.length === 0) continue;
          // Where the value sits in the match is plain when it occurs there once (String#indexOf
          // is a fast builtin; lastIndexOf is not); otherwise the sticky `d` twin says exactly.
          const first = m[0].indexOf(value);
          if (first !== -1 && m[0].indexOf(value, first + 1) === -1) {
            start = m.index + first;
            end = start + value.length;
          } else {
            const exact = t.exact[pi];
            if (exact === undefined) continue;
            exact.lastIndex = m.index;
            const group = exact.exec(s)?.indices?.groups?.['value'];
            if (group === undefined) continue;
            start = group[0];
            end = group[1];
          }
        }
        const value = s.slice(start, end);
        if (t.validator !== undefined && !t.validator(value)) continue;
        out += s.slice(last, start) + redactText(rule, value, hashKey);
        last = end;
        count++;
      }
      if (count > 0) {
        s = out + s.slice(last);
        total += count;
      }
    }
    if (total > 0) record(walk, rule.id, total);
    return s;
  }

  function applyEntropyRule(re: RegExp, rule: CompiledEntropyRule, s: string, walk: Walk): string {
    re.lastIndex = 0;
    let out = '';
    let last = 0;
    let count = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(s)) !== null) {
      const i = m.index;
      const j = i + m[0].length;
      if (j - i < rule.entropy.minLength) continue;
      if (isHighEntropyToken(s, i, j, rule.entropy) && !namedTechnical(s, i, rule.entropy.skipKeys)) {
        out += s.slice(last, i) + redactText(rule, s.slice(i, j), hashKey);
        last = j;
        count++;
      }
    }
    if (count === 0) return s;
    record(walk, rule.id, count);
    return out + s.slice(last);
  }

  /** `commit 1a2b…`, `trace_id=4bf9…`: a hash the text itself calls technical is kept. */
  function namedTechnical(s: string, tokenStart: number, skipKeys: readonly (readonly string[])[]): boolean {
    // Bounded: every token run of a long word would otherwise walk back to the word's start.
    const floor = Math.max(0, tokenStart - DIGEST_REACH);
    let wordStart = tokenStart;
    while (wordStart > floor && !isSpaceOrQuote(s.charCodeAt(wordStart - 1))) wordStart--;
    const wordFound = wordStart === 0 || isSpaceOrQuote(s.charCodeAt(wordStart - 1));
    if (wordFound && wordStart < tokenStart && DIGEST_PREFIX.test(s.slice(wordStart, wordStart + 8))) return true;
    const before = keyParts(s.slice(Math.max(0, tokenStart - CONTEXT_CHARS), tokenStart));
    return containsAnyParts(before.slice(-2), skipKeys);
  }

  function redactWhole(rule: CompiledRule, value: JsonValue): JsonValue {
    if (typeof value === 'string') return redactText(rule, value, hashKey);
    if (rule.method === 'hash') return redactText(rule, JSON.stringify(value), hashKey);
    return rule.method === 'mask' ? '[masked]' : rule.replacement;
  }

  function scrubKey(key: string, info: KeyInfo, walk: Walk): string {
    if (key.length < MIN_SCANNED_LENGTH || info.clean[walk.kind]) return key;
    if (walk.node === undefined && !textOnly) {
      const prose = redactProse(key, CONTENT_MARK);
      if (prose.count > 0) {
        record(walk, CONTENT_POLICY, prose.count);
        return prose.text;
      }
    }
    walk.pathDependent = false;
    const scrubbed = scrubText(key, walk, false);
    if (scrubbed === key && !walk.pathDependent) info.clean[walk.kind] = true;
    return scrubbed;
  }

  /**
   * A string through the policy of its zone, then the text rules. Human text is removed wherever
   * it stands; what is left is decoded where it is encoded, so that no value survives because of
   * its encoding, and scanned.
   */
  function scrubString(input: string, walk: Walk): string {
    if (textOnly) return scrubText(input, walk, false);
    const node = walk.node;
    const type = node !== undefined && node.type !== undefined && fitsType(node.type, input) ? node.type : undefined;
    if (type === 'local') return scrubLocal(input, walk);
    if (input.length < MIN_SCANNED_LENGTH) return input;
    if (type === undefined || type === 'text') {
      const embedded = scrubEmbedded(input, walk);
      if (embedded !== undefined) return embedded;
    }
    // The text rules first, so that a finding inside removed prose is still reported.
    let s = scrubText(input, walk, false);
    const prose = redactProse(s, CONTENT_MARK);
    if (prose.count > 0) {
      record(walk, CONTENT_POLICY, prose.count);
      if (prose.text === CONTENT_MARK) return prose.text;
      s = prose.text;
    }
    if (type === 'file_name') s = counted(walk, FILE_NAME, cleanFileName(s));
    else if (type === 'url') s = counted(walk, URL_QUERY, stripUrl(s));
    else s = counted(walk, URL_QUERY, stripQueries(s, urlQueryKeep));
    if (hasPercentEscape(s)) {
      const decoded = decodePercent(s);
      const scrubbed = scrubDecoded(decoded, walk);
      if (scrubbed !== decoded) return encodeForUrl(scrubbed);
    }
    return s;
  }

  function counted(walk: Walk, rule: string, result: { text: string; count: number }): string {
    if (result.count > 0) record(walk, rule, result.count);
    return result.text;
  }

  /** Decoded text through the text rules and the content policy. */
  function scrubDecoded(decoded: string, walk: Walk): string {
    const prose = redactProse(scrubText(decoded, walk, false), CONTENT_MARK);
    if (prose.count > 0) record(walk, CONTENT_POLICY, prose.count);
    return prose.text;
  }

  /** A URL field: query values dropped unless their key is technical, the fragment too when it holds values. */
  function stripUrl(url: string): { text: string; count: number } {
    const hash = url.indexOf('#');
    const base = hash === -1 ? url : url.slice(0, hash);
    const fragment = hash === -1 ? '' : url.slice(hash + 1);
    const q = base.indexOf('?');
    const query = q === -1 ? { text: '', count: 0 } : stripQueryValues(base.slice(q + 1), urlQueryKeep);
    const frag = fragment.includes('=') ? stripQueryValues(fragment, urlQueryKeep) : { text: fragment, count: 0 };
    const count = query.count + frag.count;
    if (count === 0) return { text: url, count: 0 };
    return { text: (q === -1 ? base : `${base.slice(0, q + 1)}${query.text}`) + (hash === -1 ? '' : `#${frag.text}`), count };
  }

  /**
   * JSON or a form body inside a string is walked as a free-form value of its own and written
   * back in its own syntax; undefined when the string is neither.
   */
  function scrubEmbedded(s: string, walk: Walk): string | undefined {
    const first = s.charCodeAt(0);
    if ((first === 123 || first === 91) && s.length >= 2) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(s);
      } catch {
        return undefined;
      }
      if (parsed === null || typeof parsed !== 'object') return undefined;
      const node = walk.node;
      walk.node = undefined;
      const scrubbed = walkValue(parsed as JsonValue, walk.path.length + 1, walk);
      walk.node = node;
      return JSON.stringify(scrubbed);
    }
    if (!isFormEncoded(s)) return undefined;
    let changed = false;
    const out = s
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        const decoded = decodePercent(pair.slice(eq + 1), true);
        const scrubbed = scrubDecoded(decoded, walk);
        if (scrubbed === decoded) return pair;
        changed = true;
        return `${pair.slice(0, eq + 1)}${encodeForUrl(scrubbed)}`;
      })
      .join('&');
    return changed ? out : s;
  }

  /**
   * A frame's local variable: kept when it is technical (the content policy and the text rules
   * leave it as it is), otherwise a marker with its length (or every string, in `markers` mode).
   */
  function scrubLocal(input: string, walk: Walk): string {
    if (locals === 'technical') {
      const node = walk.node;
      walk.node = undefined;
      const fired = walk.fired;
      const scrubbed = scrubString(input, walk);
      walk.node = node;
      if (scrubbed === input && walk.fired === fired && !holdsWords(input)) return input;
    }
    record(walk, FRAME_LOCAL, 1);
    return `[str len=${input.length}]`;
  }

  /**
   * The keys of `obj` before `stop`, with the values they hold now: where an object scrubbed in
   * place becomes a copy because a key is renamed or removed, so that the key order is kept.
   */
  function copyBefore(obj: JsonObject, stop: string): JsonObject {
    const copy: JsonObject = {};
    for (const key in obj) {
      if (key === stop) break;
      if (!Object.hasOwn(obj, key)) continue;
      const value = obj[key];
      if (value !== undefined) copy[key] = value;
    }
    return copy;
  }

  function walkObject(obj: JsonObject, depth: number, walk: Walk): JsonObject {
    // In place, a changed value is written back into `obj`, and the first key renamed or removed
    // turns the rest of the walk into a copy (see copyBefore). Otherwise every key goes into `out`.
    let out: JsonObject | undefined = walk.inPlace ? undefined : {};
    const owner = walk.owner;
    const node = objectNode(walk.node);
    walk.node = node;
    const memo = owner === undefined ? rootKeys : owner.children;
    if (memo.epoch !== keyEpoch) {
      memo.infos.length = 0;
      memo.epoch = keyEpoch;
    }
    let position = 0;
    // for-in reads each value through V8's enum cache, a plain property load; Object.keys plus
    // obj[key] is a keyed lookup per key (about 3% of scrub time on the bench's events).
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      const value = obj[key];
      if (value === undefined) continue;
      const info = keyInfoAt(memo, position++, key);
      if (depth === 0 && info.passthrough) {
        if (out !== undefined) out[key] = value;
        walk.zones?.push({ path: `$${info.segment}`, zone: PASSTHROUGH_ZONE });
        continue;
      }
      enter(walk, key, info);
      // What takes the key's place: `outKey` (undefined: nothing) holding `outValue`.
      let outKey: string | undefined = key;
      let outValue: JsonValue = value;
      let handled = false;
      const child = node !== undefined && node.type === 'local' ? node : fieldOf(node, key);
      if (locals === 'drop' && child !== undefined && child.values !== undefined && child.values.type === 'local') {
        record(walk, FRAME_LOCAL, 1);
        outKey = undefined;
        handled = true;
      }
      const contentApplies = !handled && info.content.length > 0 && contentKeysApply(node, key);
      for (let c = 0; contentApplies && c < info.content.length; c++) {
        const rule = info.content[c] as CompiledContentRule;
        if (applies(rule, walk)) {
          walk.currentRule = rule.id;
          record(walk, rule.id, 1);
          outKey = rule.method === 'remove' ? undefined : scrubKey(key, info, walk);
          if (outKey !== undefined) outValue = redactWhole(rule, value);
          handled = true;
          break;
        }
      }
      if (!handled && info.pathContent.length > 0) {
        for (const rule of info.pathContent) {
          if (rule.kinds.has(walk.kind) && rule.paths.some((scope) => scope.length === walk.path.length && pathWithin(walk.path, scope))) {
            record(walk, rule.id, 1);
            outKey = rule.method === 'remove' ? undefined : scrubKey(key, info, walk);
            if (outKey !== undefined) outValue = redactWhole(rule, value);
            handled = true;
            break;
          }
        }
      }
      const sensitive = info.sensitive;
      if (!handled && sensitive !== undefined && applies(sensitive, walk)) {
        handled = true;
        if (value !== null && value !== '') {
          record(walk, sensitive.id, 1);
          if (sensitive.method === 'remove') outKey = undefined;
          else outValue = redactWhole(sensitive, value);
        }
      }
      if (!handled) {
        walk.owner = info;
        walk.node = child;
        outValue = walkValue(value, depth + 1, walk);
        walk.node = node;
        walk.owner = owner;
        outKey = scrubKey(key, info, walk);
      }
      leave(walk);
      if (out === undefined) {
        if (outKey === key) {
          if (outValue !== value) obj[key] = outValue;
          continue;
        }
        out = copyBefore(obj, key);
      }
      if (outKey !== undefined) out[Object.hasOwn(out, outKey) ? freeKey(out, outKey) : outKey] = outValue;
    }
    return out ?? obj;
  }

  /** `key#2`, `key#3`, …: the first name not yet in `out`, so that two keys scrubbed to one name both stay. */
  function freeKey(out: JsonObject, key: string): string {
    let n = 2;
    while (Object.hasOwn(out, `${key}#${n}`)) n++;
    return `${key}#${n}`;
  }

  /** The node of an object value: a node declared as a scalar type holds no object, so its object is free-form. */
  function objectNode(node: SchemaNode | undefined): SchemaNode | undefined {
    if (node === undefined || node.type === 'local') return node;
    return node.fields !== undefined || node.values !== undefined || node.items !== undefined ? node : undefined;
  }

  /**
   * Content rules by key apply where the schema does not declare the key: in free-form zones,
   * and in maps of frame locals; a declared field, or a map of declared scalars (library versions,
   * scores), is technical by declaration.
   */
  function contentKeysApply(node: SchemaNode | undefined, key: string): boolean {
    if (node === undefined || node.type === 'local') return true;
    if (node.fields !== undefined && node.fields.has(key)) return false;
    const values = node.values;
    return values === undefined || values.type === undefined || values.type === 'local';
  }

  function walkValue(value: JsonValue, depth: number, walk: Walk): JsonValue {
    if (walk.zones !== undefined && (value === null || typeof value !== 'object')) noteZone(value, walk);
    if (typeof value === 'string') return scrubString(value, walk);
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || Math.abs(value) < MIN_NUMBER_SCANNED) return value;
      const text = String(value);
      const scrubbed = scrubText(text, walk, true);
      return scrubbed === text ? value : scrubbed;
    }
    if (value === null || typeof value === 'boolean') return value;
    if (depth >= maxDepth) {
      record(walk, 'depth_limit', 1);
      return '[depth_limit]';
    }
    if (Array.isArray(value)) {
      const node = walk.node;
      walk.node = node === undefined || node.type === 'local' ? node : node.items;
      const scrubbed = walkArray(value, depth, walk);
      walk.node = node;
      return scrubbed;
    }
    return walkObject(value, depth, walk);
  }

  function noteZone(value: string | number | boolean | null, walk: Walk): void {
    const node = walk.node;
    const zone = node !== undefined && node.type !== undefined && fitsType(node.type, value) ? node.zone : FREE_ZONE;
    walk.zones?.push({ path: pathText(walk), zone });
  }

  function walkArray(value: JsonValue[], depth: number, walk: Walk): JsonValue[] {
    if (walk.inPlace) {
      for (let i = 0; i < value.length; i++) {
        enter(walk, i);
        const item = value[i] as JsonValue;
        const scrubbed = walkValue(item, depth + 1, walk);
        if (scrubbed !== item) value[i] = scrubbed;
        leave(walk);
      }
      return value;
    }
    // Filled by push, the array stays packed: JSON.stringify of a holey array takes a slower path.
    const out: JsonValue[] = [];
    for (let i = 0; i < value.length; i++) {
      enter(walk, i);
      out.push(walkValue(value[i] as JsonValue, depth + 1, walk));
      leave(walk);
    }
    return out;
  }

  return {
    scrub(event: JsonObject, kind: EventKind, options?: ScrubCallOptions): ScrubResult {
      const explain = options?.explain === true;
      const walk: Walk = {
        kind,
        inPlace: options?.inPlace === true,
        path: [],
        skipMasks: [],
        pathText: ['$'],
        pathTextValid: 0,
        tallies: [],
        currentRule: undefined,
        fired: 0,
        explain,
        owner: undefined,
        node: schema[kind],
        pathDependent: false,
        zones: explain ? [] : undefined,
      };
      let out: JsonObject;
      try {
        out = walkObject(event, 0, walk);
      } catch (err) {
        // The original error may quote the value being scanned: keep only its class and the rule.
        const rule = walk.currentRule;
        const name = err instanceof Error ? err.name : typeof err;
        throw new ScrubError(`scrubber failed in rule "${rule ?? 'unknown'}" (${name})`, {
          rule,
          cause: new Error(`${name} in rule "${rule ?? 'unknown'}" at ${formatJsonPath(walk.path)}`),
        });
      }
      const counts: Record<string, number> = {};
      for (const t of walk.tallies) counts[t.rule] = t.total;
      if (walk.tallies.length > 0) out['_meta'] = { scrubbed: counts };
      else if ('_meta' in out) delete out['_meta'];
      if (!explain) return { event: out, counts };
      const findings: Finding[] = [];
      for (const { rule, paths, counts: perPath } of walk.tallies) {
        if (paths === undefined || perPath === undefined) continue;
        for (let i = 0; i < paths.length; i++) findings.push({ rule, path: paths[i] as string, count: perPath[i] as number });
      }
      return { event: out, counts, findings, zones: walk.zones ?? [] };
    },
  };
}

/**
 * Runs one text rule on one sample string, outside any event: what `checkRules` uses to try a
 * rule's examples. Returns how many values the rule detected.
 */
export function detectInText(rule: CompiledRule, sample: string, hashKey: Buffer | string = 'rules-check'): number {
  if (rule.kind === 'keyname') {
    const parts = keyParts(sample);
    return containsAnyParts(parts, rule.keys) || rule.suffixKeys.some((s) => endsWithParts(parts, s)) ? 1 : 0;
  }
  if (rule.kind === 'content') {
    if (!sample.startsWith('$')) return namesContent(keyParts(sample), rule.keys, rule.exceptLast) ? 1 : 0;
    const concrete = parseJsonPath(sample)?.map((m) => ('key' in m ? m.key : 'index' in m ? m.index : '*'));
    if (concrete === undefined) return 0;
    return rule.paths.some((scope) => scope.length === concrete.length && pathWithin(concrete, scope)) ? 1 : 0;
  }
  const free = { type: undefined, fields: undefined, items: undefined, values: undefined, zone: FREE_ZONE };
  const single: CompiledRuleSet = {
    passthrough: new Set(),
    limits: { maxStringLength: Number.MAX_SAFE_INTEGER, maxDepth: 8 },
    schema: { error: free, scan: free },
    urlQueryKeep: new Set(),
    locals: 'technical',
    rules: [{ ...rule, paths: [], kinds: new Set<EventKind>(['error', 'scan']), ...(rule.kind === 'regex' ? { skipKeys: [] } : {}) }],
    sources: [],
  };
  const { counts } = createScrubber(single, { hashKey, textOnly: true }).scrub({ sample }, 'error');
  return Object.values(counts).reduce((n, count) => n + count, 0);
}

