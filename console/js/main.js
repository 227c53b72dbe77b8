import { api, ApiError, setCsrf } from './api.js';
import { announce, fill, h } from './dom.js';
import { renderAudit } from './pages/audit.js';
import { renderConsent } from './pages/consent.js';
import { renderDryRun } from './pages/dry-run.js';
import { renderEgress } from './pages/egress.js';
import { renderOutbox } from './pages/outbox.js';
import { renderRules } from './pages/rules.js';
import { renderStats } from './pages/stats.js';
import { renderSubjects } from './pages/subjects.js';

const PAGES = {
  rules: renderRules,
  'dry-run': renderDryRun,
  egress: renderEgress,
  consent: renderConsent,
  outbox: renderOutbox,
  subjects: renderSubjects,
  stats: renderStats,
  audit: renderAudit,
};

const state = { role: null };

function showSignIn(message = '') {
  state.role = null;
  document.getElementById('sign-in').hidden = false;
  document.getElementById('nav').hidden = true;
  document.getElementById('who').hidden = true;
  document.getElementById('sign-out').hidden = true;
  fill(document.getElementById('page'));
  document.getElementById('sign-in-error').textContent = message;
  document.getElementById('token').focus();
}

function showConsole(role) {
  state.role = role;
  document.body.dataset.role = role;
  document.getElementById('sign-in').hidden = true;
  document.getElementById('nav').hidden = false;
  const who = document.getElementById('who');
  who.hidden = false;
  who.textContent = role === 'admin' ? 'Signed in as admin' : 'Signed in as auditor (read-only)';
  document.getElementById('sign-out').hidden = false;
  for (const item of document.querySelectorAll('[data-admin-only]')) item.hidden = role !== 'admin';
  void route();
}

async function route() {
  if (state.role === null) return;
  let name = location.hash.replace(/^#/, '') || 'rules';
  if (!(name in PAGES) || (name === 'subjects' && state.role !== 'admin')) name = 'rules';
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.page === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const page = document.getElementById('page');
  fill(page, h('p', { class: 'muted', text: 'Loading…' }));
  try {
    await PAGES[name](page, { role: state.role, isAdmin: state.role === 'admin' });
    document.title = `${page.querySelector('h1')?.textContent ?? 'Console'} — scrub-relay console`;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showSignIn('Your session has ended; sign in again.');
    fill(page, h('p', { class: 'error', role: 'alert', text: `Could not load this page: ${error.message}` }));
  }
}

async function signIn(event) {
  event.preventDefault();
  const input = document.getElementById('token');
  const token = input.value;
  // The token leaves the page at once: it is neither kept nor shown after this request.
  input.value = '';
  try {
    const session = await api('session', { method: 'POST', body: { token } });
    setCsrf(session.csrf);
    announce(`Signed in as ${session.role}.`);
    showConsole(session.role);
    document.getElementById('main').focus();
  } catch (error) {
    showSignIn(error.status === 401 ? 'That token was not accepted.' : error.message);
  }
}

async function signOut() {
  try {
    await api('session/end', { method: 'POST' });
  } finally {
    setCsrf('');
    announce('Signed out.');
    showSignIn();
  }
}

async function start() {
  document.getElementById('sign-in-form').addEventListener('submit', signIn);
  document.getElementById('sign-out').addEventListener('click', signOut);
  window.addEventListener('hashchange', () => void route());
  try {
    const session = await api('session');
    setCsrf(session.csrf);
    showConsole(session.role);
  } catch {
    showSignIn();
  }
}

void start();
