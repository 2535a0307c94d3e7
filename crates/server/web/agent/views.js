// The case list and past conversations views.

import { api } from '../lib/api.js';
import { h, put, slot } from '../lib/dom.js';
import { label, t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { dur, timeEl, when } from '../lib/time.js';
import { sessions, st } from './state.js';
import { PRIORITIES, STATUSES } from './cases.js';
import { browseRecord, browseTab, closeButton, openCase } from './customers.js';
import { pastRows, showTranscript } from './past.js';
import { supervises } from './search.js';
import { selectSession } from './sessions.js';
import { chan, dash, listOf, nextId } from './util.js';

// --------------------------------------------------------------- views
export function openView(kind) {
  if (!st.signedIn) return;
  const key = 'view:' + kind;
  if (sessions.has(key)) { selectSession(key, true); return; }
  const S = browseRecord(key, kind);
  const title = t(kind === 'cases' ? 'casesView' : 'historyView');
  S.ui.body = h('div', { class: 'view-body' });
  browseTab(S, kind === 'cases' ? 'cases-view' : 'history-view',
    h('div', { class: 'view' }, h('div', { class: 'conv-head view-head' }, h('h2', null, title),
      h('div', { class: 'actions' }, closeButton(S))), S.ui.body));
  S.tabName.textContent = title;
  if (kind === 'cases') buildCases(S); else buildHistory(S);
}
function labelled(text, control) {
  const id = nextId('bf');
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, text), control);
}
function buildCases(S) {
  const opts = (values, prefix, first) => [h('option', { value: '' }, first)]
    .concat(values.map((v) => h('option', { value: v }, t(prefix + v))));
  const f = S.cf = {
    status: h('select', { 'data-testid': 'cases-status' }, opts(STATUSES, 'st_', t('any'))),
    priority: h('select', { 'data-testid': 'cases-priority' }, opts(PRIORITIES, 'pr_', t('any'))),
    owner: h('select', { 'data-testid': 'cases-owner' }, h('option', { value: '' }, t('ownerAnyone')),
      h('option', { value: 'me' }, t('ownerMe'))),
    q: h('input', { type: 'search', maxlength: '200', autocomplete: 'off', 'data-testid': 'cases-q' })
  };
  f.status.value = 'active';
  [f.status, f.priority, f.owner].forEach((x) => x.addEventListener('change', () => loadCases(S, false)));
  const form = h('form', { class: 'filters-form', role: 'search', 'aria-label': t('caseFilters'), 'data-testid': 'cases-filters',
    submit: (e) => { e.preventDefault(); loadCases(S, false); } },
  labelled(t('status'), f.status), labelled(t('priority'), f.priority), labelled(t('owner'), f.owner),
  labelled(t('searchText'), f.q), h('button', { type: 'submit', class: 'primary', 'data-testid': 'cases-apply' }, t('apply')));
  S.ui.count = h('p', { class: 'muted', role: 'status', 'data-testid': 'cases-count' });
  S.ui.rows = h('tbody');
  S.ui.more = h('button', { type: 'button', 'data-testid': 'cases-more', click: () => loadCases(S, true) }, t('loadMore'));
  const head = [t('caseTitle'), t('customerCol'), t('priority'), t('status'), t('owner'), t('updated')];
  S.ui.body.append(form, S.ui.count,
    h('div', { class: 'table-wrap' }, h('table', { class: 'list', 'data-testid': 'cases-table' },
      h('caption', { class: 'sr-only' }, t('casesView')),
      h('thead', null, h('tr', null, head.map((x) => h('th', { scope: 'col' }, x)))), S.ui.rows)),
    slot(S.ui.more));
  loadCases(S, false);
}
async function loadCases(S, more) {
  const f = S.cf;
  const q = new URLSearchParams({ limit: '50' });
  if (f.status.value) q.set('status', f.status.value);
  if (f.priority.value) q.set('priority', f.priority.value);
  if (f.owner.value) q.set('owner_id', f.owner.value);
  if (f.q.value.trim()) q.set('q', f.q.value.trim());
  if (more && S.cursor) q.set('cursor', S.cursor);
  const token = ++S.token;
  const r = await api('GET', '/api/v1/cases?' + q);
  if (S.closed || token !== S.token) return;
  S.ui.count.classList.toggle('error', !r.ok);
  if (!r.ok) { S.ui.count.textContent = t('loadFailed', { e: r.error }); return; }
  if (!more) { S.ui.rows.textContent = ''; S.shown = 0; }
  listOf(r.data).forEach((k) => {
    S.shown++;
    S.ui.rows.append(h('tr', { 'data-testid': 'case-row', 'data-case': str(k.id) },
      h('td', null, h('button', { type: 'button', class: 'link', 'data-testid': 'case-open', click: () => openCase(k) }, str(k.title))),
      h('td', null, dash(k.contact_name)), h('td', null, label('pr_', k.priority)), h('td', null, label('st_', k.status)),
      h('td', null, dash(k.owner_name)), h('td', null, timeEl(k.updated_at) || '')));
  });
  S.cursor = (r.data && r.data.next_cursor) || null;
  put(S.ui.more, !!S.cursor);
  S.ui.count.textContent = S.shown ? t(S.shown === 1 ? 'casesCountOne' : 'casesCount', { n: S.shown }) : t('noCases');
}
function buildHistory(S) {
  S.ui.count = h('p', { class: 'muted', role: 'status', 'data-testid': 'history-count' });
  S.ui.rows = h('tbody');
  S.ui.more = h('button', { type: 'button', 'data-testid': 'history-more', click: () => loadHistory(S, true) }, t('loadMore'));
  S.ui.transcript = h('section', { class: 'pane transcript', 'data-testid': 'transcript', 'aria-label': t('transcript') },
    h('p', { class: 'muted' }, t('pickConversation')));
  const head = [t('customerCol'), t('channel'), t('started'), t('duration')]
    .concat(supervises() ? [t('agent')] : [], [t('transcript')]);
  S.ui.body.append(h('div', { class: 'history-grid' },
    h('div', { class: 'history-list' }, S.ui.count,
      h('div', { class: 'table-wrap' }, h('table', { class: 'list', 'data-testid': 'history-table' },
        h('caption', { class: 'sr-only' }, t('historyView')),
        h('thead', null, h('tr', null, head.map((x) => h('th', { scope: 'col' }, x)))), S.ui.rows)),
      slot(S.ui.more)),
    S.ui.transcript));
  S.past = {};
  S.rowsShown = [];
  loadHistory(S, false);
}
async function loadHistory(S, more) {
  const token = ++S.token;
  const res = await pastRows(S.past, { limit: '25' }, more);
  if (S.closed || token !== S.token) return;
  S.ui.count.classList.toggle('error', !!res.error);
  if (res.error) { S.ui.count.textContent = t('loadFailed', { e: res.error }); return; }
  S.rowsShown = (more ? S.rowsShown : []).concat(res.items);
  S.rowsShown.sort((x, y) => String(y.started_at).localeCompare(String(x.started_at)));
  S.ui.rows.textContent = '';
  S.rowsShown.forEach((row) => {
    const cells = [
      h('td', null, row.name), h('td', null, chan(row.channel)), h('td', null, timeEl(row.started_at) || ''),
      h('td', null, row.duration != null ? dur(row.duration) : '—')
    ];
    if (supervises()) cells.push(h('td', null, dash(row.agent)));
    cells.push(h('td', null, h('button', { type: 'button', class: 'link', 'data-testid': 'history-open',
      'aria-label': t('showTranscriptNamed', { name: row.name, when: when(row.started_at) }),
      click: () => showTranscript(S, row, S.ui.transcript) }, t('showTranscript'))));
    S.ui.rows.append(h('tr', { 'data-testid': 'history-row', 'data-id': row.id, 'data-type': row.type }, cells));
  });
  put(S.ui.more, !!(S.past.convCursor || S.past.callCursor));
  const n = S.rowsShown.length;
  S.ui.count.textContent = n ? t(n === 1 ? 'pastCountOne' : 'pastCount', { n }) : t('noPast');
}
