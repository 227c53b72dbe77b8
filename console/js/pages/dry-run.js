import { api } from '../api.js';
import { announce, field, fill, h, table } from '../dom.js';
import { jsonView } from '../json-view.js';

const SAMPLE = JSON.stringify({
  timestamp: '2026-01-01T12:00:00Z',
  company_id: 'acme',
  level: 'error',
  error: { type: 'TypeError', message: 'cannot read user jane.doe@example.com', stack: 'TypeError: x\n    at run (/home/jane/app/index.js:10:5)' },
  environment: { runtime: 'node 20', os: 'linux' },
  extra: { prompt: 'Please summarise the attached contract for my landlord and draft a polite reply' },
}, null, 2);

function parseLocally(text) {
  // Only to show the input beside the output; the relay parses it again with its own limits.
  const trimmed = text.trim();
  try {
    const value = JSON.parse(trimmed);
    return Array.isArray(value) ? value : [value];
  } catch {
    return trimmed.split('\n').filter((line) => line.trim() !== '').map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return undefined;
      }
    });
  }
}

function eventResult(result, input) {
  if (!result.ok) {
    return h('section', { class: 'card event-result' }, h('h3', { text: `Event ${result.index}` }),
      h('p', { class: 'error', text: `${result.error}: ${result.message}` }));
  }
  const marks = new Map();
  for (const f of result.findings) marks.set(f.path, [...(marks.get(f.path) ?? []), f.rule]);
  const zones = new Map(result.zones.map((z) => [z.path, z.zone]));
  const byZone = {};
  for (const z of result.zones) (byZone[z.zone] ??= []).push(z.path);
  return h('section', { class: 'card event-result', 'data-index': result.index },
    h('h3', { text: `Event ${result.index}: ${result.findings.length} redaction(s)` }),
    h('div', { class: 'side-by-side' },
      h('div', {}, h('h4', { text: 'Input (only in this browser)' }), jsonView(input ?? {}, marks, zones)),
      h('div', {}, h('h4', { text: 'Scrubbed: what would be stored and forwarded' }), jsonView(result.output, marks, zones))),
    result.findings.length === 0 ? h('p', { class: 'muted', text: 'No rule fired.' })
      : table('Redactions', ['Rule', 'Path', 'Count', 'Zone'],
          result.findings.map((f) => [h('code', { text: f.rule }), h('code', { text: f.path }), String(f.count), zones.get(f.path) ?? 'free']),
          { class: 'findings' }),
    h('details', {}, h('summary', { text: 'Zones of every field' }),
      table(null, ['Zone', 'Paths'], Object.entries(byZone).map(([zone, paths]) => [zone, h('code', { text: paths.join('  ') })]))));
}

/** Dry run: paste or upload events and see what the relay would keep, with every redaction explained. */
export async function renderDryRun(root) {
  const kind = h('select', { id: 'dry-kind' }, h('option', { value: 'error', text: 'error trace' }), h('option', { value: 'scan', text: 'scan event' }));
  const input = h('textarea', { id: 'dry-input', rows: 10, spellcheck: 'false', 'aria-describedby': 'dry-input-help' });
  input.value = SAMPLE;
  const file = h('input', { id: 'dry-file', type: 'file', accept: '.json,.ndjson,.jsonl,application/json,application/x-ndjson' });
  const rules = h('textarea', { id: 'dry-rules', rows: 8, spellcheck: 'false', placeholder: 'rules:\n  - id: ticket_number\n    kind: regex\n    description: Support ticket numbers\n    patterns: ["TCK-\\\\d{6}"]\n    examples: { match: ["TCK-123456"], no_match: ["TCK-12"] }' });
  const results = h('div', { id: 'dry-results', 'aria-live': 'polite' });
  const run = h('button', { type: 'submit', text: 'Scrub' });
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    if (chosen) input.value = await chosen.text();
  });
  const form = h('form', { id: 'dry-form', class: 'card' },
    h('div', { class: 'toolbar' }, field('Event kind', kind), field('Or upload a file', file)),
    h('div', { class: 'field' }, h('label', { for: 'dry-input', text: 'Events: one JSON event, a JSON array, or NDJSON' }), input,
      h('p', { id: 'dry-input-help', class: 'muted', text: 'Values stay between this browser and the relay: they are not logged or stored.' })),
    h('details', {}, h('summary', { text: 'Try a user rules file (merged over the shipped rules, checked like at start)' }),
      h('div', { class: 'field' }, h('label', { for: 'dry-rules', text: 'Rules file (YAML)' }), rules)),
    h('div', { class: 'actions' }, run));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    run.disabled = true;
    fill(results, h('p', { class: 'muted', text: 'Scrubbing…' }));
    try {
      const body = { kind: kind.value, input: input.value };
      if (rules.value.trim() !== '') body.rules = rules.value;
      const answer = await api('dry-run', { method: 'POST', body });
      const inputs = parseLocally(input.value);
      fill(results,
        h('p', { class: 'muted', text: `${answer.events.length} event(s), scrubbed with the ${answer.rules === 'pasted' ? 'pasted rules merged over the shipped ones' : 'running rules'}.` }),
        answer.events.map((r) => eventResult(r, inputs[r.index])));
      announce(`Dry run done: ${answer.events.length} event(s).`);
    } catch (error) {
      fill(results, h('p', { class: 'error', role: 'alert', text: error.message }));
    } finally {
      run.disabled = false;
    }
  });
  fill(root, h('h1', { text: 'Dry run' }), form, results);
}
