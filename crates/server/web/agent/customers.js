// Customer tabs: a contact's summary without a conversation.

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { dur, when } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { sessions, st, ui } from './state.js';
import { notice } from './notifications.js';
import { pastRows, showTranscript } from './past.js';
import { closeSession, renderEmpty, selectSession } from './sessions.js';
import { renderSummary } from './summary.js';
import { chan, listOf, nextN, personName } from './util.js';

// -------------------------------------------------------- opening things
export async function openAccount(accountId, caseId) {
  // An account opens on its primary contact: its first one.
  const r = await api('GET', '/api/v1/contacts?account_id=' + enc(accountId) + '&limit=1');
  const c = r.ok ? listOf(r.data)[0] : null;
  if (c) openCustomer(c.id, caseId, personName(c));
  else notice(r.ok ? t('accountNoContacts') : r.error, true);
}
export function openCase(k) {
  if (k.contact_id) openCustomer(k.contact_id, k.id, k.contact_name);
  else if (k.account_id) openAccount(k.account_id, k.id);
  else notice(t('caseNoCustomer'), true);
}
// A tab beside the work sessions (same tablist, same keys), closed by its
// own button.
export function browseTab(S, testid, grid) {
  const tabId = 'sb-tab-' + S.n, panelId = 'sb-panel-' + S.n;
  S.tabName = h('span', { class: 'tab-name' });
  S.tabChan = h('span', { class: 'tab-chan' });
  S.tab = h('button', { type: 'button', role: 'tab', id: tabId, 'aria-controls': panelId, 'aria-selected': 'false',
    tabindex: '-1', 'data-testid': 'browse-tab', 'data-tab': S.id, click: () => selectSession(S.id, false) },
  S.tabName, ' ', S.tabChan);
  S.panel = h('section', { role: 'tabpanel', id: panelId, 'aria-labelledby': tabId, class: 'session browse',
    'data-testid': testid, 'data-tab': S.id, hidden: true }, grid);
  sessions.set(S.id, S);
  ui.tabs.append(S.tab);
  ui.panels.append(S.panel);
  renderEmpty();
  selectSession(S.id, true);
}
export function closeButton(S) {
  return h('button', { type: 'button', 'data-testid': 'tab-close', click: () => {
    closeSession(S.id);
    if (!st.current) ui.search.focus();
  } }, t('closeTab'));
}
export function browseRecord(key, kind) {
  return { id: key, n: nextN(), kind, ui: {}, hint: {}, item: {}, summary: null, convId: null, seqs: new Map(),
    pending: new Map(), tlScope: 'all', tlItems: [], tlCursor: null, tlToken: 0, caseForm: null, done: new Set(),
    scriptStack: [], convTab: 'survey', ended: true, token: 0 };
}

// ------------------------------------------------------- customer tabs
export function openCustomer(contactId, caseId, name) {
  if (!contactId || !st.signedIn) return null;
  const key = 'contact:' + contactId;
  let S = sessions.get(key);
  if (S) {
    selectSession(key, true);
    if (caseId && caseId !== S.caseId) { S.caseId = caseId; loadCustomer(S); }
    return S;
  }
  S = browseRecord(key, 'customer');
  S.contactId = contactId;
  S.caseId = caseId || null;
  S.displayName = str(name);
  const u = S.ui;
  u.head = h('h2', { class: 'conv-title', 'data-testid': 'customer-tab-name' }, S.displayName || t('loading'));
  u.pastList = h('ul', { class: 'past-list', 'data-testid': 'customer-past' });
  u.pastTranscript = h('div', { class: 'transcript', 'data-testid': 'transcript' });
  u.conv = h('section', { class: 'pane conv customer-side', 'aria-label': t('customerRecord') },
    h('div', { class: 'conv-head' }, u.head, h('div', { class: 'actions' }, closeButton(S))),
    h('div', { class: 'side-body' },
      h('p', { class: 'muted', 'data-testid': 'no-conversation' }, t('noConversationHere')),
      h('h3', null, t('historyView')), u.pastList, u.pastTranscript));
  u.summary = h('section', { class: 'pane summary', 'data-testid': 'summary', 'aria-label': t('summary') },
    h('p', { class: 'muted' }, t('loading')));
  browseTab(S, 'customer-tab', h('div', { class: 'session-grid customer-grid' }, u.conv, u.summary));
  S.tabName.textContent = S.displayName || t('customerTab');
  S.tabChan.textContent = t('customerTab');
  loadCustomer(S);
  return S;
}
export async function loadCustomer(S) {
  const q = S.caseId ? '?case_id=' + enc(S.caseId) : '';
  const r = await api('GET', '/api/v1/contacts/' + enc(S.contactId) + '/summary' + q);
  if (S.closed) return;
  if (r.status === 422 && S.caseId) { S.caseId = null; loadCustomer(S); return; } // the case moved away
  if (!r.ok || !r.data) {
    S.ui.summary.textContent = '';
    S.ui.summary.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed', { e: r.error })),
      h('button', { type: 'button', click: () => loadCustomer(S) }, t('retry')));
    return;
  }
  S.summary = r.data;
  const c = r.data.customer && r.data.customer.contact;
  const name = personName(c) || str(c && (c.email || c.phone)) || t('customerTab');
  S.displayName = name;
  S.item = { customer_name: name };
  S.tabName.textContent = name;
  S.ui.head.textContent = name;
  renderSummary(S);
  caseOpeners(S);
  loadCustomerPast(S);
}
// Recent cases become the tab's current case on request.
function caseOpeners(S) {
  const currentId = S.summary.case && S.summary.case.id;
  S.ui.summary.querySelectorAll('[data-testid=recent-case]').forEach((li) => {
    const id = li.getAttribute('data-case');
    if (!id) return;
    const title = li.querySelector('.case-name') ? li.querySelector('.case-name').textContent : '';
    li.append(' ', id === currentId
      ? h('span', { class: 'badge', 'data-testid': 'current-case' }, t('currentCase'))
      : h('button', { type: 'button', class: 'link', 'data-testid': 'recent-case-open',
        'aria-label': t('openCaseNamed', { title }), click: async () => {
          S.caseId = id;
          await loadCustomer(S);
          const sec = S.ui.summary.querySelector('[data-testid=section-case] h3');
          if (sec) { sec.tabIndex = -1; sec.focus(); }
        } }, t('openCase')));
  });
}
async function loadCustomerPast(S) {
  const rows = await pastRows(S, { contact_id: S.contactId, limit: '20' }, null);
  if (S.closed || !rows) return;
  const list = S.ui.pastList;
  list.textContent = '';
  if (!rows.items.length) list.append(h('li', { class: 'muted' }, t('noPast')));
  rows.items.forEach((row) => list.append(h('li', { 'data-testid': 'past-item', 'data-id': row.id },
    h('button', { type: 'button', class: 'link', 'data-testid': 'past-open',
      'aria-label': t('showTranscriptNamed', { name: chan(row.channel), when: when(row.started_at) }),
      click: () => showTranscript(S, row, S.ui.pastTranscript) }, chan(row.channel) + ' · ' + when(row.started_at)),
    row.duration != null ? h('span', { class: 'muted' }, ' · ' + dur(row.duration)) : null)));
}
