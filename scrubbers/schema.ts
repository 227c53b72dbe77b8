import type { EventKind } from './types.js';

/**
 * What a declared field holds, and so which policy its values pass:
 * - `token`: a technical string (identifier, version, enum, host, id, level);
 * - `text`: technical text that may embed prose (an error message, a stack): the template is kept,
 *   embedded prose is removed;
 * - `url`: a URL: query values are dropped unless their key is technical;
 * - `file_name`: a file name: the extension and technical parts are kept, words are removed;
 * - `local`: a frame's local variable: kept only when technical, otherwise `[str len=N]`;
 * - `integer`, `number`, `boolean`, `timestamp`: scalars of that type.
 * Every string, whatever its type, still passes the content policy and the text rules; a value
 * of the wrong type is treated as free-form.
 */
export type FieldType = 'token' | 'text' | 'url' | 'file_name' | 'local' | 'integer' | 'number' | 'boolean' | 'timestamp';

/** The field types a schema file may name. */
export const FIELD_TYPES: readonly FieldType[] = ['token', 'text', 'url', 'file_name', 'local', 'integer', 'number', 'boolean', 'timestamp'];

/**
 * One node of the forwarded schema. A path the schema does not declare is free-form: content rules
 * by key apply there and human text is removed whatever its key.
 */
export interface SchemaNode {
  /** The type of a scalar value here; undefined: only an object or array is declared. */
  readonly type: FieldType | undefined;
  /** Declared keys of an object here. */
  readonly fields: ReadonlyMap<string, SchemaNode> | undefined;
  /** Every item of an array here. */
  readonly items: SchemaNode | undefined;
  /** Every value of an object here whose key is not in `fields` (a map such as `libraries`). */
  readonly values: SchemaNode | undefined;
  /** The zone a finding or `--explain` names for a value here (`$.frames[*].line`). */
  readonly zone: string;
}

/** How frame locals (`local` fields) are forwarded: see `locals` in config/forwarded-schema.yaml. */
export type LocalsMode = 'technical' | 'markers' | 'drop';

/** The forwarded schema of each event kind. */
export type ForwardedSchema = Readonly<Record<EventKind, SchemaNode>>;

/** The zone name of every value outside the schema. */
export const FREE_ZONE = 'free';

/** The node declared for `key` under `node`, if any. */
export function fieldOf(node: SchemaNode | undefined, key: string): SchemaNode | undefined {
  if (node === undefined) return undefined;
  return node.fields?.get(key) ?? node.values;
}

/** Whether a scalar fits the declared type (a string of a string type, a number of a number type). */
export function fitsType(type: FieldType, value: string | number | boolean | null): boolean {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'timestamp':
      return typeof value === 'string' || typeof value === 'number';
    case 'local':
      return true;
    default:
      return typeof value === 'string';
  }
}
