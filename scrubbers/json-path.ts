import type { PathSegmentMatcher } from './rule-set.js';

const SEGMENT = /^(?:\.([A-Za-z_$][\w$-]*)|\.\*|\[\*\]|\[(\d+)\]|\[(?:"([^"]*)"|'([^']*)')\])/;

/**
 * Parses the subset of JSONPath used by rule scopes: `$`, `.key`, `.*`, `[*]`, `[0]`, `["key"]`.
 * Returns undefined when the text is not in that subset.
 * @example parseJsonPath('$.frames[*].vars') // [{key:'frames'},{any:true},{key:'vars'}]
 */
export function parseJsonPath(text: string): PathSegmentMatcher[] | undefined {
  if (!text.startsWith('$')) return undefined;
  const out: PathSegmentMatcher[] = [];
  let rest = text.slice(1);
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (m === null) return undefined;
    if (m[1] !== undefined) out.push({ key: m[1] });
    else if (m[2] !== undefined) out.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) out.push({ key: m[3] });
    else if (m[4] !== undefined) out.push({ key: m[4] });
    else out.push({ any: true });
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** Whether the concrete path `segments` lies at or below `scope`. Key comparison is case-insensitive. */
export function pathWithin(segments: readonly (string | number)[], scope: readonly PathSegmentMatcher[]): boolean {
  if (segments.length < scope.length) return false;
  for (let i = 0; i < scope.length; i++) {
    const m = scope[i];
    const seg = segments[i];
    if (m === undefined || seg === undefined) return false;
    if ('any' in m) continue;
    if ('index' in m) {
      if (seg !== m.index) return false;
    } else if (typeof seg !== 'string' || seg.toLowerCase() !== m.key.toLowerCase()) {
      return false;
    }
  }
  return true;
}

/** `[A-Za-z_$][A-Za-z0-9_$]*`, without a regex: it runs for every segment of every finding. */
function isIdentifier(key: string): boolean {
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
    if (!letter && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}

/** Renders one path segment the way findings show it: `[0]`, `.vars`, `["x-api-key"]`. */
export function formatJsonPathSegment(seg: string | number): string {
  if (typeof seg === 'number') return `[${seg}]`;
  return isIdentifier(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
}

/** Renders a concrete path the way findings show it: `$.frames[0].vars["x-api-key"]`. */
export function formatJsonPath(segments: readonly (string | number)[], length = segments.length): string {
  let out = '$';
  for (let i = 0; i < length; i++) {
    const seg = segments[i];
    if (seg !== undefined) out += formatJsonPathSegment(seg);
  }
  return out;
}
