import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestPki } from '../helpers/tls.js';
import type { Upstream } from '../helpers/upstream.js';
import { postAccepted, setConsent, useTestRelays } from '../helpers/in-process-relay.js';
import { PLANTED, plantedErrorEvent } from '../helpers/fixtures.js';
import { browserAvailable, screenshot, useBrowser, withConsole } from './browser.js';

const ADMIN = 'admin-token';
const AUDITOR = 'auditor-token';

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A change sent from the page itself, with or without the session's CSRF token. */
async function pageChange(page: Page, path: string, body: unknown, withCsrf: boolean): Promise<number> {
  return page.evaluate(
    async ({ path, body, withCsrf }) => {
      const session = (await (await fetch('api/session')).json()) as { csrf: string };
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (withCsrf) headers['x-csrf-token'] = session.csrf;
      return (await fetch(`api/${path}`, { method: 'PUT', headers, body: JSON.stringify(body) })).status;
    },
    { path, body, withCsrf },
  );
}

describe.skipIf(!browserAvailable())('console in headless Chromium', () => {
  let upstream!: Upstream;
  let _pki!: TestPki;
  const startRelay = useTestRelays((made) => ({ pki: _pki, upstream } = made));
  const browser = useBrowser();
  const start = () => startRelay({ RELAY_ADMIN_TOKEN: ADMIN, RELAY_AUDITOR_TOKEN: AUDITOR });

  it('signs the auditor in read-only: no change buttons, and the API refuses a change', async () => {
    const relay = await start();
    await setConsent(relay, 'acme', true);
    await withConsole(browser(), relay.url, AUDITOR, async (page) => {
      await expect.poll(() => page.locator('#who').textContent()).toContain('auditor');
      expect(await page.content()).not.toContain(AUDITOR);
      await page.locator('article.rule[data-rule="email"]').waitFor();
      await screenshot(page, 'rules');
      expect(await page.locator('a[data-page="subjects"]').isVisible()).toBe(false);
      await page.getByRole('link', { name: 'Consent' }).click();
      await page.locator('table.consent').waitFor();
      expect(await page.locator('table.consent input[type="checkbox"]').count()).toBe(0);
      expect(await page.locator('#consent-form').count()).toBe(0);
      await page.getByRole('link', { name: 'Outbox and dead letters' }).click();
      await page.getByRole('heading', { name: 'Outbox and dead letters' }).waitFor();
      expect(await page.locator('#replay').count()).toBe(0);
      expect(await pageChange(page, 'consent/acme', { telemetry_enabled: false }, true)).toBe(403);
      expect(relay.stores.consent.get('acme').telemetryEnabled).toBe(true);
    });
  });

  it('highlights a planted e-mail in a dry run and removes planted content', async () => {
    const relay = await start();
    await withConsole(browser(), relay.url, ADMIN, async (page) => {
      await page.getByRole('link', { name: 'Dry run' }).click();
      const event = plantedErrorEvent({ extra: { prompt: PLANTED.prompt } });
      await page.getByLabel('Events: one JSON event, a JSON array, or NDJSON').fill(JSON.stringify(event, null, 2));
      await page.getByRole('button', { name: 'Scrub' }).click();
      const input = page.locator('.event-result .side-by-side > div').nth(0);
      const output = page.locator('.event-result .side-by-side > div').nth(1);
      const marked = input.locator('mark.redaction[data-path="$.error.message"]');
      await marked.waitFor();
      expect(await marked.getAttribute('data-rules')).toContain('email');
      expect(await marked.textContent()).toContain(PLANTED.email);
      expect(await input.locator('mark.redaction[data-path="$.extra.prompt"]').textContent()).toContain(PLANTED.prompt);
      const scrubbed = (await output.locator('pre').textContent()) ?? '';
      expect(scrubbed).not.toContain(PLANTED.email);
      expect(scrubbed).not.toContain(PLANTED.prompt);
      expect(await page.locator('table.findings').textContent()).toContain('$.error.message');
      const results = await page.locator('.event-result').boundingBox();
      await page.mouse.wheel(0, (results?.y ?? 0) - 70);
      await expect.poll(async () => (await page.locator('.event-result').boundingBox())?.y ?? 0).toBeLessThan(120);
      await screenshot(page, 'dry-run');
      expect(relay.stores.outbox.size().events).toBe(0);
    });
  });

  it('shows an egress record whose hash matches what the upstream received, and verifies a pasted hash', async () => {
    const relay = await start();
    await setConsent(relay, 'acme', true);
    await postAccepted(relay, '/v1/errors', [plantedErrorEvent()]);
    await until(() => upstream.requests.length === 1);
    const received = upstream.requests[0]!;
    await withConsole(browser(), relay.url, AUDITOR, async (page) => {
      await page.getByRole('link', { name: 'Egress audit' }).click();
      await page.locator('table.egress button').first().click();
      const hash = page.locator('#egress-detail [data-sha256]');
      await hash.waitFor();
      expect(await hash.textContent()).toBe(received.sha256);
      expect(await page.locator('#egress-detail pre.body').textContent()).toContain('PaymentError');
      await page.getByLabel('SHA-256').fill(received.sha256);
      await page.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => page.locator('#verify-result').textContent()).toContain('Matches egress record');
      await screenshot(page, 'egress');
    });
  });

  it('purges the queue when an admin revokes consent in the console, and refuses a change without the CSRF token', async () => {
    const relay = await start();
    upstream.respond = () => ({ status: 503 });
    await setConsent(relay, 'acme', true);
    await postAccepted(relay, '/v1/errors', [plantedErrorEvent(), plantedErrorEvent()]);
    expect(relay.stores.outbox.size().events).toBe(2);
    await withConsole(browser(), relay.url, ADMIN, async (page) => {
      await page.getByRole('link', { name: 'Outbox and dead letters' }).click();
      expect(await page.locator('table.outbox').textContent()).toContain('diagnostics');
      await screenshot(page, 'outbox');
      await page.getByRole('link', { name: 'Consent' }).click();
      expect(await pageChange(page, 'consent/acme', { telemetry_enabled: false }, false)).toBe(403);
      expect(relay.stores.consent.get('acme').telemetryEnabled).toBe(true);
      await page.getByLabel('Telemetry for acme').uncheck();
      await page.locator('#confirm').waitFor({ state: 'visible' });
      expect(await page.locator('#confirm-text').textContent()).toContain('2 queued event(s)');
      await screenshot(page, 'consent');
      await page.locator('#confirm-ok').click();
      await expect.poll(() => page.locator('#status').textContent()).toContain('2 event(s) purged');
      expect(relay.stores.outbox.size().events).toBe(0);
      expect(relay.stores.consent.get('acme').telemetryEnabled).toBe(false);
      const audit = relay.stores.audit.list().find((row) => row.action === 'consent.set' && row.actor === 'console:admin');
      expect(audit?.details).toMatchObject({ purged: 2 });
      upstream.reset();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(upstream.all).toHaveLength(0);

      for (const [name, link] of [['subjects', 'Subjects'], ['stats', 'Statistics'], ['audit', 'Admin audit']] as const) {
        await page.getByRole('link', { name: link }).click();
        await page.locator('h1').filter({ hasText: link }).waitFor();
        if (name === 'stats') await page.locator('svg.chart').first().waitFor();
        await screenshot(page, name);
      }
    });
  });
});
