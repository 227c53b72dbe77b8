import { join } from 'node:path';
import { afterEach } from 'vitest';
import { loadConfig } from '../../config/env.js';
import { loadRules } from '../../config/rules.js';
import { createApp } from '../../relay/app.js';
import { createLogger } from '../../relay/observe/logger.js';
import { createMetrics } from '../../relay/observe/metrics.js';
import { openStores, type Stores } from '../../relay/storage/stores.js';
import { createScrubber } from '../../scrubbers/index.js';
import type { Logger } from 'pino';
import { tempDir } from './relay-process.js';

export interface TestAppOptions {
  env?: Record<string, string>;
  logger?: Logger;
  /** Is the relay shutting down? @default false */
  draining?: boolean;
  /** The event-loop delay the app sees, ms (or a function giving it). @default 0 */
  loopDelayMs?: number | (() => number);
  /** Companies that allow telemetry. @default ['acme'] */
  consenting?: string[];
}

/**
 * Per test file: builds the relay's HTTP app (no server, no forwarder) on a real SQLite file in a
 * temp dir, for `app.request()` tests. Its database is closed after each test.
 */
export function useTestApps() {
  const rules = loadRules({});
  const opened: Stores[] = [];
  afterEach(() => {
    for (const stores of opened.splice(0)) stores.close();
  });
  return ({ env = {}, logger = createLogger('silent'), draining = false, loopDelayMs = 0, consenting = ['acme'] }: TestAppOptions = {}) => {
    const config = loadConfig({
      RELAY_DB_PATH: join(tempDir(), 'relay.db'),
      TELEMETRY_ENABLED: 'true',
      DIAGNOSTICS_ENDPOINT: 'https://diagnostics.example.eu/ingest',
      LAKERA_API_KEY: 'k',
      RELAY_ADMIN_TOKEN: 'admin-secret',
      ...env,
    });
    const stores = openStores({ dbPath: config.dbPath, durability: config.durability, hashKey: 'k' });
    opened.push(stores);
    for (const company of consenting) stores.consent.set(company, { telemetryEnabled: true }, 'cli');
    const metrics = createMetrics();
    const app = createApp({
      config,
      stores,
      scrubber: createScrubber(rules, { hashKey: 'k' }),
      metrics,
      logger,
      isDraining: () => draining,
      eventLoopDelayMs: typeof loopDelayMs === 'number' ? () => loopDelayMs : loopDelayMs,
    });
    const rows = () =>
      stores.db.prepare('SELECT event_id AS eventId, company_id AS companyId, payload FROM outbox ORDER BY id').all() as { eventId: string; companyId: string; payload: string }[];
    return { app, metrics, stores, config, rows };
  };
}
