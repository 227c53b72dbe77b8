import { CleanCache } from './clean-cache.js';
import { ScrubError } from './errors.js';
import { formatJsonPath } from './json-path.js';
import { KeyTable } from './key-table.js';
import { walkObject, walkValue } from './object-walk.js';
import type { CompiledContentRule, CompiledKeynameRule, CompiledRuleSet } from './rule-set.js';
import type { ScrubContext } from './scrub-context.js';
import { findingsOf, markScrubbed } from './tally.js';
import { TextRuleIndex } from './text-rule-index.js';
import type { EventKind, JsonObject, ScrubCallOptions, ScrubResult, Scrubber } from './types.js';
import { startWalk } from './walk-state.js';

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
  const keynameRules: CompiledKeynameRule[] = [];
  const contentRules: CompiledContentRule[] = [];
  for (const rule of rules.rules) {
    if (rule.kind === 'keyname') keynameRules.push(rule);
    else if (rule.kind === 'content') contentRules.push(rule);
  }
  const index = new TextRuleIndex(rules.rules);
  const cx: ScrubContext = {
    hashKey: options.hashKey,
    maxStringLength: rules.limits.maxStringLength,
    maxDepth: rules.limits.maxDepth,
    urlQueryKeep: rules.urlQueryKeep,
    locals: rules.locals,
    textOnly: options.textOnly === true,
    index,
    keys: new KeyTable(rules.passthrough, keynameRules, contentRules, index.all),
    cleanStrings: { error: new CleanCache(), scan: new CleanCache() },
    walkValue,
  };
  const schema = rules.schema;

  return {
    scrub(event: JsonObject, kind: EventKind, options?: ScrubCallOptions): ScrubResult {
      const explain = options?.explain === true;
      const walk = startWalk(kind, cx.keys, schema[kind], options?.inPlace === true, explain);
      let out: JsonObject;
      try {
        out = walkObject(cx, event, 0, walk);
      } catch (err) {
        // The original error may quote the value being scanned: keep only its class and the rule.
        const rule = walk.currentRule;
        const name = err instanceof Error ? err.name : typeof err;
        throw new ScrubError(`scrubber failed in rule "${rule ?? 'unknown'}" (${name})`, {
          rule,
          cause: new Error(`${name} in rule "${rule ?? 'unknown'}" at ${formatJsonPath(walk.path)}`),
        });
      }
      const counts = markScrubbed(walk, out);
      if (!explain) return { event: out, counts };
      return { event: out, counts, findings: findingsOf(walk), zones: walk.zones ?? [] };
    },
  };
}
