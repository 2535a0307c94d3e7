// The timeline: filters, pages, quick notes.

import { api } from '../lib/api.js';
import { h, put, slot } from '../lib/dom.js';
import { label, t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { timeEl } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { st } from './state.js';
import { section } from './summary.js';
import { formError, listOf, nextId } from './util.js';

// ------------------------------------------------------------ timeline
const SCOPES = ['all', 'customer', 'case', 'conversation'];
export function timelineSection(S) {
  const sum = S.summary;
  const contact = sum.customer && sum.customer.contact;
  const u = S.ui;
  u.tlList = h('ol', { class: 'timeline', 'data-testid': 'timeline', 'aria-live': 'polite' });
  u.tlMore = h('button', { type: 'button', 'data-testid': 'timeline-more', click: () => fetchTimeline(S, S.tlScope, S.tlCursor) }, t('loadMore'));
  u.tlEmpty = h('p', { class: 'muted' }, t('noActivity'));
  u.tlErr = h('p', { class: 'error', role: 'alert' });
  const filters = h('div', { class: 'filters', role: 'group', 'aria-label': t('filter') });
  u.tlFilters = SCOPES.map((scope) => {
    const disabled = !contact || (scope === 'conversation' && !sum.conversation);
    const b = h('button', { type: 'button', 'data-testid': 'timeline-filter', 'data-scope': scope,
      'aria-pressed': String(scope === S.tlScope), disabled, click: () => {
        if (S.tlScope === scope) return;
        S.tlScope = scope;
        u.tlFilters.forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
        fetchTimeline(S, scope, null);
      } }, t('sc_' + scope));
    filters.append(b);
    return b;
  });
  const kids = [filters];
  if (contact) kids.push(noteForm(S));
  kids.push(slot(u.tlErr), u.tlList, slot(u.tlEmpty), slot(u.tlMore));
  const sec = section('section-timeline', t('timeline'), kids);
  if (S.tlScope === 'all' || !contact) {
    S.tlScope = 'all';
    u.tlFilters.forEach((x) => x.setAttribute('aria-pressed', String(x.getAttribute('data-scope') === 'all')));
    const tl = sum.timeline || {};
    S.tlItems = [];
    S.tlCursor = tl.next_cursor || null;
    S.tlToken++;
    appendTimeline(S, listOf(tl), false);
  } else fetchTimeline(S, S.tlScope, null);
  return sec;
}
export async function fetchTimeline(S, scope, cursor) {
  const sum = S.summary;
  const contact = sum.customer && sum.customer.contact;
  if (!contact) return;
  const q = new URLSearchParams({ scope });
  if (scope === 'case' && sum.case) q.set('case_id', sum.case.id);
  if ((scope === 'conversation' || scope === 'all') && sum.conversation) q.set('conversation_id', sum.conversation.id);
  if (cursor) q.set('cursor', cursor);
  const token = ++S.tlToken;
  const u = S.ui;
  u.tlMore.disabled = true;
  const r = await api('GET', '/api/v1/contacts/' + enc(contact.id) + '/timeline?' + q);
  if (S.closed || token !== S.tlToken) return;
  u.tlMore.disabled = false;
  put(u.tlErr, !r.ok);
  if (!r.ok) { u.tlErr.textContent = r.error; return; }
  if (!cursor) { S.tlItems = []; u.tlList.textContent = ''; }
  S.tlCursor = (r.data && r.data.next_cursor) || null;
  appendTimeline(S, listOf(r.data), false);
}
// The timeline as it is now, keeping the chosen filter (after anything
// that wrote activities).
export function refreshTimeline(S) {
  if (S.closed || !S.summary || !S.ui.tlList) return;
  fetchTimeline(S, S.tlScope, null);
}
function appendTimeline(S, items, atTop) {
  const u = S.ui;
  items.forEach((a) => {
    if (a.id && S.tlItems.some((x) => x.id === a.id)) return;
    const li = timelineItem(a);
    if (atTop) { S.tlItems.unshift(a); u.tlList.prepend(li); } else { S.tlItems.push(a); u.tlList.append(li); }
  });
  put(u.tlEmpty, !S.tlItems.length);
  put(u.tlMore, !!S.tlCursor);
}
function timelineItem(a) {
  const kind = str(a.kind);
  const author = str(a.author_name || a.author);
  const at = a.occurred_at || a.created_at || a.at;
  return h('li', { class: 'tl-item', 'data-testid': 'timeline-item', 'data-kind': kind },
    h('div', { class: 'tl-head' }, h('span', { class: 'tl-kind' }, label('k_', kind)),
      author ? h('span', { class: 'tl-author' }, t('by', { name: author })) : null, timeEl(at)),
    a.subject ? h('strong', { class: 'tl-subject' }, str(a.subject)) : null,
    a.body ? h('p', { class: 'tl-body' }, str(a.body)) : null);
}
function noteForm(S) {
  const id = nextId('note');
  const input = h('textarea', { id, rows: '2', maxlength: '10000', 'data-testid': 'note-input' });
  const err = formError();
  const submit = h('button', { type: 'submit', 'data-testid': 'note-submit' }, t('addNote'));
  return h('form', { class: 'stack-form note-form', 'data-testid': 'note-form', submit: async (e) => {
    e.preventDefault();
    const body = input.value.trim();
    if (!body) { input.focus(); return; }
    const sum = S.summary;
    const payload = { kind: 'note', contact_id: sum.customer.contact.id, body };
    if (sum.case) payload.case_id = sum.case.id;
    if (sum.conversation) payload.conversation_id = sum.conversation.id;
    submit.disabled = true;
    const r = await api('POST', '/api/v1/activities', payload);
    submit.disabled = false;
    if (!r.ok) { err.textContent = r.error; return; }
    err.textContent = '';
    input.value = '';
    const a = r.data && typeof r.data === 'object' && r.data.kind ? r.data
      : { kind: 'note', body, author_name: st.me && st.me.name, occurred_at: new Date().toISOString() };
    appendTimeline(S, [a], true);
  } },
  h('label', { for: id }, t('quickNote')), input, err, h('div', { class: 'card-actions' }, submit));
}
