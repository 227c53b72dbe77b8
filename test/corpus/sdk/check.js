// The content-leak checker: compares what an upstream received with the corpus labels.
// - A content text leaked when the text, or any window of 4 consecutive words of it (2 for a file
//   name's stem), is found in what left: in any string or key of the event that came out of the
//   planted one, also after percent-decoding and after parsing JSON embedded in a string. Words
//   are compared case-folded, ignoring punctuation, so re-encoding cannot hide a leak.
// - A technical value was kept when it arrived verbatim: a string inside some string or key of
//   that event, a number as an equal number; a value planted under a generated key must arrive
//   under that key.
// Upstream events are matched to corpus requests by their timestamp (unique per request).

const WORDS = /[\p{L}\p{N}]+/gu;

/** Case-folded words of a text, punctuation and spacing ignored. */
export function words(text) {
  return text.normalize('NFKC').toLowerCase().match(WORDS) ?? [];
}

function windows(tokens, size) {
  if (tokens.length <= size) return tokens.length === 0 ? [] : [tokens.join(' ')];
  const out = [];
  for (let i = 0; i + size <= tokens.length; i++) out.push(tokens.slice(i, i + size).join(' '));
  return out;
}

function percentDecoded(text) {
  return text.replace(/\+/g, ' ').replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** Every string (keys included) and number of a JSON value, with its path. */
function leaves(value, path, out) {
  if (typeof value === 'string') out.strings.push({ path, text: value });
  else if (typeof value === 'number') out.numbers.push({ path, value });
  else if (Array.isArray(value)) value.forEach((item, i) => leaves(item, `${path}[${i}]`, out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const at = path === '' ? key : `${path}.${key}`;
      out.strings.push({ path: at, text: key });
      leaves(inner, at, out);
    }
  }
  return out;
}

/** The texts a string can reveal: itself, percent-decoded (twice), and the strings of JSON inside it. */
function readings(text, depth = 0) {
  const out = new Set([text]);
  const once = percentDecoded(text);
  out.add(once);
  out.add(percentDecoded(once));
  if (depth < 3) {
    for (const candidate of [...out]) {
      const trimmed = candidate.trim();
      if (!/^[[{"]/.test(trimmed)) continue;
      try {
        const inner = leaves(JSON.parse(trimmed), '', { strings: [], numbers: [] });
        for (const { text: nested } of inner.strings) for (const reading of readings(nested, depth + 1)) out.add(reading);
      } catch {
        // Not JSON: the string itself was already read.
      }
    }
  }
  return out;
}

/** What upstream events reveal: word windows (to their path), strings and numbers. */
function exposure(events) {
  const found = { strings: [], numbers: [] };
  for (const event of events) leaves(event, '', found);
  const grams = new Map();
  for (const { path, text } of found.strings) {
    for (const reading of readings(text)) {
      const tokens = words(reading);
      for (const size of [2, 4]) for (const gram of windows(tokens, size)) if (!grams.has(gram)) grams.set(gram, path);
      // Short texts are also compared whole (a planted text of fewer words than a window).
      if (tokens.length > 0 && tokens.length < 4) grams.set(tokens.join(' '), path);
    }
  }
  return { grams, strings: found.strings, numbers: found.numbers };
}

function leakAt(label, seen) {
  for (const gram of windows(words(label.text), label.window ?? 4)) {
    const path = seen.grams.get(gram);
    if (path !== undefined) return path;
  }
  return undefined;
}

/**
 * The generated key a label's path ends in (`extra.zorbel_krant` → `zorbel_krant`; dotted
 * generated names included), or undefined for a path the SDK or a convention names.
 */
function generatedKeyOf(path, generated) {
  const segments = path.replace(/\[\d+\]$/, '').split('.');
  for (let n = Math.min(3, segments.length); n >= 1; n--) {
    const key = segments.slice(-n).join('.');
    if (generated.has(key)) return key;
  }
  return undefined;
}

// A value under a generated key must arrive under that same key (keys are unique in the corpus),
// so that a common value ("linux", "POST") found elsewhere does not count as kept.
function kept(label, seen, generated) {
  const key = generatedKeyOf(label.path, generated);
  const scoped = (leaf) => key === undefined || leaf.path === key || leaf.path.endsWith(`.${key}`) || leaf.path.includes(`.${key}[`);
  if (typeof label.value === 'number') {
    return seen.numbers.some((leaf) => leaf.value === label.value && scoped(leaf)) || seen.strings.some((leaf) => leaf.text === String(label.value) && scoped(leaf));
  }
  return seen.strings.some((leaf) => leaf.text.includes(label.value) && scoped(leaf));
}

function tally(rows, keyOf) {
  const counts = {};
  for (const row of rows) counts[keyOf(row)] = (counts[keyOf(row)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

/** An upstream path with generated key names as `<gen>` and array indices as `[]`. */
function fieldShape(path, generated) {
  const segments = path.replace(/\[\d+\]/g, '[]').split('.');
  const out = [];
  for (let i = 0; i < segments.length; ) {
    // Generated names may contain dots themselves (`sko.drenax`): the longest match wins.
    let n = Math.min(3, segments.length - i);
    for (; n >= 1; n--) {
      const joined = segments.slice(i, i + n).join('.');
      const bare = joined.replace(/(\[\])+$/, '');
      if (generated.has(bare)) {
        out.push(joined.replace(bare, '<gen>'));
        break;
      }
    }
    if (n === 0) out.push(segments[i]);
    i += Math.max(n, 1);
  }
  return out.join('.');
}

/**
 * The figures for one run: `events` delivered and missing, content texts `leaked` (per label, with
 * where they were planted and where they arrived), the distinct texts found anywhere on the wire,
 * and technical values `kept`.
 * @param {{ requests: object[], labels: object[], keys: string[] }} corpus
 * @param {object[]} received every event the upstream received (diagnostics and Lakera)
 */
export function measure(corpus, received) {
  const generated = new Set(corpus.keys);
  const byTimestamp = new Map();
  for (const event of received) {
    const list = byTimestamp.get(event.timestamp) ?? [];
    list.push(event);
    byTimestamp.set(event.timestamp, list);
  }
  const requestOf = new Map(corpus.requests.map((request) => [request.id, request]));
  const seenOf = new Map();
  const missing = [];
  for (const request of corpus.requests) {
    const events = byTimestamp.get(request.timestamp) ?? [];
    if (events.length === 0) missing.push(request.id);
    seenOf.set(request.id, exposure(events));
  }
  const everything = exposure(received);

  const content = corpus.labels.filter((label) => label.label === 'content');
  const leaked = [];
  for (const label of content) {
    const at = leakAt(label, seenOf.get(label.event));
    if (at !== undefined) leaked.push({ ...label, source: requestOf.get(label.event).source, arrivedAt: at, field: fieldShape(at, generated) });
  }
  const texts = new Set(content.map((label) => label.text));
  const anywhere = [...texts].filter((text) => leakAt({ text, window: content.find((label) => label.text === text).window }, everything) !== undefined);

  const technical = corpus.labels.filter((label) => label.label === 'technical');
  const lost = technical.filter((label) => !kept(label, seenOf.get(label.event), generated));
  return {
    events: { posted: corpus.requests.length, delivered: received.length, missing },
    content: {
      total: content.length,
      leaked,
      distinctTexts: texts.size,
      distinctLeakedAnywhere: anywhere.length,
      bySource: tally(leaked, (row) => row.source),
      byForm: tally(leaked, (row) => row.form),
      byKey: tally(leaked, (row) => row.key),
      byField: tally(leaked, (row) => `${row.source} → ${row.field}`),
    },
    technical: {
      total: technical.length,
      kept: technical.length - lost.length,
      ratio: technical.length === 0 ? 1 : (technical.length - lost.length) / technical.length,
      lostByWhat: tally(lost, (row) => row.what),
      lost,
    },
  };
}

/** The figures as the console report prints them. */
export function formatReport(report, options = {}) {
  const top = options.top ?? 25;
  const { events, content, technical } = report;
  const lines = [
    `content-leak corpus: ${events.posted} requests posted, ${events.delivered} events delivered, ${events.missing.length} missing`,
    `content texts leaked: ${content.leaked.length} / ${content.total} placements (target 0); distinct texts found anywhere on the wire: ${content.distinctLeakedAnywhere} / ${content.distinctTexts}`,
    `technical values kept: ${technical.kept} / ${technical.total} = ${technical.ratio.toFixed(4)} (target >= 0.99)`,
  ];
  const section = (title, counts) => {
    const entries = Object.entries(counts);
    if (entries.length === 0) return;
    lines.push(`  ${title}:`);
    for (const [name, count] of entries.slice(0, top)) lines.push(`    ${String(count).padStart(5)}  ${name}`);
    if (entries.length > top) lines.push(`    … ${entries.length - top} more`);
  };
  section('leaked, by source', content.bySource);
  section('leaked, by embedding', content.byForm);
  section('leaked, by key kind (generated / known instrumentation / SDK field)', content.byKey);
  section('leaked, by source → field that carried it out', content.byField);
  section('technical values lost, by kind', technical.lostByWhat);
  if (technical.lost.length > 0) {
    lines.push('  technical values lost, examples:');
    for (const label of technical.lost.slice(0, 10)) lines.push(`    ${label.event} ${label.path} (${label.what})`);
  }
  return lines.join('\n');
}

/**
 * The texts (of `texts`) that any of the `received` events reveals, by the same rule as
 * `measure` (the text or a window of 4 of its words, also percent-decoded and inside JSON
 * strings), each with the path of the first string found carrying it.
 */
export function findTexts(texts, received) {
  const seen = exposure(received);
  return texts.flatMap((text) => {
    const at = leakAt({ text }, seen);
    return at === undefined ? [] : [{ at, text }];
  });
}
