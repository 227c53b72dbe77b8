import { type OptionDoc } from './env-option.js';
import { ENV_OPTIONS } from './env-schema.js';

/** The marker comments in README.md between which `npm run docs:config` writes the table. */
export const TABLE_START = '<!-- config-table: written by `npm run docs:config` from config/env-schema.ts; edit there -->';
export const TABLE_END = '<!-- /config-table -->';

const WIDTH = 100;

function docs(): OptionDoc[] {
  return Object.values(ENV_OPTIONS).map((declared) => declared.doc);
}

function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/**
 * The text of `scrub-relay serve --help`: every option of `ENV_OPTIONS` with what it accepts, its
 * default and its meaning.
 */
export function configHelp(): string {
  const lines = [
    'Usage: scrub-relay serve',
    '',
    'Runs the relay: the ingest routes, the outbox and the forwarder. SIGTERM or SIGINT stops',
    'intake and drains the outbox until RELAY_SHUTDOWN_TIMEOUT. It is configured by environment',
    'variables only. A bad value stops it at start, naming the variable and what it received. A',
    'secret (*) can instead be read from the file named by the same variable plus _FILE.',
    '',
  ];
  for (const doc of docs()) {
    const shown = doc.default === undefined ? '' : `  (default: ${doc.default})`;
    lines.push(`  ${doc.env}${doc.secret ? ' *' : ''}  ${doc.accepts}${shown}`);
    lines.push(...wrap(doc.description.replaceAll('`', ''), '      '));
  }
  return lines.join('\n');
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** The README's configuration table (GitHub markdown), one row per option of `ENV_OPTIONS`. */
export function configTable(): string {
  const rows = docs().map((doc) => {
    const meaning = doc.secret ? `${doc.description} (a secret: \`${doc.env}_FILE\` works)` : doc.description;
    const shown = doc.default === undefined ? '—' : doc.defaultIsValue ? `\`${doc.default}\`` : doc.default;
    return `| \`${doc.env}\` | ${cell(doc.accepts)} | ${cell(shown)} | ${cell(meaning)} |`;
  });
  return ['| variable | accepts | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/**
 * `readme` with the text between {@link TABLE_START} and {@link TABLE_END} replaced by
 * {@link configTable}.
 * @throws {Error} when the markers are missing or out of order.
 */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end < start) throw new Error(`README.md needs the lines ${TABLE_START} and ${TABLE_END}, in that order`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${configTable()}\n${readme.slice(end)}`;
}
