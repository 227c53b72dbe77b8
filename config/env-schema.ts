import { z } from 'zod';
import { COMPANY_ID_RULE, isCompanyId } from './company-id.js';
import { bool, companyId, entries, hostList, httpsUrl, int, oneOf, option, pemFile, text, type EnvOption } from './env-option.js';

/** One tenant's ingest token and the companies it may post for (`RELAY_INGEST_TOKENS`). */
export interface IngestTenant {
  token: string;
  /** At least one; the first is the default when there is only one. */
  companies: string[];
}

/** Lakera's own hosts, always in the default allowed set. */
export const LAKERA_HOSTS = ['api.lakera.ai'] as const;
export const DEFAULT_LAKERA_ENDPOINT = 'https://api.lakera.ai/v2/telemetry';

const MiB = 1024 * 1024;

/** `token=company|company,…`; entries are named by position so no token is echoed. */
function tenants(raw: string): IngestTenant[] | { refused: string } {
  const result: IngestTenant[] = [];
  for (const { key: token, value, at } of entries(raw)) {
    const companies = value.split('|').map((company) => company.trim());
    if (token === '' || companies.some((company) => company === '')) {
      return { refused: `to be comma-separated token=company|company entries, got an entry without a token or a company ${at}` };
    }
    if (/\s/.test(token) || token.length < 8 || token.length > 512) return { refused: `tokens to be 8-512 characters without spaces, got another token ${at}` };
    if (!companies.every(isCompanyId)) return { refused: `companies to be company ids (${COMPANY_ID_RULE}), got another value ${at}` };
    if (result.some((tenant) => tenant.token === token)) return { refused: `to list each token once, got a repeated token ${at}` };
    result.push({ token, companies: [...new Set(companies)] });
  }
  return result;
}

/** `key=company,…`; entries are named by position so no key is echoed. */
function keyCompanies(raw: string): Record<string, string> | { refused: string } {
  const result: Record<string, string> = {};
  for (const { key, value, at } of entries(raw)) {
    if (key === '' || value === '') return { refused: `to be comma-separated key=company pairs, got an entry without a key and a company ${at}` };
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(key)) return { refused: `keys to be 1-128 letters, digits, "_" or "-", got another character ${at}` };
    if (!isCompanyId(value)) return { refused: `companies to be company ids (${COMPANY_ID_RULE}), got another value ${at}` };
    if (Object.hasOwn(result, key)) return { refused: `to list each key once, got a repeated key ${at}` };
    // defineProperty: a key named `__proto__` stays a plain entry.
    Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/**
 * Every option the relay reads from its environment, each declared once: variable, what it
 * accepts, default and meaning. Validation, defaults, `scrub-relay serve --help` and the README's
 * configuration table (`npm run docs:config`) all come from here; the order is the order shown.
 * To add an option, add one line here (and use it where it is needed).
 */
export const ENV_OPTIONS = {
  telemetryEnabled: bool('TELEMETRY_ENABLED', { default: false, description: 'global switch; off = nothing is stored or forwarded' }),
  host: text('RELAY_HOST', { default: '127.0.0.1', description: 'listen address; binding elsewhere is explicit (the container image sets `0.0.0.0`)' }),
  port: int('RELAY_PORT', { min: 0, max: 65535, default: 4319, description: 'listen port' }),
  dbPath: text('RELAY_DB_PATH', { default: './data/relay.db', description: 'SQLite file (WAL beside it)' }),
  durability: oneOf('RELAY_DURABILITY', ['normal', 'full'], { default: 'normal', description: '`normal`: survives a process crash; `full`: also a power loss (fsync per commit)' }),
  diagnosticsEndpoint: httpsUrl('DIAGNOSTICS_ENDPOINT', { description: 'URL for error traces' }),
  diagnosticsApiKey: text('DIAGNOSTICS_API_KEY', { secret: true, description: 'bearer token for the diagnostics endpoint' }),
  clientCert: pemFile('RELAY_CLIENT_CERT_FILE', { description: 'client certificate for mutual TLS to the diagnostics endpoint (with `RELAY_CLIENT_KEY_FILE`)' }),
  clientKey: pemFile('RELAY_CLIENT_KEY_FILE', { description: 'its private key' }),
  lakeraApiKey: text('LAKERA_API_KEY', { secret: true, description: 'enables Lakera telemetry' }),
  lakeraProjectId: text('LAKERA_PROJECT_ID', { description: 'sent as `project_id`' }),
  lakeraEnabled: bool('LAKERA_TELEMETRY_ENABLED', { default: undefined, defaultText: 'true once a key is set', description: '`false` turns Lakera telemetry off' }),
  lakeraEndpoint: httpsUrl('LAKERA_TELEMETRY_ENDPOINT', { default: DEFAULT_LAKERA_ENDPOINT, description: 'where scan events go' }),
  lakeraSendUserIpHash: bool('LAKERA_SEND_USER_IP_HASH', { default: false, description: 'send a keyed hash of `metadata.user_ip` (only when the company allows ids)' }),
  allowedHosts: hostList('RELAY_ALLOWED_HOSTS', { defaultText: "Lakera's hosts + the diagnostics host", description: 'hosts the relay may send to; replaces the allowed set' }),
  caPem: pemFile('RELAY_CA_FILE', { description: 'extra CA (PEM) trusted for upstream TLS, added to the system roots' }),
  httpsProxy: text('HTTPS_PROXY', { alias: 'https_proxy', description: 'egress proxy (CONNECT); `https_proxy` also works' }),
  noProxy: text('NO_PROXY', { alias: 'no_proxy', description: 'hosts reached without the proxy; `no_proxy` also works' }),
  hashKey: text('RELAY_HASH_KEY', { secret: true, defaultText: 'random, kept in the database', description: 'key of the keyed hashes; set it to keep pseudonyms stable across fresh databases' }),
  adminToken: text('RELAY_ADMIN_TOKEN', { secret: true, description: 'bearer token for admin routes (consent, export, erase, replay); admin routes are off without any token' }),
  auditorToken: text('RELAY_AUDITOR_TOKEN', { secret: true, description: 'read-only token (egress audit, stats, consent list, admin audit, the console read-only)' }),
  ingestToken: text('RELAY_INGEST_TOKEN', { secret: true, description: 'single tenant: when set, ingest (`/v1/*`, OTLP) needs `Authorization: Bearer` with it; it may post for any company' }),
  ingestTenants: option<IngestTenant[]>('RELAY_INGEST_TOKENS', 'token=company|company,…', [], {
    secret: true,
    description:
      'tenants: `tokA=acme,tokB=globex|initech` binds each token to the companies it may post for (others get `403`); a token\'s only company is the default for events that name none; a tenant token made of letters, digits, `_` and `-` also works as a Sentry DSN key for its company. Listening beyond loopback with neither this nor `RELAY_INGEST_TOKEN` logs a warning',
  }, tenants),
  rulesFile: text('RELAY_RULES_FILE', { description: 'your rules file, merged over the shipped rules' }),
  defaultCompany: companyId('RELAY_DEFAULT_COMPANY', { description: 'company for events that name none (for a tenant token, only if it is one of its companies)' }),
  sentryDsnCompanies: option<Record<string, string>>('RELAY_SENTRY_KEYS', 'key=company,…', {}, {
    secret: true,
    description: 'Sentry DSN public key → company, `key1=acme,key2=globex`; events with an unlisted key go to `RELAY_DEFAULT_COMPANY`, or are refused',
  }, keyCompanies),
  maxBodyBytes: int('RELAY_MAX_BODY_BYTES', { min: 1024, max: 64 * MiB, default: MiB, description: 'largest request body (after decompression)' }),
  maxBatchEvents: int('RELAY_MAX_BATCH_EVENTS', { min: 1, max: 100_000, default: 1000, description: 'most events per request' }),
  maxInflightRequests: int('RELAY_MAX_INFLIGHT', { min: 1, max: 100_000, default: 256, description: 'ingest requests handled at once; past it `503` + `Retry-After: 1` at once (load shedding)' }),
  maxInflightBytes: int('RELAY_MAX_INFLIGHT_BYTES', {
    min: 1024,
    max: Number.MAX_SAFE_INTEGER,
    default: 16 * MiB,
    description:
      'body bytes buffered by the ingest requests handled at once, counted as they arrive (a slow body holds only what it has sent); a request whose declared length does not fit, or a body that grows past it, gets `503` + `Retry-After: 1` (`429` in Sentry\'s form on `/api/*`). Bounds the memory parsing can take',
  }),
  bodyTimeoutSeconds: int('RELAY_BODY_TIMEOUT', {
    min: 1,
    max: 3600,
    default: 20,
    description: 'seconds a body may take, plus one second per `RELAY_BODY_MIN_RATE` bytes received (Apache `mod_reqtimeout`\'s `body=20,MinRate=500`); a slower one gets `408` and its connection is closed. A client at 56 kbit/s sends the largest body well within it',
  }),
  bodyMinRate: int('RELAY_BODY_MIN_RATE', { min: 1, max: 1024 * MiB, default: 500, description: 'bytes per second a body must keep up once `RELAY_BODY_TIMEOUT` is spent' }),
  maxEventLoopDelayMs: int('RELAY_MAX_EVENT_LOOP_DELAY', {
    min: 10,
    max: 60_000,
    default: 100,
    description: 'ms the event loop may lag before new ingest requests are answered `503` + `Retry-After: 1` (under overload requests wait in the socket queue, where the in-flight limit does not see them)',
  }),
  scrubWorker: bool('RELAY_SCRUB_WORKER', { default: true, description: 'scrub large bodies on a second thread (started with the first one), so one core scrubs while the other serves requests and writes the outbox' }),
  scrubWorkerMinBytes: int('RELAY_SCRUB_WORKER_MIN_BYTES', { min: 0, max: 64 * MiB, default: 16_384, description: 'bodies at least this large go to the scrub worker; smaller ones are scrubbed in line (lower latency)' }),
  maxDepth: int('RELAY_MAX_DEPTH', {
    min: 4,
    max: 256,
    default: 32,
    description: 'nesting an event may have as received, the event itself being level 1; a deeper one is refused (`400`). At most the rules file\'s `limits.max_depth` (the scrubber\'s own bound, which also covers JSON decoded from strings): the relay refuses to start otherwise',
  }),
  maxStringLength: int('RELAY_MAX_STRING_LENGTH', { min: 256, max: 16 * MiB, default: 65_536, description: 'longest string in an event, in characters; a longer one is refused (`413`)' }),
  maxKeys: int('RELAY_MAX_KEYS', { min: 16, max: 1_000_000, default: 2000, description: 'most keys in one event, counted over all nested objects and arrays' }),
  maxBufferBytes: int('RELAY_MAX_BUFFER_BYTES', { min: 1024, max: Number.MAX_SAFE_INTEGER, default: 256 * MiB, description: 'outbox limit (scrubbed bytes)' }),
  whenFull: oneOf('RELAY_WHEN_FULL', ['reject', 'drop_oldest'], { default: 'reject', description: '`reject` (503 + `Retry-After`) or `drop_oldest` (evict, counted as `evicted`)' }),
  maxEventAgeSeconds: int('RELAY_MAX_EVENT_AGE', { min: 1, max: 10 * 365 * 24 * 3600, default: 7 * 24 * 3600, description: 'seconds an event may wait; older ones are expired and counted' }),
  batchSize: int('RELAY_BATCH_SIZE', { min: 1, max: 10_000, default: 100, description: 'events per diagnostics request' }),
  sendConcurrency: int('RELAY_SEND_CONCURRENCY', {
    min: 1,
    max: 64,
    default: 4,
    description: 'upstream requests in flight to Lakera (one event per request); the diagnostics endpoint gets one batch at a time, the next once the last one is answered',
  }),
  sendTimeoutSeconds: int('RELAY_SEND_TIMEOUT', { min: 1, max: 600, default: 15, description: 'seconds per upstream request' }),
  maxBackoffSeconds: int('RELAY_MAX_BACKOFF', { min: 1, max: 86_400, default: 300, description: 'longest retry delay, seconds' }),
  shutdownTimeoutSeconds: int('RELAY_SHUTDOWN_TIMEOUT', {
    min: 0,
    max: 3600,
    default: 10,
    description: 'seconds the drain on SIGTERM may last: the relay forwards its backlog until the outbox is empty or this ends, then aborts what is on the wire',
  }),
  egressAuditDays: int('RELAY_EGRESS_AUDIT_DAYS', {
    min: 0,
    max: 3650,
    default: 7,
    description: 'days the exact egress bodies are kept, as sent (gzip\'d for diagnostics; `egress show` unpacks them; 0 = hashes only)',
  }),
  auditRetentionDays: int('RELAY_AUDIT_RETENTION_DAYS', { min: 1, max: 3650, default: 90, description: 'days egress records, dead letters and admin audit rows are kept' }),
  consentFile: text('RELAY_CONSENT_FILE', { description: 'declarative consent (YAML or JSON), reloaded on change; wins over the database for the keys it names' }),
  storageReserveBytes: int('RELAY_STORAGE_RESERVE_BYTES', {
    min: 0,
    max: 1024 * MiB,
    default: 4 * MiB,
    description: 'bytes kept in `<db>.reserve` and given up when the volume fills, so delivered events can still be deleted (0 = off)',
  }),
  heapMb: option<number | undefined>('RELAY_HEAP_MB', '16-65536', undefined, {
    defaultText: 'half the container memory limit, 32-256',
    description: 'V8 old-generation cap in MB for `serve`, applied by `bin/scrub-relay` before node starts; 256 without a container limit',
  }, (raw) => (/^[1-9]\d*$/.test(raw) && Number(raw) >= 16 && Number(raw) <= 65536 ? Number(raw) : { refused: `to be a number of megabytes (16-65536), got "${raw}"` })),
  logLevel: oneOf('RELAY_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info', description: 'pino level' }),
} satisfies Record<string, EnvOption<unknown>>;

type Options = typeof ENV_OPTIONS;

/** Each option's value once validated, defaults applied. */
export type EnvValues = { [K in keyof Options]: Options[K] extends EnvOption<infer T> ? T : never };

/** The schema of the options' texts (keyed as {@link ENV_OPTIONS}, read from the environment by `readOptions`). */
export const envSchema = z.object(Object.fromEntries(Object.entries(ENV_OPTIONS).map(([key, declared]) => [key, declared.schema])));
