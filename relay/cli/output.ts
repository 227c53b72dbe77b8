import type { OutputMode } from './args.js';

// Values whose keys are data, not our field names: an event as the client sent it (scrubbed),
// rule names, destination names. Their keys are printed as they are.
const DATA_KEYS = new Set(['payload', 'findings', 'scrub_counts', 'by_destination']);

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function isTimeKey(key: string): boolean {
  return key === 'at' || key.endsWith('_at');
}

/**
 * A value as the CLI prints it: the HTTP API's convention of snake_case keys, and every time
 * (`at`, `*_at`, kept as epoch ms) as an ISO 8601 string.
 * @example toOutput({ createdAt: 0, eventId: 'e1' }) // { created_at: '1970-01-01T00:00:00.000Z', event_id: 'e1' }
 */
export function toOutput(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toOutput);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [rawKey, inner] of Object.entries(value as Record<string, unknown>)) {
    const key = snakeCase(rawKey);
    if (DATA_KEYS.has(key)) out[key] = inner;
    else if (isTimeKey(key) && typeof inner === 'number') out[key] = new Date(inner).toISOString();
    else out[key] = toOutput(inner);
  }
  return out;
}

/** Prints a value as pretty JSON in the CLI's convention. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(toOutput(value), null, 2)}\n`);
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Rows as a plain-text table: one column per key of the first row, padded to the widest cell. */
export function formatTable(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)';
  const columns = Object.keys(rows[0]!);
  const cells = [columns.map((column) => column.toUpperCase()), ...rows.map((row) => columns.map((column) => cell(row[column]).replace(/\s+/g, ' ')))];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => line[index]!.length)));
  return cells.map((line) => line.map((text, index) => (index === line.length - 1 ? text : text.padEnd(widths[index]!))).join('  ').trimEnd()).join('\n');
}

/**
 * Prints one list: as JSON (`json`, the whole value as given), or its rows as a table. With a
 * full page, says on stderr how to ask for the next one.
 */
export function printList(mode: OutputMode, value: unknown, rows: readonly object[], limit?: number): void {
  if (mode === 'json') printJson(value);
  else process.stdout.write(`${formatTable(toOutput(rows) as Record<string, unknown>[])}\n`);
  const last = (rows.at(-1) as { id?: unknown } | undefined)?.id;
  if (limit !== undefined && rows.length === limit && typeof last === 'number') {
    process.stderr.write(`scrub-relay: a full page of ${limit}; the next one: --before-id ${last}\n`);
  }
}
