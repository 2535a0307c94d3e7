// Calls: the live call panel of a voice call or callback, and linking
// or creating its contact.

import { api } from '../lib/api.js';
import { h, put, slot } from '../lib/dom.js';
import { label, t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { date, dur } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { notice } from './notifications.js';
import { updateTabLabel } from './sessions.js';
import { contactChanger, loadSummary } from './summary.js';
import { refreshTimeline } from './timeline.js';
import { dash, formError, nextId } from './util.js';

// ---------------------------------------------------------------- call
// A voice call or a callback (GET /api/v1/work-items/{id}/call): its
// number, its state, a timer while connected and, once over, how long it
// lasted and who hung up. Read again every 1.5 s until it has ended.
const CALL_STATES = ['waiting', 'ringing_agent', 'connected', 'ended'];
export function isCall(S) {
  const item = (S.summary && S.summary.work_item) || S.item || {};
  const ch = item.channel || S.hint.channel;
  return !S.convId && (ch === 'voice' || ch === 'callback');
}
export function callNumber(S) {
  const item = (S.summary && S.summary.work_item) || S.item || {};
  const attrs = item.attributes || {};
  return str((S.call && S.call.number) || attrs.caller || attrs.callback_number || attrs.phone);
}
export function callPanel(S) {
  const u = S.ui;
  const id = nextId('call');
  u.callKind = h('span', { 'data-testid': 'call-kind' });
  u.callNumber = h('span', { 'data-testid': 'call-number' });
  u.callState = h('span', { 'data-testid': 'call-state' });
  u.callTimer = h('span', { role: 'timer', 'data-testid': 'call-timer' });
  u.callTimerRow = h('div', null, h('dt', null, t('talkTime')), h('dd', null, u.callTimer));
  u.callEnded = h('p', { class: 'call-ended', role: 'status', 'data-testid': 'call-ended' });
  u.callNone = h('p', { class: 'muted', 'data-testid': 'call-none' }, t('noCallInfo'));
  u.call = h('section', { class: 'call', 'data-testid': 'call-panel', 'data-state': 'unknown', 'aria-labelledby': id,
    tabindex: '-1' },
    h('h3', { id }, t('call')),
    h('dl', { class: 'facts' },
      h('div', null, h('dt', null, t('callKind')), h('dd', null, u.callKind)),
      h('div', null, h('dt', null, t('callNo')), h('dd', null, u.callNumber)),
      h('div', null, h('dt', null, t('callStateL')), h('dd', null, u.callState)),
      slot(u.callTimerRow)),
    slot(u.callEnded), slot(u.callNone));
  renderCall(S);
  return u.call;
}
export async function loadCall(S) {
  clearTimeout(S.callT);
  if (S.closed) return;
  const r = await api('GET', '/api/v1/work-items/' + enc(S.id) + '/call');
  if (S.closed) return;
  if (r.ok && r.data) {
    const was = S.call && S.call.state;
    S.call = r.data;
    renderCall(S);
    if (S.call.state !== 'ended') S.callT = setTimeout(() => loadCall(S), 1500);
    else if (was && was !== 'ended') refreshTimeline(S); // the call's record
  } else if (r.status === 404) {
    S.call = null;
    S.callMissing = true;
    renderCall(S);
  } else S.callT = setTimeout(() => loadCall(S), 3000);
}
function renderCall(S) {
  const u = S.ui, c = S.call;
  if (!u.call) return;
  const state = c && CALL_STATES.includes(c.state) ? c.state : null;
  u.call.setAttribute('data-state', state || 'unknown');
  const item = (S.summary && S.summary.work_item) || S.item || {};
  const kind = (c && c.kind) || (item.kind === 'callback' || item.channel === 'callback' ? 'callback' : 'inbound');
  u.callKind.textContent = t('ck_' + kind) || kind;
  u.callNumber.textContent = dash(callNumber(S));
  u.callState.textContent = state ? t('call_' + state) : '—';
  put(u.callTimerRow, state === 'connected');
  tickCall(S);
  if (state === 'ended') {
    let secs = c.duration_seconds;
    const a = date(c.answered_at), e = date(c.ended_at);
    if (secs == null && a && e) secs = (e - a) / 1000;
    u.callEnded.textContent = [t('callEnded'), secs != null ? dur(secs) : null,
      c.ended_by ? label('callBy_', c.ended_by) : null].filter(Boolean).join(' · ');
  }
  put(u.callEnded, state === 'ended');
  put(u.callNone, !!S.callMissing && !c);
  updateTabLabel(S);
}
export function tickCall(S) {
  const c = S.call;
  if (!c || c.state !== 'connected' || !S.ui.callTimer) return;
  const a = date(c.answered_at);
  S.ui.callTimer.textContent = a ? dur((Date.now() - a.getTime()) / 1000) : '—';
}
// Links the call to a contact (an existing one, or one just created).
export async function linkCallContact(S, contactId) {
  const r = await api('PUT', '/api/v1/work-items/' + enc(S.id) + '/call/contact', { contact_id: contactId });
  if (S.closed) return r;
  if (r.ok && r.data && r.data.state) { S.call = r.data; renderCall(S); }
  if (r.ok) await loadSummary(S);
  return r;
}
function createContactForm(S) {
  const form = h('form', { class: 'stack-form', 'data-testid': 'contact-create-form' });
  const field = (lbl, control) => { const id = nextId('cc'); control.id = id; return [h('label', { for: id }, lbl), control]; };
  const first = h('input', { type: 'text', maxlength: '200', autocomplete: 'off', 'data-testid': 'contact-create-first' });
  const last = h('input', { type: 'text', maxlength: '200', autocomplete: 'off', 'data-testid': 'contact-create-last' });
  const email = h('input', { type: 'email', maxlength: '320', autocomplete: 'off', 'data-testid': 'contact-create-email' });
  const phone = h('input', { type: 'tel', maxlength: '40', autocomplete: 'off', 'data-testid': 'contact-create-phone' });
  phone.value = callNumber(S);
  const err = formError();
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'contact-create-submit' }, t('create'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    [['first_name', first], ['last_name', last], ['email', email], ['phone', phone]].forEach(([k, el]) => {
      if (el.value.trim()) body[k] = el.value.trim();
    });
    submit.disabled = true;
    err.textContent = '';
    const r = await api('POST', '/api/v1/contacts', body);
    if (S.closed) return;
    if (!r.ok || !r.data || !r.data.id) { submit.disabled = false; err.textContent = r.error; first.focus(); return; }
    const l = await linkCallContact(S, r.data.id);
    if (S.closed) return;
    submit.disabled = false;
    if (l.ok) notice(t('contactCreated')); else err.textContent = l.error;
  });
  form.append(...field(t('firstName'), first), ...field(t('lastName'), last), ...field(t('email'), email),
    ...field(t('phone'), phone), err, h('div', { class: 'card-actions' }, submit));
  setTimeout(() => first.focus());
  return form;
}
// For a call: "Change contact" and, while none is linked, "Create contact".
export function callContactActions(S, hasContact) {
  const box = h('div', { class: 'changer' });
  const changer = contactChanger(S);
  if (hasContact) return changer;
  const toggle = h('button', { type: 'button', 'data-testid': 'create-contact', 'aria-expanded': 'false', click: () => {
    const on = !box.isConnected;
    box.textContent = '';
    if (on) box.append(createContactForm(S));
    put(box, on);
    toggle.setAttribute('aria-expanded', String(on));
  } }, t('createContact'));
  changer.append(toggle, slot(box));
  return changer;
}
