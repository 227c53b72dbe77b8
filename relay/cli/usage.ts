import { configHelp } from '../../config/env-docs.js';
/** `scrub-relay --help`: every command on one screen. */
export const USAGE = `Usage: scrub-relay <command> [--help]

  serve                                   run the relay (configured by environment variables)
  scrub [--kind error|scan] [--explain]   NDJSON on stdin -> what would be forwarded, one line per event
  scrub --text [--explain]                plain text lines -> each line as the PII and secret rules leave it
  rules check [FILE]                      compile the rules, refuse unsafe ones, run every example
  consent set <company> [--telemetry|--no-telemetry] [--ids|--no-ids]
  consent list
  outbox stats
  outbox recover FILE                     read the intact queued events of a damaged database back into the outbox
  dead-letters list [PAGING]
  dead-letters replay [--id N ...]
  egress list [--since TIME] [--company ID] [PAGING]
  egress show <id>
  subject export (--user ID | --company ID)
  subject erase (--user ID | --company ID)
  audit list [--since TIME] [PAGING]

Lists take --output json|table (table on a terminal, json otherwise; --json is --output json),
--limit N and --before-id ID (the last id of the page before). TIME is a duration back from now
(30m, 1h, 7d) or an ISO 8601 time. JSON keys are snake_case and times ISO 8601.
Commands that only read refuse a database that does not exist (exit 2). A missing id exits 1.
The database is RELAY_DB_PATH (default ./data/relay.db); see the README for every variable.`;

const OUTPUT = `  --output json|table   table on a terminal, json otherwise (--json: --output json)`;
const PAGING = `  --limit N             at most N rows, newest first (default 100)
  --before-id ID        the page after the one whose last row had this id`;
const SINCE = `  --since TIME          from this time on: 30m, 1h, 7d back from now, or an ISO 8601 time`;

/**
 * Each command's `--help`. `serve`'s is the configuration list, generated from the configuration
 * schema (config/env-schema.ts).
 */
export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  serve: configHelp(),
  scrub: `Usage: scrub-relay scrub [--kind error|scan] [--explain]
       scrub-relay scrub --text [--explain]

Reads NDJSON events (or, with --text, plain text lines) on stdin and writes what the relay would
forward, one line per input line, without a database or network.
  --kind error|scan     the event kind (default error)
  --explain             per line the rules that fired and the zones of the fields, never the values
  --text                plain text lines through the PII and secret rules`,
  rules: `Usage: scrub-relay rules check [FILE]

Compiles the rules (FILE, or RELAY_RULES_FILE, over the defaults), refuses unsafe ones and runs
every rule's examples. Exits 1 when a check fails.`,
  consent: `Usage: scrub-relay consent set <company> [--telemetry|--no-telemetry] [--ids|--no-ids]
       scrub-relay consent list [--output json|table]

set changes a company's consent in the database (revoking telemetry deletes its queued events);
list shows every company the database or the consent file speaks for.
${OUTPUT}`,
  outbox: `Usage: scrub-relay outbox stats
       scrub-relay outbox recover FILE

stats shows the queued events, their bytes, the oldest and the dead letters.
recover reads a damaged database back into the outbox (see outbox recover --help).`,
  'dead-letters': `Usage: scrub-relay dead-letters list [--output json|table] [--limit N] [--before-id ID]
       scrub-relay dead-letters replay [--id N ...]

list shows the events an upstream refused for good, without their payloads; replay queues them
again (all, or the given ids; an id that is not a dead letter refuses the replay, exit 1).
${OUTPUT}
${PAGING}`,
  egress: `Usage: scrub-relay egress list [--since TIME] [--company ID] [--output json|table] [--limit N] [--before-id ID]
       scrub-relay egress show <id>

list shows the upstream requests the relay made; show one with the body it sent, while kept.
${SINCE}
  --company ID          only requests that carried this company's events
${OUTPUT}
${PAGING}`,
  subject: `Usage: scrub-relay subject export (--user ID | --company ID)
       scrub-relay subject erase (--user ID | --company ID)

export prints what the relay holds and has recorded as sent for a user or a company; erase
deletes it. Both are written to the admin audit with the OS user who ran them.`,
  audit: `Usage: scrub-relay audit list [--since TIME] [--output json|table] [--limit N] [--before-id ID]

Shows the admin audit trail: every consent change, replay, export and erasure, with its actor.
${SINCE}
${OUTPUT}
${PAGING}`,
};
