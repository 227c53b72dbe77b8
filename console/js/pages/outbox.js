import { api } from '../api.js';
import { age, announce, confirmAction, counts, fill, h, table, time } from '../dom.js';

/** Outbox and dead letters: depth and age per destination; admins replay dead letters. */
export async function renderOutbox(root, { isAdmin }) {
  const body = h('div');
  const reload = async () => {
    const view = await api('outbox');
    const total = view.deadLetters.reduce((n, d) => n + d.events, 0);
    let replay = null;
    if (isAdmin && total > 0) {
      replay = h('button', { type: 'button', id: 'replay', text: `Replay ${total} dead letter(s)` });
      replay.addEventListener('click', async () => {
        if (!(await confirmAction('Replay dead letters', `Move all ${total} dead letter(s) back into the outbox to be sent again?`, 'Replay'))) return;
        const { replayed } = await api('dead-letters/replay', { method: 'POST' });
        announce(`${replayed} dead letter(s) queued again.`, 'ok');
        await reload();
      });
    }
    fill(body,
      view.outbox.length === 0 ? h('p', { class: 'muted', text: 'The outbox is empty.' })
        : table('Outbox', ['Destination', 'Events', 'Bytes', 'Oldest', 'Age'],
            view.outbox.map((d) => [d.destination, String(d.events), String(d.bytes), time(d.oldestCreatedAt), age(d.oldestCreatedAt)]), { class: 'outbox' }),
      view.deadLetters.length === 0 ? h('p', { class: 'muted', text: 'No dead letters.' })
        : table('Dead letters', ['Destination', 'Events', 'Oldest failure', 'Age', 'Reasons'],
            view.deadLetters.map((d) => [d.destination, String(d.events), time(d.oldestFailedAt), age(d.oldestFailedAt), counts(d.reasons)]), { class: 'dead-letters' }),
      replay,
      view.deadLetterRows.length === 0 ? null
        : h('details', {}, h('summary', { text: `Latest ${view.deadLetterRows.length} dead letter(s)` }),
            table(null, ['Id', 'Destination', 'Company', 'Reason', 'Failed', 'Attempts', 'Removed per rule'],
              view.deadLetterRows.map((r) => [String(r.id), r.destination, r.companyId, r.reason, time(r.failedAt), String(r.attempts), counts(r.findings)]))),
      isAdmin ? null : h('p', { class: 'muted', text: 'Read-only: replaying needs the admin token.' }));
  };
  fill(root, h('h1', { text: 'Outbox and dead letters' }), body);
  await reload();
}
