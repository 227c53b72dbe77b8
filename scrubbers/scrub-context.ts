import type { CleanCache } from './clean-cache.js';
import type { KeyTable } from './key-table.js';
import type { LocalsMode } from './schema.js';
import type { TextRuleIndex } from './text-rule-index.js';
import type { EventKind, JsonValue } from './types.js';
import type { Walk } from './walk-state.js';

/** Strings shorter than this hold nothing a text rule can find (`a@b.io` is the shortest match). */
export const MIN_SCANNED_LENGTH = 6;

/** What takes the place of human-written text (rule `content_policy`). */
export const CONTENT_MARK = '[content]';

/** Rule ids of the scrubber's own findings. */
export const CONTENT_POLICY = 'content_policy';
export const FRAME_LOCAL = 'frame_local';
export const URL_QUERY = 'url_query';
export const FILE_NAME = 'file_name';

/**
 * Everything `createScrubber` prepares once and every walk reads: the compiled rules in the shapes
 * the hot loop wants, and the caches, each of which depends only on the rules and on the strings
 * or key names it is keyed by.
 */
export interface ScrubContext {
  /** Key of the `hash` method's HMAC. */
  readonly hashKey: Buffer | string;
  readonly maxStringLength: number;
  readonly maxDepth: number;
  /** Query parameters whose values a `url` field keeps (lower case). */
  readonly urlQueryKeep: ReadonlySet<string>;
  readonly locals: LocalsMode;
  /** Only the text rules: no content policy and no zone policies (`ScrubberOptions.textOnly`). */
  readonly textOnly: boolean;
  readonly index: TextRuleIndex;
  readonly keys: KeyTable;
  /**
   * Strings proven clean by every rule, none skipped for where the string sits (file paths,
   * function names, versions repeat across events); a clean string never needs scanning again.
   * Only strings without any finding are kept, so the cache never holds a sensitive value.
   */
  readonly cleanStrings: Record<EventKind, CleanCache>;
  /**
   * Walks a value parsed out of a string (JSON inside a string) as a value of its own. Passed in,
   * so that string scrubbing does not import the walk that calls it.
   */
  readonly walkValue: (cx: ScrubContext, value: JsonValue, depth: number, walk: Walk) => JsonValue;
}
