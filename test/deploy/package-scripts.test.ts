import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/relay-process.js';

interface LockEntry {
  hasInstallScript?: boolean;
  dev?: boolean;
}

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string>; allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

describe('package.json as npm runs it', () => {
  it('decides every install script in the lockfile in allowScripts, so npm ci has nothing left to warn about', () => {
    const withScripts = new Set(
      Object.entries(lock.packages)
        .filter(([path, entry]) => path !== '' && entry.hasInstallScript === true)
        .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)),
    );
    expect([...withScripts].sort()).toEqual(expect.arrayContaining(['better-sqlite3']));
    const decided = Object.keys(pkg.allowScripts ?? {}).map((key) => key.replace(/(.)@.*$/, '$1'));
    expect([...withScripts].filter((name) => !decided.includes(name))).toEqual([]);
    // The native module is built by its install script: it must be allowed, not merely decided.
    expect(pkg.allowScripts?.['better-sqlite3']).toBe(true);
  });

  it('starts the relay with exec, so stopping npm stops the relay', () => {
    expect(pkg.scripts['start']).toMatch(/^exec /);
  });
});
