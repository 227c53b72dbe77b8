import { userInfo } from 'node:os';
import { COMPANY_ID_RULE, isCompanyId } from '../../config/company-id.js';
import type { Actor } from '../admin/admin-audit.js';

/** A command line that cannot mean anything: exit 2, with the message on stderr. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_USAGE';
}

/** How a list is printed. */
export type OutputMode = 'json' | 'table';

/** The options every list command takes, for `util.parseArgs`. */
export const LIST_OPTIONS = {
  output: { type: 'string' },
  json: { type: 'boolean' },
  limit: { type: 'string' },
  'before-id': { type: 'string' },
} as const;

/** Options that print anything take `--output` (and its alias `--json`). */
export const OUTPUT_OPTIONS = { output: LIST_OPTIONS.output, json: LIST_OPTIONS.json } as const;

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A `--since`: a duration back from `now` (`30m`, `1h`, `7d`, `2w`), an ISO 8601 time, or (as the
 * HTTP API takes) epoch milliseconds.
 * @example parseSince('1h', Date.parse('2026-01-01T01:00:00Z')) // Date.parse('2026-01-01T00:00:00Z')
 */
export function parseSince(raw: string | undefined, now: number = Date.now()): number | undefined {
  if (raw === undefined) return undefined;
  const duration = /^(\d+)([smhdw])$/.exec(raw);
  if (duration !== null) return now - Number(duration[1]) * UNIT_MS[duration[2]!]!;
  // A bare date or time must say which day: `Date.parse` would take "1" as the year 2001.
  const ms = /^\d+$/.test(raw) ? Number(raw) : /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`Expected --since to be a duration (30m, 1h, 7d) or an ISO 8601 time, got "${raw}"`);
  return ms;
}

/** A positive whole number option (`--limit`, `--before-id`, `--id`), or undefined when absent. */
export function positiveInt(name: string, raw: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new UsageError(`Expected --${name} to be a whole number from 1 to ${max}, got "${raw}"`);
  return value;
}

/** The page a list command asked for. */
export function pageOptions(values: { limit?: string | undefined; 'before-id'?: string | undefined }): { limit: number; beforeId: number | undefined } {
  return { limit: positiveInt('limit', values.limit, 10_000) ?? 100, beforeId: positiveInt('before-id', values['before-id']) };
}

/** `--output json|table`, `--json`; by default a table on a terminal and JSON into a pipe or file. */
export function outputMode(values: { output?: string | undefined; json?: boolean | undefined }, isTty = process.stdout.isTTY === true): OutputMode {
  if (values.output !== undefined && values.output !== 'json' && values.output !== 'table') {
    throw new UsageError(`Expected --output to be json or table, got "${values.output}"`);
  }
  if (values.json === true && values.output === 'table') throw new UsageError('Give --json or --output table, not both');
  if (values.json === true) return 'json';
  return (values.output) ?? (isTty ? 'table' : 'json');
}

/** A `--company` option, held to the one company id rule. */
export function companyOption(value: string | undefined): string | undefined {
  if (value !== undefined && !isCompanyId(value)) throw new UsageError(`--company: the company id ${COMPANY_ID_RULE}`);
  return value;
}

/**
 * The admin-audit actor of this CLI run: the OS user who ran it, so the trail says who did it.
 * A container without a passwd entry for its uid has no name; the uid stands in.
 */
export function cliActor(): Actor {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Did the command line ask for help (before a `--` that ends the options)? */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}
