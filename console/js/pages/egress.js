import { api } from '../api.js';
import { counts, field, fill, h, table, time } from '../dom.js';

function pretty(body) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

async function showRecord(detail, id) {
  const r = await api(`egress/${id}`);
  fill(detail,
    h('h2', { text: `Egress record ${r.id}` }),
    h('dl', { class: 'facts' },
      h('dt', { text: 'Sent' }), h('dd', { text: time(r.sentAt) }),
      h('dt', { text: 'Destination' }), h('dd', { text: `${r.destination} (${r.host})` }),
      h('dt', { text: 'Answer' }), h('dd', { text: `${r.outcome}${r.status === null ? '' : ` — HTTP ${r.status}`}` }),
      h('dt', { text: 'Events' }), h('dd', { text: String(r.eventCount) }),
      h('dt', { text: 'Bytes on the wire' }), h('dd', { text: String(r.bytes) }),
      h('dt', { text: 'SHA-256 of the body sent' }), h('dd', {}, h('code', { class: 'hash', 'data-sha256': r.sha256, text: r.sha256 })),
      h('dt', { text: 'Companies' }), h('dd', { text: r.companies.join(', ') || '—' }),
      h('dt', { text: 'Removed per rule' }), h('dd', { text: counts(r.scrubCounts) })),
    r.body === null
      ? h('p', { class: 'muted', text: `The body is no longer kept (bodies are kept ${r.bodyKeptDays} day(s)); its hash and counts remain.` })
      : h('div', {}, h('h3', { text: 'Exact body sent (decompressed)' }), h('pre', { class: 'json body', text: pretty(r.body) })));
  detail.focus();
}

/** Egress audit: every upstream request by time and company, with its hash, counts and body. */
export async function renderEgress(root) {
  const company = h('input', { id: 'egress-company', type: 'text', placeholder: 'any', autocomplete: 'off' });
  const since = h('input', { id: 'egress-since', type: 'datetime-local' });
  const until = h('input', { id: 'egress-until', type: 'datetime-local' });
  const list = h('div');
  const detail = h('section', { id: 'egress-detail', class: 'card', tabindex: '-1', hidden: true });
  const hash = h('input', { id: 'verify-hash', type: 'text', placeholder: '64 hex digits', autocomplete: 'off', spellcheck: 'false' });
  const verdict = h('p', { id: 'verify-result', role: 'status' });

  const load = async () => {
    const q = new URLSearchParams();
    if (company.value.trim()) q.set('company', company.value.trim());
    if (since.value) q.set('since', String(new Date(since.value).getTime()));
    if (until.value) q.set('until', String(new Date(until.value).getTime()));
    const { egress } = await api(`egress?${q}`);
    fill(list, egress.length === 0 ? h('p', { class: 'muted', text: 'No upstream request recorded for this filter.' })
      : table(`${egress.length} request(s), newest first`, ['Id', 'Sent', 'Destination', 'Outcome', 'Events', 'Companies', 'Removed per rule', 'SHA-256', ''],
          egress.map((r) => [String(r.id), time(r.sentAt), r.destination, r.status === null ? r.outcome : `${r.outcome} (${r.status})`, String(r.eventCount),
            r.companies.join(', '), counts(r.scrubCounts), h('code', { class: 'hash short', title: r.sha256, text: `${r.sha256.slice(0, 16)}…` }),
            h('button', { type: 'button', class: 'secondary', 'data-egress-id': r.id, text: 'Show', 'aria-label': `Show egress record ${r.id}`,
              onclick: () => { detail.hidden = false; void showRecord(detail, r.id); } })]),
          { class: 'egress' }));
  };
  const filter = h('form', { class: 'toolbar' }, field('Company', company), field('From', since), field('Until', until),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: 'Filter' })));
  filter.addEventListener('submit', (e) => { e.preventDefault(); void load(); });
  const verify = h('form', { id: 'verify-form', class: 'card' }, h('h2', { text: 'Verify a receiver\'s hash' }),
    h('p', { class: 'muted', text: 'Paste the SHA-256 the receiving end computed over the request body it got.' }),
    h('div', { class: 'toolbar' }, field('SHA-256', hash), h('div', { class: 'actions' }, h('button', { type: 'submit', text: 'Verify' }))), verdict);
  verify.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const { ids } = await api(`egress/verify?sha256=${encodeURIComponent(hash.value.trim())}`);
      verdict.className = ids.length > 0 ? 'ok' : 'error';
      verdict.textContent = ids.length > 0 ? `Matches egress record ${ids.join(', ')}: this body left the relay exactly as recorded.` : 'No egress record has this hash.';
      if (ids.length > 0) { detail.hidden = false; await showRecord(detail, ids[0]); }
    } catch (error) {
      verdict.className = 'error';
      verdict.textContent = error.message;
    }
  });
  fill(root, h('h1', { text: 'Egress audit' }), filter, list, verify, detail);
  await load();
}
