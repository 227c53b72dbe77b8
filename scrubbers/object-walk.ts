import { pathWithin } from './json-path.js';
import { redactWhole } from './redact.js';
import type { CompiledContentRule } from './rule-set.js';
import { fieldOf, fitsType, FREE_ZONE, type SchemaNode } from './schema.js';
import { FRAME_LOCAL } from './scrub-context.js';
import type { ScrubContext } from './scrub-context.js';
import { scrubKey, scrubString } from './string-scrub.js';
import { record } from './tally.js';
import { scrubText } from './text-scan.js';
import type { JsonObject, JsonValue } from './types.js';
import { applies, enter, leave, pathText } from './walk-state.js';
import type { Walk } from './walk-state.js';

/** Integers with fewer digits cannot be a payment card; smaller numbers are counts and ids. */
const MIN_NUMBER_SCANNED = 1e11;

/** The zone of the top-level keys the relay validates and copies itself (`rules.passthrough`). */
const PASSTHROUGH_ZONE = 'passthrough';

/**
 * The keys of `obj` before `stop`, with the values they hold now: where an object scrubbed in
 * place becomes a copy because a key is renamed or removed, so that the key order is kept.
 */
function copyBefore(obj: JsonObject, stop: string): JsonObject {
  const copy: JsonObject = {};
  for (const key in obj) {
    if (key === stop) break;
    if (!Object.hasOwn(obj, key)) continue;
    const value = obj[key];
    if (value !== undefined) copy[key] = value;
  }
  return copy;
}

/**
 * An object, key by key: passthrough keys at the top, then the first of frame-local dropping,
 * content rules by key or by path, and key-name rules that takes the key; a key none takes has
 * its value walked and its name scrubbed.
 */
export function walkObject(cx: ScrubContext, obj: JsonObject, depth: number, walk: Walk): JsonObject {
  // In place, a changed value is written back into `obj`, and the first key renamed or removed
  // turns the rest of the walk into a copy (see copyBefore). Otherwise every key goes into `out`.
  let out: JsonObject | undefined = walk.inPlace ? undefined : {};
  const owner = walk.owner;
  const node = objectNode(walk.node);
  walk.node = node;
  const keys = cx.keys;
  const memo = keys.memoOf(owner);
  const locals = cx.locals;
  let position = 0;
  // for-in reads each value through V8's enum cache, a plain property load; Object.keys plus
  // obj[key] is a keyed lookup per key (measured in bench/scrub.js).
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    const value = obj[key];
    if (value === undefined) continue;
    const info = keys.at(memo, position++, key);
    if (depth === 0 && info.passthrough) {
      if (out !== undefined) out[key] = value;
      walk.zones?.push({ path: `$${info.segment}`, zone: PASSTHROUGH_ZONE });
      continue;
    }
    enter(walk, key, info);
    // What takes the key's place: `outKey` (undefined: nothing) holding `outValue`.
    let outKey: string | undefined = key;
    let outValue: JsonValue = value;
    let handled = false;
    const child = node !== undefined && node.type === 'local' ? node : fieldOf(node, key);
    if (locals === 'drop' && child !== undefined && child.values !== undefined && child.values.type === 'local') {
      record(walk, FRAME_LOCAL, 1);
      outKey = undefined;
      handled = true;
    }
    const contentApplies = !handled && info.content.length > 0 && contentKeysApply(node, key);
    for (let c = 0; contentApplies && c < info.content.length; c++) {
      const rule = info.content[c] as CompiledContentRule;
      if (applies(rule, walk)) {
        walk.currentRule = rule.id;
        record(walk, rule.id, 1);
        outKey = rule.method === 'remove' ? undefined : scrubKey(cx, key, info, walk);
        if (outKey !== undefined) outValue = redactWhole(rule, value, cx.hashKey);
        handled = true;
        break;
      }
    }
    if (!handled && info.pathContent.length > 0) {
      for (const rule of info.pathContent) {
        if (rule.kinds.has(walk.kind) && rule.paths.some((scope) => scope.length === walk.path.length && pathWithin(walk.path, scope))) {
          record(walk, rule.id, 1);
          outKey = rule.method === 'remove' ? undefined : scrubKey(cx, key, info, walk);
          if (outKey !== undefined) outValue = redactWhole(rule, value, cx.hashKey);
          handled = true;
          break;
        }
      }
    }
    const sensitive = info.sensitive;
    if (!handled && sensitive !== undefined && applies(sensitive, walk)) {
      handled = true;
      if (value !== null && value !== '') {
        record(walk, sensitive.id, 1);
        if (sensitive.method === 'remove') outKey = undefined;
        else outValue = redactWhole(sensitive, value, cx.hashKey);
      }
    }
    if (!handled) {
      walk.owner = info;
      walk.node = child;
      outValue = walkValue(cx, value, depth + 1, walk);
      walk.node = node;
      walk.owner = owner;
      outKey = scrubKey(cx, key, info, walk);
    }
    leave(walk);
    if (out === undefined) {
      if (outKey === key) {
        if (outValue !== value) obj[key] = outValue;
        continue;
      }
      out = copyBefore(obj, key);
    }
    if (outKey !== undefined) out[Object.hasOwn(out, outKey) ? freeKey(out, outKey) : outKey] = outValue;
  }
  return out ?? obj;
}

/** `key#2`, `key#3`, …: the first name not yet in `out`, so that two keys scrubbed to one name both stay. */
function freeKey(out: JsonObject, key: string): string {
  let n = 2;
  while (Object.hasOwn(out, `${key}#${n}`)) n++;
  return `${key}#${n}`;
}

/** The node of an object value: a node declared as a scalar type holds no object, so its object is free-form. */
function objectNode(node: SchemaNode | undefined): SchemaNode | undefined {
  if (node === undefined || node.type === 'local') return node;
  return node.fields !== undefined || node.values !== undefined || node.items !== undefined ? node : undefined;
}

/**
 * Content rules by key apply where the schema does not declare the key: in free-form zones,
 * and in maps of frame locals; a declared field, or a map of declared scalars (library versions,
 * scores), is technical by declaration.
 */
function contentKeysApply(node: SchemaNode | undefined, key: string): boolean {
  if (node === undefined || node.type === 'local') return true;
  if (node.fields !== undefined && node.fields.has(key)) return false;
  const values = node.values;
  return values === undefined || values.type === undefined || values.type === 'local';
}

/** Any JSON value at `depth`: strings and long integers scanned, containers walked up to the depth limit. */
export function walkValue(cx: ScrubContext, value: JsonValue, depth: number, walk: Walk): JsonValue {
  if (walk.zones !== undefined && (value === null || typeof value !== 'object')) noteZone(value, walk);
  if (typeof value === 'string') return scrubString(cx, value, walk);
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || Math.abs(value) < MIN_NUMBER_SCANNED) return value;
    const text = String(value);
    const scrubbed = scrubText(cx, text, walk, true);
    return scrubbed === text ? value : scrubbed;
  }
  if (value === null || typeof value === 'boolean') return value;
  if (depth >= cx.maxDepth) {
    record(walk, 'depth_limit', 1);
    return '[depth_limit]';
  }
  if (Array.isArray(value)) {
    const node = walk.node;
    walk.node = node === undefined || node.type === 'local' ? node : node.items;
    const scrubbed = walkArray(cx, value, depth, walk);
    walk.node = node;
    return scrubbed;
  }
  return walkObject(cx, value, depth, walk);
}

function noteZone(value: string | number | boolean | null, walk: Walk): void {
  const node = walk.node;
  const zone = node !== undefined && node.type !== undefined && fitsType(node.type, value) ? node.zone : FREE_ZONE;
  walk.zones?.push({ path: pathText(walk), zone });
}

function walkArray(cx: ScrubContext, value: JsonValue[], depth: number, walk: Walk): JsonValue[] {
  if (walk.inPlace) {
    for (let i = 0; i < value.length; i++) {
      enter(walk, i);
      const item = value[i] as JsonValue;
      const scrubbed = walkValue(cx, item, depth + 1, walk);
      if (scrubbed !== item) value[i] = scrubbed;
      leave(walk);
    }
    return value;
  }
  // Filled by push, the array stays packed: JSON.stringify of a holey array takes a slower path.
  const out: JsonValue[] = [];
  for (let i = 0; i < value.length; i++) {
    enter(walk, i);
    out.push(walkValue(cx, value[i] as JsonValue, depth + 1, walk));
    leave(walk);
  }
  return out;
}
