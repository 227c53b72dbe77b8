#!/usr/bin/env node
import { loadConfig } from '../config/env.js';
import { ConfigError } from '../config/errors.js';
import { RelayError } from './errors.js';
import { StorageOpenError } from './storage/db.js';
import { safeError } from './observe/safe-error.js';
import { audit, consent, deadLetters, egress, outbox, RECOVER_USAGE, subject } from './cli/admin-commands.js';
import { UsageError, wantsHelp } from './cli/args.js';
import { rules, scrub } from './cli/scrub-commands.js';
import { serve } from './cli/serve.js';
import { COMMAND_USAGE, USAGE } from './cli/usage.js';

/** The `--help` text of a command line: its subcommand's when it has its own, else its command's. */
function helpFor(command: string, args: readonly string[]): string | undefined {
  if (command === 'outbox' && args[0] === 'recover') return RECOVER_USAGE;
  return COMMAND_USAGE[command];
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command !== undefined && wantsHelp(args)) {
    const help = helpFor(command, args);
    if (help === undefined) throw new UsageError(`Unknown command "${command}"\n\n${USAGE}`);
    process.stdout.write(`${help}\n`);
    return 0;
  }
  switch (command) {
    case 'serve':
      if (args.length > 0) throw new UsageError(COMMAND_USAGE['serve']);
      await serve(loadConfig(process.env));
      return -1;
    case 'scrub':
      return scrub(args);
    case 'rules':
      return rules(args);
    case 'consent':
      return consent(args, loadConfig(process.env));
    case 'outbox':
      return outbox(args, loadConfig(process.env));
    case 'dead-letters':
      return deadLetters(args, loadConfig(process.env));
    case 'egress':
      return egress(args, loadConfig(process.env));
    case 'subject':
      return subject(args, loadConfig(process.env));
    case 'audit':
      return audit(args, loadConfig(process.env));
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
    if (error instanceof RelayError) {
      // The admin service's answers: a missing id is 1 (the command was right, the thing is not
      // there); a request it refuses as malformed is a usage error.
      process.stderr.write(`scrub-relay: ${error.message}\n`);
      process.exitCode = error.status === 400 ? 2 : 1;
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
