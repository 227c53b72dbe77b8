/**
 * URLs, query strings and percent-encoding in strings: a value must never survive because of
 * its encoding, and a query string is where applications put user input (`?q=`, `?email=`).
 */

/** The marker that takes a dropped query value's place. */
export const QUERY_MARK = '[query]';

const PERCENT = /%[0-9A-Fa-f]{2}/;
/** A URL or path followed by a query: the query is group 1. */
const URL_WITH_QUERY = /(?:[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/[^\s?#"'<>]*|(?<![^\s"'(<=:])\/[^\s?#"'<>]*)\?([^\s#"'<>]+)/g;

/** Whether a string holds a percent-escape worth decoding. */
export function hasPercentEscape(text: string): boolean {
  return text.indexOf('%') !== -1 && PERCENT.test(text);
}

/**
 * Decodes every run of percent-escapes that forms valid UTF-8; a malformed run is left as it is.
 * `plusIsSpace` for query strings and form bodies (`application/x-www-form-urlencoded`).
 */
export function decodePercent(text: string, plusIsSpace = false): string {
  const source = plusIsSpace ? text.replace(/\+/g, ' ') : text;
  return source.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** Percent-encodes what a URL cannot hold as it is: white space, quotes, non-ASCII, `%` itself. */
export function encodeForUrl(text: string): string {
  return text.replace(/[\s"'<>%\u0080-\uffff]/gu, (c) => encodeURIComponent(c));
}

function keepValue(key: string, keep: ReadonlySet<string>): boolean {
  return keep.has(decodePercent(key, true).toLowerCase());
}

/**
 * The query `a=1&b=2` with every value whose key is not in `keep` replaced by {@link QUERY_MARK}.
 * @returns the query and how many values were dropped.
 */
export function stripQueryValues(query: string, keep: ReadonlySet<string>): { text: string; count: number } {
  let count = 0;
  const text = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      const key = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || value === QUERY_MARK || keepValue(key, keep)) return pair;
      count++;
      return `${key}=${QUERY_MARK}`;
    })
    .join('&');
  return { text: count > 0 ? text : query, count };
}

/**
 * Every query string that follows a URL or a path inside `text` (a request URL, a Django
 * `<WSGIRequest: POST '/chat/?q=…'>` repr, a log line), stripped by {@link stripQueryValues}.
 */
export function stripQueries(text: string, keep: ReadonlySet<string>): { text: string; count: number } {
  if (text.indexOf('?') === -1 || text.indexOf('=') === -1) return { text, count: 0 };
  let count = 0;
  const out = text.replace(URL_WITH_QUERY, (match: string, query: string) => {
    const stripped = stripQueryValues(query, keep);
    if (stripped.count === 0) return match;
    count += stripped.count;
    return match.slice(0, match.length - query.length) + stripped.text;
  });
  return { text: count > 0 ? out : text, count };
}

/** A URL field: query values dropped unless their key is technical, the fragment too when it holds values. */
export function stripUrl(url: string, keep: ReadonlySet<string>): { text: string; count: number } {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash + 1);
  const q = base.indexOf('?');
  const query = q === -1 ? { text: '', count: 0 } : stripQueryValues(base.slice(q + 1), keep);
  const frag = fragment.includes('=') ? stripQueryValues(fragment, keep) : { text: fragment, count: 0 };
  const count = query.count + frag.count;
  if (count === 0) return { text: url, count: 0 };
  return { text: (q === -1 ? base : `${base.slice(0, q + 1)}${query.text}`) + (hash === -1 ? '' : `#${frag.text}`), count };
}

/** A whole string that is a form body or a bare query string: `a=1&b=hello%20world`. */
export function isFormEncoded(text: string): boolean {
  return text.indexOf('&') !== -1 && /^[A-Za-z0-9_.%[\]-]{1,64}=[^&\s]*(?:&[A-Za-z0-9_.%[\]-]{1,64}=[^&\s]*)+$/.test(text);
}
