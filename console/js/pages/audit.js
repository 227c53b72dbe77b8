import { api } from '../api.js';
import { fill, h, table, time } from '../dom.js';

/** The admin audit trail: every operator action with who did it. */
export async function renderAudit(root) {
  const { audit } = await api('audit');
  fill(root, h('h1', { text: 'Admin audit' }),
    audit.length === 0 ? h('p', { class: 'muted', text: 'No operator action recorded.' })
      : table('Latest operator actions, newest first', ['When', 'Who', 'Action', 'Subject', 'Details'],
          audit.map((r) => [time(r.at), r.actor, r.action, r.subject ?? '—', h('code', { text: JSON.stringify(r.details) })]), { class: 'audit' }));
}
