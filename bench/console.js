// Console benchmark: the real CLI (`dist/bundle/cli.js serve`) with an admin token, driven by
// Debian's headless Chromium through playwright-core; all traffic on 127.0.0.1. Prints, over
// several fresh browser contexts (empty cache): the time until the sign-in screen has loaded,
// and from pressing "Sign in" until the first page (Rules, every rule and its examples) is drawn.
//
//   npm run build && node bench/console.js          (about 10 seconds)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { fetch } from 'undici';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const TOKEN = 'bench-admin-token';

const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => resolve(free));
  });
});
const work = mkdtempSync(join(tmpdir(), 'relay-console-bench-'));
const relay = spawn(process.execPath, [join(ROOT, 'dist/bundle/cli.js'), 'serve'], {
  env: { ...process.env, RELAY_PORT: String(port), RELAY_DB_PATH: join(work, 'relay.db'), RELAY_ADMIN_TOKEN: TOKEN, RELAY_LOG_LEVEL: 'warn' },
  stdio: 'inherit',
});
const url = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${url}/healthz`)).ok) break;
  } catch {
    if (i > 200) throw new Error('the relay did not start');
  }
  await sleep(50);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const signInScreen = [];
const firstPage = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    let started = performance.now();
    await page.goto(`${url}/console/`, { waitUntil: 'load' });
    await page.locator('#token').waitFor({ state: 'visible' });
    signInScreen.push(performance.now() - started);
    await page.fill('#token', TOKEN);
    started = performance.now();
    await page.click('button[type="submit"]');
    await page.locator('article.rule').first().waitFor();
    firstPage.push(performance.now() - started);
    await context.close();
  }
} finally {
  await browser.close();
  relay.kill('SIGTERM');
  await new Promise((resolve) => relay.once('exit', resolve));
  rmSync(work, { recursive: true, force: true });
}

const describe = (name, values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`${name.padEnd(46)} median ${median.toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms (${values.length} runs; the first includes the relay's first rules view)`);
};
describe('sign-in screen loaded (fresh context)', signInScreen);
describe('sign-in to Rules page drawn', firstPage);
