// A key that reads as a plain field name is shown as it is; any other key (an e-mail address, a
// secret, free text an application used as a key) is shown by its position, never its text.
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/**
 * The path of a field inside an event, for an error message: `frames[2].vars.password`, and
 * `extra.<key 3>` where a key is not a plain name (its position among the object's keys, from 0).
 * `(event)` for the event itself.
 * @example fieldPath({ extra: { 'jane@example.com': 1 } }, ['extra', 'jane@example.com']) // 'extra.<key 0>'
 */
export function fieldPath(root: unknown, path: readonly PropertyKey[]): string {
  let text = '';
  let value = root;
  for (const segment of path) {
    const container = value;
    value = container !== null && typeof container === 'object' ? (container as Record<PropertyKey, unknown>)[segment] : undefined;
    if (typeof segment === 'number') {
      text += `[${segment}]`;
      continue;
    }
    const name = typeof segment === 'string' && PLAIN_KEY.test(segment) ? segment : `<key ${keyPosition(container, segment)}>`;
    text += text === '' ? name : `.${name}`;
  }
  return text === '' ? '(event)' : text;
}

function keyPosition(container: unknown, key: PropertyKey): string {
  if (container === null || typeof container !== 'object' || typeof key !== 'string') return '?';
  const position = Object.keys(container).indexOf(key);
  return position === -1 ? '?' : String(position);
}
