import { api } from '../api.js';
import { announce, confirmAction, field, fill, h, table } from '../dom.js';

/** Subjects (admin): export and erase everything held for a user or a company. */
export async function renderSubjects(root) {
  const user = h('input', { id: 'subject-user', type: 'text', autocomplete: 'off', spellcheck: 'false' });
  const company = h('input', { id: 'subject-company', type: 'text', autocomplete: 'off' });
  const result = h('div', { id: 'subject-result', 'aria-live': 'polite' });
  const query = () => {
    const q = {};
    if (user.value.trim()) q.user = user.value.trim();
    if (company.value.trim()) q.company = company.value.trim();
    return q;
  };
  const label = (q) => [q.user === undefined ? null : 'this user', q.company === undefined ? null : `company ${q.company}`].filter(Boolean).join(' of ');
  const exportButton = h('button', { type: 'button', text: 'Export' });
  const eraseButton = h('button', { type: 'button', class: 'danger', text: 'Erase' });
  exportButton.addEventListener('click', async () => {
    try {
      const data = await api('subjects/export', { method: 'POST', body: query() });
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
      fill(result, table('Export', ['Queued', 'Dead letters', 'Sent (egress records)'], [[String(data.queued.length), String(data.deadLetters.length), String(data.sent.length)]]),
        h('a', { href: URL.createObjectURL(blob), download: 'subject-export.json', text: 'Download the export (JSON)' }));
      announce('Export ready.', 'ok');
    } catch (error) {
      fill(result, h('p', { class: 'error', role: 'alert', text: error.message }));
    }
  });
  eraseButton.addEventListener('click', async () => {
    const q = query();
    if (!(await confirmAction('Erase subject', `Delete every queued event and dead letter of ${label(q) || 'nobody'}, drop the egress bodies that carried them and remove the user from egress records? This cannot be undone.`, 'Erase'))) return;
    try {
      const c = await api('subjects/erase', { method: 'POST', body: q });
      fill(result, table('Erased', ['Queued', 'Dead letters', 'Egress bodies dropped', 'Egress records updated'], [[String(c.queued), String(c.deadLetters), String(c.egressBodies), String(c.egressRows)]]));
      announce('Erasure done.', 'ok');
    } catch (error) {
      fill(result, h('p', { class: 'error', role: 'alert', text: error.message }));
    }
  });
  fill(root, h('h1', { text: 'Subjects' }),
    h('form', { class: 'card', onsubmit: (e) => e.preventDefault() },
      h('p', { class: 'muted', text: 'Give a user id (found through its keyed hash; the raw id is never stored), a company, or both.' }),
      h('div', { class: 'toolbar' }, field('User id', user), field('Company', company)),
      h('div', { class: 'actions' }, exportButton, eraseButton)),
    result);
}
