import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { COMPANY_ID_RULE, isCompanyId } from '../../config/company-id.js';
import type { RelayConfig } from '../../config/env.js';
import { AdminService } from '../admin/admin-service.js';
import { readSalvageFiles } from '../storage/salvage.js';
import { openStores } from '../storage/stores.js';
import { cliActor, companyOption, LIST_OPTIONS, outputMode, OUTPUT_OPTIONS, pageOptions, parseSince, positiveInt, UsageError } from './args.js';
import { printJson, printList } from './output.js';
import { COMMAND_USAGE } from './usage.js';

/** The database is missing: a command that only reads never creates it (nor its folders). */
export class MissingDatabaseError extends UsageError {}

/**
 * Opens the database, runs `action` with the admin service on it and closes it. `mustExist`
 * (every command but those that write): a missing file is refused, naming the path, instead of
 * reading an empty database created on the spot.
 */
function withAdmin<T>(config: RelayConfig, mustExist: boolean, action: (admin: AdminService) => T): T {
  if (mustExist && config.dbPath !== ':memory:' && !existsSync(config.dbPath)) {
    throw new MissingDatabaseError(`no database at ${resolve(config.dbPath)} (RELAY_DB_PATH); nothing to read there`);
  }
  const stores = openStores({ dbPath: config.dbPath, durability: config.durability, hashKey: config.hashKey, consentFile: config.consentFile });
  const consentFile = stores.consentFile;
  if (consentFile?.initial.outcome === 'refused') {
    process.stderr.write(`scrub-relay: consent file ${consentFile.source.path} refused (${consentFile.initial.reason}); the consent it gave last stays\n`);
  }
  try {
    return action(new AdminService({ stores }));
  } finally {
    stores.close();
  }
}

function usage(command: string): UsageError {
  return new UsageError(COMMAND_USAGE[command] ?? command);
}

/** `consent set|list`. */
export function consent(args: string[], config: RelayConfig): number {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const { values } = parseArgs({ args: rest, options: OUTPUT_OPTIONS });
    const mode = outputMode(values);
    withAdmin(config, true, (admin) => {
      const companies = admin.listConsent();
      printList(mode, { telemetry_enabled_globally: config.telemetryEnabled, companies }, companies);
    });
    return 0;
  }
  if (sub !== 'set') throw usage('consent');
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { telemetry: { type: 'boolean' }, 'no-telemetry': { type: 'boolean' }, ids: { type: 'boolean' }, 'no-ids': { type: 'boolean' }, ...OUTPUT_OPTIONS },
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
  withAdmin(config, false, (admin) => {
    // `inFlight` is the running relay's to tell (through the admin API): this process sends nothing.
    const { inFlight: _inFlight, ...result } = admin.setConsent(cliActor(), company, { telemetryEnabled, idsAllowed });
    printJson({ companyId: company, ...result });
  });
  return 0;
}

/** `dead-letters list|replay`. */
export function deadLetters(args: string[], config: RelayConfig): number {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const { values } = parseArgs({ args: rest, options: LIST_OPTIONS });
    const mode = outputMode(values);
    const page = pageOptions(values);
    withAdmin(config, true, (admin) => {
      const rows = admin.listDeadLetters(page);
      printList(mode, rows, rows, page.limit);
    });
    return 0;
  }
  if (sub !== 'replay') throw usage('dead-letters');
  const { values } = parseArgs({ args: rest, options: { id: { type: 'string', multiple: true }, ...OUTPUT_OPTIONS } });
  const ids = values.id?.map((id) => positiveInt('id', id)!);
  withAdmin(config, true, (admin) => printJson(admin.replayDeadLetters(cliActor(), ids)));
  return 0;
}

/** `egress list|show`. */
export function egress(args: string[], config: RelayConfig): number {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const { values } = parseArgs({ args: rest, options: { since: { type: 'string' }, company: { type: 'string' }, ...LIST_OPTIONS } });
    const mode = outputMode(values);
    const page = pageOptions(values);
    const query = { since: parseSince(values.since), company: companyOption(values.company), ...page };
    withAdmin(config, true, (admin) => {
      const rows = admin.listEgress(query);
      printList(mode, rows, rows, page.limit);
    });
    return 0;
  }
  if (sub === 'show') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: OUTPUT_OPTIONS });
    if (positionals.length !== 1) throw usage('egress');
    const id = positiveInt('id', positionals[0]);
    withAdmin(config, true, (admin) => {
      const record = admin.showEgress(id!);
      if (outputMode(values) === 'json') printJson(record);
      else printList('table', record, [record]);
    });
    return 0;
  }
  throw usage('egress');
}

/** `subject export|erase`. */
export function subject(args: string[], config: RelayConfig): number {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { user: { type: 'string' }, company: { type: 'string' }, ...OUTPUT_OPTIONS } });
  if ((sub !== 'export' && sub !== 'erase') || (values.user === undefined && values.company === undefined)) throw usage('subject');
  const query = { user: values.user, company: companyOption(values.company) };
  withAdmin(config, true, (admin) => printJson(sub === 'export' ? admin.exportSubject(cliActor(), query) : admin.eraseSubject(cliActor(), query)));
  return 0;
}

/** `audit list`. */
export function audit(args: string[], config: RelayConfig): number {
  const [sub, ...rest] = args;
  if (sub !== 'list') throw usage('audit');
  const { values } = parseArgs({ args: rest, options: { since: { type: 'string' }, ...LIST_OPTIONS } });
  const mode = outputMode(values);
  const page = pageOptions(values);
  withAdmin(config, true, (admin) => {
    const rows = admin.listAudit({ since: parseSince(values.since), ...page });
    printList(mode, rows, rows, page.limit);
  });
  return 0;
}

/** `outbox recover --help`. */
export const RECOVER_USAGE = `Usage: scrub-relay outbox recover FILE

Reads a damaged relay database (and FILE-wal beside it) page by page and queues every intact event
again in the outbox at RELAY_DB_PATH, with the consent FILE held where it is newer. Events already
queued, events of companies without consent and rows that are not valid JSON are not queued.
Prints the counts. The relay salvages a file it moves aside at start by itself; this is for one
kept from elsewhere.`;

/** `outbox stats|recover`. */
export function outbox(args: string[], config: RelayConfig): number {
  const [sub, ...rest] = args;
  if (sub === 'stats') {
    const { values } = parseArgs({ args: rest, options: OUTPUT_OPTIONS });
    const mode = outputMode(values);
    withAdmin(config, true, (admin) => {
      const totals = admin.outboxStats();
      if (mode === 'json') printJson(totals);
      else printList('table', totals, [totals]);
    });
    return 0;
  }
  if (sub !== 'recover') throw usage('outbox');
  const [file, ...more] = rest;
  if (file === undefined || more.length > 0) throw new UsageError(RECOVER_USAGE);
  if (!existsSync(file) && !existsSync(`${file}-wal`)) throw new UsageError(`outbox recover: no file at ${file}`);
  if (resolve(file) === resolve(config.dbPath)) throw new UsageError('outbox recover: FILE is RELAY_DB_PATH itself; give the damaged copy');
  const image = readSalvageFiles(file);
  withAdmin(config, false, (admin) => printJson({ file, ...admin.recoverOutbox(cliActor(), image, file) }));
  return 0;
}
