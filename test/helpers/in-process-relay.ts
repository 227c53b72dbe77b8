import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { loadConfig, type RelayConfig } from '../../config/env.js';
import { createLogger } from '../../relay/observe/logger.js';
import { startRelay, type RunningRelay, type StartOptions } from '../../relay/server.js';
import { tempDir } from './relay-process.js';
import type { TestPki } from './tls.js';
import { useUpstream, type Upstream } from './upstream.js';

/** Starts an in-process relay that forwards to the test upstream, for tests that need the whole path in this process. */
export async function startTestRelay(
  pki: TestPki,
  upstream: Upstream,
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<RunningRelay> {
  return startRelay(testRelayConfig(pki, upstream, env), { logger: createLogger('silent'), retryBaseMs: 50, idlePollMs: 50, ...options });
}

/** The configuration {@link startTestRelay} starts with: both destinations at the test upstream, `env` on top. */
export function testRelayConfig(pki: TestPki, upstream: Upstream, env: Record<string, string> = {}): RelayConfig {
  const dir = tempDir('relay-in-process-');
  return loadConfig({
    RELAY_PORT: '0',
    RELAY_DB_PATH: join(dir, 'relay.db'),
    TELEMETRY_ENABLED: 'true',
    DIAGNOSTICS_ENDPOINT: `${upstream.url}/ingest`,
    DIAGNOSTICS_API_KEY: 'diag-key-123',
    LAKERA_API_KEY: 'lakera-key-456',
    LAKERA_PROJECT_ID: 'project-789',
    LAKERA_TELEMETRY_ENDPOINT: `${upstream.url}/v2/telemetry`,
    RELAY_ALLOWED_HOSTS: '127.0.0.1',
    RELAY_CA_FILE: pki.caFile,
    RELAY_HASH_KEY: 'test-hash-key',
    RELAY_ADMIN_TOKEN: 'admin-token',
    // As in relayEnv: a CPU-starved test runner must not make the relay shed the test's requests.
    RELAY_MAX_EVENT_LOOP_DELAY: '2000',
    // Closing drains the backlog for up to this long; tests often end with the upstream refusing.
    RELAY_SHUTDOWN_TIMEOUT: '1',
    ...env,
  });
}

/**
 * Per test file: the TLS upstream of {@link useUpstream}, handed to `assign` once it runs, and a
 * function that starts an in-process relay forwarding to it. Every relay started that way is closed
 * after its test, whether the test passed or not.
 */
export function useTestRelays(
  assign: (made: { pki: TestPki; upstream: Upstream }) => void,
): (env?: Record<string, string>, options?: StartOptions) => Promise<RunningRelay> {
  let made: { pki: TestPki; upstream: Upstream } | undefined;
  const running: RunningRelay[] = [];
  useUpstream((started) => {
    made = started;
    assign(started);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((relay) => relay.close()));
  });
  return async (env = {}, options = {}) => {
    if (made === undefined) throw new Error('the test upstream starts in beforeAll: start relays inside a test');
    const relay = await startTestRelay(made.pki, made.upstream, env, options);
    running.push(relay);
    return relay;
  };
}

/** POSTs events as JSON to `path` and expects them accepted (202). */
export async function postAccepted(relay: RunningRelay, path: string, events: Record<string, unknown>[]): Promise<void> {
  const response = await fetch(`${relay.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  expect(response.status).toBe(202);
}

/** Sets a company's consent through the admin API. */
export async function setConsent(relay: RunningRelay, company: string, telemetry: boolean, ids = false): Promise<void> {
  const response = await fetch(`${relay.url}/admin/consent/${company}`, {
    method: 'PUT',
    headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
    body: JSON.stringify({ telemetry_enabled: telemetry, ids_allowed: ids }),
  });
  expect(response.status).toBe(200);
}

/** The value of one `relay_events_dropped_total{reason=…}` sample, 0 when absent. */
export async function droppedCount(relay: RunningRelay, reason: string): Promise<number> {
  const metric = await relay.metrics.dropped.get();
  return metric.values.find((value) => value.labels['reason'] === reason)?.value ?? 0;
}

/** Waits a little and checks that nothing reached the upstream. */
export async function expectNothingSent(upstream: Upstream, ms = 400): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  expect(upstream.all).toHaveLength(0);
}
