export { createScrubber } from './scrubber.js';
export { detectInText } from './detect-in-text.js';
export type { ScrubberOptions } from './scrubber.js';
export { ScrubError } from './errors.js';
export { VALIDATOR_NAMES } from './validators.js';
export { parseJsonPath } from './json-path.js';
export { keyParts, normalizeKey } from './key-names.js';
export { FIELD_TYPES, FREE_ZONE } from './schema.js';
export type { FieldType, ForwardedSchema, LocalsMode, SchemaNode } from './schema.js';
export type {
  CompiledContentRule,
  CompiledEntropyRule,
  CompiledKeynameRule,
  CompiledRegexRule,
  CompiledRule,
  CompiledRuleSet,
  EntropySettings,
  PathSegmentMatcher,
  RuleMethod,
  ScrubLimits,
  ValidatorName,
} from './rule-set.js';
export type { EventKind, Finding, JsonObject, JsonValue, ScrubCallOptions, ScrubResult, Scrubber, ZoneReport } from './types.js';
