// Canned responses: the panel under the composer and "/code" suggestions.

import { api } from '../lib/api.js';
import { h, put, slot } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { enc } from '../lib/url.js';
import { typed } from './conversation.js';
import { listOf, nextId } from './util.js';

// ------------------------------------------------------ canned responses
export function cannedPanel(S, id) {
  const searchId = nextId('canned-q');
  const u = S.ui;
  u.cannedSearch = h('input', { id: searchId, type: 'search', autocomplete: 'off', 'data-testid': 'canned-search',
    input: () => fetchCanned(S, u.cannedSearch.value.trim()),
    keydown: (e) => {
      if (e.key === 'Escape') { e.preventDefault(); closeCanned(S, true); }
      else if (e.key === 'ArrowDown') { const b = cannedButtons(S)[0]; if (b) { e.preventDefault(); b.focus(); } }
    } });
  u.cannedSearchRow = h('div', { class: 'canned-search' }, h('label', { for: searchId }, t('cannedSearch')), u.cannedSearch);
  u.cannedList = h('ul', { class: 'canned-list', 'aria-label': t('cannedList') });
  u.cannedEmpty = h('p', { class: 'muted' }, t('cannedNone'));
  return h('div', { id, class: 'canned', 'data-testid': 'canned-panel',
    keydown: (e) => {
      if (e.target === u.cannedSearch) return;
      const items = cannedButtons(S);
      const i = items.indexOf(document.activeElement);
      if (e.key === 'Escape') { e.preventDefault(); closeCanned(S, true); }
      else if (i >= 0 && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
        e.preventDefault();
        const j = i + (e.key === 'ArrowDown' ? 1 : -1);
        if (j >= 0 && j < items.length) items[j].focus();
        else if (j < 0) (S.canned && S.canned.mode === 'search' ? u.cannedSearch : u.composer).focus();
      }
    } },
  slot(u.cannedSearchRow), u.cannedList, slot(u.cannedEmpty));
}
export function cannedButtons(S) {
  return Array.from(S.ui.cannedList.querySelectorAll('[data-testid=canned-item]'));
}
export function toggleCanned(S) {
  if (S.canned && S.canned.mode === 'search') closeCanned(S, true);
  else {
    openCanned(S, 'search', '');
    S.ui.cannedSearch.value = '';
    S.ui.cannedSearch.focus();
  }
}
export function openCanned(S, mode, q) {
  const u = S.ui;
  if (!S.canned || S.canned.mode !== mode) S.canned = { mode, q: null, items: [], token: 0, t: 0 };
  put(u.cannedSearchRow, mode === 'search');
  put(u.canned, true);
  u.composer.setAttribute('aria-controls', u.canned.id);
  u.cannedBtn.setAttribute('aria-controls', u.canned.id);
  u.cannedBtn.setAttribute('aria-expanded', String(mode === 'search'));
  fetchCanned(S, q);
}
export function closeCanned(S, focusBack) {
  if (!S.canned) return;
  clearTimeout(S.canned.t);
  const mode = S.canned.mode;
  S.canned = null;
  put(S.ui.canned, false);
  S.ui.composer.removeAttribute('aria-controls');
  S.ui.cannedBtn.removeAttribute('aria-controls');
  S.ui.cannedBtn.setAttribute('aria-expanded', 'false');
  if (focusBack) (mode === 'search' ? S.ui.cannedBtn : S.ui.composer).focus();
}
function fetchCanned(S, q) {
  const c = S.canned;
  if (!c || c.q === q) return;
  c.q = q;
  clearTimeout(c.t);
  const token = ++c.token;
  c.t = setTimeout(async () => {
    const r = await api('GET', '/api/v1/canned-responses?q=' + enc(q));
    if (S.canned !== c || c.token !== token) return;
    c.items = r.ok ? listOf(r.data) : [];
    renderCanned(S, r.ok ? '' : r.error);
  }, 120);
}
function renderCanned(S, error) {
  const u = S.ui, c = S.canned;
  u.cannedList.textContent = '';
  c.items.forEach((x) => {
    u.cannedList.append(h('li', null, h('button', { type: 'button', class: 'canned-item', 'data-testid': 'canned-item',
      'data-code': str(x.code), click: () => insertCanned(S, x) },
    h('span', { class: 'canned-code' }, '/' + str(x.code)), ' ',
    h('span', { class: 'canned-title' }, str(x.title)),
    h('span', { class: 'canned-body' }, str(x.body)))));
  });
  u.cannedEmpty.textContent = error || t('cannedNone');
  put(u.cannedEmpty, !c.items.length);
}
export function insertCanned(S, x) {
  const ta = S.ui.composer;
  const body = str(x.body);
  let start = ta.selectionStart, end = ta.selectionEnd;
  if (S.canned && S.canned.mode === 'slash' && S.slashStart != null && S.slashStart <= start) start = S.slashStart;
  if (document.activeElement !== ta && S.canned && S.canned.mode === 'search' && start === 0 && end === 0) {
    start = end = ta.value.length; // nothing selected: append
  }
  ta.value = ta.value.slice(0, start) + body + ta.value.slice(end);
  const caret = start + body.length;
  closeCanned(S);
  S.slashStart = null;
  ta.focus();
  ta.setSelectionRange(caret, caret);
  typed(S);
}
