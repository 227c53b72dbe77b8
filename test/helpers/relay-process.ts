import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestPki } from './tls.js';

export const CLI = fileURLToPath(new URL('../../dist/bundle/cli.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export function tempDir(prefix = 'relay-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface RelayProcess {
  child: ChildProcess;
  url: string;
  port: number;
  logs: () => string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `scrub-relay serve` as a child process (the real CLI, or the copy at `cli`) and waits
 * until it listens.
 */
export async function startRelayProcess(env: Record<string, string>, timeoutMs = 20_000, cli = CLI): Promise<RelayProcess> {
  const child = spawn(process.execPath, [cli, 'serve'], {
    env: { PATH: process.env['PATH'] ?? '', RELAY_PORT: '0', RELAY_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      const match = /"port":(\d+)[^\n]*scrub-relay listening/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`relay exited before listening:\n${output}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, port, logs: () => output, exited };
}

/** Runs the CLI to completion with the given arguments, stdin and environment. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Polls `check` until it returns true or the time is up. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The environment of a relay that forwards error traces to `endpoint`, trusting the test CA. */
export function relayEnv(dbPath: string, endpoint: string, pki: TestPki, extra: Record<string, string> = {}): Record<string, string> {
  return {
    RELAY_DB_PATH: dbPath,
    TELEMETRY_ENABLED: 'true',
    DIAGNOSTICS_ENDPOINT: endpoint,
    RELAY_ALLOWED_HOSTS: '127.0.0.1',
    RELAY_CA_FILE: pki.caFile,
    RELAY_HASH_KEY: 'process-test-key',
    RELAY_DEFAULT_COMPANY: 'acme',
    RELAY_BATCH_SIZE: '50',
    RELAY_MAX_BACKOFF: '1',
    // A SIGTERM drains the backlog for up to this long; most tests stop with the upstream down.
    RELAY_SHUTDOWN_TIMEOUT: '2',
    // Test runners share a few cores between many processes: a relay starved of CPU for a moment
    // must not shed the test's own requests. Shedding itself is tested with its own threshold.
    RELAY_MAX_EVENT_LOOP_DELAY: '2000',
    // startRelayProcess waits for the info-level "listening" line.
    RELAY_LOG_LEVEL: 'info',
    ...extra,
  };
}
