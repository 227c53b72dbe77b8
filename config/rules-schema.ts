import { z } from 'zod';
import { VALIDATOR_NAMES } from '../scrubbers/index.js';
import type { ValidatorName } from '../scrubbers/index.js';
import { userSchemaAdditions } from './forwarded-schema.js';

// The schema of a rules file. Every object is strict: an unknown field is refused, so a typo such
// as `patern:` cannot silently disable a rule.

const ruleId = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be snake_case: a-z, 0-9, _');
const methodSchema = z.enum(['remove', 'replace', 'mask', 'hash']);
const kindSchema = z.enum(['error', 'scan']);
const examplesSchema = z.strictObject({
  match: z.array(z.string()).default([]),
  no_match: z.array(z.string()).default([]),
});
const entropySchema = z.strictObject({
  min_length: z.number().int().min(8).max(1024),
  base64_threshold: z.number().min(1).max(8),
  hex_threshold: z.number().min(1).max(4),
  hex_min_length: z.number().int().min(8).max(1024),
  skip_keys: z.array(z.string()).default([]),
});

const common = {
  id: ruleId,
  description: z.string().min(1),
  method: methodSchema.default('replace'),
  replacement: z.string().optional(),
  keep_last: z.number().int().min(0).max(8).default(4),
  kinds: z.array(kindSchema).min(1).default(['error', 'scan']),
  paths: z.array(z.string()).default([]),
  enabled: z.boolean().default(true),
  examples: examplesSchema,
};

/** A pattern, or a pattern with its own literal prefilter (when one rule holds several shapes). */
const patternSchema = z.union([
  z.string().min(1),
  z.strictObject({ pattern: z.string().min(1), contains_any: z.array(z.string().min(1)).min(1) }),
]);

const regexRuleSchema = z.strictObject({
  ...common,
  kind: z.literal('regex'),
  patterns: z.array(patternSchema).min(1),
  flags: z.string().regex(/^[imsu]*$/, 'only the flags i, m, s, u are allowed').default(''),
  contains_any: z.array(z.string().min(1)).default([]),
  min_digits: z.number().int().min(0).default(0),
  min_hex_run: z.number().int().min(0).default(0),
  min_num_run: z.number().int().min(0).default(0),
  shape: z.enum(['ipv6', 'iban']).optional(),
  validator: z.enum(VALIDATOR_NAMES as [ValidatorName, ...ValidatorName[]]).optional(),
  numbers: z.boolean().default(false),
  skip_keys: z.array(z.string()).default([]),
});
const keynameRuleSchema = z.strictObject({
  ...common,
  kind: z.literal('keyname'),
  keys: z.array(z.string().min(1)).default([]),
  suffix_keys: z.array(z.string().min(1)).default([]),
});
const contentRuleSchema = z.strictObject({
  ...common,
  kind: z.literal('content'),
  keys: z.array(z.string().min(1)).default([]),
  except_last: z.array(z.string().min(1)).default([]),
});
const entropyRuleSchema = z.strictObject({
  ...common,
  kind: z.literal('entropy'),
  entropy: entropySchema,
});
export const ruleSchema = z.discriminatedUnion('kind', [regexRuleSchema, keynameRuleSchema, contentRuleSchema, entropyRuleSchema]);
export type RuleInput = z.infer<typeof ruleSchema>;

const limitsSchema = z.strictObject({
  max_string_length: z.number().int().min(256).max(16 * 1024 * 1024).optional(),
  max_depth: z.number().int().min(4).max(1000).optional(),
});

export const defaultFileSchema = z.strictObject({
  version: z.literal(1),
  limits: z.strictObject({
    max_string_length: z.number().int().min(256),
    max_depth: z.number().int().min(4),
  }),
  passthrough: z.array(z.string()),
  rules: z.array(ruleSchema),
});

/** What a user file may change on a built-in rule, by id. `kind` and `id` cannot change. */
export const overrideSchema = z.strictObject({
  id: ruleId,
  description: z.string().min(1).optional(),
  enabled: z.boolean().optional(),
  method: methodSchema.optional(),
  replacement: z.string().optional(),
  keep_last: z.number().int().min(0).max(8).optional(),
  kinds: z.array(kindSchema).min(1).optional(),
  paths: z.array(z.string()).optional(),
  examples: examplesSchema.optional(),
  patterns: z.array(patternSchema).min(1).optional(),
  flags: z.string().regex(/^[imsu]*$/).optional(),
  contains_any: z.array(z.string().min(1)).optional(),
  min_digits: z.number().int().min(0).optional(),
  min_hex_run: z.number().int().min(0).optional(),
  min_num_run: z.number().int().min(0).optional(),
  shape: z.enum(['ipv6', 'iban']).optional(),
  validator: z.enum(VALIDATOR_NAMES as [ValidatorName, ...ValidatorName[]]).optional(),
  numbers: z.boolean().optional(),
  skip_keys: z.array(z.string()).optional(),
  keys: z.array(z.string().min(1)).optional(),
  suffix_keys: z.array(z.string().min(1)).optional(),
  except_last: z.array(z.string().min(1)).optional(),
  entropy: entropySchema.partial().optional(),
});
export type RuleOverride = z.infer<typeof overrideSchema>;

export const userFileSchema = z.strictObject({
  version: z.literal(1).optional(),
  limits: limitsSchema.optional(),
  schema: userSchemaAdditions,
  rules: z.array(z.unknown()).default([]),
});

/** A rule as read, and the file that defined it (and the one that last changed it). */
export interface RuleEntry {
  input: RuleInput;
  source: string;
}
