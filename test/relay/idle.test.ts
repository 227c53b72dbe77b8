import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { plantedErrorEvent } from '../helpers/fixtures.js';
import { relayEnv, runCli, startRelayProcess, tempDir, waitFor, type RelayProcess } from '../helpers/relay-process.js';
import type { TestPki } from '../helpers/tls.js';
import { useUpstream, type Upstream } from '../helpers/upstream.js';

const CENSUS = fileURLToPath(new URL('../helpers/timer-census.mjs', import.meta.url));
// Node's HTTP server checks its connections' header and request timeouts on an interval of its
// own (`connectionsCheckingInterval`, 30 s): the slow-client protection the relay keeps.
const NODE_HTTP_CHECK = 'bound checkConnections';

let pki: TestPki;
let upstream: Upstream;
useUpstream((made) => ({ pki, upstream } = made));

let relay: RelayProcess | undefined;
afterEach(async () => {
  relay?.child.kill('SIGKILL');
  await relay?.exited;
  relay = undefined;
});

interface Census {
  fired: Record<string, number>;
  intervals: string[];
}

async function census(running: RelayProcess): Promise<Census> {
  const seen = running.logs().split('timer-census ').length;
  running.child.kill('SIGUSR2');
  await waitFor(() => running.logs().split('timer-census ').length > seen, 5000, 'the timer census');
  const line = running.logs().split('timer-census ').at(-1)!.split('\n')[0]!;
  return JSON.parse(line) as Census;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an idle relay', () => {
  it('has no timer firing and no interval set once its one event is delivered', async () => {
    // Connection: close, so no keep-alive socket (and its idle timeout) outlives the delivery.
    upstream.respond = () => ({ status: 200, headers: { connection: 'close' } });
    const dbPath = join(tempDir(), 'relay.db');
    await runCli(['consent', 'set', 'acme', '--telemetry'], { env: { RELAY_DB_PATH: dbPath } });
    relay = await startRelayProcess({ ...relayEnv(dbPath, `${upstream.url}/ingest`, pki), NODE_OPTIONS: `--import=${CENSUS}` });
    const response = await fetch(`${relay.url}/v1/errors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(plantedErrorEvent({ event_id: 'idle-1' })),
    });
    expect(response.status).toBe(202);
    await waitFor(() => upstream.requests.length === 1, 10_000, 'the delivery');
    // A scrape reads everything when asked and leaves nothing running (no default collectors' timers).
    const scraped = await fetch(`${relay.url}/metrics`, { headers: { connection: 'close' } });
    expect(await scraped.text()).toContain('process_cpu_seconds_total');
    // The delivery's own one-shot timers (linger, request timeout) end within this.
    await sleep(1500);
    const before = await census(relay);
    await sleep(3000);
    const after = await census(relay);

    const firedSince = Object.entries(after.fired)
      .filter(([name]) => name !== NODE_HTTP_CHECK)
      .map(([name, count]) => [name, count - (before.fired[name] ?? 0)] as const)
      .filter(([, count]) => count > 0);
    expect(firedSince).toEqual([]);
    expect(after.intervals.filter((name) => name !== NODE_HTTP_CHECK)).toEqual([]);
    // The census saw the relay's timers at all: the delivery fired some.
    expect(Object.keys(before.fired).length).toBeGreaterThan(0);
  });
});

async function metric(running: RelayProcess, name: string): Promise<number> {
  const text = await (await fetch(`${running.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(name));
  return line === undefined ? NaN : Number(line.split(' ').at(-1));
}

async function postOne(running: RelayProcess, id: string): Promise<void> {
  const response = await fetch(`${running.url}/v1/errors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(plantedErrorEvent({ event_id: id })),
  });
  expect(response.status).toBe(202);
}

describe('work that falls due while the relay waits', () => {
  it('expires a queued event when it reaches RELAY_MAX_EVENT_AGE, without a periodic sweep', async () => {
    upstream.respond = () => ({ status: 503 });
    const dbPath = join(tempDir(), 'relay.db');
    await runCli(['consent', 'set', 'acme', '--telemetry'], { env: { RELAY_DB_PATH: dbPath } });
    relay = await startRelayProcess({ ...relayEnv(dbPath, `${upstream.url}/ingest`, pki), RELAY_MAX_EVENT_AGE: '2' });
    await postOne(relay, 'expiring-1');
    const running = relay;
    await waitFor(async () => (await metric(running, 'relay_events_dropped_total{reason="expired"}')) === 1, 8000, 'the expiry');
    expect(await metric(running, 'relay_outbox_events')).toBe(0);
  });

  it('sends dead letters that the CLI replays from another process', async () => {
    upstream.respond = () => ({ status: 400 });
    const dbPath = join(tempDir(), 'relay.db');
    const env = { RELAY_DB_PATH: dbPath };
    await runCli(['consent', 'set', 'acme', '--telemetry'], { env });
    relay = await startRelayProcess(relayEnv(dbPath, `${upstream.url}/ingest`, pki));
    await postOne(relay, 'replayed-1');
    const running = relay;
    await waitFor(async () => (await metric(running, 'relay_dead_letters')) === 1, 8000, 'the dead letter');
    upstream.respond = () => ({ status: 200 });
    expect((await runCli(['dead-letters', 'replay'], { env })).code).toBe(0);
    await waitFor(() => upstream.requests.length === 1, 8000, 'the replayed delivery');
  });
});
