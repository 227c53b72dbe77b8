import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleAssetsDir, loadAssets } from '../../relay/console/static-assets.js';

const root = join(consoleAssetsDir(), '..');
const assets = loadAssets();
const text = (path: string) => new TextDecoder().decode(assets.get(path)?.body);

describe('console assets', () => {
  it('ships every file the page and its scripts load, by relative path only', () => {
    const html = text('index.html');
    const references = [...html.matchAll(/\s(?:src|href)="([^"#]+)"/g)].map((m) => m[1]!);
    expect(references.length).toBeGreaterThan(0);
    for (const ref of references) {
      expect(ref, ref).not.toMatch(/^(\/|[a-z]+:)/);
      expect(assets.has(ref), ref).toBe(true);
    }
    for (const [path] of assets) {
      if (!path.endsWith('.js')) continue;
      for (const [, spec] of text(path).matchAll(/^import .* from '([^']+)';$/gm)) {
        expect(spec, `${path}: ${spec}`).toMatch(/^\.\.?\//);
        const resolved = new URL(spec!, `http://x/${path}`).pathname.slice(1);
        expect(assets.has(resolved), `${path} imports ${spec}`).toBe(true);
      }
      expect(text(path), path).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
      expect(text(path), path).not.toMatch(/\.innerHTML\s*=|insertAdjacentHTML|\beval\(|new Function/);
    }
  });

  it('is in the npm package and in the image', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('console');
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toMatch(/^COPY --from=build \/app\/console \.\/console$/m);
    expect(readFileSync(join(root, '.dockerignore'), 'utf8')).toMatch(/^!console\/$/m);
  });
});
