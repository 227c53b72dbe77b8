import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/env.js';
import { checkRules, formatRulesCheckReport, loadRules } from '../../config/rules.js';
import { createFreeTextScrubber } from '../../scrubbers/free-text.js';
import { createScrubber } from '../../scrubbers/index.js';
import type { EventKind } from '../../scrubbers/types.js';
import { scrubOne } from '../pipeline/scrub-events.js';
import { renderEvent } from '../sinks/render-event.js';
import { routeOf } from '../sinks/routes.js';
import { UsageError } from './args.js';

/**
 * `scrub --text`: each stdin line as the text detectors leave it, one output line per input line.
 * With `--explain`, per line the rules that fired and how often, never the text.
 */
async function scrubText(explain: boolean): Promise<number> {
  const config = loadConfig(process.env);
  const scrubber = createFreeTextScrubber(loadRules({ userFile: config.rulesFile }), { hashKey: config.hashKey ?? 'scrub-relay-dry-run' });
  let lineNumber = 0;
  let failures = 0;
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    lineNumber += 1;
    let result;
    try {
      result = scrubber.scrubText(line);
    } catch {
      // As in the relay, a line the detectors failed on is never written out raw.
      failures += 1;
      process.stdout.write(explain ? `${JSON.stringify({ line: lineNumber, error: 'scrub_failed' })}\n` : '\n');
      process.stderr.write(`line ${lineNumber}: scrubbing failed\n`);
      continue;
    }
    const { text, counts } = result;
    if (!explain) {
      process.stdout.write(`${text}\n`);
      continue;
    }
    const findings = Object.entries(counts).map(([rule, count]) => ({ rule, count }));
    process.stdout.write(`${JSON.stringify({ line: lineNumber, findings })}\n`);
  }
  return failures === 0 ? 0 : 1;
}

/** `scrub`: NDJSON events on stdin, each as the relay would forward it (or, with `--explain`, what fired). */
export async function scrub(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { kind: { type: 'string', default: 'error' }, explain: { type: 'boolean', default: false }, text: { type: 'boolean', default: false } },
  });
  if (values.text) return scrubText(values.explain);
  if (values.kind !== 'error' && values.kind !== 'scan') throw new UsageError(`Expected --kind to be error or scan, got "${values.kind}"`);
  const kind: EventKind = values.kind;
  const config = loadConfig(process.env);
  const scrubber = createScrubber(loadRules({ userFile: config.rulesFile }), { hashKey: config.hashKey ?? 'scrub-relay-dry-run' });
  const projectId = config.lakera?.projectId ?? process.env['LAKERA_PROJECT_ID'];
  let failures = 0;
  let lineNumber = 0;
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    lineNumber += 1;
    if (line.trim() === '') {
      process.stdout.write('\n');
      continue;
    }
    const fail = (error: string, message: string) => {
      failures += 1;
      process.stdout.write(`${JSON.stringify({ error, message })}\n`);
      process.stderr.write(`line ${lineNumber}: ${message}\n`);
    };
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      fail('invalid_json', 'not valid JSON');
      continue;
    }
    const result = scrubOne(scrubber, kind, parsed, { limits: config, defaultCompany: config.defaultCompany, explain: values.explain, inPlace: true });
    if (!result.ok) {
      fail(result.error, result.message);
      continue;
    }
    const { prepared } = result;
    if (values.explain) {
      process.stdout.write(`${JSON.stringify({ event_id: prepared.eventId, findings: prepared.findings ?? [], zones: zoneSummary(prepared.zones ?? []) })}\n`);
    } else {
      // As its kind's first destination would be sent it.
      process.stdout.write(`${renderEvent(routeOf(config, kind)[0]!, prepared, {}, projectId)}\n`);
    }
  }
  return failures === 0 ? 0 : 1;
}

/** Each zone with the paths that fell in it, in walk order: `{ "token": ["$.error.type", …], "free": […] }`. */
function zoneSummary(zones: readonly { path: string; zone: string }[]): Record<string, string[]> {
  const summary: Record<string, string[]> = {};
  for (const { path, zone } of zones) (summary[zone] ??= []).push(path);
  return summary;
}

/** `rules check [FILE]`. */
export function rules(args: string[]): number {
  const [sub, file, ...rest] = args;
  if (sub !== 'check' || rest.length > 0) throw new UsageError('Usage: scrub-relay rules check [FILE]');
  const report = checkRules(file);
  process.stdout.write(`${formatRulesCheckReport(report)}\n`);
  return report.ok ? 0 : 1;
}
