#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { COMPANY_ID_RULE, isCompanyId } from '../config/company-id.js';
import { loadConfig, type RelayConfig } from '../config/env.js';
import { ConfigError } from '../config/errors.js';
import { checkRules, formatRulesCheckReport, loadRules } from '../config/rules.js';
import { createScrubber } from '../scrubbers/index.js';
import { createFreeTextScrubber } from '../scrubbers/free-text.js';
import type { EventKind } from '../scrubbers/types.js';
import { safeError } from './sinks/forwarder.js';
import { renderEvent } from './sinks/render-event.js';
import { scrubOne } from './pipeline/scrub-events.js';
import { StorageOpenError } from './storage/db.js';
import { memorySettings } from './observe/memory-settings.js';
import { readSalvageFiles } from './storage/salvage.js';
import { restoreSalvage } from './storage/salvage-restore.js';
import { startRelay } from './server.js';
import { openStores, type Stores } from './storage/stores.js';

const USAGE = `Usage: scrub-relay <command>

  serve                                   run the relay (configured by environment variables)
  scrub [--kind error|scan] [--explain]   NDJSON on stdin -> what would be forwarded, one line per event
  scrub --text [--explain]                plain text lines -> each line as the PII and secret rules leave it
  rules check [FILE]                      compile the rules, refuse unsafe ones, run every example
  consent set <company> [--telemetry|--no-telemetry] [--ids|--no-ids]
  consent list
  outbox stats
  outbox recover FILE                     read the intact queued events of a damaged database back into the outbox
  dead-letters list
  dead-letters replay [--id N ...]
  egress list [--since TIME] [--company ID]
  egress show <id>
  subject export (--user ID | --company ID)
  subject erase (--user ID | --company ID)
  audit list [--since TIME]

The database is RELAY_DB_PATH (default ./data/relay.db); see the README for every variable.`;

class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_USAGE';
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function withStores<T>(config: RelayConfig, action: (stores: Stores) => T): T {
  const stores = openStores({ dbPath: config.dbPath, durability: config.durability, hashKey: config.hashKey, consentFile: config.consentFile });
  const consentFile = stores.consentFile;
  if (consentFile?.initial.outcome === 'refused') {
    process.stderr.write(`scrub-relay: consent file ${consentFile.source.path} refused (${consentFile.initial.reason}); the consent it gave last stays\n`);
  }
  try {
    return action(stores);
  } finally {
    stores.close();
  }
}

function parseSince(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (Number.isNaN(ms)) throw new UsageError(`Expected --since to be an ISO 8601 time or epoch milliseconds, got "${raw}"`);
  return ms;
}

/**
 * undici parses the upstreams' responses with llhttp compiled to WebAssembly. V8's optimising tier
 * recompiles the parser's one large function in the background at the first upstream request, with
 * about 30 MB of scratch memory: a spike of the relay's RSS, once, for a parser that reads a few
 * small responses a second. Its baseline code is enough. The flags must be set before that first
 * request compiles the module; they cannot be passed in NODE_OPTIONS, so the relay sets them itself.
 */
function keepWasmOnBaselineCode(): void {
  setFlagsFromString('--no-wasm-tier-up');
  setFlagsFromString('--no-wasm-dynamic-tiering');
}

async function serve(config: RelayConfig): Promise<void> {
  keepWasmOnBaselineCode();
  const relay = await startRelay(config);
  relay.logger.info(memorySettings(), 'memory settings');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      relay.logger.warn({ signal }, `${signal} received again; the drain keeps its deadline`);
      return;
    }
    stopping = true;
    relay.logger.info({ signal, timeoutSeconds: config.shutdownTimeoutSeconds }, `${signal} received, draining`);
    relay.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

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

async function scrub(args: string[]): Promise<number> {
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
      const destination = kind === 'error' ? 'diagnostics' : 'lakera';
      process.stdout.write(`${renderEvent(destination, prepared, {}, projectId)}\n`);
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

function rules(args: string[]): number {
  const [sub, file, ...rest] = args;
  if (sub !== 'check' || rest.length > 0) throw new UsageError('Usage: scrub-relay rules check [FILE]');
  const report = checkRules(file);
  process.stdout.write(`${formatRulesCheckReport(report)}\n`);
  return report.ok ? 0 : 1;
}

function consent(args: string[], config: RelayConfig): number {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    withStores(config, (stores) => print({ telemetry_enabled_globally: config.telemetryEnabled, companies: stores.consent.list() }));
    return 0;
  }
  if (sub !== 'set') throw new UsageError('Usage: scrub-relay consent set <company> [--telemetry|--no-telemetry] [--ids|--no-ids] | consent list');
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      telemetry: { type: 'boolean' },
      'no-telemetry': { type: 'boolean' },
      ids: { type: 'boolean' },
      'no-ids': { type: 'boolean' },
    },
  });
  const company = positionals[0];
  if (company === undefined || positionals.length !== 1) throw new UsageError('consent set needs exactly one company id');
  if (!isCompanyId(company)) throw new UsageError(`consent set: the company id ${COMPANY_ID_RULE}`);
  if ((values.telemetry && values['no-telemetry']) || (values.ids && values['no-ids'])) {
    throw new UsageError('Give --telemetry or --no-telemetry, and --ids or --no-ids, not both of a pair');
  }
  const telemetryEnabled = values.telemetry ? true : values['no-telemetry'] ? false : undefined;
  const idsAllowed = values.ids ? true : values['no-ids'] ? false : undefined;
  if (telemetryEnabled === undefined && idsAllowed === undefined) {
    throw new UsageError('consent set needs at least one of --telemetry, --no-telemetry, --ids, --no-ids');
  }
  withStores(config, (stores) => {
    // `inFlight` is the running relay's to tell (through the admin API): this process sends nothing.
    const { inFlight: _inFlight, ...result } = stores.consent.set(company, { telemetryEnabled, idsAllowed }, 'cli');
    print({ company_id: company, ...result });
  });
  return 0;
}

function deadLetters(args: string[], config: RelayConfig): number {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    withStores(config, (stores) =>
      print(stores.outbox.deadLetters().map(({ payload: _payload, ...row }) => ({ ...row, findings: JSON.parse(row.findings) as unknown }))),
    );
    return 0;
  }
  if (sub !== 'replay') throw new UsageError('Usage: scrub-relay dead-letters list | dead-letters replay [--id N ...]');
  const { values } = parseArgs({ args: rest, options: { id: { type: 'string', multiple: true } } });
  const ids = values.id?.map((id) => {
    if (!/^\d+$/.test(id)) throw new UsageError(`Expected --id to be a number, got "${id}"`);
    return Number(id);
  });
  withStores(config, (stores) => {
    const replayed = stores.outbox.replayDeadLetters(ids);
    stores.audit.record('cli', 'dead_letters.replay', null, { replayed });
    print({ replayed });
  });
  return 0;
}

/** A `--company` option, held to the one company id rule. */
function companyOption(value: string | undefined): string | undefined {
  if (value !== undefined && !isCompanyId(value)) throw new UsageError(`--company: the company id ${COMPANY_ID_RULE}`);
  return value;
}

function egress(args: string[], config: RelayConfig): number {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const { values } = parseArgs({ args: rest, options: { since: { type: 'string' }, company: { type: 'string' } } });
    withStores(config, (stores) => print(stores.egress.list({ since: parseSince(values.since), company: companyOption(values.company) })));
    return 0;
  }
  if (sub === 'show' && rest.length === 1 && /^\d+$/.test(rest[0]!)) {
    const record = withStores(config, (stores) => stores.egress.show(Number(rest[0])));
    if (!record) {
      process.stderr.write(`scrub-relay: no egress record ${rest[0]}\n`);
      return 1;
    }
    print(record);
    return 0;
  }
  throw new UsageError('Usage: scrub-relay egress list [--since TIME] [--company ID] | egress show <id>');
}

function subject(args: string[], config: RelayConfig): number {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { user: { type: 'string' }, company: { type: 'string' } } });
  if ((sub !== 'export' && sub !== 'erase') || (values.user === undefined && values.company === undefined)) {
    throw new UsageError('Usage: scrub-relay subject export|erase (--user ID | --company ID)');
  }
  companyOption(values.company);
  withStores(config, (stores) => print(sub === 'export' ? stores.subjects.export(values, 'cli') : stores.subjects.erase(values, 'cli')));
  return 0;
}

const RECOVER_USAGE = `Usage: scrub-relay outbox recover FILE

Reads a damaged relay database (and FILE-wal beside it) page by page and queues every intact event
again in the outbox at RELAY_DB_PATH, with the consent FILE held where it is newer. Events already
queued, events of companies without consent and rows that are not valid JSON are not queued.
Prints the counts. The relay salvages a file it moves aside at start by itself; this is for one
kept from elsewhere.`;

function outboxRecover(args: string[], config: RelayConfig): number {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${RECOVER_USAGE}\n`);
    return 0;
  }
  const [file, ...rest] = args;
  if (file === undefined || rest.length > 0) throw new UsageError(RECOVER_USAGE);
  if (!existsSync(file) && !existsSync(`${file}-wal`)) throw new UsageError(`outbox recover: no file at ${file}`);
  if (resolve(file) === resolve(config.dbPath)) throw new UsageError('outbox recover: FILE is RELAY_DB_PATH itself; give the damaged copy');
  const image = readSalvageFiles(file);
  withStores(config, (stores) => print({ file, ...restoreSalvage(stores, image, file) }));
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve':
      await serve(loadConfig(process.env));
      return -1;
    case 'scrub':
      return scrub(args);
    case 'rules':
      return rules(args);
    case 'consent':
      return consent(args, loadConfig(process.env));
    case 'outbox':
      if (args[0] === 'recover') return outboxRecover(args.slice(1), loadConfig(process.env));
      if (args[0] !== 'stats') throw new UsageError('Usage: scrub-relay outbox stats | outbox recover FILE');
      withStores(loadConfig(process.env), (stores) => print(stores.outbox.totals()));
      return 0;
    case 'dead-letters':
      return deadLetters(args, loadConfig(process.env));
    case 'egress':
      return egress(args, loadConfig(process.env));
    case 'subject':
      return subject(args, loadConfig(process.env));
    case 'audit': {
      if (args[0] !== 'list') throw new UsageError('Usage: scrub-relay audit list [--since TIME]');
      const { values } = parseArgs({ args: args.slice(1), options: { since: { type: 'string' } } });
      withStores(loadConfig(process.env), (stores) => print(stores.audit.list({ since: parseSince(values.since) })));
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`Unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError || String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`scrub-relay: ${(error as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    if (error instanceof StorageOpenError) {
      // The message names the configured path and the SQLite code; it holds no event data.
      process.stderr.write(`scrub-relay: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    const { name, code } = safeError(error);
    process.stderr.write(`scrub-relay: failed (${name}${code ? ` ${code}` : ''})\n`);
    process.exitCode = 1;
  },
);

