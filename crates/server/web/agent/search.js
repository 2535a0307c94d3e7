// Browsing, and its search box in the header.

import { api } from '../lib/api.js';
import { $, h } from '../lib/dom.js';
import { label, t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { enc } from '../lib/url.js';
import { st, ui } from './state.js';
import { openAccount, openCase, openCustomer } from './customers.js';
import { listOf, nextId, personName } from './util.js';
import { openView } from './views.js';

// ============================================================ browsing
// What an agent reaches without an offer (docs/workspace.md, "Browsing"):
// the header's search (contacts, accounts, cases), customer tabs (the
// summary of a contact without a conversation: nothing is routed and it
// is not work), the case list with filters, and past conversations with
// their transcripts. Customer tabs and views live in `sessions` beside
// the work sessions, under keys that are not work item ids.
const browse = { token: 0, timer: 0, options: [], active: -1 };
export const supervises = () => !!st.me && Array.isArray(st.me.roles) && st.me.roles.some((r) => r === 'admin' || r === 'supervisor');

export function initBrowse() {
  Object.assign(ui, {
    search: $('search'), searchPop: $('search-pop'), searchList: $('search-results'), searchStatus: $('search-status'),
    openCases: $('open-cases'), openHistory: $('open-history')
  });
  ui.search.placeholder = t('searchPh');
  ui.search.addEventListener('input', searchSoon);
  ui.search.addEventListener('keydown', searchKeys);
  ui.search.addEventListener('blur', () => setTimeout(() => {
    if (document.activeElement !== ui.search) closeSearch();
  }, 150));
  // Choosing with the mouse keeps the focus in the box.
  ui.searchList.addEventListener('mousedown', (e) => e.preventDefault());
  ui.openCases.addEventListener('click', () => openView('cases'));
  ui.openHistory.addEventListener('click', () => openView('history'));
  // "/" anywhere but in a text field goes to the search.
  document.addEventListener('keydown', (e) => {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || !st.signedIn) return;
    const el = e.target;
    if (el && (el.isContentEditable || /^(INPUT|TEXTAREA)$/.test(el.tagName))) return;
    e.preventDefault();
    ui.search.focus();
    ui.search.select();
  });
}

// -------------------------------------------------------------- search
function searchSoon() {
  clearTimeout(browse.timer);
  const q = ui.search.value.trim();
  if (!q) { closeSearch(); return; }
  browse.timer = setTimeout(() => runSearch(q), 200);
}
async function runSearch(q) {
  clearTimeout(browse.timer);
  const token = ++browse.token;
  ui.searchPop.hidden = false;
  ui.searchStatus.textContent = t('searching');
  const qs = '?q=' + enc(q) + '&limit=5';
  const answers = await Promise.all(['contacts', 'accounts', 'cases'].map((p) => api('GET', '/api/v1/' + p + qs)));
  if (token !== browse.token || !st.signedIn) return;
  const [contacts, accounts, cases] = answers;
  renderSearch([
    ['contacts', contacts, (c) => ({
      text: personName(c) || str(c.email) || str(c.phone) || c.id,
      detail: [c.email, c.phone].map(str).filter(Boolean).join(' · '),
      open: () => openCustomer(c.id, null, personName(c))
    })],
    ['accounts', accounts, (a) => ({
      text: str(a.name) || a.id, detail: str(a.city), open: () => openAccount(a.id, null)
    })],
    ['cases', cases, (k) => ({
      text: str(k.title) || k.id,
      detail: [str(k.contact_name), label('st_', k.status)].filter(Boolean).join(' · '),
      open: () => openCase(k)
    })]
  ], answers.find((r) => !r.ok));
}
function renderSearch(groups, failed) {
  ui.searchList.textContent = '';
  browse.options = [];
  browse.active = -1;
  ui.search.removeAttribute('aria-activedescendant');
  groups.forEach(([key, r, fmt]) => {
    const items = r.ok ? listOf(r.data) : [];
    if (!items.length) return;
    const title = t('g_' + key);
    const group = h('div', { role: 'group', class: 'search-group', 'aria-label': title, 'data-group': key },
      h('div', { class: 'search-group-title', 'aria-hidden': 'true' }, title));
    items.forEach((x) => {
      const f = fmt(x);
      const opt = h('div', { role: 'option', id: nextId('opt'), class: 'search-option', 'aria-selected': 'false',
        'data-testid': 'search-option', 'data-kind': key, 'data-id': str(x.id),
        click: () => pickOption(browse.options.indexOf(opt)) },
      h('span', { class: 'opt-text' }, f.text), f.detail ? h('span', { class: 'opt-detail' }, f.detail) : null);
      opt.sbOpen = f.open;
      browse.options.push(opt);
      group.append(opt);
    });
    ui.searchList.append(group);
  });
  const n = browse.options.length;
  ui.searchList.hidden = !n;
  ui.search.setAttribute('aria-expanded', String(n > 0));
  ui.searchStatus.textContent = failed ? t('loadFailed', { e: failed.error })
    : n ? t(n === 1 ? 'searchCountOne' : 'searchCount', { n }) : t('noResults');
  ui.searchStatus.classList.toggle('error', !!failed);
}
function searchKeys(e) {
  const n = browse.options.length;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    if (ui.searchPop.hidden) { if (ui.search.value.trim()) runSearch(ui.search.value.trim()); return; }
    if (!n) return;
    const d = e.key === 'ArrowDown' ? 1 : -1;
    setActive(browse.active < 0 ? (d > 0 ? 0 : n - 1) : (browse.active + d + n) % n);
  } else if (e.key === 'Enter') {
    e.preventDefault();
    if (browse.active >= 0) pickOption(browse.active);
    else if (ui.search.value.trim()) runSearch(ui.search.value.trim());
  } else if (e.key === 'Escape') {
    if (!ui.searchPop.hidden) { e.preventDefault(); closeSearch(); }
    else if (ui.search.value) { e.preventDefault(); ui.search.value = ''; }
  }
}
function setActive(i) {
  browse.active = i;
  browse.options.forEach((o, j) => {
    o.setAttribute('aria-selected', String(j === i));
    o.classList.toggle('active', j === i);
  });
  const o = browse.options[i];
  if (o) {
    ui.search.setAttribute('aria-activedescendant', o.id);
    o.scrollIntoView({ block: 'nearest' });
  } else ui.search.removeAttribute('aria-activedescendant');
}
export function closeSearch() {
  clearTimeout(browse.timer);
  browse.token++;
  browse.options = [];
  browse.active = -1;
  ui.searchPop.hidden = true;
  ui.searchList.textContent = '';
  ui.searchStatus.textContent = '';
  ui.search.setAttribute('aria-expanded', 'false');
  ui.search.removeAttribute('aria-activedescendant');
}
function pickOption(i) {
  const o = browse.options[i];
  if (!o) return;
  const open = o.sbOpen;
  closeSearch();
  open();
}
