import { createScrubber } from './scrubber.js';
import type { CompiledRuleSet } from './rule-set.js';

/** One line of free text after the PII and secret detectors, with what fired in it. */
export interface FreeTextResult {
  text: string;
  /** Detections per rule id, in the order the rules first fired; never the values. */
  counts: Record<string, number>;
}

/** Scrubs plain strings with the text detectors alone. */
export interface FreeTextScrubber {
  scrubText(line: string): FreeTextResult;
}

/** The key a line is scrubbed under: it names no sensitive, content or technical field. */
const LINE_KEY = 'text';

/**
 * A scrubber for free text (`scrub-relay scrub --text`): the rules' regex and entropy detectors
 * only, no key-name, content or schema rules and no content policy, so that what a detector does to a sentence or a log
 * line can be seen and measured on its own. Rules scoped to JSON paths or event kinds still run,
 * as they would on an error message.
 * @example createFreeTextScrubber(loadRules({}), { hashKey: 'k' }).scrubText('mail bob@example.com').text // 'mail [email]'
 */
export function createFreeTextScrubber(rules: CompiledRuleSet, options: { hashKey: Buffer | string }): FreeTextScrubber {
  const textRules = rules.rules
    .filter((rule) => rule.kind === 'regex' || rule.kind === 'entropy')
    .map((rule) => ({ ...rule, paths: [] }));
  const scrubber = createScrubber({ ...rules, passthrough: new Set(), rules: textRules }, { ...options, textOnly: true });
  return {
    scrubText(line: string): FreeTextResult {
      const { event, counts } = scrubber.scrub({ [LINE_KEY]: line }, 'error');
      const text = event[LINE_KEY];
      return { text: typeof text === 'string' ? text : '', counts: { ...counts } };
    },
  };
}
