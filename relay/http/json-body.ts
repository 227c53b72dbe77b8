import type { Context } from 'hono';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { issuePath, issueReason } from '../formats/native/event-schemas.js';
import { fieldPath } from '../pipeline/field-path.js';

/**
 * The request body as JSON checked against `schema`, or the 400 that names the field; never
 * echoes a value. Bodies over `maxBytes` are refused with 413.
 */
export async function readJson<T>(c: Context, schema: z.ZodType<T>, maxBytes = 64 * 1024): Promise<T> {
  const text = await c.req.text();
  if (Buffer.byteLength(text) > maxBytes) throw new InputError('body_too_large', 413, `The body is over ${maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError('invalid_json', 400, 'Body is not valid JSON', { cause: error });
  }
  return validBody(value, schema);
}

/** `value` checked against `schema`, or the 400 that names the first wrong field (never its value). */
export function validBody<T>(value: unknown, schema: z.ZodType<T>): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue === undefined ? [] : issuePath(issue);
    const field = path.length === 0 ? '(body)' : fieldPath(value, path);
    throw new InputError('invalid_body', 400, `field "${field}" ${issue === undefined ? 'is invalid' : issueReason(issue)}`);
  }
  return result.data;
}
