// Writes the README's configuration table from config/env-schema.ts (through the build in dist/).
// `npm run docs:config`; test/config/env-docs.test.ts fails while README.md differs from it.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withConfigTable } from '../dist/config/env-docs.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readmePath, 'utf8');
const after = withConfigTable(before);
if (after === before) {
  process.stdout.write('README.md: configuration table already up to date\n');
} else {
  writeFileSync(readmePath, after);
  process.stdout.write('README.md: configuration table written\n');
}
