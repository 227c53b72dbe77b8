import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerfileParser, type Env, type Instruction } from 'dockerfile-ast';
import { repoRoot } from './render.js';

// No Docker engine runs here and hadolint is neither in Debian nor on npm, so the Dockerfile is
// checked in two ways: its instructions are parsed and asserted on, and the builder stage's
// commands are replayed in a clean directory, the runtime stage's files copied out of it, and
// the relay started the way the image's ENTRYPOINT, CMD and HEALTHCHECK start and probe it.

interface Stage { name: string; image: string; instructions: Instruction[] }

const dockerfileText = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const dockerfile = DockerfileParser.parse(dockerfileText);

const buildArgs = new Map(
  dockerfile.getInitialARGs().map((a) => [a.getProperty()?.getName() ?? '', a.getProperty()?.getValue() ?? '']),
);

function expandArgs(s: string): string {
  return s.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, name: string) => buildArgs.get(name) ?? '');
}

const stages: Stage[] = [];
for (const ins of dockerfile.getInstructions()) {
  const keyword = ins.getKeyword();
  if (keyword === 'FROM') {
    const args = ins.getArguments().map((a) => a.getValue());
    const asIndex = args.findIndex((a) => a.toUpperCase() === 'AS');
    stages.push({ image: expandArgs(args[0] ?? ''), name: asIndex >= 0 ? (args[asIndex + 1] ?? '') : String(stages.length), instructions: [] });
  } else if (stages.length > 0) {
    stages[stages.length - 1]?.instructions.push(ins);
  }
}
const builder = stages[0];
const runtime = stages[stages.length - 1];

function of(stage: Stage | undefined, keyword: string): Instruction[] {
  return (stage?.instructions ?? []).filter((i) => i.getKeyword() === keyword);
}

function content(i: Instruction): string {
  return i.getArgumentsContent() ?? '';
}

/** KEY=value pairs of ENV instructions (the `ENV KEY=value ...` form used here). */
function envOf(stage: Stage | undefined): Map<string, string> {
  const env = new Map<string, string>();
  for (const i of of(stage, 'ENV')) {
    // The parser's properties undo quoting (`NODE_OPTIONS="--a --b"` is one value).
    for (const property of (i as Env).getProperties()) env.set(property.getName(), property.getValue() ?? '');
  }
  return env;
}

function jsonForm(i: Instruction | undefined): string[] {
  const text = content(i ?? ({} as Instruction)).replace(/^CMD\s+/, '');
  return JSON.parse(text) as string[];
}

describe('Dockerfile', () => {
  it('builds in stages from one Node LTS slim image pinned to an exact version', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) {
      const m = /^node:(\d+)\.\d+\.\d+-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$/.exec(s.image);
      expect(m, `${s.name} uses ${s.image}`).not.toBeNull();
      expect(Number(m?.[1]) % 2, 'LTS lines are the even majors').toBe(0);
    }
    expect(new Set(stages.map((s) => s.image)).size, 'the addon must be built for the runtime Node').toBe(1);
  });

  it('compiles TypeScript and the native addon in the builder, then drops dev dependencies', () => {
    const runs = of(builder, 'RUN').map(content).join('\n');
    expect(runs).toMatch(/apt-get install[^\n]*\bpython3\b/);
    expect(runs).toMatch(/apt-get install[^\n]*\bmake\b/);
    expect(runs).toMatch(/apt-get install[^\n]*\bg\+\+/);
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).toMatch(/\bnpm run build\b/);
    expect(runs).toMatch(/\bnpm prune --omit=dev\b/);
    expect(of(runtime, 'RUN').map(content).join('\n')).not.toMatch(/g\+\+|python3|\bmake\b/);
  });

  it('copies only production files into the runtime stage', () => {
    const copies = of(runtime, 'COPY');
    for (const c of copies) {
      expect(c.getArguments().length, content(c)).toBeGreaterThan(0);
      expect(dockerfileText).toContain(`COPY --from=${builder?.name ?? ''} ${content(c)}`);
    }
    const sources = copies.map((c) => c.getArguments()[0]?.getValue());
    expect(sources).toEqual(expect.arrayContaining(['/app/package.json', '/app/bin', '/app/dist/bundle', '/app/config/rules.yaml', '/app/config/forwarded-schema.yaml']));
    expect(sources.some((s) => s?.includes('relay/') || s?.includes('scrubbers') || s?.endsWith('.ts'))).toBe(false);
    // The bundle holds every dependency but the native addon's package and what finds its file.
    const modules = sources.filter((s) => s?.startsWith('/app/node_modules')).sort();
    expect(modules).toEqual(['/app/node_modules/better-sqlite3', '/app/node_modules/bindings', '/app/node_modules/file-uri-to-path']);
    expect(sources).not.toContain('/app/dist');
  });

  it('runs as a numeric non-root user', () => {
    const user = of(runtime, 'USER').at(-1);
    expect(user).toBeDefined();
    expect(content(user as Instruction)).toMatch(/^[1-9][0-9]*(:[0-9]+)?$/);
  });

  it('keeps its writable state in the /data volume, exposes 4319 and health-checks /healthz without curl', () => {
    expect(of(runtime, 'VOLUME').map(content).join(' ')).toContain('/data');
    expect(of(runtime, 'EXPOSE').map(content)).toContain('4319');
    const env = envOf(runtime);
    expect(env.get('RELAY_DB_PATH')).toBe('/data/relay.db');
    expect(env.get('RELAY_HOST')).toBe('0.0.0.0');
    const hc = of(runtime, 'HEALTHCHECK').at(-1);
    expect(hc).toBeDefined();
    const cmd = jsonForm(hc);
    expect(cmd[0]).toBe('node');
    expect(cmd.join(' ')).toContain('/healthz');
    expect(cmd.join(' ')).not.toMatch(/curl|wget/);
  });

  it('sizes memory through the package\'s bin, as `npm start` does, not through ENV', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    const bin = pkg.bin['scrub-relay'] ?? '';
    expect(pkg.scripts['start']).toBe(`exec ${bin} serve`);
    expect(jsonForm(of(runtime, 'ENTRYPOINT').at(-1)).slice(2)).toEqual([`/app/${bin}`]);
    for (const name of ['NODE_OPTIONS', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_']) expect(envOf(runtime).has(name)).toBe(false);
  });

  it('bakes in no secret and does not switch telemetry on', () => {
    for (const s of stages) {
      for (const [name] of envOf(s)) expect(name).not.toMatch(/KEY|TOKEN|SECRET|PASSWORD/i);
      for (const a of of(s, 'ARG')) expect(content(a)).not.toMatch(/KEY|TOKEN|SECRET|PASSWORD/i);
    }
    expect(envOf(runtime).has('TELEMETRY_ENABLED')).toBe(false);
  });

  it('starts through an init process that forwards SIGTERM', () => {
    const entrypoint = jsonForm(of(runtime, 'ENTRYPOINT').at(-1));
    expect(entrypoint.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    expect(entrypoint.slice(2)).toEqual(['/app/bin/scrub-relay']);
    expect(jsonForm(of(runtime, 'CMD').at(-1))).toEqual(['serve']);
  });

  it('sends the build an allow-listed context without git, data or env files', () => {
    expect(dockerignore[0]).toBe('*');
    const allowed = dockerignore.filter((l) => l.startsWith('!'));
    expect(allowed).toEqual(expect.arrayContaining(['!package.json', '!package-lock.json', '!relay/', '!config/']));
    expect(allowed.some((l) => /\.git|data|\.env/.test(l))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

const cleanup: string[] = [];
afterAll(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

/** The paths `COPY . .` sends, per the allow-list in .dockerignore and its exclusions. */
function contextEntries(): string[] {
  return dockerignore
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).replace(/\/$/, ''))
    .filter((p) => existsSync(join(repoRoot, p)));
}

function excludedFromContext(path: string): boolean {
  const name = basename(path);
  return name === 'node_modules' || name === 'dist' || name === '.env' || /\.(db|pem|key)$|\.db-/.test(name);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitFor(url: string, child: { exitCode: number | null }, ms: number): Promise<Response> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`relay exited with ${child.exitCode} before answering`);
    try {
      return await fetch(url, { signal: AbortSignal.timeout(2000) });
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`no answer from ${url}`, { cause: last });
}

describe('Dockerfile build and start, replayed without Docker', () => {
  it('installs, builds, prunes, and then serves /healthz and exits 0 on SIGTERM', async () => {
    const root = mkdtempSync(join(tmpdir(), 'scrub-relay-image-'));
    cleanup.push(root);
    const buildDir = join(root, 'build');
    const runDir = join(root, 'app');
    mkdirSync(buildDir);
    mkdirSync(runDir);

    // Builder stage: system packages (apt-get) come from the host; everything else runs as written.
    const buildEnv: NodeJS.ProcessEnv = { ...process.env, npm_config_prefer_offline: 'true' };
    for (const [k, v] of envOf(builder)) {
      // The image's Node headers live in /usr/local; keep the host's when it has none there.
      if (k === 'npm_config_nodedir' && !existsSync(join(v, 'include/node/common.gypi'))) continue;
      buildEnv[k] = v;
    }
    const log: string[] = [];
    for (const ins of builder?.instructions ?? []) {
      const keyword = ins.getKeyword();
      const text = content(ins);
      if (keyword === 'COPY') {
        const args = ins.getArguments().map((a) => a.getValue());
        const sources = args.slice(0, -1);
        if (sources.length === 1 && sources[0] === '.') {
          for (const entry of contextEntries()) {
            cpSync(join(repoRoot, entry), join(buildDir, entry), { recursive: true, filter: (src) => !excludedFromContext(src) });
          }
        } else {
          for (const src of sources) cpSync(join(repoRoot, src), join(buildDir, basename(src)));
        }
      } else if (keyword === 'RUN' && !/apt-get/.test(text)) {
        const r = spawnSync('sh', ['-c', text], { cwd: buildDir, env: buildEnv, encoding: 'utf8', timeout: 400_000 });
        log.push(`$ ${text}\n${r.stdout}\n${r.stderr}`);
        expect(r.status, log.join('\n').slice(-4000)).toBe(0);
      }
    }

    // Runtime stage: only what it copies from the builder's WORKDIR (/app).
    for (const c of of(runtime, 'COPY')) {
      const [src, dest] = c.getArguments().map((a) => a.getValue());
      if (!src?.startsWith('/app/') || !dest) continue;
      const target = join(runDir, posix.normalize(dest).replace(/\/$/, '') === '.' ? basename(src) : dest);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(buildDir, src.slice('/app/'.length)), target, { recursive: true });
    }

    const port = await freePort();
    const dataDir = join(root, 'data');
    mkdirSync(dataDir);
    // The image's ENV, with the listen address and paths of this machine instead of the container's.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: root,
      ...Object.fromEntries(envOf(runtime)),
      RELAY_HOST: '127.0.0.1',
      RELAY_PORT: String(port),
      RELAY_DB_PATH: join(dataDir, 'relay.db'),
    };
    const entrypoint = jsonForm(of(runtime, 'ENTRYPOINT').at(-1)).slice(2); // after "tini --"
    const cmd = jsonForm(of(runtime, 'CMD').at(-1));
    const argv = [...entrypoint, ...cmd].map((a) => (a.startsWith('/app/') ? join(runDir, a.slice('/app/'.length)) : a));
    const child = spawn(argv[0] ?? 'node', argv.slice(1), { cwd: runDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const health = await waitFor(`http://127.0.0.1:${port}/healthz`, child, 30_000).catch((e: unknown) => {
        throw new Error(`relay did not start: ${String(e)}\n${output.slice(-3000)}`);
      });
      expect(health.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      expect(output).toContain('"maxOldSpaceMb":');
      // recheck's jar (no JVM in the image) and its native binary are not shipped.
      expect(existsSync(join(runDir, 'node_modules/recheck-jar'))).toBe(false);
      expect(existsSync(join(runDir, 'node_modules/recheck-linux-x64'))).toBe(false);

      const healthcheck = jsonForm(of(runtime, 'HEALTHCHECK').at(-1));
      const hc = spawnSync(healthcheck[0] ?? 'node', healthcheck.slice(1), { env: { PATH: process.env.PATH, RELAY_PORT: String(port) }, timeout: 10_000 });
      expect(hc.status, 'the HEALTHCHECK command').toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
    if (code === 'timeout') child.kill('SIGKILL');
    expect(code, output.slice(-3000)).toBe(0);
  }, 600_000);
});
