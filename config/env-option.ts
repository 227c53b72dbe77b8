import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { COMPANY_ID_RULE, isCompanyId } from './company-id.js';
import { ConfigError } from './errors.js';

/** The process environment, or any map of variable names to text. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What `serve --help` and the README table say about one option. */
export interface OptionDoc {
  /** The environment variable. */
  env: string;
  /** What it accepts, e.g. `0-65535`, `true\|false`, `https:// URL`. */
  accepts: string;
  /** The default as shown to people; undefined when unset means none or off. */
  default: string | undefined;
  /** The default is a value one could set (`4319`), not a description (`random, kept in the database`). */
  defaultIsValue: boolean;
  /** One line: what it does. */
  description: string;
  /** A secret: it may instead be read from the file named by `<env>_FILE`. */
  secret: boolean;
}

/**
 * One configuration option: its documentation and a zod schema from the variable's text
 * (trimmed; empty counts as unset) to its value, default included.
 */
export interface EnvOption<T> {
  readonly doc: OptionDoc;
  readonly schema: z.ZodType<T, string | undefined>;
  /** The option's text in `env`; for a secret, the content of `<env>_FILE` when that is set. */
  read(env: Env): string | undefined;
}

/** A value the option refuses: `refused` completes "Expected <env> …", without the value when it may be secret. */
interface Refusal {
  refused: string;
}

interface Declared {
  description: string;
  /** Overrides the default shown, for a default derived from other options. */
  defaultText?: string;
  secret?: boolean;
  /** Another variable read when this one is unset (`https_proxy` for `HTTPS_PROXY`). */
  alias?: string;
}

function trimmed(value: string | undefined): string | undefined {
  const text = value?.trim();
  return text === undefined || text === '' ? undefined : text;
}

/** A secret from `NAME` or from the file named by `NAME_FILE` (Kubernetes secrets). */
function readSecret(env: Env, name: string): string | undefined {
  const direct = trimmed(env[name]);
  const file = trimmed(env[`${name}_FILE`]);
  if (direct !== undefined && file !== undefined) throw new ConfigError(`Set either ${name} or ${name}_FILE, not both`);
  if (file === undefined) return direct;
  let value: string;
  try {
    value = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`Expected ${name}_FILE to name a readable file, got "${file}"`, { cause: error });
  }
  if (value === '') throw new ConfigError(`Expected ${name}_FILE to name a non-empty file, got "${file}" (empty)`);
  return value;
}

/** A copy of a default list, map or URL, so that no two configurations share one. */
function fresh<T>(value: T): T {
  if (value instanceof URL) return new URL(value.href) as T;
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

/**
 * Declares an option. `parse` turns present text into the value or a refusal; `fallback` is the
 * value when the variable is unset, shown as the default unless `defaultText` says otherwise.
 */
export function option<T>(
  env: string,
  accepts: string,
  fallback: T,
  declared: Declared,
  parse: (raw: string) => T | Refusal,
): EnvOption<T> {
  const secret = declared.secret ?? false;
  // A list or map defaults to empty, which reads as "none".
  const shown = declared.defaultText ?? (fallback === undefined || typeof fallback === 'object' ? undefined : String(fallback));
  const schema = z
    .string()
    .optional()
    .transform((raw, ctx): T => {
      if (raw === undefined) return fresh(fallback);
      const value = parse(raw);
      if (typeof value === 'object' && value !== null && 'refused' in value) {
        ctx.issues.push({ code: 'custom', message: `Expected ${env} ${value.refused}`, input: raw });
        return z.NEVER;
      }
      return value;
    });
  return {
    doc: { env, accepts, default: shown, defaultIsValue: declared.defaultText === undefined, description: declared.description, secret },
    schema,
    read: (source) => {
      if (secret) return readSecret(source, env);
      return trimmed(source[env]) ?? (declared.alias === undefined ? undefined : trimmed(source[declared.alias]));
    },
  };
}

/** Free text, as given. */
export function text(env: string, declared: Declared): EnvOption<string | undefined>;
export function text(env: string, declared: Declared & { default: string }): EnvOption<string>;
export function text(env: string, declared: Declared & { default?: string }): EnvOption<string | undefined> {
  return option(env, declared.secret === true ? 'secret' : 'text', declared.default, declared, (raw) => raw);
}

/** A whole number within `min`-`max`. */
export function int(env: string, declared: Declared & { min: number; max: number; default: number }): EnvOption<number> {
  const range = `${declared.min}-${declared.max}`;
  const accepts = declared.max === Number.MAX_SAFE_INTEGER ? `${declared.min} or more` : range;
  return option(env, accepts, declared.default, declared, (raw) => {
    const value = Number(raw);
    const fits = /^\d+$/.test(raw) && Number.isSafeInteger(value) && value >= declared.min && value <= declared.max;
    return fits ? value : { refused: `to be ${range}, got "${raw}"` };
  });
}

/** `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`). */
export function bool(env: string, declared: Declared & { default: boolean }): EnvOption<boolean>;
export function bool(env: string, declared: Declared & { default: undefined }): EnvOption<boolean | undefined>;
export function bool(env: string, declared: Declared & { default: boolean | undefined }): EnvOption<boolean | undefined> {
  return option(env, 'true|false', declared.default, declared, (raw) => {
    const lower = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
    if (['0', 'false', 'no', 'off'].includes(lower)) return false;
    return { refused: `to be true or false, got "${raw}"` };
  });
}

/** One of a fixed set of words. */
export function oneOf<const C extends readonly string[]>(env: string, choices: C, declared: Declared & { default: C[number] }): EnvOption<C[number]> {
  return option(env, choices.join('|'), declared.default, declared, (raw) => {
    const found = choices.find((choice) => choice === raw);
    return found ?? { refused: `to be one of ${choices.join('|')}, got "${raw}"` };
  });
}

/** A company id (`RELAY_DEFAULT_COMPANY`); the value is not echoed. */
export function companyId(env: string, declared: Declared): EnvOption<string | undefined> {
  return option(env, 'company id', undefined, declared, (raw) =>
    isCompanyId(raw) ? raw : { refused: `to be a company id (${COMPANY_ID_RULE}), got another value` },
  );
}

/** A comma-separated list of host names, lower-cased; undefined when unset. */
export function hostList(env: string, declared: Declared): EnvOption<string[] | undefined> {
  return option(env, 'host,host,…', undefined, declared, (raw) =>
    raw.split(',').map((host) => host.trim().toLowerCase()).filter((host) => host !== ''),
  );
}

/** An `https://` URL without credentials in it. */
export function httpsUrl(env: string, declared: Declared): EnvOption<URL | undefined>;
export function httpsUrl(env: string, declared: Declared & { default: string }): EnvOption<URL>;
export function httpsUrl(env: string, declared: Declared & { default?: string }): EnvOption<URL | undefined> {
  const parse = (raw: string): URL | Refusal => {
    if (!URL.canParse(raw)) return { refused: `to be an https:// URL, got "${raw}"` };
    const url = new URL(raw);
    if (url.protocol !== 'https:') return { refused: `to be an https:// URL, got "${url.protocol}//${url.host}" (only TLS is allowed)` };
    if (url.username !== '' || url.password !== '') return { refused: 'without credentials in the URL; use the API key variable instead' };
    return url;
  };
  const fallback = declared.default === undefined ? undefined : parse(declared.default);
  if (fallback !== undefined && !(fallback instanceof URL)) throw new Error(`default of ${env} is not an https:// URL`);
  const shown = declared.default === undefined ? declared : { defaultText: declared.default, ...declared };
  return option(env, 'https:// URL', fallback, shown, parse);
}

/** A PEM file: the value is the file's content. */
export function pemFile(env: string, declared: Declared): EnvOption<string | undefined> {
  return option(env, 'PEM file path', undefined, declared, (file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return { refused: `to name a readable PEM file, got "${file}"` };
    }
  });
}

/** Splits `a=b,c=d` into entries, skipping empty ones; refusals name an entry by its position, never its text. */
export function entries(raw: string): { key: string; value: string; at: string }[] {
  const result: { key: string; value: string; at: string }[] = [];
  raw.split(',').forEach((entry, index) => {
    if (entry.trim() === '') return;
    const split = entry.indexOf('=');
    result.push({
      key: split === -1 ? '' : entry.slice(0, split).trim(),
      value: split === -1 ? '' : entry.slice(split + 1).trim(),
      at: `(entry ${index + 1})`,
    });
  });
  return result;
}
