import * as Sentry from '@sentry/node';
import { afterEach, describe, expect, it } from 'vitest';
import { findPlanted, PLANTED } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/relay-process.js';
import type { Upstream } from '../helpers/upstream.js';
import { droppedCount, expectNothingSent, setConsent, useTestRelays } from '../helpers/in-process-relay.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => (upstream = made.upstream));
// Registered after the relays' hook, so it runs before it: the SDK flushes while its relay is up.
afterEach(async () => {
  await Sentry.close(2000);
});

class PaymentError extends Error {
  override name = 'PaymentError';
}

/**
 * Application code whose locals and message carry planted personal data and secrets. The local
 * names are ones the Sentry SDK does not filter itself, so the values reach the relay.
 */
function chargeCustomer(): never {
  const customerEmail = PLANTED.email;
  const cardNumber = PLANTED.card;
  const sessionJwt = PLANTED.jwt;
  void [customerEmail, cardNumber, sessionJwt];
  throw new PaymentError(`charge failed for ${PLANTED.email} from ${PLANTED.ipv4}`);
}

async function initSentry(dsn: string, options: { waitForLocalVariables?: boolean } = {}): Promise<void> {
  Sentry.init({
    dsn,
    release: 'shop@1.4.2',
    environment: 'production',
    includeLocalVariables: true,
    tracesSampleRate: 1,
    // Default integrations would instrument this process's HTTP server, which is the relay under
    // test, and send its own spans to itself; the ones that shape error events are listed instead.
    defaultIntegrations: false,
    integrations: [
      Sentry.localVariablesIntegration(),
      Sentry.nodeContextIntegration(),
      Sentry.modulesIntegration(),
      Sentry.linkedErrorsIntegration(),
      Sentry.contextLinesIntegration(),
    ],
  });
  Sentry.setUser({ id: PLANTED.userId, email: PLANTED.email, ip_address: PLANTED.ipv4, username: 'jane.planted' });
  Sentry.setTag('tenant_contact', PLANTED.email);
  Sentry.setContext('checkout', { token: PLANTED.jwt, authorization: PLANTED.bearer, amount_cents: 4200 });
  Sentry.setExtra('prompt', PLANTED.prompt);
  Sentry.getCurrentScope().addAttachment({ filename: 'prompt.txt', data: PLANTED.prompt });
  // The SDK reads local variables through an inspector session that a worker opens after init.
  if (options.waitForLocalVariables === true) await new Promise((resolve) => setTimeout(resolve, 1000));
}

async function captureCharge(): Promise<string> {
  let eventId = '';
  try {
    chargeCustomer();
  } catch (error) {
    eventId = Sentry.captureException(error);
  }
  // A span in the same flush: it must be dropped and counted, not forwarded.
  Sentry.startSpan({ name: 'checkout' }, () => undefined);
  expect(await Sentry.flush(5000)).toBe(true);
  return eventId;
}

describe('@sentry/node with its DSN pointed at the relay', () => {
  it('delivers the captured exception scrubbed, mapped to an error trace, with no planted value', async () => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: 'abc123publickey=acme' });
    await setConsent(relay, 'acme', true, false);
    await initSentry(`http://abc123publickey@127.0.0.1:${relay.port}/42`);

    const eventId = await captureCharge();

    await waitFor(() => upstream.events().length >= 1, 10_000, 'delivery of the Sentry event');
    const wire = upstream.requests.map((request) => request.text).join('\n');
    expect(findPlanted(wire)).toEqual([]);
    expect(wire).not.toContain('jane.planted');

    const [event] = upstream.events();
    expect(event).toMatchObject({
      event_id: eventId,
      level: 'error',
      error: { type: 'PaymentError' },
      environment: { release: 'shop@1.4.2', deployment: 'production' },
    });
    const error = event!['error'] as { message: string; stack: string };
    expect(error.message).toContain('charge failed for');
    expect(error.stack).toMatch(/^PaymentError: /);
    const frames = event!['frames'] as { function: string; file: string; vars?: Record<string, unknown> }[];
    // Innermost frame first: the function that threw.
    expect(frames[0]!.function).toContain('chargeCustomer');
    expect(frames[0]!.file).toContain('sentry-sdk.test.ts');
    expect(String((event!['environment'] as { runtime?: string }).runtime)).toMatch(/^node v?\d+/);
    // Identifiers go only with ids_allowed.
    expect(event).not.toHaveProperty('user_id');
    expect(event).not.toHaveProperty('company_id');

    expect(await droppedCount(relay, 'sentry_span')).toBeGreaterThanOrEqual(1);
    expect(await droppedCount(relay, 'sentry_attachment')).toBe(1);
    expect(upstream.events()).toHaveLength(1);
  });

  it('keeps local variables in frames for the scrubber, with their planted values removed', async () => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: 'abc123publickey=acme' });
    await setConsent(relay, 'acme', true, false);
    await initSentry(`http://abc123publickey@127.0.0.1:${relay.port}/42`, { waitForLocalVariables: true });
    await captureCharge();
    await waitFor(() => upstream.events().length >= 1, 10_000, 'delivery');
    const frames = upstream.events()[0]!['frames'] as { function: string; vars?: Record<string, unknown>; context_line?: unknown }[];
    const thrower = frames.find((frame) => frame.function.includes('chargeCustomer'));
    expect(Object.keys(thrower?.vars ?? {}).sort()).toEqual(['cardNumber', 'customerEmail', 'sessionJwt']);
    expect(findPlanted(JSON.stringify(thrower!.vars))).toEqual([]);
    // Source lines are not metadata and are not carried over.
    expect(frames.every((frame) => frame.context_line === undefined)).toBe(true);
    expect(findPlanted(upstream.requests.map((request) => request.text).join('\n'))).toEqual([]);
  });

  it('sends the pseudonymised user id, never the e-mail or IP, when the company allowed ids', async () => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: 'abc123publickey=acme' });
    await setConsent(relay, 'acme', true, true);
    await initSentry(`http://abc123publickey@127.0.0.1:${relay.port}/42`);
    await captureCharge();
    await waitFor(() => upstream.events().length >= 1, 10_000, 'delivery');
    const [event] = upstream.events();
    expect(event!['company_id']).toBe('acme');
    expect(typeof event!['user_id']).toBe('string');
    expect(event!['user_id']).not.toBe(PLANTED.userId);
    expect(findPlanted(upstream.requests.map((request) => request.text).join('\n'))).toEqual([]);
  });

  it('forwards nothing for a company without consent', async () => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: 'abc123publickey=acme' });
    await initSentry(`http://abc123publickey@127.0.0.1:${relay.port}/42`);
    await captureCharge();
    expect(await droppedCount(relay, 'no_consent')).toBe(1);
    expect(relay.stores.outbox.size().events).toBe(0);
    await expectNothingSent(upstream);
  });

  it('uses RELAY_DEFAULT_COMPANY for a DSN key that is not mapped', async () => {
    const relay = await startRelay({ RELAY_DEFAULT_COMPANY: 'globex' });
    await setConsent(relay, 'globex', true, true);
    await initSentry(`http://unmappedkey@127.0.0.1:${relay.port}/7`);
    await captureCharge();
    await waitFor(() => upstream.events().length >= 1, 10_000, 'delivery');
    expect(upstream.events()[0]!['company_id']).toBe('globex');
  });
});
