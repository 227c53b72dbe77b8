import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, startRelayProcess, tempDir, waitFor, type RelayProcess } from '../helpers/relay-process.js';

/** The event of the README's first-minute walk-through, taken from the README itself. */
function readmeEvent(): unknown {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## See it forward something'));
  const match = /curl -s http:\/\/127\.0\.0\.1:4319\/v1\/errors[^\n]*-d '([^']+)'/.exec(section);
  if (!match?.[1]) throw new Error('README has no curl example under "See it forward something"');
  return JSON.parse(match[1]);
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('the README walk-through with tools/local-upstream.mjs', () => {
  it('forwards the example event, scrubbed, to the local upstream within a minute', async () => {
    const dir = tempDir('local-upstream-');
    const upstream = spawn(process.execPath, [join(REPO, 'tools/local-upstream.mjs'), '--port', '0', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lines = '';
    upstream.stdout.on('data', (chunk: Buffer) => (lines += chunk.toString()));
    const upstreamGone = new Promise<void>((resolve) => upstream.once('exit', () => resolve()));
    stops.push(async () => {
      upstream.kill('SIGTERM');
      await upstreamGone;
    });
    await waitFor(() => lines.includes('"listening"'), 20_000, 'the local upstream to listen');

    const env = Object.fromEntries(
      readFileSync(join(dir, 'relay.env'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const relay: RelayProcess = await startRelayProcess(env);
    stops.push(async () => {
      relay.child.kill('SIGTERM');
      await relay.exited;
    });

    const event = readmeEvent();
    const res = await fetch(`${relay.url}/v1/errors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1 });

    await waitFor(() => lines.includes('"received"'), 30_000, 'the event at the local upstream');
    const received = lines
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { received?: string; body?: string })
      .find((line) => line.received !== undefined);
    expect(received?.received).toBe('/v1/diagnostics');
    const body = JSON.parse(received?.body ?? '') as { events: { error: { message: string } }[] };
    expect(body.events).toHaveLength(1);
    expect(body.events[0]?.error.message).not.toContain('jane@example.com');
    expect(received?.body).not.toContain('jane@example.com');
    expect(body.events[0]?.error.message).toContain('[email]');
  }, 90_000);
});
