import { h } from './dom.js';

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** One path segment as the scrubber's findings write it: `.key`, `["odd key"]`, `[0]`. */
export function segment(key) {
  if (typeof key === 'number') return `[${key}]`;
  return IDENT.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * Pretty-printed JSON as DOM (text only, never HTML). A node whose path is in `marks` is
 * wrapped in a highlighted `<mark>` that names its rules; `zones` gives each scalar's zone as a
 * tooltip.
 */
export function jsonView(value, marks = new Map(), zones = new Map()) {
  const out = h('pre', { class: 'json' });
  const walk = (node, path, indent, prefix, last) => {
    const pad = '  '.repeat(indent);
    const comma = last ? '' : ',';
    const rules = marks.get(path);
    const line = [];
    let body;
    if (node !== null && typeof node === 'object') {
      const entries = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
      const [open, close] = Array.isArray(node) ? ['[', ']'] : ['{', '}'];
      if (entries.length === 0) body = [`${open}${close}`];
      else {
        const inner = [];
        entries.forEach(([k, v], i) => {
          const keyText = typeof k === 'number' ? '' : `${JSON.stringify(k)}: `;
          inner.push(walk(v, path + segment(k), indent + 1, keyText, i === entries.length - 1));
        });
        body = [`${open}\n`, inner, `${pad}${close}`];
      }
    } else {
      const zone = zones.get(path);
      body = [h('span', { class: `v ${node === null ? 'null' : typeof node}`, title: zone === undefined ? null : `${path} — zone: ${zone}`, text: JSON.stringify(node) })];
    }
    line.push(pad, prefix ? h('span', { class: 'k', text: prefix }) : null);
    if (rules === undefined) line.push(body);
    else {
      line.push(h('mark', { class: 'redaction', 'data-path': path, 'data-rules': rules.join(' '), title: `${rules.join(', ')} at ${path}` }, body),
        h('span', { class: 'badge', text: rules.join(', ') }));
    }
    line.push(`${comma}\n`);
    return line;
  };
  out.append(...flatten(walk(value, '$', 0, '', true)));
  return out;
}

function flatten(parts) {
  const nodes = [];
  const add = (p) => {
    if (p === null || p === undefined) return;
    if (Array.isArray(p)) p.forEach(add);
    else nodes.push(p instanceof Node ? p : document.createTextNode(p));
  };
  add(parts);
  return nodes;
}
