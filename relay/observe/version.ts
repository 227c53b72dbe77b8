import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The relay's version, from its package.json: found by walking up from this file, which sits at a
 * different depth in the sources (relay/observe) than in the build (dist/relay/observe).
 */
export function relayVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth += 1) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'scrub-relay' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // No package.json at this level: look one up.
    }
    dir = dirname(dir);
  }
  return (cached = 'unknown');
}
