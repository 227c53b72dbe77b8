import type { ForwardedSchema, LocalsMode } from './schema.js';
import type { EventKind } from './types.js';

/**
 * What happens to a value a rule detected.
 * - `remove`: drop it (a key-level rule drops the key; a text rule cuts the match out).
 * - `replace`: put the rule's replacement text in its place (default `[<rule id>]`).
 * - `mask`: keep the last `keepLast` letters/digits, star the others (payment cards, for support).
 * - `hash`: keyed HMAC-SHA256 of the value, truncated: `[hash:1a2b3c4d5e6f]` — joinable, not reversible.
 */
export type RuleMethod = 'remove' | 'replace' | 'mask' | 'hash';

/** A check a regex match must pass before it counts (checksums, ranges, shapes). */
export type ValidatorName =
  | 'luhn'
  | 'mod97'
  | 'ssn'
  | 'ipv4'
  | 'ipv6'
  | 'ipv4_private'
  | 'ipv6_private'
  | 'phone'
  | 'basic_auth'
  | 'token_like'
  | 'has_digit'
  | 'person_name'
  | 'national_id'
  | 'given_name'
  | 'full_name'
  | 'name_word';

/** Shapes the one-pass prefilter recognises. */
export type PrefilterShape = 'ipv6' | 'iban';

/** One segment of a compiled JSON path scope: a key, any key/index (`*`) or any index (`[*]`). */
export type PathSegmentMatcher = { key: string } | { index: number } | { any: true };

/** Fields every compiled rule carries. */
interface CompiledRuleBase {
  id: string;
  description: string;
  method: RuleMethod;
  /** Text used by `replace`. */
  replacement: string;
  /** Letters/digits kept by `mask`. */
  keepLast: number;
  /** Event kinds the rule applies to. */
  kinds: ReadonlySet<EventKind>;
  /** JSON path scopes; empty = everywhere. A scope covers the node it names and all below it. */
  paths: readonly (readonly PathSegmentMatcher[])[];
  /** The rule's own examples, run by `checkRules`. */
  examples: { match: readonly string[]; noMatch: readonly string[] };
}

/** Finds sensitive text inside strings (and, if `numbers`, inside JSON numbers). */
export interface CompiledRegexRule extends CompiledRuleBase {
  kind: 'regex';
  /** Global regexes; a named group `value` narrows what is replaced to that group. */
  patterns: readonly RegExp[];
  validator: ValidatorName | undefined;
  /** The string must contain one of these literals (checked cheaply first); empty = no literal check. */
  containsAny: readonly string[];
  /** Per pattern (same index): the string must contain one of these literals for that pattern to run. */
  patternContainsAny: readonly (readonly string[])[];
  /** The string must hold at least this many ASCII digits. */
  minDigits: number;
  /** The string must hold a run at least this long of hex digits and `:` `.` `-` (MAC, IPv6). */
  minHexRun: number;
  /** The string must hold a run at least this long of digits and ` ` `.` `-` `(` `)` `+` (cards, phones, SSNs, IPv4). */
  minNumRun: number;
  /** A shape the one-pass prefilter must have seen: `ipv6` (hex:hex:… with a letter or `::`), `iban` (two capitals, two digits). */
  shape: PrefilterShape | undefined;
  /** Also scan JSON numbers (as their decimal text). */
  numbers: boolean;
  /** Word parts of key names under which this rule does not run (e.g. `version` for ipv4). */
  skipKeys: readonly (readonly string[])[];
}

/** Redacts the value (and everything under it) of keys whose name holds a sensitive word. */
export interface CompiledKeynameRule extends CompiledRuleBase {
  kind: 'keyname';
  /** Word-part sequences that mark a key anywhere in its name (`password` in `db_password`). */
  keys: readonly (readonly string[])[];
  /** Word-part sequences that mark a key only at its end (`token` in `access_token`, not `token_count`). */
  suffixKeys: readonly (readonly string[])[];
}

/**
 * Drops keys that carry content (prompts, messages, documents, bodies) in free-form zones: a key
 * matches when one of `keys` occurs as a run of its word parts (`gen_ai.input.messages`,
 * `retrieved_doc`, `contextDoc`), unless its last part is one of `exceptLast` (`content_type`,
 * `input_tokens`: metadata about content, not content).
 */
export interface CompiledContentRule extends CompiledRuleBase {
  kind: 'content';
  /** Word-part sequences that mark a content key anywhere in its name. */
  keys: readonly (readonly string[])[];
  /** Last word parts that make a key metadata about content rather than content. */
  exceptLast: ReadonlySet<string>;
}

/** Thresholds of the high-entropy token detector. */
export interface EntropySettings {
  /** Shortest token considered. */
  minLength: number;
  /** Bits per character from which a mixed-alphabet token is a secret. */
  base64Threshold: number;
  /** Bits per character from which a hex-only token is a secret. */
  hexThreshold: number;
  /** Shortest hex-only token considered (short hex is ids, colours, hashes prefixes). */
  hexMinLength: number;
  /** Word parts of key names whose values are technical identifiers (trace_id, sha, release…). */
  skipKeys: readonly (readonly string[])[];
}

/** Finds random-looking tokens (keys and passwords with no known prefix). */
export interface CompiledEntropyRule extends CompiledRuleBase {
  kind: 'entropy';
  entropy: EntropySettings;
}

/** Any compiled rule. */
export type CompiledRule = CompiledRegexRule | CompiledKeynameRule | CompiledContentRule | CompiledEntropyRule;

/** Global limits of the scrubber. */
export interface ScrubLimits {
  /**
   * Strings longer than this (in UTF-16 code units) are cut to this length before they are
   * scanned, and a `truncated` finding is recorded: what is cut is never forwarded, and the
   * scan cost per string stays bounded.
   */
  maxStringLength: number;
  /** Deeper nesting is replaced by `[depth_limit]` (finding `depth_limit`). */
  maxDepth: number;
}

/** The rules after loading, merging and compiling: what `createScrubber` consumes. */
export interface CompiledRuleSet {
  /** Top-level keys passed through untouched (the relay handles ids and timestamps itself). */
  passthrough: ReadonlySet<string>;
  limits: ScrubLimits;
  /** The declared technical fields per event kind; everything else is free-form. */
  schema: ForwardedSchema;
  /** Query parameters whose values a `url` field keeps (lower case). */
  urlQueryKeep: ReadonlySet<string>;
  /** How frame locals are forwarded. */
  locals: LocalsMode;
  /** Rules in application order (the file's order); disabled rules are not included. */
  rules: readonly CompiledRule[];
  /** Where the rules came from, for messages. */
  sources: readonly string[];
}
