import { z } from 'zod';
import { companyIdSchema } from '../../../config/company-id.js';
import type { EventKind } from '../../../scrubbers/types.js';
import { fieldPath } from '../../pipeline/field-path.js';
import { normaliseTimestamp, TIMESTAMP_RULE } from '../../pipeline/timestamp.js';

const timestamp = z.unknown().refine((value) => normaliseTimestamp(value) !== undefined, { message: TIMESTAMP_RULE });
const id = z.string().min(1).max(256);
// Any string: one that is not id-like is replaced with a UUID when the event is prepared (event-id.ts).
const eventId = z.string();
const companyId = companyIdSchema;

// The minimum of each shape (see the product brief); every other field is allowed and scrubbed.
const errorEvent = z.looseObject({
  event_id: eventId.optional(),
  timestamp,
  company_id: companyId.optional(),
  user_id: z.union([id, z.number()]).optional(),
  level: z.string().max(32).optional(),
  error: z.looseObject({
    type: z.string().max(1024).optional(),
    message: z.string().optional(),
    stack: z.string().optional(),
  }),
  frames: z
    .array(
      z.looseObject({
        file: z.string().optional(),
        line: z.number().int().nonnegative().optional(),
        column: z.number().int().nonnegative().optional(),
        function: z.string().optional(),
      }),
    )
    .optional(),
});

const scanEvent = z.looseObject({
  event_id: eventId.optional(),
  timestamp,
  company_id: companyId.optional(),
  user_id: z.union([id, z.number()]).optional(),
  event_type: z.enum(['scan', 'blocked', 'allowed']),
  context: z.looseObject({ type: z.string().max(64).optional(), source: z.string().max(256).optional() }).optional(),
  scan_result: z.looseObject({
    flagged: z.boolean(),
    categories: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]).optional(),
    scores: z.record(z.string(), z.unknown()).optional(),
    threat_level: z.string().max(64).optional(),
  }),
  metadata: z.looseObject({}).optional(),
});

export type ErrorEvent = z.infer<typeof errorEvent>;
export type ScanEvent = z.infer<typeof scanEvent>;

const schemas = { error: errorEvent, scan: scanEvent } as const;

/** Why an event was refused: the field's path (keys that are not plain names given by position) and a reason that never quotes the value. */
export interface FieldProblem {
  field: string;
  reason: string;
}

/** Checks one event against its kind's minimum shape. */
export function checkEventShape(kind: EventKind, event: unknown): FieldProblem | undefined {
  const result = schemas[kind].safeParse(event);
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  if (issue === undefined) return { field: '(event)', reason: 'invalid' };
  const field = fieldPath(event, issuePath(issue));
  const reason = valueAt(event, issue.path) === undefined ? 'is required' : issueReason(issue);
  return { field, reason };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The path of a zod issue; for unknown keys, the first of them (named as {@link fieldPath} names keys). */
export function issuePath(issue: z.core.$ZodIssue): PropertyKey[] {
  return issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...issue.path, issue.keys[0]] : issue.path;
}

/** zod's message, except where it would quote what was sent (the names of unknown keys). */
export function issueReason(issue: z.core.$ZodIssue): string {
  return issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message;
}
