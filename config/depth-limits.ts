import { ConfigError } from './errors.js';
import type { ScrubLimits } from '../scrubbers/rule-set.js';

/**
 * The relay has two nesting limits, and they govern different things:
 * - `RELAY_MAX_DEPTH` is an admission limit: an event nested deeper as received is refused (`400`),
 *   the event itself being level 1.
 * - the rules file's `limits.max_depth` bounds the scrubber's walk, which also descends into JSON
 *   it decodes from strings; what lies deeper becomes `"[depth_limit]"`. The event is level 1
 *   there too, so at equal values everything admitted is walked whole.
 *
 * An admitted event must be scrubbed whole, so the admission limit may not exceed the scrubber's;
 * the scrubber's may be higher, to leave room for JSON in strings. A configuration where they
 * contradict is refused at start rather than cutting admitted events.
 * @throws {ConfigError} when `maxDepth` (RELAY_MAX_DEPTH) is greater than the rules' `maxDepth`.
 * @example checkDepthLimits(config.maxDepth, loadRules({ userFile: config.rulesFile }).limits)
 */
export function checkDepthLimits(admittedDepth: number, scrubLimits: Pick<ScrubLimits, 'maxDepth'>): void {
  if (admittedDepth <= scrubLimits.maxDepth) return;
  throw new ConfigError(
    `Expected RELAY_MAX_DEPTH to be at most the rules' limits.max_depth (${scrubLimits.maxDepth}), got "${admittedDepth}": ` +
      'the scrubber would cut events the relay admits; lower RELAY_MAX_DEPTH or raise limits.max_depth in RELAY_RULES_FILE',
  );
}
