import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/relay-process.js';

describe('the README layout section', () => {
  it('names every top-level folder of the repository', () => {
    const tracked = execFileSync('git', ['ls-tree', '-d', '--name-only', 'HEAD'], { cwd: REPO, encoding: 'utf8' })
      .split('\n')
      .filter((name) => name !== '' && !name.startsWith('.'));
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Architecture and layout'));
    expect(tracked.length).toBeGreaterThan(5);
    expect(tracked.filter((folder) => !section.includes(`\`${folder}/\``))).toEqual([]);
  });
});
