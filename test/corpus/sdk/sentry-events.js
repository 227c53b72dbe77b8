// Sentry error events as the Python (Django) and Node SDKs send them
// (https://develop.sentry.dev/sdk/data-model/event-payloads/), with real frames and versions from
// the harvest and content planted where applications put it. Paths in labels are paths in the
// event payload.
import { EMBED } from './planting.js';
import { contentValue, flatStrings, freeZone, hex } from './zones.js';

function nodeModule(file) {
  const path = file.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('node_modules/');
  const rel = inModules >= 0 ? path.slice(inModules + 'node_modules/'.length) : path.replace(/^\/+/, '');
  const parts = rel.replace(/\.[cm]?[jt]s$/, '').split('/');
  const base = parts.pop();
  return parts.length > 0 ? `${parts.join('.')}:${base}` : base;
}

function modules(p, h, list, path, count) {
  const sample = {};
  const start = p.int(0, Math.max(0, list.length - count));
  for (const pkg of list.slice(start, start + count)) sample[pkg.name] = pkg.version;
  const labelled = Object.keys(sample).slice(0, 5);
  for (const name of labelled) {
    p.tech(`${path}.${name}`, name, 'package');
    p.tech(`${path}.${name}`, sample[name], 'version');
  }
  return sample;
}

function breadcrumbs(p, vocab, path, platform) {
  const crumbs = [
    { timestamp: 1795000000.5, type: 'default', category: platform === 'python' ? 'query' : 'console', level: 'info', message: 'SELECT id, total FROM orders WHERE status = %s' },
    { timestamp: 1795000001.25, type: 'http', category: 'httplib', data: { method: 'POST', url: 'https://api.openai.com/v1/chat/completions', status_code: 400 } },
  ];
  const n = crumbs.length;
  crumbs.push({ timestamp: 1795000002, type: 'default', category: vocab.key(), level: 'info', message: `User said: ${p.content(`${path}[${n}].message`, p.text(undefined, 'chat'), 'plain', 'sdk')}` });
  const key = vocab.key();
  crumbs.push({ timestamp: 1795000003, type: 'default', category: 'ui.input', data: { [key]: p.content(`${path}[${n + 1}].data.${key}`, p.text()) } });
  return crumbs;
}

function exceptionValue(p, path, realMessage) {
  if (p.chance(0.4)) {
    return EMBED['quoted-in-error'](p.content(path, p.text(undefined, 'prompt'), 'quoted-in-error', 'sdk'), p, path);
  }
  return p.tech(path, realMessage, 'error message');
}

/** A Sentry Python SDK (Django integration) error event. */
export function pythonEvent(p, h, vocab, ids) {
  const py = h.python;
  const error = p.pick(py.errors);
  const base = 'exception.values[1]';
  const frames = error.frames.map((frame, index) => {
    const at = `${base}.stacktrace.frames[${index}]`;
    const inApp = frame.abs_path.includes('/app/');
    const vars = {};
    for (const [name, value] of Object.entries(frame.vars)) vars[name] = value.length <= 80 && !value.includes('0x') ? p.tech(`${at}.vars.${name}`, value, 'python repr') : value;
    if (inApp) {
      const key = vocab.key();
      vars[key] = EMBED['python-repr'](p.content(`${at}.vars.${key}`, p.text(undefined, 'document'), 'python-repr'), p);
      if (p.chance(0.5)) vars.request = EMBED['django-repr'](p.content(`${at}.vars.request`, p.text(undefined, 'question'), 'django-repr', 'sdk'), p);
      // A dict local: sentry-python sends it as an object whose leaves are repr() strings.
      const dictName = vocab.key();
      const inner = vocab.key();
      vars[dictName] = {
        [inner]: EMBED['python-repr'](p.content(`${at}.vars.${dictName}.${inner}`, p.text(undefined, 'chat'), 'python-repr'), p),
        top_k: p.tech(`${at}.vars.${dictName}.top_k`, String(p.int(1, 20)), 'python repr'),
      };
    }
    return {
      filename: frame.abs_path.split('/').slice(-2).join('/'),
      abs_path: p.tech(`${at}.abs_path`, frame.abs_path, 'file path'),
      function: p.tech(`${at}.function`, frame.function, 'function'),
      module: p.tech(`${at}.module`, frame.module, 'module'),
      lineno: p.tech(`${at}.lineno`, frame.lineno, 'line'),
      in_app: inApp,
      context_line: '    return json.loads(raw)',
      vars,
    };
  });
  const causeMessage = p.pick(py.errors).value;
  const event = {
    event_id: ids.eventId,
    timestamp: ids.iso.replace('Z', '000Z'),
    level: 'error',
    platform: p.tech('platform', 'python', 'enum'),
    logger: p.tech('logger', 'django.request', 'logger'),
    transaction: p.tech('transaction', '/chat/<int:thread_id>/', 'route'),
    server_name: 'web-7d9f8c-x2k4q',
    release: p.tech('release', `backend@${hex(p, 12)}`, 'release'),
    environment: p.tech('environment', p.pick(['production', 'staging']), 'enum'),
    sdk: { name: 'sentry.python.django', version: '2.19.2', packages: [{ name: 'pypi:sentry-sdk', version: '2.19.2' }], integrations: ['django', 'logging', 'openai'] },
    modules: modules(p, h, py.packages, 'modules', 20),
    exception: {
      values: [
        { type: 'RuntimeError', value: p.chance(0.5) ? p.tech('exception.values[0].value', causeMessage, 'error message') : contentValue(p, 'exception.values[0].value', 'sdk') },
        {
          type: p.tech(`${base}.type`, error.type, 'error type'),
          value: exceptionValue(p, `${base}.value`, error.value),
          module: error.module,
          mechanism: { type: p.tech(`${base}.mechanism.type`, 'django', 'enum'), handled: false },
          stacktrace: { frames },
        },
      ],
    },
    request: {
      url: p.chance(0.5) ? p.tech('request.url', 'https://app.example.com/chat/42/', 'url') : EMBED['percent-encoded'](p.content('request.url', p.text(undefined, 'question'), 'percent-encoded', 'sdk'), p, 'request.url'),
      method: p.tech('request.method', 'POST', 'enum'),
      query_string: `q=${encodeURIComponent(p.content('request.query_string', p.text(undefined, 'question'), 'percent-encoded', 'sdk'))}&lang=de`,
      headers: { 'Content-Type': p.tech('request.headers.Content-Type', 'application/x-www-form-urlencoded', 'mime'), 'User-Agent': 'python-requests/2.32.3', ...flatStrings(p, h, vocab, 'request.headers', 2) },
      cookies: 'sessionid=k3j4h5g6f7d8s9a0; csrftoken=Zq3x9VbN2mK7',
      data: EMBED['form-body'](p.content('request.data', p.text(undefined, 'chat'), 'form-body', 'sdk'), p),
      env: { SERVER_NAME: 'web-7d9f8c-x2k4q', SERVER_PORT: '8000' },
    },
    breadcrumbs: { values: breadcrumbs(p, vocab, 'breadcrumbs.values', 'python') },
    contexts: {
      os: { name: p.tech('contexts.os.name', py.system, 'os'), version: p.tech('contexts.os.version', py.os_release, 'os release') },
      runtime: { name: p.tech('contexts.runtime.name', py.implementation, 'runtime'), version: p.tech('contexts.runtime.version', py.version, 'version'), build: py.build },
      trace: { trace_id: p.tech('contexts.trace.trace_id', ids.traceId, 'trace id'), span_id: p.tech('contexts.trace.span_id', ids.spanId, 'span id'), op: 'http.server', status: 'internal_error' },
      [vocab.key()]: {},
    },
    tags: flatStrings(p, h, vocab, 'tags', 3),
    extra: freeZone(p, h, vocab, 'extra', 5),
    user: { id: String(p.int(1000, 99999)), ip_address: '{{auto}}' },
  };
  const custom = Object.keys(event.contexts).at(-1);
  event.contexts[custom] = freeZone(p, h, vocab, `contexts.${custom}`, 3);
  return event;
}

/** A Sentry Node SDK error event, frames from an error a library in node_modules really threw. */
export function nodeEvent(p, h, vocab, ids) {
  const error = p.pick(h.nodeErrors.filter((candidate) => candidate.frames.length > 0));
  const base = 'exception.values[0]';
  // The innermost frames, oldest first as Sentry lists them.
  const ordered = error.frames.slice(0, 6).reverse();
  const frames = ordered.map((frame, index) => {
    const at = `${base}.stacktrace.frames[${index}]`;
    const file = frame.file.replace(/^file:\/\//, '');
    const inApp = !file.includes('/node_modules/') && !file.startsWith('node:');
    return {
      filename: p.tech(`${at}.filename`, file, 'file path'),
      module: p.tech(`${at}.module`, nodeModule(file), 'module'),
      function: p.tech(`${at}.function`, frame.function, 'function'),
      lineno: p.tech(`${at}.lineno`, frame.line, 'line'),
      colno: p.tech(`${at}.colno`, frame.column, 'column'),
      in_app: inApp,
      ...(index === ordered.length - 1 || inApp ? { vars: freeZone(p, h, vocab, `${at}.vars`, 4) } : {}),
    };
  });
  const event = {
    event_id: ids.eventId,
    timestamp: ids.seconds,
    level: 'error',
    platform: p.tech('platform', 'node', 'enum'),
    server_name: 'api-5c7b9-qv8zt',
    release: p.tech('release', `api@${p.pick(h.packages).version}`, 'release'),
    environment: p.tech('environment', p.pick(['production', 'staging']), 'enum'),
    sdk: { name: 'sentry.javascript.node', version: h.sentryVersion, packages: [{ name: 'npm:@sentry/node', version: h.sentryVersion }], integrations: ['LocalVariables', 'Context', 'Modules'] },
    modules: modules(p, h, h.packages, 'modules', 25),
    exception: {
      values: [
        {
          type: p.tech(`${base}.type`, error.type, 'error type'),
          value: exceptionValue(p, `${base}.value`, error.message.split('\n')[0]),
          mechanism: { type: p.tech(`${base}.mechanism.type`, 'generic', 'enum'), handled: true },
          stacktrace: { frames },
        },
      ],
    },
    request: {
      method: p.tech('request.method', 'POST', 'enum'),
      url: p.chance(0.5) ? p.tech('request.url', 'https://api.example.com/v2/threads/42/messages', 'url') : EMBED['percent-encoded'](p.content('request.url', p.text(undefined, 'question'), 'percent-encoded', 'sdk'), p, 'request.url'),
      headers: { 'content-type': p.tech('request.headers.content-type', 'application/json', 'mime'), ...flatStrings(p, h, vocab, 'request.headers', 2) },
      data: JSON.stringify({ [vocab.key()]: p.content('request.data', p.text(undefined, 'prompt'), 'json-in-string', 'sdk') }),
    },
    breadcrumbs: breadcrumbs(p, vocab, 'breadcrumbs', 'node'),
    contexts: {
      app: { app_start_time: '2026-11-23T08:00:00.000Z', app_memory: p.tech('contexts.app.app_memory', p.int(40_000_000, 400_000_000), 'bytes') },
      os: { kernel_version: h.node.osRelease, name: p.tech('contexts.os.name', h.node.osType, 'os'), version: p.tech('contexts.os.version', h.node.osRelease, 'os release') },
      device: { arch: p.tech('contexts.device.arch', h.node.arch, 'arch'), memory_size: p.tech('contexts.device.memory_size', 8_589_934_592, 'bytes'), processor_count: p.tech('contexts.device.processor_count', 2, 'count') },
      culture: { locale: 'en-US', timezone: 'UTC' },
      runtime: { name: p.tech('contexts.runtime.name', 'node', 'runtime'), version: p.tech('contexts.runtime.version', `v${h.node.versions.node}`, 'version') },
      trace: { trace_id: p.tech('contexts.trace.trace_id', ids.traceId, 'trace id'), span_id: p.tech('contexts.trace.span_id', ids.spanId, 'span id') },
    },
    tags: flatStrings(p, h, vocab, 'tags', 3),
    extra: freeZone(p, h, vocab, 'extra', 5),
    user: { id: String(p.int(1000, 99999)) },
  };
  const custom = vocab.key();
  event.contexts[custom] = freeZone(p, h, vocab, `contexts.${custom}`, 3);
  return event;
}
