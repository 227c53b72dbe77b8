import { api } from '../api.js';
import { fill, h, table } from '../dom.js';
import { binSeries, stackedBars } from '../chart.js';

const BINS = 48;

function panel(title, points, since, until) {
  const binned = binSeries(points, since, until, BINS);
  return h('section', { class: 'card chart-panel' }, h('h2', { text: title }),
    stackedBars(title.replace(/\W+/g, '-').toLowerCase(), binned, since),
    binned.labels.length === 0 ? h('p', { class: 'muted', text: 'Nothing counted in this range.' })
      : h('ul', { class: 'legend' }, binned.labels.map((label, i) => h('li', {}, h('span', { class: `swatch series-${i}`, 'aria-hidden': 'true' }), `${label}: ${binned.totals[i]}`))));
}

/** Statistics: accepted events, drops by reason and findings per rule over time. */
export async function renderStats(root) {
  const range = h('select', { id: 'stats-range' },
    [[1, 'last hour'], [6, 'last 6 hours'], [24, 'last 24 hours'], [168, 'last 7 days']].map(([v, t]) => h('option', { value: v, text: t, selected: v === 24 })));
  const body = h('div');
  const load = async () => {
    const s = await api(`stats?hours=${range.value}`);
    const sum = (points) => points.reduce((n, p) => n + p.value, 0);
    fill(body,
      table('Totals in this range', ['Accepted', 'Dropped', 'Values removed'], [[String(sum(s.accepted)), String(sum(s.dropped)), String(sum(s.findings))]]),
      panel('Events accepted, by kind', s.accepted, s.since, s.until),
      panel('Events dropped, by reason', s.dropped, s.since, s.until),
      panel('Findings, by rule', s.findings, s.since, s.until));
  };
  range.addEventListener('change', () => void load());
  fill(root, h('h1', { text: 'Statistics' }),
    h('div', { class: 'toolbar' }, h('div', { class: 'field' }, h('label', { for: 'stats-range', text: 'Range' }), range)),
    h('p', { class: 'muted', text: 'Counted per minute in the relay\'s SQLite file and kept as long as the audit (RELAY_AUDIT_RETENTION_DAYS).' }),
    body);
  await load();
}
