// Sessions: one tab per accepted work item (and, beside them, the
// browsing tabs), with the tablist's keys.

import { h, put } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { sessions, st, ui, wantFocus } from './state.js';
import { callNumber, isCall } from './calls.js';
import { buildChat } from './conversation.js';
import { command } from './socket.js';
import { loadSummary } from './summary.js';
import { chan, nextN, personName } from './util.js';

// =========================================================== sessions

export function renderEmpty() {
  put(ui.empty, sessions.size === 0);
}
export function openSession(id, hint) {
  if (!id || !st.signedIn) return null;
  const focus = wantFocus.delete(id);
  let S = sessions.get(id);
  if (S) {
    if (focus) selectSession(id, true);
    return S;
  }
  hint = hint || {};
  const n = nextN();
  S = {
    id, n, hint, summary: null, item: hint, convId: (hint.attributes && hint.attributes.conversation_id) || null,
    seqs: new Map(), lastSeq: 0, pending: new Map(), ended: false, wrapUp: hint.status === 'wrap_up', endedBy: null,
    typingOn: false, typingAt: 0, idleT: 0, visitorTypingT: 0, historyLoaded: false, loadingMsgs: false, reloadMsgs: false,
    convTab: 'survey', tlScope: 'all', tlItems: [], tlCursor: null, tlToken: 0, caseForm: null,
    done: new Set(), scriptStack: [], scriptStatus: '', focusComposer: focus, chatBuilt: false, canned: null
  };
  const tabId = 'sb-tab-' + n, panelId = 'sb-panel-' + n;
  S.tabName = h('span', { class: 'tab-name' });
  S.tabChan = h('span', { class: 'tab-chan' });
  S.tab = h('button', { type: 'button', role: 'tab', id: tabId, 'aria-controls': panelId, 'aria-selected': 'false',
    tabindex: '-1', 'data-testid': 'session-tab', 'data-work-item': id,
    click: () => selectSession(id, false) }, S.tabName, ' ', S.tabChan);
  S.ui = {};
  S.ui.conv = h('section', { class: 'pane conv', 'aria-label': t('conversation') }, h('p', { class: 'muted' }, t('loading')));
  S.ui.summary = h('section', { class: 'pane summary', 'data-testid': 'summary', 'aria-label': t('summary') },
    h('p', { class: 'muted' }, t('loading')));
  S.ui.script = h('section', { class: 'pane script', 'data-testid': 'script', 'aria-label': t('script') });
  S.panel = h('section', { role: 'tabpanel', id: panelId, 'aria-labelledby': tabId, class: 'session',
    'data-testid': 'session', 'data-work-item': id, hidden: true },
    h('div', { class: 'session-grid' }, S.ui.conv, S.ui.summary, S.ui.script));
  sessions.set(id, S);
  ui.tabs.append(S.tab);
  ui.panels.append(S.panel);
  updateTabLabel(S);
  renderEmpty();
  if (focus || !st.current) selectSession(id, focus);
  if (S.convId) buildChat(S);
  loadSummary(S);
  return S;
}
export function updateTabLabel(S) {
  const sum = S.summary;
  const name = (sum && sum.customer && personName(sum.customer.contact)) || str(S.item.customer_name) ||
    str(S.hint.customer_name) || (isCall(S) && callNumber(S)) || t('newVisitor');
  const channel = (sum && sum.work_item && sum.work_item.channel) || S.item.channel || S.hint.channel;
  S.tabName.textContent = name;
  S.tabChan.textContent = chan(channel);
  S.displayName = name;
  if (S.ui.convTitle) S.ui.convTitle.textContent = name;
}
export function selectSession(id, focusTab) {
  const S = sessions.get(id);
  if (!S) return;
  st.current = id;
  sessions.forEach((x) => {
    const on = x === S;
    x.tab.setAttribute('aria-selected', String(on));
    x.tab.tabIndex = on ? 0 : -1;
    x.panel.hidden = !on;
  });
  S.tab.removeAttribute('data-unread');
  if (focusTab) S.tab.focus();
}
export function closeSession(id) {
  const S = sessions.get(id);
  if (!S) return;
  const tabs = Array.from(sessions.keys());
  const i = tabs.indexOf(id);
  const hadFocus = S.panel.contains(document.activeElement) || S.tab === document.activeElement;
  if (S.typingOn) command({ type: 'typing', conversation_id: S.convId, typing: false });
  clearTimeout(S.idleT);
  clearTimeout(S.visitorTypingT);
  clearTimeout(S.callT);
  S.closed = true;
  sessions.delete(id);
  S.tab.remove();
  S.panel.remove();
  if (st.current === id) {
    st.current = null;
    const next = tabs[i + 1] || tabs[i - 1];
    if (next && sessions.has(next)) selectSession(next, hadFocus);
    else if (hadFocus && st.signedIn) ui.main.focus();
  }
  renderEmpty();
}
export function tabKeys(e) {
  const list = e.currentTarget;
  const tabs = Array.from(list.querySelectorAll(':scope > [role=tab]'));
  const i = tabs.indexOf(document.activeElement);
  if (i < 0) return;
  let j = null;
  if (e.key === 'ArrowRight' || e.key === 'ArrowDown') j = (i + 1) % tabs.length;
  else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') j = (i - 1 + tabs.length) % tabs.length;
  else if (e.key === 'Home') j = 0;
  else if (e.key === 'End') j = tabs.length - 1;
  if (j == null) return;
  e.preventDefault();
  tabs[j].focus();
  tabs[j].click();
}
