import { parseYaml } from './yaml.js';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import type { CompanyConsent } from './consent.js';

/** What a consent file says about one company: only the keys it names. */
export type DeclaredConsent = Partial<CompanyConsent>;

// The same bounds as ingest's company ids; no control characters (they would end up in logs and audit rows).
const companyId = z.string().min(1).max(256).regex(/^[^\p{Cc}]+$/u);

const fileSchema = z.strictObject({
  companies: z
    .record(
      companyId,
      z.strictObject({ telemetry_enabled: z.boolean().optional(), ids_allowed: z.boolean().optional() }).nullable(),
    )
    .nullable()
    .optional(),
});

/**
 * Parses a declarative consent file (YAML, or JSON, which is YAML too):
 *
 * @example
 * companies:
 *   acme: { telemetry_enabled: true, ids_allowed: false }
 *   globex: { telemetry_enabled: false }
 *
 * A company the file names wins over the database for the keys it names; the rest stays the
 * database's. Throws a {@link ConfigError} naming the path and the reason, never a value.
 */
export function parseConsentFile(text: string): Map<string, DeclaredConsent> {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: false, uniqueKeys: true }) ?? {};
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new ConfigError(`Expected the consent file to be YAML or JSON, got a syntax error${line === undefined ? '' : ` at line ${line}`}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // Positions, not keys: a key that is not a valid company id is exactly what must not be echoed.
    const where = issue.path.length === 0 ? 'the top level' : issue.path.length === 1 ? `"${String(issue.path[0])}"` : `an entry of "companies"`;
    throw new ConfigError(`Expected the consent file to be {companies: {<company>: {telemetry_enabled?: bool, ids_allowed?: bool}}}; ${where} is not (${issue.code})`);
  }
  const declared = new Map<string, DeclaredConsent>();
  for (const [company, keys] of Object.entries(parsed.data.companies ?? {})) {
    const entry: DeclaredConsent = {};
    if (keys?.telemetry_enabled !== undefined) entry.telemetryEnabled = keys.telemetry_enabled;
    if (keys?.ids_allowed !== undefined) entry.idsAllowed = keys.ids_allowed;
    declared.set(company, entry);
  }
  return declared;
}
