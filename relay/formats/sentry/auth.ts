/** Where a Sentry SDK may put its DSN's public key. */
export interface SentryAuthSources {
  /** `X-Sentry-Auth` (or a legacy `Authorization: Sentry …`) header. */
  header: string | undefined;
  /** The `sentry_key` query parameter (browser and newer SDKs). */
  query: string | undefined;
  /** The envelope header's `dsn`. */
  dsn: unknown;
}

const KEY = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The DSN public key of a Sentry request, from the auth header, the query or the envelope's DSN,
 * in that order; `undefined` when none carries a well-formed key.
 * @example sentryKey({ header: 'Sentry sentry_version=7, sentry_key=abc123', query: undefined, dsn: undefined }) // 'abc123'
 */
export function sentryKey(sources: SentryAuthSources): string | undefined {
  const fromHeader = sources.header === undefined ? undefined : authHeaderKey(sources.header);
  const candidates = [fromHeader, sources.query, dsnKey(sources.dsn)];
  return candidates.find((key): key is string => key !== undefined && KEY.test(key));
}

function authHeaderKey(header: string): string | undefined {
  const match = /^\s*Sentry\s+(.*)$/i.exec(header);
  if (match === null) return undefined;
  for (const part of (match[1] ?? '').split(',')) {
    const [name, value] = part.split('=', 2).map((piece) => piece.trim());
    if (name === 'sentry_key' && value !== undefined && value !== '') return value;
  }
  return undefined;
}

function dsnKey(dsn: unknown): string | undefined {
  if (typeof dsn !== 'string') return undefined;
  try {
    const user = new URL(dsn).username;
    return user === '' ? undefined : decodeURIComponent(user);
  } catch {
    return undefined;
  }
}
