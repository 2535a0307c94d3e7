// The case card (create, link, edit) and recent cases.

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { label, t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { timeEl } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { notice } from './notifications.js';
import { loadSummary, section } from './summary.js';
import { dl, formError, nextId } from './util.js';

// ---------------------------------------------------------------- case
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
export const STATUSES = ['active', 'resolved', 'cancelled'];
function select(id, testid, values, prefix, chosen) {
  return h('select', { id, 'data-testid': testid },
    values.map((v) => h('option', { value: v, selected: v === chosen }, t(prefix + v))));
}
export function caseSection(S) {
  const sum = S.summary;
  const kase = sum.case;
  const contact = sum.customer && sum.customer.contact;
  const account = sum.customer && sum.customer.account;
  const conv = sum.conversation;
  const recent = Array.isArray(sum.recent_cases) ? sum.recent_cases : [];
  const kids = [];
  if (kase) {
    kids.push(dl([
      [t('caseTitle'), h('span', { 'data-testid': 'case-title' }, str(kase.title))],
      [t('priority'), label('pr_', kase.priority), 'case-priority'],
      [t('status'), label('st_', kase.status), 'case-status'],
      [t('product'), str(kase.product_name || kase.product_id)],
      [t('owner'), str(kase.owner_name)]
    ]));
  } else kids.push(h('p', { class: 'muted', 'data-testid': 'no-case' }, t('noCase')));
  const forms = h('div', { class: 'case-forms' });
  const show = (which, builder) => {
    S.caseForm = S.caseForm === which ? null : which;
    forms.textContent = '';
    buttons.forEach((b) => b.setAttribute('aria-expanded', String(b.sbForm === S.caseForm)));
    if (S.caseForm) builder();
  };
  const buttons = [];
  const btn = (which, testid, title, builder) => {
    const b = h('button', { type: 'button', 'data-testid': testid, 'aria-expanded': 'false', click: () => show(which, builder) }, title);
    b.sbForm = which;
    buttons.push(b);
    return b;
  };
  const actions = h('div', { class: 'card-actions' });
  if (contact || account) actions.append(btn('create', 'case-create', t('createCase'), () => forms.append(createCaseForm(S))));
  const linkable = recent.filter((c) => c && c.id && (!kase || c.id !== kase.id));
  if (conv && linkable.length) actions.append(btn('link', 'case-link', t('linkCase'), () => forms.append(linkCaseForm(S, linkable))));
  if (kase) actions.append(btn('edit', 'case-edit', t('editCase'), () => forms.append(editCaseForm(S, kase))));
  kids.push(actions, forms);
  S.caseForm = null;
  return section('section-case', t('case'), kids);
}
function createCaseForm(S) {
  const titleId = nextId('ct'), prId = nextId('cp');
  const title = h('input', { id: titleId, type: 'text', maxlength: '500', required: true, 'data-testid': 'case-form-title' });
  const pr = select(prId, 'case-form-priority', PRIORITIES, 'pr_', 'normal');
  const err = formError();
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'case-form-submit' }, t('create'));
  const form = h('form', { class: 'stack-form', 'data-testid': 'case-form', submit: async (e) => {
    e.preventDefault();
    const sum = S.summary;
    const v = title.value.trim();
    if (!v) { err.textContent = t('needTitle'); title.focus(); return; }
    const contact = sum.customer && sum.customer.contact;
    const account = sum.customer && sum.customer.account;
    const body = { title: v, priority: pr.value };
    if (contact) body.contact_id = contact.id; else if (account) body.account_id = account.id;
    submit.disabled = true;
    const r = await api('POST', '/api/v1/cases', body);
    if (!r.ok || !r.data) { submit.disabled = false; err.textContent = r.error; return; }
    if (S.kind === 'customer') S.caseId = r.data.id; // a customer tab: the new case is current
    if (sum.conversation && sum.conversation.id) {
      const l = await api('PUT', '/api/v1/conversations/' + enc(sum.conversation.id) + '/case', { case_id: r.data.id });
      if (!l.ok) notice(l.error, true);
    }
    submit.disabled = false;
    notice(t('caseCreated'));
    await loadSummary(S);
  } },
  h('label', { for: titleId }, t('caseTitle')), title,
  h('label', { for: prId }, t('priority')), pr,
  err, h('div', { class: 'card-actions' }, submit));
  setTimeout(() => title.focus());
  return form;
}
function linkCaseForm(S, cases) {
  const selId = nextId('cl');
  const sel = h('select', { id: selId, 'data-testid': 'case-link-select' },
    cases.map((c) => h('option', { value: c.id }, str(c.title) + (c.status ? ' (' + label('st_', c.status) + ')' : ''))));
  const err = formError();
  const form = h('form', { class: 'stack-form', 'data-testid': 'case-link-form', submit: async (e) => {
    e.preventDefault();
    const conv = S.summary.conversation;
    const r = await api('PUT', '/api/v1/conversations/' + enc(conv.id) + '/case', { case_id: sel.value });
    if (!r.ok) { err.textContent = r.error; return; }
    notice(t('caseLinked'));
    await loadSummary(S);
  } },
  h('label', { for: selId }, t('pickCase')), sel, err,
  h('div', { class: 'card-actions' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'case-link-submit' }, t('link'))));
  setTimeout(() => sel.focus());
  return form;
}
function editCaseForm(S, kase) {
  const prId = nextId('ep'), stId = nextId('es');
  const pr = select(prId, 'case-edit-priority', PRIORITIES, 'pr_', kase.priority);
  const st = select(stId, 'case-edit-status', STATUSES, 'st_', kase.status);
  const err = formError();
  const form = h('form', { class: 'stack-form', 'data-testid': 'case-edit-form', submit: async (e) => {
    e.preventDefault();
    const r = await api('PATCH', '/api/v1/cases/' + enc(kase.id), { priority: pr.value, status: st.value });
    if (!r.ok) { err.textContent = r.error; return; }
    notice(t('caseSaved'));
    await loadSummary(S);
  } },
  h('label', { for: prId }, t('priority')), pr,
  h('label', { for: stId }, t('status')), st, err,
  h('div', { class: 'card-actions' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'case-edit-submit' }, t('save'))));
  setTimeout(() => pr.focus());
  return form;
}
export function recentCasesSection(S) {
  const recent = Array.isArray(S.summary.recent_cases) ? S.summary.recent_cases : [];
  const body = recent.length
    ? h('ul', { class: 'cases' }, recent.map((c) => h('li', { 'data-testid': 'recent-case', 'data-case': str(c.id) },
      h('span', { class: 'case-name' }, str(c.title)),
      h('span', { class: 'muted' }, ' · ' + [label('st_', c.status), label('pr_', c.priority)].filter(Boolean).join(' · ')),
      c.updated_at ? [' · ', timeEl(c.updated_at)] : null)))
    : h('p', { class: 'muted' }, t('noCases'));
  return section('section-recent-cases', t('recentCases'), body);
}
