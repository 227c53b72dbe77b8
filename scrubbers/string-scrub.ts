import { holdsWords, redactProse } from './content-policy.js';
import { cleanFileName } from './file-name.js';
import type { KeyInfo } from './key-table.js';
import { fitsType } from './schema.js';
import { CONTENT_MARK, CONTENT_POLICY, FILE_NAME, FRAME_LOCAL, MIN_SCANNED_LENGTH, URL_QUERY } from './scrub-context.js';
import type { ScrubContext } from './scrub-context.js';
import { counted, record } from './tally.js';
import { scrubText } from './text-scan.js';
import type { JsonValue } from './types.js';
import { decodePercent, encodeForUrl, hasPercentEscape, isFormEncoded, stripQueries, stripUrl } from './url-text.js';
import type { Walk } from './walk-state.js';

/**
 * A string through the policy of its zone, then the text rules. Human text is removed wherever
 * it stands; what is left is decoded where it is encoded, so that no value survives because of
 * its encoding, and scanned.
 */
export function scrubString(cx: ScrubContext, input: string, walk: Walk): string {
  if (cx.textOnly) return scrubText(cx, input, walk, false);
  const node = walk.node;
  const type = node !== undefined && node.type !== undefined && fitsType(node.type, input) ? node.type : undefined;
  if (type === 'local') return scrubLocal(cx, input, walk);
  if (input.length < MIN_SCANNED_LENGTH) return input;
  if (type === undefined || type === 'text') {
    const embedded = scrubEmbedded(cx, input, walk);
    if (embedded !== undefined) return embedded;
  }
  // The text rules first, so that a finding inside removed prose is still reported.
  let s = scrubText(cx, input, walk, false);
  const prose = redactProse(s, CONTENT_MARK);
  if (prose.count > 0) {
    record(walk, CONTENT_POLICY, prose.count);
    if (prose.text === CONTENT_MARK) return prose.text;
    s = prose.text;
  }
  if (type === 'file_name') s = counted(walk, FILE_NAME, cleanFileName(s));
  else if (type === 'url') s = counted(walk, URL_QUERY, stripUrl(s, cx.urlQueryKeep));
  else s = counted(walk, URL_QUERY, stripQueries(s, cx.urlQueryKeep));
  if (hasPercentEscape(s)) {
    const decoded = decodePercent(s);
    const scrubbed = scrubDecoded(cx, decoded, walk);
    if (scrubbed !== decoded) return encodeForUrl(scrubbed);
  }
  return s;
}

/** Decoded text through the text rules and the content policy. */
function scrubDecoded(cx: ScrubContext, decoded: string, walk: Walk): string {
  const prose = redactProse(scrubText(cx, decoded, walk, false), CONTENT_MARK);
  if (prose.count > 0) record(walk, CONTENT_POLICY, prose.count);
  return prose.text;
}

/**
 * JSON or a form body inside a string is walked as a free-form value of its own and written
 * back in its own syntax; undefined when the string is neither.
 */
function scrubEmbedded(cx: ScrubContext, s: string, walk: Walk): string | undefined {
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
    const scrubbed = cx.walkValue(cx, parsed as JsonValue, walk.path.length + 1, walk);
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
      const scrubbed = scrubDecoded(cx, decoded, walk);
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
function scrubLocal(cx: ScrubContext, input: string, walk: Walk): string {
  if (cx.locals === 'technical') {
    const node = walk.node;
    walk.node = undefined;
    const fired = walk.fired;
    const scrubbed = scrubString(cx, input, walk);
    walk.node = node;
    if (scrubbed === input && walk.fired === fired && !holdsWords(input)) return input;
  }
  record(walk, FRAME_LOCAL, 1);
  return `[str len=${input.length}]`;
}

/**
 * A key name through the content policy (in free-form zones) and the text rules. A key name found
 * clean with no rule skipped for its place is remembered clean for its event kind.
 */
export function scrubKey(cx: ScrubContext, key: string, info: KeyInfo, walk: Walk): string {
  if (key.length < MIN_SCANNED_LENGTH || info.clean[walk.kind]) return key;
  if (walk.node === undefined && !cx.textOnly) {
    const prose = redactProse(key, CONTENT_MARK);
    if (prose.count > 0) {
      record(walk, CONTENT_POLICY, prose.count);
      return prose.text;
    }
  }
  walk.pathDependent = false;
  const scrubbed = scrubText(cx, key, walk, false);
  if (scrubbed === key && !walk.pathDependent) info.clean[walk.kind] = true;
  return scrubbed;
}
