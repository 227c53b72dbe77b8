import type { NewOutboxRow } from '../../relay/storage/outbox-rows.js';

/** Values planted in test events that must never reach the database or an upstream. */
export const PLANTED = {
  email: 'jane.planted@example.com',
  ipv4: '203.0.113.77',
  card: '4111 1111 1111 1111',
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJwbGFudGVkLXVzZXIifQ.c2lnbmF0dXJlLXBsYW50ZWQtdmFsdWUtMTIzNDU2',
  bearer: 'Bearer plantedtoken0123456789abcdefXYZ',
  password: 'Hunter2-planted-pw',
  prompt: 'PLANTED PROMPT: summarise my medical record',
  userId: 'user-planted-4242',
} as const;

/** An error trace carrying every planted value, in the places applications put them. */
export function plantedErrorEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timestamp: '2026-11-23T10:00:00.000Z',
    company_id: 'acme',
    user_id: PLANTED.userId,
    level: 'error',
    error: {
      type: 'PaymentError',
      message: `charge failed for ${PLANTED.email} from ${PLANTED.ipv4} card ${PLANTED.card}`,
      stack: `PaymentError: charge failed\n    at charge (/srv/app/billing.js:42:13)`,
    },
    frames: [{ file: '/srv/app/billing.js', line: 42, column: 13, function: 'charge', vars: { password: PLANTED.password } }],
    environment: { runtime: 'node 20.20.2', os: 'linux', libraries: { express: '4.21.2' }, release: '1.4.2' },
    performance: { duration_ms: 182 },
    trace: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' },
    request: { method: 'POST', url: '/checkout', headers: { authorization: PLANTED.bearer, 'x-session': PLANTED.jwt } },
    ...overrides,
  };
}

/** A scan event as an application logs a Lakera scan, content included. */
export function plantedScanEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timestamp: '2026-11-23T10:00:01.000Z',
    company_id: 'acme',
    user_id: PLANTED.userId,
    event_type: 'blocked',
    context: { type: 'chat', source: 'support-bot' },
    scan_result: { flagged: true, categories: ['prompt_attack'], scores: { prompt_attack: 0.97 }, threat_level: 'high' },
    metadata: { user_ip: PLANTED.ipv4, file_name: null, file_type: null, file_size: null, message_length: 44, detected_patterns: ['ignore_previous'] },
    content: PLANTED.prompt,
    assistant_response: `Sure, mailing ${PLANTED.email}`,
    ...overrides,
  };
}

/** True when any planted value (or its card digits) appears in the text. */
export function findPlanted(text: string): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(PLANTED)) {
    const needle = name === 'bearer' ? value.slice('Bearer '.length) : value;
    if (text.includes(needle)) found.push(name);
  }
  if (text.includes('4111111111111111')) found.push('card digits');
  return found;
}

/**
 * An outbox row as ingest writes it: an error for company `acme` to the diagnostics destination,
 * no user or IP hash, nothing scrubbed; `overrides` changes what a test is about.
 */
export function queuedRow(eventId: string, overrides: Partial<NewOutboxRow> = {}): NewOutboxRow {
  return { eventId, kind: 'error', destination: 'diagnostics', companyId: 'acme', userHash: null, ipHash: null, payload: '{}', findings: '{}', ...overrides };
}
