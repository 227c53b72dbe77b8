import { describe, expect, it } from 'vitest';
import { findPlanted, PLANTED, plantedScanEvent } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/relay-process.js';
import type { Upstream } from '../helpers/upstream.js';
import { setConsent, useTestRelays } from '../helpers/in-process-relay.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => (upstream = made.upstream));

const guardResponse = {
  flagged: true,
  breakdown: [
    { project_id: 'project-1', policy_id: 'policy-1', detector_id: 'detector-lakera-pinj-input', detector_type: 'prompt_attack', detected: true, message_id: 0 },
    { project_id: 'project-1', policy_id: 'policy-1', detector_id: 'detector-lakera-pii-email', detector_type: 'pii/email', detected: true, message_id: 0 },
  ],
  payload: [{ start: 12, end: 36, text: PLANTED.email, detector_type: 'pii/email', labels: ['pii/email'], message_id: 0 }],
  metadata: { request_uuid: 'ce8180b1-26bc-4177-9d7f-54ca7377378a' },
  dev_info: { git_revision: 'c0ffee', git_timestamp: '2026-11-01T00:00:00Z' },
};

describe('a raw Lakera Guard response posted to /v1/scans', () => {
  it.each([
    ['under guard_response', { guard_response: guardResponse }],
    ['as scan_result itself', { scan_result: guardResponse }],
  ])('reaches Lakera as a derived verdict, %s, with no match text or offsets', async (_where, fields) => {
    const relay = await startRelay();
    await setConsent(relay, 'acme', true, false);
    const { scan_result: _given, event_type: _type, ...entry } = plantedScanEvent({ event_id: 'guard-ingest-1' });
    const response = await fetch(`${relay.url}/v1/scans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...entry, ...fields }),
    });
    expect(response.status).toBe(202);
    await waitFor(() => upstream.requests.length === 1, 10_000, 'Lakera delivery');
    const text = upstream.requests[0]!.text;
    expect(findPlanted(text)).toEqual([]);
    expect(text).not.toMatch(/request_uuid|c0ffee|"start"|"payload"|guard_response/);
    expect(upstream.requests[0]!.json).toMatchObject({
      event_type: 'scan',
      scan_result: { flagged: true, categories: ['prompt_attack', 'pii/email'], threat_level: 'high', detected_patterns: ['detector-lakera-pinj-input', 'detector-lakera-pii-email'] },
    });
  });
});
