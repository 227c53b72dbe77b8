import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../relay/observe/logger.js';
import { PLANTED, plantedErrorEvent } from '../helpers/fixtures.js';
import { useTestApps } from '../helpers/test-app.js';

const testApp = useTestApps();

function loggedApp(env: Record<string, string> = {}) {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const logs = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const made = testApp({ env, logger: createLogger('warn', logs) });
  const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    made.app.request(path, { method: 'POST', body, headers });
  const refusals = () => lines.filter((line) => line['msg'] === 'ingest request refused');
  return { ...made, post, refusals, raw };
}

describe('the log of refused ingest requests', () => {
  it('writes one JSON line per cause per minute, with the format, code and status and never the body', async () => {
    const { post, refusals, raw } = loggedApp();
    const broken = `{"message": "${PLANTED.email}", `;
    for (let i = 0; i < 3; i++) expect((await post('/v1/errors', broken)).status).toBe(400);
    expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent()), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('/v1/errors', JSON.stringify(plantedErrorEvent()))).status).toBe(202);

    expect(refusals().map(({ format, code, status, count }) => ({ format, code, status, count }))).toEqual([
      { format: 'native', code: 'invalid_json', status: 400, count: 1 },
      { format: 'native', code: 'unsupported_media_type', status: 415, count: 1 },
    ]);
    for (const line of raw) expect(line).not.toContain(PLANTED.email);
  });

  it('logs the refusals of the Sentry and OTLP routes under their own format', async () => {
    const { post, refusals } = loggedApp({ RELAY_INGEST_TOKEN: 'ingest-secret' });
    const envelope = `${JSON.stringify({})}\n${JSON.stringify({ type: 'event' })}\n{}\n`;
    expect((await post('/api/42/envelope/', envelope, { 'content-type': 'application/x-sentry-envelope' })).status).toBe(401);
    expect((await post('/v1/traces', '{}')).status).toBe(401);
    expect((await post('/v1/logs', '{}')).status).toBe(401);
    expect(refusals().map(({ format, code, status }) => ({ format, code, status }))).toEqual([
      { format: 'sentry', code: 'sentry_auth', status: 401 },
      { format: 'otlp', code: 'unauthorized', status: 401 },
    ]);
  });

  it('logs a draining relay\'s refusals like any other', async () => {
    const lines: Record<string, unknown>[] = [];
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const { app } = testApp({ draining: true, logger: createLogger('warn', logs) });
    const response = await app.request('/v1/errors', { method: 'POST', body: JSON.stringify(plantedErrorEvent()), headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(503);
    expect(lines.filter((line) => line['msg'] === 'ingest request refused').map(({ code }) => code)).toEqual(['shutting_down']);
  });
});
