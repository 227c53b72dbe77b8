import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parseAllDocuments, stringify } from 'yaml';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const chartDir = join(repoRoot, 'helm/scrub-relay');
export const fixtureChartDir = join(repoRoot, 'test/deploy/fixtures/app');

/** A rendered Kubernetes object, as parsed from the manifest stream. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export interface RenderOptions {
  values?: Record<string, unknown>;
  kubeVersion?: string;
  name?: string;
  namespace?: string;
}

/** Where Debian installs Go sources (sprig, yaml.v2): `dpkg -L golang-github-masterminds-sprig-dev`. */
function goPath(): string {
  const candidates = [process.env.GOPATH, '/usr/share/gocode'].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(join(p, 'src/github.com/Masterminds/sprig')));
  if (!found) {
    throw new Error(
      'Go sources of sprig not found: apt-get install golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev',
    );
  }
  return found;
}

/**
 * Builds tools/helm-render into a temp dir (GOPATH mode against Debian's Go sources) and
 * returns the binary's path. Throws — so tests fail, never skip — when Go is missing.
 */
export function buildRenderer(): string {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new Error('go is not installed: apt-get install golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev');
  }
  const out = join(mkdtempSync(join(tmpdir(), 'helm-render-')), 'helm-render');
  const env: NodeJS.ProcessEnv = { ...process.env, GO111MODULE: 'off', GOPATH: goPath(), GOFLAGS: '' };
  if (!env.GOCACHE && !env.HOME) env.GOCACHE = join(tmpdir(), 'scrub-relay-gocache');
  execFileSync('go', ['build', '-o', out, '.'], { cwd: join(repoRoot, 'tools/helm-render'), env, stdio: 'pipe' });
  return out;
}

export interface RenderResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  objects: K8sObject[];
}

function args(options: RenderOptions, dir: string): string[] {
  const a = ['--name', options.name ?? 'relay', '--namespace', options.namespace ?? 'telemetry'];
  if (options.kubeVersion) a.push('--kube-version', options.kubeVersion);
  if (options.values) {
    const file = join(mkdtempSync(join(tmpdir(), 'helm-values-')), 'values.yaml');
    writeFileSync(file, stringify(options.values));
    a.push('-f', file);
  }
  a.push(dir);
  return a;
}

/** Renders a chart like `helm template`; objects are parsed as YAML 1.1, as the API server does. */
export function render(renderer: string, dir: string, options: RenderOptions = {}): RenderResult {
  const r = spawnSync(renderer, args(options, dir), { encoding: 'utf8' });
  if (r.error) throw r.error;
  const objects: K8sObject[] = [];
  if (r.status === 0) {
    for (const doc of parseAllDocuments(r.stdout, { version: '1.1' })) {
      if (doc.errors.length > 0) throw new Error(`invalid YAML in rendered output: ${doc.errors[0]?.message}`);
      const obj = doc.toJS() as K8sObject | null;
      if (obj !== null) objects.push(obj);
    }
  }
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr, objects };
}

/** The NOTES.txt text `helm install` would print. */
export function renderNotes(renderer: string, dir: string, options: RenderOptions = {}): string {
  return execFileSync(renderer, ['--show-notes', ...args(options, dir)], { encoding: 'utf8' });
}

/** The values Helm would pass to the templates (defaults coalesced with the overrides). */
export function coalescedValues(renderer: string, dir: string, options: RenderOptions = {}): Record<string, unknown> {
  const out = execFileSync(renderer, ['--show-values', ...args(options, dir)], { encoding: 'utf8' });
  return JSON.parse(out) as Record<string, unknown>;
}

/** Validates values against values.schema.json with draft-07 semantics, as `helm install` does. */
export function schemaErrors(values: unknown, dir = chartDir): string[] {
  const schema = JSON.parse(readFileSync(join(dir, 'values.schema.json'), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(schema);
  if (validate(values)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
