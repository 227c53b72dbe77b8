import { api } from '../api.js';
import { fill, h, table } from '../dom.js';

function ruleCard(rule) {
  const failed = rule.examples.filter((e) => !e.passed).length;
  return h(
    'article',
    { class: `rule${rule.enabled ? '' : ' off'}`, 'data-rule': rule.id },
    h('h3', {}, h('code', { text: rule.id }), rule.enabled ? null : h('span', { class: 'tag', text: 'off' }),
      rule.enabled && failed > 0 ? h('span', { class: 'tag bad', text: `${failed} example(s) fail` }) : null),
    h('p', { text: rule.description || '—' }),
    h('dl', { class: 'facts' },
      h('dt', { text: 'Detects by' }), h('dd', { text: rule.type || '—' }),
      h('dt', { text: 'Method' }), h('dd', { text: rule.method }),
      h('dt', { text: 'Event kinds' }), h('dd', { text: rule.kinds.join(', ') || '—' }),
      h('dt', { text: 'Scope' }), h('dd', { text: rule.paths.length === 0 ? 'everywhere' : rule.paths.join(', ') })),
    rule.examples.length === 0
      ? null
      : h('details', {},
          h('summary', { text: `Examples: ${rule.examples.length - failed} of ${rule.examples.length} pass` }),
          h('ul', { class: 'examples' },
            rule.examples.map((e) =>
              h('li', { class: e.passed ? 'pass' : 'fail' },
                h('span', { class: 'verdict', text: e.passed ? 'pass' : 'FAIL' }),
                h('span', { class: 'muted', text: e.expect === 'match' ? ' must match: ' : ' must not match: ' }),
                h('code', { text: e.text }))))),
  );
}

/** Rules: every rule with its description, method, scope and examples; the forwarded schema. */
export async function renderRules(root) {
  const view = await api('rules');
  const search = h('input', { id: 'rule-search', type: 'search', placeholder: 'id, description, method…' });
  const type = h('select', { id: 'rule-type' }, h('option', { value: '', text: 'all' }),
    [...new Set(view.rules.map((r) => r.type).filter(Boolean))].map((t) => h('option', { value: t, text: t })));
  const list = h('div', { class: 'rules' });
  const count = h('p', { class: 'muted', 'aria-live': 'polite' });
  const schemaSearch = h('input', { id: 'schema-search', type: 'search', placeholder: 'path or zone' });
  const schemaBody = h('div');

  const update = () => {
    const q = search.value.trim().toLowerCase();
    const shown = view.rules.filter((r) =>
      (type.value === '' || r.type === type.value) &&
      (q === '' || [r.id, r.description, r.method, r.type, ...r.paths, ...r.kinds].join(' ').toLowerCase().includes(q)));
    fill(list, shown.map(ruleCard));
    count.textContent = `${shown.length} of ${view.rules.length} rules`;
  };
  const updateSchema = () => {
    const q = schemaSearch.value.trim().toLowerCase();
    const rows = view.schema
      .map((line) => line.split(' '))
      .filter((parts) => q === '' || parts.join(' ').toLowerCase().includes(q))
      .map(([kind, path, zone]) => [kind, h('code', { text: path }), zone]);
    fill(schemaBody, table(null, ['Event kind', 'Path', 'Zone'], rows, { class: 'schema' }));
  };
  search.addEventListener('input', update);
  type.addEventListener('change', update);
  schemaSearch.addEventListener('input', updateSchema);

  fill(root,
    h('h1', { text: 'Rules' }),
    h('p', { class: 'muted' }, 'Rules files: ', view.sources.map((s, i) => [i > 0 ? ' + ' : '', h('code', { text: s })])),
    h('div', { class: 'toolbar' }, h('div', { class: 'field' }, h('label', { for: 'rule-search', text: 'Search rules' }), search),
      h('div', { class: 'field' }, h('label', { for: 'rule-type', text: 'Detects by' }), type)),
    count,
    list,
    h('h2', { text: 'Forwarded schema and zones' }),
    h('p', { class: 'muted', text: 'Declared technical fields and the zone each falls in; every other path is free-form, where human text is removed whatever its key.' }),
    h('div', { class: 'toolbar' }, h('div', { class: 'field' }, h('label', { for: 'schema-search', text: 'Filter the schema' }), schemaSearch)),
    schemaBody);
  update();
  updateSchema();
}
