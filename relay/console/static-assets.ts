import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the console, read once at start. */
export interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * The shipped `console/` folder, found from the package root like the shipped rules (the module
 * runs from `relay/console/` or `dist/relay/console/`).
 */
export function consoleAssetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'console');
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find package.json above the console module');
    dir = parent;
  }
}

/**
 * Every file of the console by its URL path under `/console/` (`index.html`, `js/app.js`). Only
 * these are ever served: a request path is looked up, never joined onto the file system.
 */
export function loadAssets(dir: string = consoleAssetsDir()): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const type = TYPES[extname(name)];
        if (type !== undefined) assets.set(relative(dir, path).split(sep).join('/'), { body: new Uint8Array(readFileSync(path)), type });
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return assets;
}
