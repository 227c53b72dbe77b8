import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';

/** Is there a browser to drive? In CI there must be (`.ci/run` installs Debian's chromium). */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env['CI'] === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs chromium before the tests`);
  console.warn(`console browser tests skipped: no browser at ${CHROMIUM} (apt-get install -y chromium)`);
  return false;
}

/** One headless Chromium for a test file, closed at the end. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (browser === undefined) throw new Error('the browser starts in beforeAll');
    return browser;
  };
}

/** A browser context whose requests may reach the relay only: every other request is aborted and recorded. */
export async function relayOnlyContext(
  browser: Browser,
  relayUrl: string,
): Promise<{ context: BrowserContext; page: Page; foreign: string[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const foreign: string[] = [];
  const origin = new URL(relayUrl).origin;
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('blob:') || new URL(url).origin === origin) await route.continue();
    else {
      foreign.push(url);
      await route.abort();
    }
  });
  context.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith('blob:') && !url.startsWith('data:') && new URL(url).origin !== origin && !foreign.includes(url)) foreign.push(url);
  });
  const page = await context.newPage();
  // A CSP violation or a script error shows up as a console error or a page error.
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 40[13]/.test(message.text())) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, foreign, errors };
}

/** Signs in on the console's page with `token`, and waits for the first page. */
export async function signInPage(page: Page, relayUrl: string, token: string): Promise<void> {
  await page.goto(`${relayUrl}/console/`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#nav').waitFor({ state: 'visible' });
}

const ARTEFACTS = join('test-results', 'console');

/**
 * Keeps a screenshot of the page as a test artefact (`test-results/console/NAME.png`); with
 * `CONSOLE_SCREENSHOTS_DOCS=1`, also as the README's copy in `docs/console/`.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTEFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: false });
  if (process.env['CONSOLE_SCREENSHOTS_DOCS'] === '1') {
    mkdirSync(join('docs', 'console'), { recursive: true });
    await page.screenshot({ path: join('docs', 'console', `${name}.png`), fullPage: false });
  }
}

/**
 * Signs in with `token` in a fresh relay-only context, runs `steps` on the page, then checks that
 * no request left for another host and no script or CSP error happened, and closes the context.
 */
export async function withConsole(browser: Browser, relayUrl: string, token: string, steps: (page: Page) => Promise<void>): Promise<void> {
  const { context, page, foreign, errors } = await relayOnlyContext(browser, relayUrl);
  try {
    await signInPage(page, relayUrl, token);
    await steps(page);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
}
