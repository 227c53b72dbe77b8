import { z } from 'zod';

const COMPANY_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Why a company id is refused, in words that never quote it. */
export const COMPANY_ID_RULE = 'must be 1-128 letters, digits, ".", "_" or "-", and not contain ".."';

/**
 * The one rule for a company id, wherever one comes from: an event, an OTLP resource, a token
 * binding, the admin API, the CLI, the configuration. The id keys consent rows and egress audit
 * filters and can end up in a file name, so it is held to a plain, path-safe alphabet.
 * @example companyIdSchema.safeParse('acme-eu').success // true
 */
export const companyIdSchema = z.string().refine(isCompanyId, { message: COMPANY_ID_RULE });

/** Whether a value is a well-formed company id (see {@link companyIdSchema}). */
export function isCompanyId(value: unknown): value is string {
  return typeof value === 'string' && COMPANY_ID.test(value) && !value.includes('..');
}
