import { ConfigError } from './errors.js';
import { type Env } from './env-option.js';
import { ENV_OPTIONS, envSchema, LAKERA_HOSTS, type EnvValues } from './env-schema.js';

export { DEFAULT_LAKERA_ENDPOINT, LAKERA_HOSTS, type IngestTenant } from './env-schema.js';

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

export type Durability = EnvValues['durability'];
export type WhenFull = EnvValues['whenFull'];

/** Options that only go into {@link RelayConfig.diagnostics}, {@link RelayConfig.lakera} or the bin. */
type Assembled =
  | 'diagnosticsEndpoint'
  | 'diagnosticsApiKey'
  | 'clientCert'
  | 'clientKey'
  | 'lakeraApiKey'
  | 'lakeraProjectId'
  | 'lakeraEnabled'
  | 'lakeraEndpoint'
  | 'allowedHosts'
  | 'heapMb';

/**
 * The relay's whole configuration, read once at start from the environment. Each plain field is
 * the option of the same name in `ENV_OPTIONS` (config/env-schema.ts), where its variable, range,
 * default and meaning are declared.
 */
export interface RelayConfig extends Omit<EnvValues, Assembled> {
  /** From `DIAGNOSTICS_*` and `RELAY_CLIENT_*_FILE`; undefined without an endpoint. */
  diagnostics: DestinationConfig | undefined;
  /** From `LAKERA_*`; undefined without a key or when turned off. */
  lakera: (DestinationConfig & { projectId: string | undefined }) | undefined;
  /** Hosts the relay may send to: `RELAY_ALLOWED_HOSTS`, or Lakera's hosts and the diagnostics host. */
  allowedHosts: string[];
  /**
   * Which destinations (sink names) each event kind is queued for, replacing the built-in table
   * (relay/sinks/routes.ts) for the kinds it names; a kind may go to several. Programmatic only.
   * @example { scan: ['lakera', 'diagnostics'] }
   */
  routes?: Partial<Record<'error' | 'scan', readonly string[]>>;
}

/** Reads and validates every option of `ENV_OPTIONS`, in order; the first refusal is thrown. */
function readOptions(env: Env): EnvValues {
  const texts: Record<string, string | undefined> = {};
  for (const [key, declared] of Object.entries(ENV_OPTIONS)) texts[key] = declared.read(env);
  const parsed = envSchema.safeParse(texts);
  if (!parsed.success) throw new ConfigError(parsed.error.issues[0]?.message ?? 'configuration is invalid');
  // The schema is built from ENV_OPTIONS key by key, so its output has EnvValues' shape.
  return parsed.data as EnvValues;
}

/**
 * Reads and validates the relay's configuration. Fails fast with a `ConfigError` that names the
 * variable and what it received (never a secret's value), e.g.
 * `Expected RELAY_PORT to be 0-65535, got "abc"`.
 * @example loadConfig(process.env)
 */
export function loadConfig(env: Env): RelayConfig {
  const values = readOptions(env);
  // heapMb is validated here too, but only bin/scrub-relay uses it (before node starts).
  const { diagnosticsEndpoint, diagnosticsApiKey, clientCert, clientKey, lakeraApiKey, lakeraProjectId, lakeraEnabled, lakeraEndpoint, allowedHosts: allowedRaw, heapMb: _heapMb, ...plain } = values;
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    throw new ConfigError('Set both RELAY_CLIENT_CERT_FILE and RELAY_CLIENT_KEY_FILE for mutual TLS, or neither');
  }
  const diagnostics: DestinationConfig | undefined =
    diagnosticsEndpoint === undefined ? undefined : { name: 'diagnostics', url: diagnosticsEndpoint, apiKey: diagnosticsApiKey, clientCert, clientKey };
  const lakera =
    (lakeraEnabled ?? lakeraApiKey !== undefined) && lakeraApiKey !== undefined
      ? { name: 'lakera' as const, url: lakeraEndpoint, apiKey: lakeraApiKey, clientCert: undefined, clientKey: undefined, projectId: lakeraProjectId }
      : undefined;

  const allowedHosts = allowedRaw ?? [...LAKERA_HOSTS, ...(diagnostics ? [diagnostics.url.hostname] : [])];
  for (const destination of [diagnostics, lakera]) {
    if (destination && !allowedHosts.includes(destination.url.hostname.toLowerCase())) {
      throw new ConfigError(
        `Destination host "${destination.url.hostname}" (${destination.name}) is not in the allowed set [${allowedHosts.join(', ')}]; ` +
          'add it to RELAY_ALLOWED_HOSTS if it is meant to receive telemetry',
      );
    }
  }
  return { ...plain, diagnostics, lakera, allowedHosts };
}
