import { api } from '../api.js';
import { announce, confirmAction, field, fill, h, table, time } from '../dom.js';

async function change(company, next, pending, reload) {
  const revoking = next.telemetry_enabled === false;
  const p = pending[company] ?? { queued: 0, deadLetters: 0 };
  const what = [
    next.telemetry_enabled === undefined ? null : `telemetry ${next.telemetry_enabled ? 'on' : 'off'}`,
    next.ids_allowed === undefined ? null : `ids ${next.ids_allowed ? 'allowed' : 'not allowed'}`,
  ].filter(Boolean).join(', ');
  const text = revoking
    ? `Revoking telemetry for ${company} deletes its ${p.queued} queued event(s) and ${p.deadLetters} dead letter(s) now, and aborts requests already on their way that carry its events. Nothing of it is sent after this.`
    : `Set ${what} for ${company}.`;
  if (!(await confirmAction(`Change consent of ${company}`, text, revoking ? 'Revoke and purge' : 'Change'))) {
    await reload();
    return;
  }
  try {
    const result = await api(`consent/${encodeURIComponent(company)}`, { method: 'PUT', body: next });
    announce(`Consent of ${company} changed; ${result.purged} event(s) purged, ${result.inFlight} request(s) aborted.`, 'ok');
  } catch (error) {
    announce(error.message, 'error');
  }
  await reload();
}

/** Consent: each company's switches and what revoking purges; admins change them with a confirmation. */
export async function renderConsent(root, { isAdmin }) {
  const body = h('div');
  const reload = async () => {
    const { companies, pending, globalTelemetry } = await api('consent');
    const known = new Set(companies.map((c) => c.companyId));
    const rows = [...companies, ...Object.keys(pending).filter((id) => !known.has(id)).map((companyId) => ({ companyId, telemetryEnabled: false, idsAllowed: false, updatedAt: null }))];
    const toggle = (c, key, label, value) => {
      if (!isAdmin) return value ? 'yes' : 'no';
      const box = h('input', { type: 'checkbox', role: 'switch', id: `${key}-${c.companyId}`, 'aria-label': `${label} for ${c.companyId}`, checked: value });
      box.addEventListener('change', () => void change(c.companyId, { [key]: box.checked }, pending, reload));
      return box;
    };
    fill(body,
      globalTelemetry ? null : h('p', { class: 'warning', text: 'TELEMETRY_ENABLED is off: nothing is forwarded for any company, whatever is set here.' }),
      rows.length === 0 ? h('p', { class: 'muted', text: 'No company has consent recorded.' })
        : table('Companies', ['Company', 'Telemetry', 'IDs allowed', 'Queued', 'Dead letters', 'Revoking purges', 'Changed'],
            rows.map((c) => {
              const p = pending[c.companyId] ?? { queued: 0, deadLetters: 0 };
              return [h('code', { text: c.companyId }), toggle(c, 'telemetry_enabled', 'Telemetry', c.telemetryEnabled), toggle(c, 'ids_allowed', 'IDs allowed', c.idsAllowed),
                String(p.queued), String(p.deadLetters), `${p.queued + p.deadLetters} event(s)`, time(c.updatedAt)];
            }), { class: 'consent' }));
  };
  const parts = [h('h1', { text: 'Consent' }), body];
  if (isAdmin) {
    const id = h('input', { id: 'new-company', type: 'text', required: true, autocomplete: 'off' });
    const telemetry = h('input', { id: 'new-telemetry', type: 'checkbox' });
    const ids = h('input', { id: 'new-ids', type: 'checkbox' });
    const form = h('form', { class: 'card toolbar', id: 'consent-form' }, h('h2', { text: 'Set a company' }), field('Company id', id),
      field('Telemetry', telemetry), field('IDs allowed', ids), h('div', { class: 'actions' }, h('button', { type: 'submit', text: 'Set consent' })));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void change(id.value.trim(), { telemetry_enabled: telemetry.checked, ids_allowed: ids.checked }, {}, reload);
    });
    parts.push(form);
  } else {
    parts.push(h('p', { class: 'muted', text: 'Read-only: changing consent needs the admin token.' }));
  }
  fill(root, ...parts);
  await reload();
}
