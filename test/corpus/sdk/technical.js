// Technical values for the content-leak corpus that nobody wrote for it: errors actually thrown by
// libraries in node_modules and by the Python standard library (with their real frames), the
// running Node's versions and OS, and real package names and versions.
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, release, tmpdir, type } from 'node:os';
import { join } from 'node:path';
import { fetch } from 'undici';

const require = createRequire(import.meta.url);

/** V8 stack lines → frames, innermost first: `{function, file, line, column}`. */
export function v8Frames(stack) {
  const frames = [];
  for (const line of String(stack).split('\n')) {
    const match = /^\s+at (?:async )?(?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
    if (match === null) continue;
    frames.push({ function: match[1] ?? '<anonymous>', file: match[2], line: Number(match[3]), column: Number(match[4]) });
  }
  return frames;
}

function captured(run) {
  try {
    run();
  } catch (error) {
    return { type: error.name, message: error.message, code: typeof error.code === 'string' ? error.code : undefined, stack: error.stack, frames: v8Frames(error.stack) };
  }
  throw new Error('expected the call to throw');
}

// Each one a library's own error for a malformed input, as applications hit them in production.
function nodeErrors() {
  const YAML = require('yaml');
  const semver = require('semver');
  const protobuf = require('protobufjs');
  const Ajv = require('ajv');
  const Database = require('better-sqlite3');
  const { z } = require('zod');
  const { readFileSync: read } = require('node:fs');
  return [
    captured(() => YAML.parse('retries: [1, 2\ntimeout: {')),
    captured(() => new semver.SemVer('2.x.final')),
    captured(() => protobuf.parse('message { }')),
    captured(() => new Ajv().compile({ type: 'strang' })),
    captured(() => new Database(':memory:').prepare('SELECT id, total FROM orders WHERE status = ?')),
    captured(() => z.object({ retries: z.number() }).parse({ retries: 'three' })),
    captured(() => read('/etc/scrub-relay-missing/settings.yaml')),
    captured(() => new URL('::not-a-url')),
    captured(() => JSON.parse('{"retries": 3,')),
    captured(() => Buffer.alloc(-1)),
    captured(() => require('node:assert').strictEqual(1, 2)),
  ];
}

function packages(root) {
  const found = [];
  for (const entry of readdirSync(join(root, 'node_modules')).sort()) {
    const names = entry.startsWith('@') ? readdirSync(join(root, 'node_modules', entry)).sort().map((sub) => `${entry}/${sub}`) : [entry];
    for (const name of names) {
      try {
        const manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
        if (typeof manifest.version === 'string') found.push({ name, version: manifest.version });
      } catch {
        // A folder without a manifest (.bin, caches) is not a package.
      }
    }
  }
  return found;
}

const PYTHON = String.raw`
import json, sys, platform, traceback, importlib.metadata as md, datetime, ipaddress, uuid, decimal, base64, urllib.request
def safe_repr(value):
    try:
        return repr(value)[:120]
    except Exception:
        return "<broken repr>"
def frames(tb):
    out = []
    while tb is not None:
        f = tb.tb_frame
        local = {} if f.f_code.co_name == "<module>" else {k: safe_repr(v) for k, v in f.f_locals.items()}
        out.append({"abs_path": f.f_code.co_filename, "function": f.f_code.co_name, "module": f.f_globals.get("__name__"), "lineno": tb.tb_lineno, "vars": local})
        tb = tb.tb_next
    return out
def load_settings(raw):
    return json.loads(raw)
def parse_quantity(raw):
    return int(raw)
calls = [
    lambda: load_settings('{"retries": 3,'),
    lambda: parse_quantity("12ab"),
    lambda: datetime.datetime.strptime("2026-13-40", "%Y-%m-%d"),
    lambda: ipaddress.ip_address("300.1.2"),
    lambda: uuid.UUID("not-a-uuid"),
    lambda: decimal.Decimal("1,5") + 1,
    lambda: base64.b64decode("abc", validate=True),
    lambda: urllib.request.Request("ftp//missing-scheme"),
    lambda: {}["tenant_settings"],
    lambda: open("/etc/scrub-relay-missing/settings.yaml"),
]
errors = []
for call in calls:
    try:
        call()
    except Exception as e:
        errors.append({"type": type(e).__name__, "module": type(e).__module__, "value": str(e), "frames": frames(e.__traceback__), "traceback": "".join(traceback.format_exception(e))})
dists = sorted({(d.metadata["Name"], d.version) for d in md.distributions() if d.metadata["Name"]})
print(json.dumps({"version": platform.python_version(), "implementation": platform.python_implementation(), "build": " ".join(platform.python_build()), "system": platform.system(), "os_release": platform.release(), "packages": [{"name": n, "version": v} for n, v in dists], "errors": errors}))
`;

/**
 * Everything technical the generator plants, harvested from this machine. Python is optional:
 * without `python3` the Python-SDK events use the Node values.
 */
export async function harvest(root) {
  let fetchError;
  try {
    // Port 9 (discard) on loopback: closed on test machines, so undici fails with its own error.
    await fetch('http://127.0.0.1:9/v1/health');
  } catch (error) {
    fetchError = { type: error.name, message: error.message, stack: error.stack, frames: v8Frames(error.stack), code: error.cause?.code };
  }
  let python;
  try {
    // A file of its own, so that the frames name a module path as an application's would.
    const dir = join(tmpdir(), 'scrub-relay-corpus', 'app');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'views.py'), PYTHON);
    python = JSON.parse(execFileSync('python3', [join(dir, 'views.py')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    python = undefined;
  }
  return {
    node: { versions: { ...process.versions }, platform: process.platform, arch: arch(), osType: type(), osRelease: release() },
    packages: packages(root),
    nodeErrors: [...nodeErrors(), ...(fetchError ? [fetchError] : [])],
    python,
  };
}
