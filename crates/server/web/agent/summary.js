// The customer summary: the customer, the conversation's details
// (survey, journey, visitor, context), and the cards below them.

import { api } from '../lib/api.js';
import { h, put, slot } from '../lib/dom.js';
import { label, t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { date, dur, timeEl } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { callContactActions, isCall, linkCallContact } from './calls.js';
import { caseSection, recentCasesSection } from './cases.js';
import { buildChat, buildNonChat, markEnded, renderChatState } from './conversation.js';
import { loadCustomer } from './customers.js';
import { meetingsSection } from './meetings.js';
import { notice } from './notifications.js';
import { renderScriptFromSummary } from './script.js';
import { tabKeys, updateTabLabel } from './sessions.js';
import { timelineSection } from './timeline.js';
import { chan, dash, dl, link, listOf, nextId, personName } from './util.js';

// ============================================================= summary
export async function loadSummary(S) {
  if (S.kind === 'customer') return loadCustomer(S); // a customer tab (browsing)
  const r = await api('GET', '/api/v1/work-items/' + enc(S.id) + '/summary');
  if (S.closed) return;
  if (!r.ok || !r.data) {
    if (!S.convId && (S.item.channel || S.hint.channel) !== 'chat') buildNonChat(S);
    S.ui.summary.textContent = '';
    S.ui.summary.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed', { e: r.error })),
      h('button', { type: 'button', 'data-testid': 'summary-retry', click: () => loadSummary(S) }, t('retry')));
    return;
  }
  const sum = r.data;
  S.summary = sum;
  if (sum.work_item) S.item = Object.assign({}, S.item, sum.work_item);
  const conv = sum.conversation;
  if (conv && conv.id && !S.convId) S.convId = conv.id;
  updateTabLabel(S);
  if (S.convId) buildChat(S); else buildNonChat(S);
  if (conv && conv.status === 'ended') markEnded(S, conv.ended_by);
  if (sum.work_item && sum.work_item.status === 'wrap_up') { S.wrapUp = true; renderChatState(S); }
  renderSummary(S);
  renderScriptFromSummary(S);
}
// Re-renders a pane, keeping the focus on the same control when it is still there.
export function rerender(pane, fill) {
  const a = document.activeElement;
  const inside = a && pane.contains(a);
  const keep = inside ? a.getAttribute('data-testid') : null;
  const card = inside && a.closest('[data-testid^=section-]');
  const cardId = card ? card.getAttribute('data-testid') : null;
  const scroll = pane.scrollTop;
  pane.textContent = '';
  fill();
  pane.scrollTop = scroll;
  if (!inside) return;
  const by = (id, sub) => (id ? pane.querySelector('[data-testid="' + CSS.escape(id) + '"]' + (sub || '')) : null);
  // The same control, else the first control of the same card, else the pane's first.
  const el = by(keep) || by(cardId, ' button:not(:disabled)') || pane.querySelector('button:not(:disabled)');
  if (el) el.focus();
}
export function renderSummary(S) {
  rerender(S.ui.summary, () => {
    S.ui.summary.append(...[h('h2', { class: 'pane-title' }, t('summary')),
      customerSection(S), conversationSection(S), caseSection(S), recentCasesSection(S), meetingsSection(S), timelineSection(S)].filter(Boolean));
  });
}
export function section(testid, title, ...kids) {
  const id = nextId('h');
  return h('section', { class: 'card', 'data-testid': testid, 'aria-labelledby': id }, h('h3', { id }, title), kids);
}

// ------------------------------------------------------------ customer
function customerSection(S) {
  const sum = S.summary;
  const cust = sum.customer || {};
  const c = cust.contact, acct = cust.account;
  const name = personName(c) || str(S.item.customer_name) || t(isCall(S) ? 'unknownCaller' : 'newVisitor');
  const nameEl = h('span', { 'data-testid': 'customer-name' }, name);
  const kids = [];
  kids.push(dl([
    [t('name'), nameEl, null, 'name'],
    [t('account'), acct ? str(acct.name) : '', null, 'account'],
    c ? [t('jobTitle'), c.job_title, null, 'job_title'] : null,
    c ? [t('personTitle'), c.title, null, 'title'] : null,
    c ? [t('relationship'), c.relationship_type, null, 'relationship_type'] : null,
    c ? [t('city'), c.city, null, 'city'] : null,
    c ? [t('category'), c.category, null, 'category'] : null,
    c ? [t('preferredChannel'), chan(c.preferred_channel), null, 'preferred_channel'] : null,
    c && c.email ? [t('email'), c.email, null, 'email'] : null,
    c && c.phone ? [t('phone'), c.phone, null, 'phone'] : null
  ]));
  if (!c) kids.push(h('p', { class: 'muted' }, t('noContact')));
  // Issue 13: what an unverified visitor typed is a claim, never an identity.
  const idn = sum.conversation && sum.conversation.identity;
  if (idn && !idn.verified) {
    const claimed = [idn.claimed_email, idn.claimed_phone].filter(Boolean).map(str).join(', ');
    if (claimed) kids.push(h('p', { class: 'warning', 'data-testid': 'unverified-claim' }, t('notVerifiedClaims') + ' ' + claimed));
  }
  if (sum.conversation && sum.conversation.id) kids.push(contactChanger(S));
  else if (isCall(S)) kids.push(callContactActions(S, !!c));
  return section('section-customer', t('customer'), kids);
}
export function contactChanger(S) {
  const inputId = nextId('contact-q');
  const results = h('ul', { class: 'results', 'data-testid': 'contact-results', 'aria-live': 'polite' });
  const input = h('input', { id: inputId, type: 'search', autocomplete: 'off', 'data-testid': 'contact-search' });
  const form = h('form', { class: 'inline-form', role: 'search', 'data-testid': 'contact-form', submit: async (e) => {
    e.preventDefault();
    const q = input.value.trim();
    results.textContent = '';
    const r = await api('GET', '/api/v1/contacts?q=' + enc(q));
    if (S.closed) return;
    results.textContent = '';
    if (!r.ok) { results.append(h('li', { class: 'error' }, r.error)); return; }
    const items = listOf(r.data);
    if (!items.length) results.append(h('li', { class: 'muted' }, t('noResults')));
    items.forEach((c) => {
      const nm = personName(c) || str(c.email) || c.id;
      results.append(h('li', { 'data-testid': 'contact-result', 'data-contact': c.id },
        h('span', null, nm, c.email && nm !== str(c.email) ? h('span', { class: 'muted' }, ' · ' + str(c.email)) : null),
        h('button', { type: 'button', 'data-testid': 'contact-link', 'aria-label': t('link') + ': ' + nm,
          click: () => linkContact(S, c.id) }, t('link'))));
    });
  } },
  h('label', { for: inputId }, t('searchContacts')), input,
  h('button', { type: 'submit' }, t('search')));
  const box = h('div', { class: 'changer' }, form, results);
  const toggle = h('button', { type: 'button', 'data-testid': 'change-contact', 'aria-expanded': 'false', click: () => {
    const on = !box.isConnected;
    put(box, on);
    toggle.setAttribute('aria-expanded', String(on));
    if (on) input.focus();
  } }, t('changeContact'));
  return h('div', { class: 'card-actions' }, toggle, slot(box));
}
async function linkContact(S, contactId) {
  const conv = S.summary && S.summary.conversation;
  if (!conv && isCall(S)) {
    const r = await linkCallContact(S, contactId);
    if (r.ok) notice(t('linked')); else notice(r.error, true);
    return;
  }
  if (!conv) return;
  const r = await api('PUT', '/api/v1/conversations/' + enc(conv.id) + '/contact', { contact_id: contactId });
  if (r.ok) { notice(t('linked')); loadSummary(S); } else notice(r.error, true);
}

// -------------------------------------------------------- conversation
function skillsText(skills) {
  if (!Array.isArray(skills)) return str(skills);
  return skills.map((s) => {
    if (s == null || typeof s !== 'object') return str(s);
    const n = str(s.name || s.skill_name || s.skill || s.skill_id);
    const lv = s.min != null ? s.min : s.level;
    return lv != null ? n + ' (' + str(lv) + ')' : n;
  }).filter(Boolean).join(', ');
}
function conversationSection(S) {
  const sum = S.summary;
  const conv = sum.conversation;
  const item = sum.work_item || S.item;
  if (!conv) return null;
  const rows = [
    [t('channel'), chan(conv.channel || item.channel), null, 'channel'],
    [t('waitTime'), conv.wait_seconds != null ? dur(conv.wait_seconds) : '', null, 'wait'],
    [t('skills'), skillsText(conv.skills), null, 'skills'],
    [t('queue'), str(item.queue_name), null, 'queue'],
    [t('started'), timeEl(conv.started_at) || '', null, 'started']
  ];
  if (conv.proactive || conv.proactive_rule) {
    rows.push([t('proactiveRule'), conv.proactive_rule ? str(conv.proactive_rule.name) : '', 'proactive-rule', 'proactive_rule']);
  }
  if (conv.url) rows.push([t('page'), link(conv.url), null, 'url']);
  const context = conv.context && typeof conv.context === 'object' ? Object.entries(conv.context) : [];
  const tabs = [
    ['survey', t('survey'), 'tab-survey', () => surveyPanel(conv)],
    ['journey', t('journey'), 'tab-journey', () => journeyPanel(conv)],
    ['visitor', t('visitorDetails'), 'tab-visitor', () => visitorPanel(conv)]
  ];
  if (context.length) tabs.push(['context', t('additional'), 'tab-context', () => contextPanel(context)]);
  if (!tabs.some((x) => x[0] === S.convTab)) S.convTab = 'survey';
  return section('section-conversation', t('convSummary'), dl(rows), innerTabs(S, tabs));
}
function innerTabs(S, tabs) {
  const list = h('div', { role: 'tablist', class: 'subtabs', 'aria-label': t('convSummary'), keydown: tabKeys });
  const panels = [];
  const buttons = [];
  tabs.forEach(([key, title, testid, fill]) => {
    const tabId = nextId('st'), panelId = nextId('sp');
    const on = key === S.convTab;
    const panel = h('div', { role: 'tabpanel', id: panelId, 'aria-labelledby': tabId, class: 'subpanel',
      'data-testid': 'panel-' + key, tabindex: '0', hidden: !on }, fill());
    const b = h('button', { type: 'button', role: 'tab', id: tabId, 'aria-controls': panelId, 'aria-selected': String(on),
      tabindex: on ? '0' : '-1', 'data-testid': testid, click: () => {
        S.convTab = key;
        buttons.forEach((x, i) => {
          const sel = x === b;
          x.setAttribute('aria-selected', String(sel));
          x.tabIndex = sel ? 0 : -1;
          panels[i].hidden = !sel;
        });
      } }, title);
    buttons.push(b);
    panels.push(panel);
    list.append(b);
  });
  return h('div', { class: 'subtabs-wrap' }, list, panels);
}
function surveyPanel(conv) {
  const survey = Array.isArray(conv.survey) ? conv.survey : [];
  if (!survey.length) return h('p', { class: 'muted' }, t('noSurvey'));
  return h('dl', { class: 'facts' }, survey.map((q) =>
    h('div', { 'data-testid': 'survey-answer', 'data-question': str(q.id) },
      h('dt', null, str(q.label) || str(q.id)), h('dd', null, dash(q.answer)))));
}
function journeyPanel(conv) {
  const items = (Array.isArray(conv.journey) ? conv.journey.slice() : []).map((j, i) => [j, i]);
  if (!items.length) return h('p', { class: 'muted' }, t('noJourney'));
  // Newest first (stable for equal or missing times).
  items.sort((a, b) => {
    const ta = date(a[0].at), tb = date(b[0].at);
    return ta && tb && ta.getTime() !== tb.getTime() ? tb - ta : a[1] - b[1];
  });
  return h('ol', { class: 'journey' }, items.map(([j]) => {
    const kind = str(j.kind);
    const what = j.url ? link(j.url, j.title) : str(j.title);
    return h('li', { 'data-testid': 'journey-item', 'data-kind': kind },
      h('span', { class: 'j-kind' }, label('j_', kind)),
      what ? h('span', { class: 'j-what' }, what) : null,
      j.detail != null && str(j.detail) !== '' ? h('span', { class: 'j-detail' }, str(j.detail)) : null,
      timeEl(j.at));
  }));
}
function visitorPanel(conv) {
  const v = conv.visitor;
  if (!v) return h('p', { class: 'muted' }, t('noVisitor'));
  const browser = [str(v.browser), str(v.browser_version)].filter(Boolean).join(' ');
  const where = [str(v.city), str(v.country)].filter(Boolean).join(', ');
  const row = (k, title, value) => [title, value, 'visitor-detail', k];
  return dl([
    row('authenticated', t('authenticated'), v.authenticated ? t('yes') : t('no')),
    row('browser', t('browser'), browser),
    row('os', t('os'), v.os),
    v.device ? row('device', t('device'), v.device) : null,
    row('location', t('location'), where),
    row('language', t('language'), v.language),
    v.time_zone ? row('time_zone', t('timeZone'), v.time_zone) : null
  ]);
}
function contextPanel(entries) {
  return dl(entries.map(([k, v]) => [k, str(v), 'context-item', k]));
}
