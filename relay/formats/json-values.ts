/** A plain JSON-like object from a parsed SDK payload. */
export type Loose = Record<string, unknown>;

/** The value when it is a plain object, else `undefined`. */
export function asObject(value: unknown): Loose | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : undefined;
}

/** The value when it is a non-empty string, else `undefined`. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The value when it is an array, else an empty one. */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A non-negative integer, from a number or a decimal string, else `undefined`. */
export function asCount(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

/** `T` with members that may be `undefined` made optional instead. */
export type Compacted<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops `undefined` members, so the result is valid JSON and optional fields stay absent. */
export function compact<T extends Loose>(object: T): Compacted<T> {
  for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key];
  return object as Compacted<T>;
}

/** The plain objects of a list; other members are skipped. */
export function objects(value: unknown): Loose[] {
  return asArray(value).flatMap((item) => {
    const object = asObject(item);
    return object === undefined ? [] : [object];
  });
}

/** True when the object has at least one member. */
export function hasMembers(object: Loose | undefined): object is Loose {
  return object !== undefined && Object.keys(object).length > 0;
}
