/**
 * Splits a key name into lower-case word parts at `_`, `-`, `.`, spaces and camelCase humps.
 * `X-Auth-Token` → `x auth token`, `dbPassword` → `db password`, `APIKey` → `api key`,
 * `author` → `author` (one part: it never matches `auth`).
 * @example keyParts('client_secretV2') // ['client', 'secret', 'v2']
 */
export function keyParts(key: string): string[] {
  const parts: string[] = [];
  let start = -1;
  for (let i = 0; i <= key.length; i++) {
    const c = i < key.length ? key.charCodeAt(i) : 32;
    const isUpper = c >= 65 && c <= 90;
    const isLower = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c > 127;
    if (!isUpper && !isLower) {
      if (start !== -1) parts.push(key.slice(start, i).toLowerCase());
      start = -1;
      continue;
    }
    if (start === -1) {
      start = i;
      continue;
    }
    if (isUpper) {
      const prev = key.charCodeAt(i - 1);
      const prevUpper = prev >= 65 && prev <= 90;
      const next = i + 1 < key.length ? key.charCodeAt(i + 1) : 0;
      const nextLower = next >= 97 && next <= 122;
      // "dbPassword" splits before P; "APIKey" splits before K (an upper followed by a lower).
      if (!prevUpper || nextLower) {
        parts.push(key.slice(start, i).toLowerCase());
        start = i;
      }
    }
  }
  return parts;
}

/** Normalised form used for exact key names: the parts joined with `_` (`assistantResponse` → `assistant_response`). */
export function normalizeKey(key: string): string {
  return keyParts(key).join('_');
}

/** True when `needle` occurs as a contiguous run of `parts`. */
export function containsParts(parts: readonly string[], needle: readonly string[]): boolean {
  const last = parts.length - needle.length;
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (parts[i + j] !== needle[j]) continue outer;
    }
    return true;
  }
  return false;
}

/** True when `parts` ends with `needle`. */
export function endsWithParts(parts: readonly string[], needle: readonly string[]): boolean {
  const offset = parts.length - needle.length;
  if (offset < 0) return false;
  for (let j = 0; j < needle.length; j++) {
    if (parts[offset + j] !== needle[j]) return false;
  }
  return true;
}

/** True when any needle occurs in `parts`. */
export function containsAnyParts(parts: readonly string[], needles: readonly (readonly string[])[]): boolean {
  for (const needle of needles) {
    if (containsParts(parts, needle)) return true;
  }
  return false;
}

/**
 * True when a key's parts name content: one of `needles` occurs in them, and the last part is not
 * one of `exceptLast` (`content_type`, `input_tokens` describe content; they are not content).
 */
export function namesContent(parts: readonly string[], needles: readonly (readonly string[])[], exceptLast: ReadonlySet<string>): boolean {
  const last = parts[parts.length - 1];
  if (last === undefined || exceptLast.has(last)) return false;
  return containsAnyParts(parts, needles);
}
