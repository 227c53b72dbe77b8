import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDepthLimits } from '../../config/depth-limits.js';
import { loadRules } from '../../config/rules.js';
import { createScrubber } from '../../scrubbers/index.js';
import type { JsonObject } from '../../scrubbers/types.js';
import { plantedErrorEvent } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../helpers/relay-process.js';
import { useTestApps } from '../helpers/test-app.js';

const testApp = useTestApps();

/** An error event nested `levels` deep, the event itself being level 1. */
function nested(levels: number): Record<string, unknown> {
  let deep: unknown = 'x';
  for (let i = 0; i < levels - 1; i += 1) deep = { d: deep };
  return plantedErrorEvent({ extra: deep });
}

function rulesFile(maxDepth: number): string {
  const file = join(tempDir(), 'rules.yaml');
  writeFileSync(file, `version: 1\nlimits:\n  max_depth: ${maxDepth}\n`);
  return file;
}

describe('RELAY_MAX_DEPTH and the rules file limits.max_depth', () => {
  it('count levels alike: at equal values the relay admits exactly what the scrubber walks whole', async () => {
    const rules = loadRules({});
    const limit = rules.limits.maxDepth;
    const scrubber = createScrubber(rules, { hashKey: 'k' });
    expect(scrubber.scrub(nested(limit) as JsonObject, 'error').counts['depth_limit']).toBeUndefined();
    expect(scrubber.scrub(nested(limit + 1) as JsonObject, 'error').counts['depth_limit']).toBe(1);

    const { app, rows } = testApp({ env: { RELAY_MAX_DEPTH: String(limit) } });
    const post = (body: unknown) => app.request('/v1/errors', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect((await post(nested(limit))).status).toBe(202);
    expect((await post(nested(limit + 1))).status).toBe(400);
    expect(rows()).toHaveLength(1);
    expect(rows()[0]?.payload).not.toContain('[depth_limit]');
  });

  it('refuses an admission depth above the scrubber depth, and accepts it once the rules file raises it', () => {
    expect(() => checkDepthLimits(65, loadRules({}).limits)).toThrow(
      'Expected RELAY_MAX_DEPTH to be at most the rules\' limits.max_depth (64), got "65"',
    );
    expect(() => checkDepthLimits(64, loadRules({}).limits)).not.toThrow();
    expect(() => checkDepthLimits(100, loadRules({ userFile: rulesFile(100) }).limits)).not.toThrow();
    expect(() => checkDepthLimits(32, loadRules({ userFile: rulesFile(16) }).limits)).toThrow(/limits\.max_depth \(16\), got "32"/);
  });

  it('stops serve at start when they contradict, naming both', async () => {
    const result = await runCli(['serve'], { env: { RELAY_DB_PATH: join(tempDir(), 'relay.db'), RELAY_PORT: '0', RELAY_RULES_FILE: rulesFile(16) } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Expected RELAY_MAX_DEPTH to be at most the rules\' limits.max_depth (16), got "32"');
  });
});
