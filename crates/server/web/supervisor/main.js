// The supervisors' live dashboard (/supervisor): queues, agents and the
// ongoing work items, kept live by the socket (/api/v1/ws) — never
// polled — and reloaded through the API on every (re)connection and
// resync. One module per section (queues.js, agents.js, items.js, trend.js); the
// state and the events in state.js. Supervisors and admins only: the API
// refuses anyone else, and the page says so. Text from the server is only
// ever set as textContent.

import { api, onUnauthorized, setCsrf } from '../lib/api.js';
import { $, h } from '../lib/dom.js';
import { browserLanguages, langParam, pickLanguage, setLanguage, t, translatePage, useTexts } from '../lib/i18n.js';
import { liveSocket } from '../lib/socket.js';
import en from '../i18n/supervisor.en.js';
import fr from '../i18n/supervisor.fr.js';
import es from '../i18n/supervisor.es.js';
import { onChange, onMessage, st } from './state.js';
import { queuesSection } from './queues.js';
import { agentsSection } from './agents.js';
import { itemsSection } from './items.js';
import { trendSection } from './trend.js';
import { tick } from './util.js';

useTexts({ en, fr, es });
setLanguage(pickLanguage(langParam(), ...browserLanguages()));
translatePage();
document.title = t('pageTitle');

let socket = null;

function signedOut(text) {
  if (socket) socket.close();
  socket = null;
  $('screen').replaceChildren();
  $('conn').hidden = true;
  $('signed-out').hidden = false;
  if (text) {
    $('signed-out').querySelector('h1').textContent = text;
    $('signed-out-text').textContent = t('signedOut');
  }
}

function setConn(state) {
  const el = $('conn');
  el.setAttribute('data-state', state);
  el.textContent = t('c_' + state);
}

async function start() {
  onUnauthorized(() => signedOut());
  const r = await api('GET', '/api/v1/session');
  if (!r.ok || !r.data) return signedOut();
  const roles = Array.isArray(r.data.roles) ? r.data.roles : [];
  setCsrf(r.data.csrf_token);
  $('who').textContent = r.data.agent ? r.data.agent.name : t('apiToken');
  if (!roles.includes('admin') && !roles.includes('supervisor')) return signedOut(t('notAllowed'));

  const title = h('h1', { tabindex: '-1', 'data-testid': 'title' }, t('heading'));
  const ctx = {
    say(text) { $('status').textContent = text; },
    focusList() { $('items-title').setAttribute('tabindex', '-1'); $('items-title').focus(); }
  };
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'load-error' });
  const queues = queuesSection();
  const agents = agentsSection();
  const items = itemsSection(ctx);
  const trend = trendSection();
  const root = h('div', { 'data-screen': 'supervisor', 'aria-busy': 'true' },
    title, h('p', { class: 'muted' }, t('intro')), $('status'), error, queues.section, items.section, agents.section, trend.section);
  $('screen').replaceChildren(root);
  onChange(() => {
    error.textContent = st.error;
    queues.render();
    agents.render();
    items.render();
    trend.render();
    if (st.loaded) {
      root.removeAttribute('aria-busy');
      root.setAttribute('data-ready', '');
    }
  });
  // A new action makes the last success message stale.
  root.addEventListener('click', (ev) => { if (ev.target.closest('button')) $('status').textContent = ''; }, true);
  setInterval(() => tick(root), 1000);
  socket = liveSocket(onMessage, setConn);
  // For tests and the curious: drop the socket (it reconnects and reloads).
  window.sbSupervisorSocket = socket;
}

start();
