import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { configureRelayClient, convertLogToTelemetry, createRelayClient, sendErrorEvent, type ErrorEvent, type ScanEvent } from '../../client/index.js';
import { findPlanted, PLANTED, plantedErrorEvent, plantedScanEvent } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/relay-process.js';
import type { Upstream } from '../helpers/upstream.js';
import { setConsent, useTestRelays } from '../helpers/in-process-relay.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => (upstream = made.upstream));

function recordingLogger() {
  const lines: string[] = [];
  return { lines, logger: { warn: (message: string) => lines.push(message) } };
}

/** A port nothing listens on: a server is started and closed to obtain one. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the application client against a running relay', () => {
  it('delivers error and scan events, scrubbed, through the relay', async () => {
    const relay = await startRelay();
    await setConsent(relay, 'acme', true, false);
    const { lines, logger } = recordingLogger();
    const client = createRelayClient({ url: relay.url, logger });

    await client.sendErrorEvent(plantedErrorEvent({ event_id: 'client-err-1' }) as ErrorEvent);
    await client.sendScanEvent(plantedScanEvent({ event_id: 'client-scan-1' }) as ScanEvent);
    await client.sendLakeraTelemetryFromLog(plantedScanEvent({ event_id: 'client-scan-2' }));

    await waitFor(() => upstream.events().length === 3, 10_000, 'three deliveries');
    expect(findPlanted(upstream.requests.map((request) => request.text).join('\n'))).toEqual([]);
    const ids = upstream.events().map((event) => event['event_id']).sort();
    expect(ids).toEqual(['client-err-1', 'client-scan-1', 'client-scan-2']);
    const lakera = upstream.events().find((event) => event['event_id'] === 'client-scan-2');
    expect(lakera).toMatchObject({ event_type: 'blocked', project_id: 'project-789', scan_result: { flagged: true, threat_level: 'high' } });
    expect(lines).toEqual([]);
  });

  it('derives the verdict from a raw Lakera Guard response in the log entry', async () => {
    const relay = await startRelay();
    await setConsent(relay, 'acme', true, false);
    const client = createRelayClient({ url: relay.url });
    const { scan_result: _given, ...entry } = plantedScanEvent({ event_id: 'guard-1' });
    await client.sendLakeraTelemetryFromLog({
      ...entry,
      guard_response: {
        flagged: true,
        breakdown: [{ project_id: 'p', policy_id: 'pol', detector_id: 'detector-lakera-pii-1', detector_type: 'pii/email', detected: true, message_id: 0 }],
        payload: [{ start: 0, end: 24, text: PLANTED.email, detector_type: 'pii/email', labels: ['pii/email'], message_id: 0 }],
        metadata: { request_uuid: '5b0d5e34-5a0b-4c43-8a4d-1a2b3c4d5e6f' },
      },
    });
    await waitFor(() => upstream.events().length === 1, 10_000, 'delivery');
    expect(findPlanted(upstream.requests[0]!.text)).toEqual([]);
    expect(upstream.events()[0]).toMatchObject({
      scan_result: { flagged: true, categories: ['pii/email'], threat_level: 'medium', detected_patterns: ['detector-lakera-pii-1'] },
    });
  });

  it('sends the ingest token when the relay requires one', async () => {
    const relay = await startRelay({ RELAY_INGEST_TOKEN: 'ingest-secret' });
    await setConsent(relay, 'acme', true, false);
    const without = recordingLogger();
    await createRelayClient({ url: relay.url, logger: without.logger }).sendErrorEvent(plantedErrorEvent() as ErrorEvent);
    expect(without.lines).toHaveLength(1);
    expect(without.lines[0]).toContain('HTTP 401');

    const withToken = recordingLogger();
    await createRelayClient({ url: relay.url, token: 'ingest-secret', logger: withToken.logger }).sendErrorEvent(plantedErrorEvent() as ErrorEvent);
    expect(withToken.lines).toEqual([]);
    await waitFor(() => upstream.events().length === 1, 10_000, 'delivery');
  });

  it('logs a refused event once, naming the field and never a value', async () => {
    const relay = await startRelay();
    const { lines, logger } = recordingLogger();
    const client = createRelayClient({ url: relay.url, logger });
    const broken = { ...plantedErrorEvent(), error: PLANTED.email } as unknown as ErrorEvent;
    await client.sendErrorEvent(broken);
    await client.sendErrorEvent(broken);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/HTTP 400: invalid_event .*"error"/);
    expect(findPlanted(lines.join('\n'))).toEqual([]);
  });

  it('works as one-line standalone functions bound to a default client', async () => {
    const relay = await startRelay();
    await setConsent(relay, 'acme', true, false);
    configureRelayClient({ url: relay.url });
    await sendErrorEvent(plantedErrorEvent({ event_id: 'standalone-1' }) as ErrorEvent);
    await waitFor(() => upstream.events().length === 1, 10_000, 'delivery');
    expect(upstream.events()[0]!['event_id']).toBe('standalone-1');
  });
});

describe('the application client when the relay is not there', () => {
  it('resolves without throwing and logs once until a send succeeds again', async () => {
    const port = await closedPort();
    const { lines, logger } = recordingLogger();
    const client = createRelayClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 500, logger });

    const sends = [
      client.sendErrorEvent(plantedErrorEvent() as ErrorEvent),
      client.sendScanEvent(plantedScanEvent() as ScanEvent),
      client.sendLakeraTelemetryFromLog(plantedScanEvent()),
      client.sendErrorEvent(plantedErrorEvent() as ErrorEvent),
    ];
    await expect(Promise.all(sends)).resolves.toEqual([undefined, undefined, undefined, undefined]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`127.0.0.1:${port}`);
    expect(findPlanted(lines[0]!)).toEqual([]);

    // The relay comes up on that port: a success resets the state, so the next outage is logged again.
    const relay = await startRelay({ RELAY_PORT: String(port) });
    await client.sendErrorEvent(plantedErrorEvent() as ErrorEvent);
    expect(lines).toHaveLength(1);
    await relay.close();
    await client.sendErrorEvent(plantedErrorEvent() as ErrorEvent);
    expect(lines).toHaveLength(2);
  });

  it('gives up after the timeout when the relay accepts the connection but never answers', async () => {
    const hanging: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const { port } = hanging.address() as AddressInfo;
    const { lines, logger } = recordingLogger();
    const client = createRelayClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 200, logger });
    try {
      const outcome = await Promise.race([
        client.sendErrorEvent(plantedErrorEvent() as ErrorEvent).then(() => 'resolved'),
        new Promise((resolve) => setTimeout(() => resolve('still pending'), 5000)),
      ]);
      expect(outcome).toBe('resolved');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/TimeoutError|AbortError/);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it('never throws, even for an event that cannot be serialised', async () => {
    const { lines, logger } = recordingLogger();
    const client = createRelayClient({ url: 'http://127.0.0.1:9', logger });
    const circular: Record<string, unknown> = { timestamp: 1, error: {} };
    circular['self'] = circular;
    let returned: Promise<void> | undefined;
    expect(() => {
      returned = client.sendErrorEvent(circular as ErrorEvent);
    }).not.toThrow();
    await expect(returned).resolves.toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('not serialisable');
  });
});

describe('convertLogToTelemetry', () => {
  it("keeps only Lakera's telemetry fields and the ids the consent gate needs", () => {
    const payload = convertLogToTelemetry(plantedScanEvent({ project_id: 'proj-1' }));
    expect(payload).toEqual({
      timestamp: '2026-11-23T10:00:01.000Z',
      event_type: 'blocked',
      context: { type: 'chat', source: 'support-bot' },
      scan_result: { flagged: true, categories: ['prompt_attack'], scores: { prompt_attack: 0.97 }, threat_level: 'high' },
      metadata: { user_ip: PLANTED.ipv4, file_name: null, file_type: null, file_size: null, message_length: 44, detected_patterns: ['ignore_previous'] },
      project_id: 'proj-1',
      company_id: 'acme',
      user_id: PLANTED.userId,
    });
    expect(JSON.stringify(payload)).not.toContain(PLANTED.prompt);
  });

  it('measures the message length from the content when the entry does not give it', () => {
    const payload = convertLogToTelemetry({ timestamp: 1, event_type: 'scan', scan_result: { flagged: false }, content: 'hello' }, { projectId: 'p' });
    expect(payload).toMatchObject({ metadata: { message_length: 5 }, project_id: 'p', context: { type: 'chat' } });
    expect(JSON.stringify(payload)).not.toContain('hello');
  });

  it('returns null for entries that are not Lakera scans', () => {
    expect(convertLogToTelemetry({ level: 'info', msg: 'request done' })).toBeNull();
    expect(convertLogToTelemetry({ timestamp: 1, scan_result: { flagged: 'yes' } })).toBeNull();
    expect(convertLogToTelemetry('text line')).toBeNull();
    expect(convertLogToTelemetry(null)).toBeNull();
  });
});
