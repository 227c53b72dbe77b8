import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import type { shippedSchemaFile } from './forwarded-schema.js';
import type { defaultFileSchema } from './rules-schema.js';

// The shipped rules in the form the build verified them: parsed, validated, every pattern proved
// linear and every example tried. An ordinary start reads this instead of parsing the YAML and
// re-proving rules nobody changed; rules a user file adds or changes are still verified at start,
// and `rules check` always verifies everything.
//
// What the answer depends on, and so what the fingerprint covers: the bytes of the shipped rules
// file, of the shipped forwarded schema, and of the code that parses, compiles and tries rules:
// every module of config/ and scrubbers/ when this runs from them (the sources, dist/), every
// file of the bundle when it runs from the bundle (dist/bundle/, where they are merged). A change
// to any of them, or a file written by another build, makes the form stale, and the start
// verifies everything as before.

/** Bumped when the layout of the verified file changes. */
const FORMAT = 1;
const FILE_NAME = 'rules.verified.json';

/** The shipped rules and schema as parsed and validated by the build. */
export interface VerifiedShippedRules {
  format: number;
  fingerprint: string;
  rules: z.infer<typeof defaultFileSchema>;
  schema: z.infer<typeof shippedSchemaFile>;
}

const configDir = (): string => dirname(fileURLToPath(import.meta.url));

/** Where the build writes the verified form: beside the program that reads it (`dist/config/`, `dist/bundle/`). */
export function verifiedRulesPath(): string {
  return join(configDir(), FILE_NAME);
}

/** The fingerprint of the inputs the verified form was made from (see the file comment). */
export function rulesFingerprint(rulesPath: string, schemaPath: string): string {
  const hash = createHash('sha256').update(`scrub-relay verified rules ${FORMAT}\n`);
  const part = (name: string, bytes: Buffer) => hash.update(`${name} ${bytes.length}\n`).update(bytes);
  part('rules', readFileSync(rulesPath));
  part('schema', readFileSync(schemaPath));
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const dirs = basename(configDir()) === 'config' ? [configDir(), join(configDir(), '..', 'scrubbers')] : [configDir()];
  for (const dir of dirs) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith(ext)).sort()) part(name, readFileSync(join(dir, name)));
  }
  return hash.digest('hex');
}

/**
 * The verified form, when there is one and it was made from exactly the current inputs;
 * otherwise why not (`absent`, `stale`, `unreadable`), for the start log.
 */
export function readVerifiedRules(rulesPath: string, schemaPath: string): { verified: VerifiedShippedRules } | { reason: 'absent' | 'stale' | 'unreadable' } {
  let text: string;
  try {
    text = readFileSync(verifiedRulesPath(), 'utf8');
  } catch {
    return { reason: 'absent' };
  }
  let parsed: VerifiedShippedRules;
  try {
    parsed = JSON.parse(text) as VerifiedShippedRules;
  } catch {
    return { reason: 'unreadable' };
  }
  if (parsed.format !== FORMAT || parsed.fingerprint !== rulesFingerprint(rulesPath, schemaPath)) return { reason: 'stale' };
  return { verified: parsed };
}

/** Writes the verified form (the build calls this after the shipped rules passed every check). */
export function writeVerifiedRules(form: Omit<VerifiedShippedRules, 'format' | 'fingerprint'>, rulesPath: string, schemaPath: string): string {
  const path = verifiedRulesPath();
  const body: VerifiedShippedRules = { format: FORMAT, fingerprint: rulesFingerprint(rulesPath, schemaPath), ...form };
  writeFileSync(path, `${JSON.stringify(body)}\n`);
  return path;
}
