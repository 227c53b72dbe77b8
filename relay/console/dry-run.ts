import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RelayConfig } from '../../config/env.js';
import { loadRules } from '../../config/rules.js';
import { createScrubber } from '../../scrubbers/index.js';
import type { EventKind, Finding, JsonObject, Scrubber, ZoneReport } from '../../scrubbers/index.js';
import { normaliseScanEvent } from '../../protocol/lakera-guard.js';
import { InputError, RelayError } from '../errors.js';
import { eventProblem, parseEvents } from '../http/parse-body.js';
import { fieldProblem, prepareEvent } from '../pipeline/scrub-events.js';

/** The dry run of one pasted event: what would be stored and forwarded, and why. */
export type DryRunEvent =
  | { index: number; ok: true; output: JsonObject; counts: Record<string, number>; findings: Finding[]; zones: ZoneReport[] }
  | { index: number; ok: false; error: string; message: string };

export interface DryRunResult {
  /** `shipped` (the running rules) or `pasted` (the rules text given with the events). */
  rules: 'shipped' | 'pasted';
  events: DryRunEvent[];
}

/** A company for pasted events that name none: the dry run shows the scrub, not the consent gate. */
const DRY_RUN_COMPANY = 'dry-run';

/**
 * Scrubs pasted events exactly as ingest would (same validation, same scrubber, `explain` on)
 * and answers per event. Nothing is stored and nothing is logged: the values go back only to
 * the session that sent them. A JSON document (an event or an array) or NDJSON is accepted.
 */
export function dryRun(scrubber: Scrubber, kind: EventKind, input: string, config: RelayConfig, rules: 'shipped' | 'pasted' = 'shipped'): DryRunResult {
  const events = parseInput(input, config);
  return {
    rules,
    events: events.map((given, index): DryRunEvent => {
      const structure = eventProblem(given, config);
      const event = structure === undefined && kind === 'scan' ? normaliseScanEvent(given) : given;
      const problem = structure ?? fieldProblem(kind, event, config.defaultCompany ?? DRY_RUN_COMPANY);
      if (problem) return { index, ok: false, error: 'invalid_event', message: `field "${problem.field}" ${problem.reason}` };
      try {
        const prepared = prepareEvent(scrubber, kind, event as JsonObject, { explain: true });
        return {
          index,
          ok: true,
          output: JSON.parse(prepared.payload) as JsonObject,
          counts: prepared.counts,
          findings: prepared.findings ?? [],
          zones: prepared.zones ?? [],
        };
      } catch {
        return { index, ok: false, error: 'scrub_failed', message: 'scrubbing failed; the relay would drop this event' };
      }
    }),
  };
}

function parseInput(input: string, config: RelayConfig): unknown[] {
  const body = Buffer.from(input, 'utf8');
  const trimmed = input.trimStart();
  // One JSON document (an event or an array of them) first; several lines of JSON are NDJSON.
  if (trimmed.startsWith('[')) return parseEvents(body, 'application/json', config);
  try {
    return parseEvents(body, 'application/json', config);
  } catch (error) {
    if (error instanceof RelayError && error.code === 'invalid_json') return parseEvents(body, 'application/x-ndjson', config);
    throw error;
  }
}

/**
 * Compiles a pasted user rules file with the checks the relay runs at start (schema, ReDoS
 * analysis, every rule's own examples), merged over the shipped rules like `RELAY_RULES_FILE`.
 * The text goes to a private temp file that is removed before this returns.
 * @throws {InputError} `invalid_rules`, with the first problem found (the temp path never shown).
 */
export function pastedRulesScrubber(rulesText: string, hashKey: string): Scrubber {
  const dir = mkdtempSync(join(tmpdir(), 'relay-console-rules-'));
  const file = join(dir, 'rules.yaml');
  try {
    writeFileSync(file, rulesText, { mode: 0o600 });
    return createScrubber(loadRules({ userFile: file }), { hashKey });
  } catch (error) {
    const message = error instanceof Error && (error as { code?: unknown }).code === 'ERR_CONFIG' ? error.message.split(file).join('(pasted rules)') : 'the rules could not be compiled';
    throw new InputError('invalid_rules', 400, message, { cause: error });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
