// The relay's own `/v1/errors` and `/v1/scans` events (shapes in the product brief), as an
// application's logging of an LLM feature writes them.
import { EMBED } from './planting.js';
import { contentValue, freeZone, hex, shortMessages, technicalValue } from './zones.js';

/** An error trace posted to `/v1/errors`: real frames and stack, content in extra, vars and the message. */
export function errorEvent(p, h, vocab, ids, company) {
  const error = p.pick(h.nodeErrors.filter((candidate) => candidate.frames.length > 0));
  const frames = error.frames.slice(0, 6).map((frame, index) => {
    const at = `frames[${index}]`;
    const out = {
      file: p.tech(`${at}.file`, frame.file, 'file path'),
      line: p.tech(`${at}.line`, frame.line, 'line'),
      column: p.tech(`${at}.column`, frame.column, 'column'),
      function: p.tech(`${at}.function`, frame.function, 'function'),
    };
    if (index === 0 || p.chance(0.3)) out.vars = freeZone(p, h, vocab, `${at}.vars`, 3);
    return out;
  });
  const embedded = p.chance(0.45);
  const message = embedded
    ? EMBED['quoted-in-error'](p.content('error.message', p.text(undefined, 'prompt'), 'quoted-in-error', 'sdk'), p, 'error.message')
    : p.tech('error.message', error.message.split('\n')[0], 'error message');
  const stackLines = error.stack.split('\n').filter((line) => line.startsWith('    at '));
  const libs = {};
  for (const pkg of [p.pick(h.packages), p.pick(h.packages), p.pick(h.packages)]) libs[pkg.name] = pkg.version;
  for (const [name, version] of Object.entries(libs)) {
    p.tech(`environment.libraries.${name}`, name, 'package');
    p.tech(`environment.libraries.${name}`, version, 'version');
  }
  const event = {
    timestamp: ids.iso,
    company_id: company,
    user_id: `u-${p.int(1000, 99999)}`,
    level: p.tech('level', p.pick(['error', 'fatal', 'warning']), 'enum'),
    error: {
      type: p.tech('error.type', error.type, 'error type'),
      message,
      stack: `${error.type}: ${message}\n${stackLines.join('\n')}`,
    },
    frames,
    environment: {
      runtime: p.tech('environment.runtime', `node ${h.node.versions.node}`, 'runtime'),
      os: p.tech('environment.os', `${h.node.platform} ${h.node.osRelease}`, 'os'),
      libraries: libs,
      release: p.tech('environment.release', `assistant@${p.pick(h.packages).version}`, 'release'),
    },
    performance: {
      duration_ms: p.tech('performance.duration_ms', Math.round(p.int(100, 900_000)) / 100, 'duration'),
      [vocab.key()]: p.int(0, 100),
    },
    trace: { trace_id: p.tech('trace.trace_id', ids.traceId, 'trace id'), span_id: p.tech('trace.span_id', ids.spanId, 'span id') },
    request: {
      method: p.tech('request.method', p.pick(['POST', 'PUT']), 'enum'),
      url: p.chance(0.5) ? p.tech('request.url', '/v1/assistants/run', 'url') : EMBED['percent-encoded'](p.content('request.url', p.text(undefined, 'question'), 'percent-encoded', 'sdk'), p, 'request.url'),
      headers: { 'content-type': p.tech('request.headers.content-type', 'application/json', 'mime'), 'x-request-id': p.tech('request.headers.x-request-id', hex(p, 32), 'request id') },
    },
    extra: freeZone(p, h, vocab, 'extra', 6),
  };
  if (p.chance(0.5)) {
    const key = vocab.key();
    event[key] = contentValue(p, key);
  }
  return event;
}

const CATEGORIES = ['prompt_attack', 'pii', 'moderated_content', 'unknown_links'];
const PATTERNS = ['ignore_previous_instructions', 'credit_card', 'email_address', 'system_prompt_leak'];

/** A scan event posted to `/v1/scans`, content included (`content`, `assistant_response`, …). */
export function scanEvent(p, h, vocab, ids, company) {
  const upload = p.chance(0.4);
  const flagged = p.chance(0.6);
  const category = p.pick(CATEGORIES);
  const score = Math.round(p.int(1, 999)) / 1000;
  const metadata = {
    user_ip: `198.51.100.${p.int(1, 254)}`,
    file_name: null,
    file_type: null,
    file_size: null,
    message_length: p.tech('metadata.message_length', p.int(12, 4000), 'count'),
    detected_patterns: flagged ? [p.tech('metadata.detected_patterns[0]', p.pick(PATTERNS), 'pattern name')] : [],
  };
  if (upload) {
    const ext = p.pick(['pdf', 'docx', 'txt', 'xlsx']);
    const picked = p.fileName();
    p.fileStem('metadata.file_name', picked);
    metadata.file_name = `${picked.stem}.${ext}`;
    metadata.file_type = p.tech('metadata.file_type', { pdf: 'application/pdf', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', txt: 'text/plain', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }[ext], 'mime');
    metadata.file_size = p.tech('metadata.file_size', p.int(2_000, 9_000_000), 'bytes');
  }
  const key = vocab.key();
  metadata[key] = contentValue(p, `metadata.${key}`);
  const techKey = vocab.key();
  const tech = technicalValue(p, h);
  metadata[techKey] = p.tech(`metadata.${techKey}`, tech.value, tech.what);
  const event = {
    timestamp: ids.iso,
    company_id: company,
    user_id: `u-${p.int(1000, 99999)}`,
    event_type: p.tech('event_type', flagged ? p.pick(['blocked', 'scan']) : 'allowed', 'enum'),
    context: { type: p.tech('context.type', upload ? 'file_upload' : 'chat', 'enum'), source: p.tech('context.source', p.pick(['support-bot', 'hr-assistant', 'contract-review']), 'source') },
    scan_result: {
      flagged,
      categories: flagged ? [p.tech('scan_result.categories[0]', category, 'category')] : [],
      scores: { [category]: p.tech(`scan_result.scores.${category}`, score, 'score') },
      threat_level: p.tech('scan_result.threat_level', flagged ? p.pick(['high', 'medium']) : 'low', 'enum'),
    },
    metadata,
    content: p.content('content', p.text(undefined, upload ? 'document' : 'prompt'), 'plain', 'sdk'),
    assistant_response: p.content('assistant_response', p.text(undefined, 'answer'), 'plain', 'sdk'),
  };
  // Lakera's payload has no room for other top-level fields: this one can leak nothing, keep nothing.
  const extraKey = vocab.key();
  event[extraKey] = contentValue(p, extraKey, 'generated', false);
  if (p.chance(0.5)) {
    const detailKey = vocab.key();
    event.scan_result[detailKey] = p.tech(`scan_result.${detailKey}`, p.pick(shortMessages(h)), 'error message');
  }
  return event;
}
