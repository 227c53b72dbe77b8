// Part of `npm run build`, after tsc: bundles the relay's program (the CLI, the scrub worker and
// the rules verifier) from dist/ into dist/bundle/, with every dependency inside it except
// better-sqlite3, whose native addon is loaded from node_modules. The bin and the image run the
// bundle: one file to load instead of some 300 modules found one by one (faster start, less
// memory for module records and source text), and an image that needs no node_modules beyond
// the addon. dist/ stays the library (`exports`) and the type declarations.
//
// Then it verifies the shipped rules in full and writes their verified form beside both programs
// (dist/config/ for dist/relay/cli.js, dist/bundle/ for the bundle; see config/rules-verified.ts).
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
/** Packages left outside the bundle: the image copies exactly these into its node_modules. */
export const RUNTIME_PACKAGES = ['better-sqlite3'];

const started = performance.now();
rmSync(`${dist}bundle`, { recursive: true, force: true });
await build({
  input: {
    cli: `${dist}relay/cli.js`,
    // scrub-pool.ts starts its worker from `./scrub-worker.js` beside itself.
    'scrub-worker': `${dist}relay/pipeline/scrub-worker.js`,
    rules: `${dist}config/rules.js`,
  },
  platform: 'node',
  external: [/^node:/, ...RUNTIME_PACKAGES.map((name) => new RegExp(`^${name}(/|$)`))],
  output: { dir: `${dist}bundle`, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', minify: false },
  logLevel: 'warn',
});
// V8 keeps every script's source in memory, in one byte per character only while no character of
// it is above U+00FF; a single dash or arrow in a comment doubles the whole file's share. An
// escape is the same character in a string, template, regex or identifier, and inert in a comment.
for (const name of readdirSync(`${dist}bundle`).filter((n) => n.endsWith('.js'))) {
  const file = `${dist}bundle/${name}`;
  const text = readFileSync(file, 'utf8');
  // After a backslash the escape would change meaning (`\—` is an identity escape in a regex).
  const escaped = /\\[^\0-\xff]/.exec(text);
  if (escaped !== null) throw new Error(`${name}: a backslash before ${JSON.stringify(escaped[0])}; escape it in the source instead`);
  writeFileSync(file, text.replace(/[^\0-\xff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
const bundled = Math.round(performance.now() - started);

for (const program of [`${dist}config/rules.js`, `${dist}bundle/rules.js`]) {
  const t = performance.now();
  const { verifyShippedRules } = await import(program);
  const path = verifyShippedRules();
  console.log(`shipped rules verified in ${Math.round(performance.now() - t)} ms: ${path.slice(dist.length - 5)}`);
}
console.log(`bundled in ${bundled} ms: dist/bundle/`);
