// Free-form zones (extra, contexts, tags, frame locals, OTLP attributes, scan metadata): objects
// under generated key names that mix content texts, in the forms applications embed them, with
// technical values harvested from this machine.
import { EMBED } from './planting.js';

const HEX = '0123456789abcdef';

/** Random lower-case hex of `n` digits (trace and span ids, hashes). */
export function hex(p, n) {
  let out = '';
  for (let i = 0; i < n; i++) out += HEX[p.int(0, 15)];
  return out;
}

/** Short, single-line error messages real libraries produced in `harvest()`. */
export function shortMessages(h) {
  const node = h.nodeErrors.map((error) => error.message);
  const python = (h.python?.errors ?? []).map((error) => error.value);
  return [...node, ...python].filter((message) => message.length <= 90 && !message.includes('\n'));
}

/**
 * One technical value from the harvest, with what it is: a package name, a version, a runtime
 * component version, a real frame's file, function or line, an id, a count, a duration, an
 * enum-like code or a real library's short error message.
 */
export function technicalValue(p, h) {
  const pkg = p.pick(h.packages);
  const error = p.pick(h.nodeErrors);
  const frame = error.frames.length > 0 ? p.pick(error.frames) : { file: 'node:internal/main', function: 'run', line: 1, column: 1 };
  const versions = Object.entries(h.node.versions);
  const choices = [
    () => ({ value: pkg.name, what: 'package' }),
    () => ({ value: pkg.version, what: 'version' }),
    () => ({ value: `${pkg.name}@${pkg.version}`, what: 'package@version' }),
    () => ({ value: p.pick(versions)[1], what: 'runtime component version' }),
    () => ({ value: frame.file, what: 'file path' }),
    () => ({ value: frame.function, what: 'function' }),
    () => ({ value: `${frame.file}:${frame.line}:${frame.column}`, what: 'location' }),
    () => ({ value: hex(p, 32), what: 'trace id' }),
    () => ({ value: hex(p, 16), what: 'span id' }),
    () => ({ value: p.int(2, 90_000), what: 'count' }),
    () => ({ value: Math.round(p.int(1, 2_000_000) / 7) / 100, what: 'duration' }),
    () => ({ value: p.pick([error.code, error.type, h.node.platform, h.node.arch, h.node.osType].filter(Boolean)), what: 'enum' }),
    () => ({ value: p.pick(shortMessages(h)), what: 'error message' }),
    () => ({ value: h.node.osRelease, what: 'os release' }),
  ];
  return p.pick(choices)();
}

/**
 * A content text under `path`, embedded in one of the ways applications do; the technical part
 * of the embedding is labelled only when the relay forwards the field (`forwarded`).
 */
export function contentValue(p, path, key = 'generated', forwarded = true) {
  const picked = p.text();
  const form = p.pick(['plain', 'plain', 'plain', 'plain', 'json-in-string', 'percent-encoded', 'quoted-in-error', 'form-body']);
  if (form === 'plain') return p.content(path, picked, form, key);
  p.content(path, picked, form, key);
  return EMBED[form](picked.text, p, forwarded ? path : undefined);
}

/**
 * A nested free-form object of `size` members under generated names: about a third content (a
 * text, a list of chat turns, or a nested object), the rest technical. Every placement is labelled.
 * @param {{ forwarded?: boolean }} options technical values are labelled only where the relay's
 *   mapping forwards the zone (a dropped zone can leak nothing, and keep nothing).
 */
export function freeZone(p, h, vocab, path, size, options = {}) {
  const forwarded = options.forwarded !== false;
  const zone = {};
  for (let i = 0; i < size; i++) {
    const key = vocab.key();
    const at = `${path}.${key}`;
    const roll = p.int(0, 8);
    if (roll <= 1) {
      zone[key] = contentValue(p, at);
    } else if (roll === 2) {
      const turns = p.int(2, 3);
      zone[key] = Array.from({ length: turns }, (_, n) => p.content(`${at}[${n}]`, p.text()));
    } else if (roll === 3) {
      const inner = vocab.key();
      const nested = { [inner]: p.content(`${at}.${inner}`, p.text()) };
      const techKey = vocab.key();
      const tech = technicalValue(p, h);
      nested[techKey] = forwarded ? p.tech(`${at}.${techKey}`, tech.value, tech.what) : tech.value;
      zone[key] = nested;
    } else {
      const tech = technicalValue(p, h);
      zone[key] = forwarded ? p.tech(at, tech.value, tech.what) : tech.value;
    }
  }
  return zone;
}

/** Flat string-valued members (Sentry tags, HTTP headers): content questions and technical strings. */
export function flatStrings(p, h, vocab, path, size, options = {}) {
  const forwarded = options.forwarded !== false;
  const zone = {};
  for (let i = 0; i < size; i++) {
    const key = vocab.key();
    if (p.chance(0.35)) {
      zone[key] = p.content(`${path}.${key}`, p.text(undefined, 'question'));
    } else {
      const tech = technicalValue(p, h);
      zone[key] = forwarded ? p.tech(`${path}.${key}`, String(tech.value), tech.what) : String(tech.value);
    }
  }
  return zone;
}
