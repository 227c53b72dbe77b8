// Generates the labelled content-leak corpus (see README.md here):
//   node test/corpus/sdk/generate.js
// writes corpus.ndjson (one HTTP request to the relay per line), labels.ndjson (every planted
// content text and technical value: event, path, text or value) and vocabulary.txt (the generated
// key names). Seeded: the random choices are the same on every run; the harvested technical
// values are those of the machine it runs on.
import { Buffer } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { prng } from '../../../bench/scrub-corpus.js';
import { errorEvent, scanEvent } from './native-events.js';
import { logsRequest, traceRequest } from './otlp-events.js';
import { words } from './check.js';
import { planter } from './planting.js';
import { COMPANIES, sentryKeyOf } from './replay.js';
import { nodeEvent, pythonEvent } from './sentry-events.js';
import { harvest } from './technical.js';
import { vocabulary } from './vocabulary.js';
import { hex } from './zones.js';

const SEED = 20261204;
const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const START_MS = Date.UTC(2026, 10, 23, 9, 0, 0);
const MIX = [
  ['sentry-python', 45],
  ['sentry-node', 45],
  ['otlp-traces', 40],
  ['otlp-logs', 35],
  ['errors', 40],
  ['scans', 35],
];

const JSON_HEADERS = { 'content-type': 'application/json' };

function sentryRequest(p, event, company, sdk) {
  const key = sentryKeyOf(company);
  if (p.chance(0.5)) {
    return {
      route: '/api/42/store/',
      headers: { ...JSON_HEADERS, 'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${key}, sentry_client=${sdk.name}/${sdk.version}` },
      body: JSON.stringify(event),
    };
  }
  const header = { event_id: event.event_id, sent_at: '2026-11-23T10:00:00.000Z', sdk: { name: sdk.name, version: sdk.version }, dsn: `https://${key}@o0.ingest.example/42` };
  const payload = JSON.stringify(event);
  const note = p.content('attachment', p.text(undefined, 'document'), 'attachment', 'sdk');
  const items = [`{"type":"event","length":${Buffer.byteLength(payload)}}`, payload, `{"type":"attachment","length":${Buffer.byteLength(note)},"filename":"notes.txt"}`, note];
  return { route: '/api/42/envelope/', headers: { 'content-type': 'application/x-sentry-envelope' }, body: `${JSON.stringify(header)}\n${items.join('\n')}\n` };
}

/**
 * The distinct strings of the labels, marked human (a planted content text) or not (a technical
 * value), for measuring a content classifier's precision and recall apart from the relay.
 */
function classifierSet(labels) {
  const rows = new Map();
  for (const label of labels) {
    if (label.label === 'content' && label.form !== 'file-name' && !rows.has(label.text)) {
      rows.set(label.text, { text: label.text, human: true, lang: label.lang, kind: label.kind, words: words(label.text).length });
    } else if (label.label === 'technical' && typeof label.value === 'string' && label.value !== '' && !rows.has(label.value)) {
      rows.set(label.value, { text: label.value, human: false, what: label.what, words: words(label.value).length });
    }
  }
  return [...rows.values()];
}

async function main() {
  const h = await harvest(ROOT);
  const version = (name) => h.packages.find((pkg) => pkg.name === name)?.version ?? '0.0.0';
  h.sentryVersion = version('@sentry/node');
  h.otelVersion = version('@opentelemetry/sdk-trace-base');
  if (h.python === undefined) throw new Error('python3 is needed to harvest the Python SDK events');

  const rnd = prng(SEED);
  const p = planter(rnd, SEED);
  // A stream of its own: the n-th generated name is the same whatever the harvest drew before it.
  const vocab = vocabulary(prng(SEED + 1));
  const sources = MIX.flatMap(([source, count]) => Array.from({ length: count }, () => source));
  // Shuffled, so that companies and formats interleave as they would on a busy relay.
  for (let i = sources.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [sources[i], sources[j]] = [sources[j], sources[i]];
  }

  const requests = sources.map((source, index) => {
    const id = `e${String(index).padStart(4, '0')}`;
    const ms = START_MS + index * 1000;
    const ids = { ms, iso: new Date(ms).toISOString(), seconds: ms / 1000, eventId: hex(p, 32), traceId: hex(p, 32), spanId: hex(p, 16) };
    const company = p.pick(COMPANIES);
    p.begin(id);
    let request;
    if (source === 'sentry-python') request = sentryRequest(p, pythonEvent(p, h, vocab, ids), company, { name: 'sentry.python.django', version: '2.19.2' });
    else if (source === 'sentry-node') request = sentryRequest(p, nodeEvent(p, h, vocab, ids), company, { name: 'sentry.javascript.node', version: h.sentryVersion });
    else if (source === 'otlp-traces') request = { route: '/v1/traces', headers: JSON_HEADERS, body: JSON.stringify(traceRequest(p, h, vocab, ids, company)) };
    else if (source === 'otlp-logs') request = { route: '/v1/logs', headers: JSON_HEADERS, body: JSON.stringify(logsRequest(p, h, vocab, ids, company)) };
    else if (source === 'errors') request = { route: '/v1/errors', headers: JSON_HEADERS, body: JSON.stringify(errorEvent(p, h, vocab, ids, company)) };
    else request = { route: '/v1/scans', headers: JSON_HEADERS, body: JSON.stringify(scanEvent(p, h, vocab, ids, company)) };
    return { id, source, company, timestamp: ids.iso, ...request };
  });

  const lines = (rows) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
  writeFileSync(`${HERE}corpus.ndjson`, lines(requests));
  writeFileSync(`${HERE}labels.ndjson`, lines(p.labels));
  writeFileSync(`${HERE}vocabulary.txt`, vocab.keys().join('\n') + '\n');
  writeFileSync(`${HERE}classifier-set.ndjson`, lines(classifierSet(p.labels)));
  const count = (label) => p.labels.filter((row) => row.label === label).length;
  console.log(`${requests.length} requests, ${count('content')} content texts, ${count('technical')} technical values, ${vocab.keys().length} generated keys`);
}

await main();
