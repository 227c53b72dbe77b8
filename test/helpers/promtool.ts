import { spawnSync } from 'node:child_process';

/**
 * Prometheus' own `promtool` (Debian package `prometheus`), or why it is not there. In CI
 * (`CI=true`, set by .ci/run, which installs it) a missing promtool is a failure, never a skip.
 */
export function findPromtool(): { path: string } | { missing: string } {
  const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (!probe.error && probe.status === 0) return { path: 'promtool' };
  return { missing: 'promtool is not on PATH (apt-get install prometheus)' };
}

/** Whether the promtool tests may skip: only outside CI. */
export const promtoolMaySkip = process.env['CI'] !== 'true';

/** Runs `promtool args…` with `input` on stdin; returns its exit status and output. */
export function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { encoding: 'utf8', input });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
