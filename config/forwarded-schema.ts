import { z } from 'zod';
import { FIELD_TYPES } from '../scrubbers/index.js';
import type { EventKind, FieldType, ForwardedSchema, LocalsMode, SchemaNode } from '../scrubbers/index.js';

/** A schema tree as written in YAML: a type name, or a mapping of fields (with `$items`, `$values`, `$type`). */
type SchemaInput = string | { [key: string]: SchemaInput };

const schemaInput: z.ZodType<SchemaInput> = z.lazy(() => z.union([z.string(), z.record(z.string(), schemaInput)]));

const LOCALS_MODES = ['technical', 'markers', 'drop'] as const;

/** The shipped schema file (`config/forwarded-schema.yaml`). */
export const shippedSchemaFile = z.strictObject({
  version: z.literal(1),
  error: z.record(z.string(), schemaInput),
  scan: z.record(z.string(), schemaInput),
  url_query: z.strictObject({ keep: z.array(z.string().min(1)) }),
  locals: z.enum(LOCALS_MODES),
});

/** What a user rules file may add: fields (never remove them), query keys, and the locals mode. */
export const userSchemaAdditions = z
  .strictObject({
    error: z.record(z.string(), schemaInput).optional(),
    scan: z.record(z.string(), schemaInput).optional(),
    url_query: z.strictObject({ keep: z.array(z.string().min(1)) }).optional(),
    locals: z.enum(LOCALS_MODES).optional(),
  })
  .optional();

type ShippedSchema = z.infer<typeof shippedSchemaFile>;
type SchemaAdditions = z.infer<typeof userSchemaAdditions>;

/** The compiled forwarded schema and the settings of the policies that go with it. */
export interface CompiledSchema {
  schema: ForwardedSchema;
  urlQueryKeep: ReadonlySet<string>;
  locals: LocalsMode;
}

/**
 * Compiles the shipped schema with a deployment's additions merged in. Additions can only add
 * fields or give an undeclared field a type: a field the shipped schema declares keeps its type.
 * @returns the compiled schema, or the problems found (each naming the path).
 */
export function compileSchema(shipped: ShippedSchema, additions: SchemaAdditions): { compiled?: CompiledSchema; problems: string[] } {
  const problems: string[] = [];
  const build = (kind: EventKind): SchemaNode => {
    const merged = mergeInput(shipped[kind], additions?.[kind], kind, problems);
    return compileNode(merged, kind, problems);
  };
  const schema = { error: build('error'), scan: build('scan') };
  if (problems.length > 0) return { problems };
  return {
    problems,
    compiled: {
      schema,
      urlQueryKeep: new Set([...shipped.url_query.keep, ...(additions?.url_query?.keep ?? [])].map((k) => k.toLowerCase())),
      locals: additions?.locals ?? shipped.locals,
    },
  };
}

function mergeInput(base: SchemaInput, added: SchemaInput | undefined, path: string, problems: string[]): SchemaInput {
  if (added === undefined) return base;
  if (typeof base === 'string') {
    if (added !== base) problems.push(`schema ${path}: is declared as "${base}" and cannot be redeclared`);
    return base;
  }
  if (typeof added === 'string') {
    const declared = base['$type'];
    if (typeof declared === 'string' && declared !== added) problems.push(`schema ${path}: is declared as "${declared}" and cannot be redeclared`);
    return { ...base, $type: added };
  }
  const out: { [key: string]: SchemaInput } = { ...base };
  for (const [key, value] of Object.entries(added)) {
    const existing = out[key];
    out[key] = existing === undefined ? value : mergeInput(existing, value, `${path}.${key}`, problems);
  }
  return out;
}

function compileNode(input: SchemaInput, path: string, problems: string[]): SchemaNode {
  if (typeof input === 'string') return leaf(fieldType(input, path, problems));
  let type: FieldType | undefined;
  let items: SchemaNode | undefined;
  let values: SchemaNode | undefined;
  const fields = new Map<string, SchemaNode>();
  for (const [key, value] of Object.entries(input)) {
    if (key === '$type') {
      if (typeof value === 'string') type = fieldType(value, `${path}.$type`, problems);
      else problems.push(`schema ${path}.$type: must be a field type`);
    } else if (key === '$items') items = compileNode(value, `${path}[*]`, problems);
    else if (key === '$values') values = compileNode(value, `${path}.*`, problems);
    else if (key.startsWith('$')) problems.push(`schema ${path}: unknown directive "${key}" (expected $type, $items or $values)`);
    else fields.set(key, compileNode(value, `${path}.${key}`, problems));
  }
  return { type, fields: fields.size > 0 ? fields : undefined, items, values, zone: type ?? 'object' };
}

function leaf(type: FieldType | undefined): SchemaNode {
  return { type, fields: undefined, items: undefined, values: undefined, zone: type ?? 'object' };
}

function fieldType(name: string, path: string, problems: string[]): FieldType | undefined {
  if ((FIELD_TYPES as readonly string[]).includes(name)) return name as FieldType;
  problems.push(`schema ${path}: unknown field type "${name}" (expected ${FIELD_TYPES.join(', ')})`);
  return undefined;
}

/**
 * Every declared path with its zone, one line each (`error $.frames[*].line integer`): what
 * `rules check` prints, so that a reviewer sees exactly which fields are forwarded as technical.
 */
export function describeSchema(schema: ForwardedSchema): string[] {
  const lines: string[] = [];
  const visit = (kind: EventKind, node: SchemaNode, path: string): void => {
    if (node.type !== undefined) lines.push(`${kind} ${path} ${node.type}`);
    for (const [key, child] of node.fields ?? []) visit(kind, child, `${path}.${key}`);
    if (node.items !== undefined) visit(kind, node.items, `${path}[*]`);
    if (node.values !== undefined) visit(kind, node.values, `${path}.*`);
  };
  visit('error', schema.error, '$');
  visit('scan', schema.scan, '$');
  return lines;
}
