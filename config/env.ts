import { readFileSync } from 'node:fs';
import { COMPANY_ID_RULE, isCompanyId } from './company-id.js';
import { ConfigError } from './errors.js';

/** Where a destination's events come from and how they are sent. */
export interface DestinationConfig {
  /** The sink it configures (`diagnostics`, `lakera`): the name in the outbox, metrics and egress audit. */
  name: string;
  url: URL;
  /** Sent as `Authorization: Bearer <key>` when set. */
  apiKey: string | undefined;
  /** Client certificate and key (PEM) for mutual TLS, when the endpoint asks for one. */
  clientCert: string | undefined;
  clientKey: string | undefined;
}

/** One tenant's ingest token and the companies it may post for (`RELAY_INGEST_TOKENS`). */
export interface IngestTenant {
  token: string;
  /** At least one; the first is the default when there is only one. */
  companies: string[];
}

export type Durability = 'normal' | 'full';
export type WhenFull = 'reject' | 'drop_oldest';

/** The relay's whole configuration, read once at start from the environment. */
export interface RelayConfig {
  /** @default '127.0.0.1' — binding elsewhere is an explicit choice. */
  host: string;
  /** @default 4319 */
  port: number;
  /** @default './data/relay.db' */
  dbPath: string;
  /** Global switch: nothing is forwarded while it is off. @default false */
  telemetryEnabled: boolean;
  /** Largest request body accepted, in bytes. @default 1048576 (1 MiB) */
  maxBodyBytes: number;
  /**
   * Ingest requests being read, scrubbed or written at once; past it a request is answered 503
   * with `Retry-After` at once instead of queueing, so overload sheds load and memory stays bounded.
   * @default 256
   */
  maxInflightRequests: number;
  /**
   * Body bytes buffered by the ingest requests being handled at once, counted as they arrive (a
   * slow body holds only what it has sent); a new request is refused when its declared length
   * would not fit, and a body that grows past the budget is refused mid-way; both get `503` +
   * `Retry-After`. Bounds the memory that parsing and scrubbing can take, whatever the size of
   * each request. A request is always admitted when none is in flight. @default 16777216 (16 MiB)
   */
  maxInflightBytes: number;
  /**
   * Event-loop delay (ms) past which new ingest requests are answered 503 at once: under overload
   * requests wait in the socket queue, not in the handler, so the in-flight limit alone never sees them.
   * 100 ms is five times the p99 latency the relay is built for; bench/relay.js measures how it sheds
   * under 10x overload.
   * @default 100
   */
  maxEventLoopDelayMs: number;
  /**
   * Scrub large bodies on a worker thread, so that a second core scrubs while the main thread
   * reads requests and writes the outbox (`RELAY_SCRUB_WORKER`). @default true
   */
  scrubWorker: boolean;
  /** Bodies at least this large (bytes, as received) go to the scrub worker; smaller ones are scrubbed in line. @default 16384 */
  scrubWorkerMinBytes: number;
  /**
   * Seconds an ingest body may take to arrive before it must keep up `bodyMinRate`
   * (`RELAY_BODY_TIMEOUT`); each `bodyMinRate` bytes received adds a second, as Apache's
   * `mod_reqtimeout` does (`body=20,MinRate=500`). A body behind time is answered `408` and its
   * connection closed. @default 20
   */
  bodyTimeoutSeconds: number;
  /** Bytes per second an ingest body must keep up once `bodyTimeoutSeconds` is spent (`RELAY_BODY_MIN_RATE`). @default 500 */
  bodyMinRate: number;
  /** Most events in one request. @default 1000 */
  maxBatchEvents: number;
  /** Largest JSON nesting depth of one event. @default 32 */
  maxDepth: number;
  /** Longest string in an event, in characters. @default 65536 */
  maxStringLength: number;
  /** Most keys in one event, counted over all nested objects. @default 2000 */
  maxKeys: number;
  /** Outbox size limit (scrubbed payload bytes). @default 268435456 (256 MiB) */
  maxBufferBytes: number;
  /** Events older than this (seconds) are expired from the outbox, counted. @default 604800 (7 days) */
  maxEventAgeSeconds: number;
  /** What a full outbox does with a new event. @default 'reject' */
  whenFull: WhenFull;
  /** SQLite `synchronous`: `normal` survives a process crash, `full` also a power loss. @default 'normal' */
  durability: Durability;
  /** Seconds SIGTERM waits for an in-flight send. @default 10 */
  shutdownTimeoutSeconds: number;
  /** @default 'info' */
  logLevel: string;
  adminToken: string | undefined;
  auditorToken: string | undefined;
  /** One ingest token for every company (single tenant). */
  ingestToken: string | undefined;
  /**
   * Tenant tokens, each bound to the companies it may post for, from `RELAY_INGEST_TOKENS`
   * (`tokA=acme,tokB=globex|initech`, or `RELAY_INGEST_TOKENS_FILE`). A token's single company is
   * the default for its events that name none. @default []
   */
  ingestTenants: IngestTenant[];
  /** Key for the keyed hash of identifiers; when unset, a random key is created and kept in the database. */
  hashKey: string | undefined;
  rulesFile: string | undefined;
  /** Extra CA certificates (PEM) trusted for upstream TLS, added to the system roots. */
  caPem: string | undefined;
  /** Company used for events that name none. */
  defaultCompany: string | undefined;
  /**
   * Sentry DSN public key → company, from `RELAY_SENTRY_KEYS` (`key1=company1,key2=company2`, or
   * `RELAY_SENTRY_KEYS_FILE`). Events sent with an unlisted key go to `defaultCompany`, or are refused.
   * @default {}
   */
  sentryDsnCompanies: Record<string, string>;
  diagnostics: DestinationConfig | undefined;
  lakera: (DestinationConfig & { projectId: string | undefined }) | undefined;
  /**
   * Which destinations (sink names) each event kind is queued for, replacing the built-in table
   * (relay/sinks/routes.ts) for the kinds it names; a kind may go to several. Programmatic only.
   * @default undefined (error → diagnostics, scan → lakera)
   * @example { scan: ['lakera', 'diagnostics'] }
   */
  routes?: Partial<Record<'error' | 'scan', readonly string[]>>;
  /** Send a keyed hash of `metadata.user_ip` to Lakera. @default false */
  lakeraSendUserIpHash: boolean;
  /** Proxy for upstream HTTPS (`HTTPS_PROXY`), with `NO_PROXY` exceptions. */
  httpsProxy: string | undefined;
  noProxy: string | undefined;
  /** Hosts the relay may send to. */
  allowedHosts: string[];
  /** Events per upstream request. @default 100 */
  batchSize: number;
  /** Upstream requests in flight at once. @default 4 */
  sendConcurrency: number;
  /** Upstream request timeout in seconds. @default 15 */
  sendTimeoutSeconds: number;
  /** Longest wait between retries, in seconds. @default 300 */
  maxBackoffSeconds: number;
  /** Days the exact egress bodies are kept in the audit (0 = hashes only). @default 7 */
  egressAuditDays: number;
  /** Days egress audit rows, dead letters and admin audit rows are kept. @default 90 */
  auditRetentionDays: number;
  /**
   * Bytes of the volume the relay keeps in a reserve file beside the database and gives up when
   * the volume fills, so that delivered events can always be deleted (0 = no reserve).
   * @default 4194304 (4 MiB)
   */
  storageReserveBytes: number;
  /** Declarative consent (YAML or JSON, e.g. a mounted ConfigMap), reloaded on change; it wins over the database. */
  consentFile: string | undefined;
}

type Env = Record<string, string | undefined>;

/** Lakera's own hosts, always in the default allowed set. */
export const LAKERA_HOSTS = ['api.lakera.ai'] as const;
export const DEFAULT_LAKERA_ENDPOINT = 'https://api.lakera.ai/v2/telemetry';

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** A secret from `NAME` or from the file named by `NAME_FILE` (Kubernetes secrets). */
function secret(env: Env, name: string): string | undefined {
  const direct = text(env, name);
  const file = text(env, `${name}_FILE`);
  if (direct !== undefined && file !== undefined) {
    throw new ConfigError(`Set either ${name} or ${name}_FILE, not both`);
  }
  if (file === undefined) return direct;
  try {
    const value = readFileSync(file, 'utf8').trim();
    if (value === '') throw new ConfigError(`Expected ${name}_FILE to name a non-empty file, got "${file}" (empty)`);
    return value;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`Expected ${name}_FILE to name a readable file, got "${file}"`, { cause: error });
  }
}

function readPem(env: Env, name: string): string | undefined {
  const file = text(env, name);
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Expected ${name} to name a readable PEM file, got "${file}"`, { cause: error });
  }
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`Expected ${name} to be ${min}-${max}, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`Expected ${name} to be true or false, got "${env[name]}"`);
}

function oneOf<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const found = choices.find((choice) => choice === raw);
  if (found === undefined) throw new ConfigError(`Expected ${name} to be one of ${choices.join('|')}, got "${raw}"`);
  return found;
}

/** `key=value` pairs separated by commas; entries are named by position so no key is echoed. */
function pairs(name: string, raw: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (raw === undefined) return result;
  raw.split(',').forEach((entry, index) => {
    if (entry.trim() === '') return;
    const at = entry.indexOf('=');
    const key = entry.slice(0, at).trim();
    const value = entry.slice(at + 1).trim();
    if (at === -1 || key === '' || value === '') {
      throw new ConfigError(`Expected ${name} to be comma-separated key=company pairs, got an entry without a key and a company (entry ${index + 1})`);
    }
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(key)) {
      throw new ConfigError(`Expected ${name} keys to be 1-128 letters, digits, "_" or "-", got another character (entry ${index + 1})`);
    }
    if (!isCompanyId(value)) throw new ConfigError(`Expected ${name} companies to be company ids (${COMPANY_ID_RULE}), got another value (entry ${index + 1})`);
    if (Object.hasOwn(result, key)) throw new ConfigError(`Expected ${name} to list each key once, got a repeated key (entry ${index + 1})`);
    Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  });
  return result;
}

/** `token=company|company,…`; entries are named by position so no token is echoed. */
function tenants(name: string, raw: string | undefined): IngestTenant[] {
  const result: IngestTenant[] = [];
  if (raw === undefined) return result;
  raw.split(',').forEach((entry, index) => {
    if (entry.trim() === '') return;
    const at = entry.indexOf('=');
    const token = entry.slice(0, at).trim();
    const companies = entry.slice(at + 1).split('|').map((company) => company.trim());
    if (at === -1 || token === '' || companies.some((company) => company === '')) {
      throw new ConfigError(`Expected ${name} to be comma-separated token=company|company entries, got an entry without a token or a company (entry ${index + 1})`);
    }
    if (/\s/.test(token) || token.length < 8 || token.length > 512) {
      throw new ConfigError(`Expected ${name} tokens to be 8-512 characters without spaces, got another token (entry ${index + 1})`);
    }
    if (!companies.every(isCompanyId)) {
      throw new ConfigError(`Expected ${name} companies to be company ids (${COMPANY_ID_RULE}), got another value (entry ${index + 1})`);
    }
    if (result.some((tenant) => tenant.token === token)) throw new ConfigError(`Expected ${name} to list each token once, got a repeated token (entry ${index + 1})`);
    result.push({ token, companies: [...new Set(companies)] });
  });
  return result;
}

function companyId(env: Env, name: string): string | undefined {
  const value = text(env, name);
  if (value !== undefined && !isCompanyId(value)) throw new ConfigError(`Expected ${name} to be a company id (${COMPANY_ID_RULE}), got another value`);
  return value;
}

function httpsUrl(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new ConfigError(`Expected ${name} to be an https:// URL, got "${raw}"`, { cause: error });
  }
  if (url.protocol !== 'https:') {
    throw new ConfigError(`Expected ${name} to be an https:// URL, got "${url.protocol}//${url.host}" (only TLS is allowed)`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(`Expected ${name} without credentials in the URL; use the API key variable instead`);
  }
  return url;
}

/**
 * Reads and validates the relay's configuration. Fails fast with a `ConfigError` that names the
 * variable and what it received (never a secret's value).
 * @example loadConfig(process.env)
 */
export function loadConfig(env: Env): RelayConfig {
  const telemetryEnabled = bool(env, 'TELEMETRY_ENABLED', false);
  const clientCert = readPem(env, 'RELAY_CLIENT_CERT_FILE');
  const clientKey = readPem(env, 'RELAY_CLIENT_KEY_FILE');
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    throw new ConfigError('Set both RELAY_CLIENT_CERT_FILE and RELAY_CLIENT_KEY_FILE for mutual TLS, or neither');
  }

  const diagnosticsRaw = text(env, 'DIAGNOSTICS_ENDPOINT');
  const diagnostics: DestinationConfig | undefined =
    diagnosticsRaw === undefined
      ? undefined
      : {
          name: 'diagnostics',
          url: httpsUrl('DIAGNOSTICS_ENDPOINT', diagnosticsRaw),
          apiKey: secret(env, 'DIAGNOSTICS_API_KEY'),
          clientCert,
          clientKey,
        };

  const lakeraKey = secret(env, 'LAKERA_API_KEY');
  const lakeraEnabled = bool(env, 'LAKERA_TELEMETRY_ENABLED', lakeraKey !== undefined);
  const lakera =
    lakeraEnabled && lakeraKey !== undefined
      ? {
          name: 'lakera' as const,
          url: httpsUrl('LAKERA_TELEMETRY_ENDPOINT', text(env, 'LAKERA_TELEMETRY_ENDPOINT') ?? DEFAULT_LAKERA_ENDPOINT),
          apiKey: lakeraKey,
          clientCert: undefined,
          clientKey: undefined,
          projectId: text(env, 'LAKERA_PROJECT_ID'),
        }
      : undefined;

  const allowedRaw = text(env, 'RELAY_ALLOWED_HOSTS');
  const allowedHosts =
    allowedRaw === undefined
      ? [...LAKERA_HOSTS, ...(diagnostics ? [diagnostics.url.hostname] : [])]
      : allowedRaw.split(',').map((host) => host.trim().toLowerCase()).filter((host) => host !== '');
  for (const destination of [diagnostics, lakera]) {
    if (destination && !allowedHosts.includes(destination.url.hostname.toLowerCase())) {
      throw new ConfigError(
        `Destination host "${destination.url.hostname}" (${destination.name}) is not in the allowed set [${allowedHosts.join(', ')}]; ` +
          'add it to RELAY_ALLOWED_HOSTS if it is meant to receive telemetry',
      );
    }
  }

  return {
    host: text(env, 'RELAY_HOST') ?? '127.0.0.1',
    port: int(env, 'RELAY_PORT', 4319, 0, 65535),
    dbPath: text(env, 'RELAY_DB_PATH') ?? './data/relay.db',
    telemetryEnabled,
    maxBodyBytes: int(env, 'RELAY_MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    maxInflightRequests: int(env, 'RELAY_MAX_INFLIGHT', 256, 1, 100_000),
    maxInflightBytes: int(env, 'RELAY_MAX_INFLIGHT_BYTES', 16 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
    maxEventLoopDelayMs: int(env, 'RELAY_MAX_EVENT_LOOP_DELAY', 100, 10, 60_000),
    scrubWorker: bool(env, 'RELAY_SCRUB_WORKER', true),
    scrubWorkerMinBytes: int(env, 'RELAY_SCRUB_WORKER_MIN_BYTES', 16_384, 0, 64 * 1024 * 1024),
    bodyTimeoutSeconds: int(env, 'RELAY_BODY_TIMEOUT', 20, 1, 3600),
    bodyMinRate: int(env, 'RELAY_BODY_MIN_RATE', 500, 1, 1024 * 1024 * 1024),
    maxBatchEvents: int(env, 'RELAY_MAX_BATCH_EVENTS', 1000, 1, 100_000),
    maxDepth: int(env, 'RELAY_MAX_DEPTH', 32, 4, 256),
    maxStringLength: int(env, 'RELAY_MAX_STRING_LENGTH', 65_536, 256, 16 * 1024 * 1024),
    maxKeys: int(env, 'RELAY_MAX_KEYS', 2000, 16, 1_000_000),
    maxBufferBytes: int(env, 'RELAY_MAX_BUFFER_BYTES', 256 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
    maxEventAgeSeconds: int(env, 'RELAY_MAX_EVENT_AGE', 7 * 24 * 3600, 1, 10 * 365 * 24 * 3600),
    whenFull: oneOf(env, 'RELAY_WHEN_FULL', ['reject', 'drop_oldest'] as const, 'reject'),
    durability: oneOf(env, 'RELAY_DURABILITY', ['normal', 'full'] as const, 'normal'),
    shutdownTimeoutSeconds: int(env, 'RELAY_SHUTDOWN_TIMEOUT', 10, 0, 3600),
    logLevel: oneOf(env, 'RELAY_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    adminToken: secret(env, 'RELAY_ADMIN_TOKEN'),
    auditorToken: secret(env, 'RELAY_AUDITOR_TOKEN'),
    ingestToken: secret(env, 'RELAY_INGEST_TOKEN'),
    ingestTenants: tenants('RELAY_INGEST_TOKENS', secret(env, 'RELAY_INGEST_TOKENS')),
    hashKey: secret(env, 'RELAY_HASH_KEY'),
    rulesFile: text(env, 'RELAY_RULES_FILE'),
    caPem: readPem(env, 'RELAY_CA_FILE'),
    defaultCompany: companyId(env, 'RELAY_DEFAULT_COMPANY'),
    sentryDsnCompanies: pairs('RELAY_SENTRY_KEYS', secret(env, 'RELAY_SENTRY_KEYS')),
    diagnostics,
    lakera,
    lakeraSendUserIpHash: bool(env, 'LAKERA_SEND_USER_IP_HASH', false),
    httpsProxy: text(env, 'HTTPS_PROXY') ?? text(env, 'https_proxy'),
    noProxy: text(env, 'NO_PROXY') ?? text(env, 'no_proxy'),
    allowedHosts,
    batchSize: int(env, 'RELAY_BATCH_SIZE', 100, 1, 10_000),
    sendConcurrency: int(env, 'RELAY_SEND_CONCURRENCY', 4, 1, 64),
    sendTimeoutSeconds: int(env, 'RELAY_SEND_TIMEOUT', 15, 1, 600),
    maxBackoffSeconds: int(env, 'RELAY_MAX_BACKOFF', 300, 1, 86_400),
    egressAuditDays: int(env, 'RELAY_EGRESS_AUDIT_DAYS', 7, 0, 3650),
    auditRetentionDays: int(env, 'RELAY_AUDIT_RETENTION_DAYS', 90, 1, 3650),
    storageReserveBytes: int(env, 'RELAY_STORAGE_RESERVE_BYTES', 4 * 1024 * 1024, 0, 1024 * 1024 * 1024),
    consentFile: text(env, 'RELAY_CONSENT_FILE'),
  };
}
