// Notifications: the notice line and the offers (toasts) with their
// countdown, accepted or rejected over the socket (REST when it is down).

import { api } from '../lib/api.js';
import { h, put, slot } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { date, dur } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { sessions, st, toasts, ui, wantFocus } from './state.js';
import { openSession } from './sessions.js';
import { command } from './socket.js';
import { chan, dl } from './util.js';

let noticeT = 0;
export function notice(text, isError) {
  clearTimeout(noticeT);
  ui.notice.textContent = text || '';
  ui.notice.classList.toggle('error', !!isError);
  if (text) noticeT = setTimeout(() => { ui.notice.textContent = ''; }, 8000);
}

// ============================================================= toasts
export function offerFromView(it) {
  const arrived = date(it.arrived_at);
  return {
    work_item_id: it.id, channel: it.channel, kind: it.kind, customer_name: it.customer_name,
    queue_name: it.queue_name, deadline: it.offer_deadline, attributes: it.attributes || {},
    waited_seconds: arrived ? Math.max(0, (Date.now() - arrived.getTime()) / 1000) : 0
  };
}
export function showToast(o, receivedAt) {
  const id = o.work_item_id;
  if (!id) return;
  removeToast(id, true);
  const attrs = o.attributes || {};
  const T = { id, data: o, receivedAt };
  const phoneCall = o.channel === 'voice' || o.channel === 'callback';
  const name = str(o.customer_name) ||
    (phoneCall ? str(attrs.caller || attrs.callback_number || attrs.phone) || t('unknownCaller') : t('newVisitor'));
  T.wait = h('span', { role: 'timer' });
  T.countdown = h('span', { role: 'timer', class: 'countdown' });
  T.err = h('p', { class: 'error', role: 'alert' });
  T.rule = h('span');
  T.accept = h('button', { type: 'button', class: 'primary', 'data-testid': 'toast-accept', click: () => answerOffer(T, true) }, t('accept'));
  T.reject = h('button', { type: 'button', 'data-testid': 'toast-reject', click: () => answerOffer(T, false) }, t('reject'));
  const badges = [];
  const rows = [[t('queue'), str(o.queue_name)], [t('waited'), T.wait], [t('expiresIn'), T.countdown]];
  if (o.kind === 'proactive') {
    badges.push(h('span', { class: 'badge proactive', 'data-testid': 'toast-badge', 'data-badge': 'proactive' }, t('proactive')));
    rows.push([t('rule'), T.rule]);
    const rule = o.conversation && o.conversation.proactive_rule;
    T.rule.textContent = rule ? str(rule.name) : '';
    if (!rule && attrs.conversation_id) {
      // An offer restored from `ready` comes without its conversation.
      api('GET', '/api/v1/conversations/' + enc(attrs.conversation_id)).then((r) => {
        const rl = r.ok && r.data && r.data.proactive_rule;
        if (rl) T.rule.textContent = str(rl.name);
      });
    }
  }
  if (o.kind === 'callback' || o.channel === 'callback') {
    badges.push(h('span', { class: 'badge callback', 'data-testid': 'toast-badge', 'data-badge': 'callback' }, t('callback')));
    rows.push([t('phone'), str(attrs.phone || attrs.callback_number)]);
  } else if (o.channel === 'voice' && attrs.caller) {
    // A live call: accepting rings the agent's registered phone.
    rows.push([t('phone'), str(attrs.caller)]);
  }
  T.el = h('section', { class: 'toast', 'data-testid': 'toast', 'data-work-item': id, 'data-kind': o.kind || null,
    'aria-label': t('offerLabel', { channel: chan(o.channel), name }) },
    h('div', { class: 'toast-head' },
      h('h2', null, h('span', { class: 'chan' }, chan(o.channel)), ' · ',
        h('span', { class: 'toast-name', 'data-testid': 'toast-name' }, name)),
      badges),
    dl(rows, 'facts compact'),
    slot(T.err),
    h('div', { class: 'actions' }, T.accept, T.reject));
  toasts.set(id, T);
  ui.toasts.append(T.el);
  tickToast(T);
}
export function tickToast(T) {
  const o = T.data;
  T.wait.textContent = dur((Number(o.waited_seconds) || 0) + (Date.now() - T.receivedAt) / 1000);
  const d = date(o.deadline);
  if (!d) { T.countdown.textContent = '—'; return; }
  const left = (d.getTime() - Date.now()) / 1000;
  T.countdown.textContent = left > 0 ? dur(Math.ceil(left)) : t('expiring');
  T.el.classList.toggle('urgent', left <= 10);
}
export function removeToast(id, quiet) {
  const T = toasts.get(id);
  if (!T) return;
  toasts.delete(id);
  const hadFocus = T.el.contains(document.activeElement);
  T.el.remove();
  if (hadFocus && !quiet) {
    const next = ui.toasts.querySelector('[data-testid=toast-accept]');
    const S = st.current && sessions.get(st.current);
    if (next) next.focus();
    else if (S) S.tab.focus();
    else ui.main.focus();
  }
}
function toastError(T, message) {
  T.err.textContent = message;
  put(T.err, true);
  T.accept.disabled = false;
  T.reject.disabled = false;
}
function answerOffer(T, accept) {
  const id = T.id;
  T.accept.disabled = true;
  T.reject.disabled = true;
  put(T.err, false);
  if (accept) wantFocus.add(id);
  const done = (result) => {
    if (accept) {
      removeToast(id);
      if (!result || !result.status || result.status === 'assigned') openSession(id, Object.assign({}, T.data, result || {}));
    } else removeToast(id);
  };
  const fail = (message) => { wantFocus.delete(id); if (toasts.get(id) === T) toastError(T, message); };
  const sent = command({ type: accept ? 'accept' : 'reject', work_item_id: id }, {
    ok: done, fail,
    lost: () => { if (toasts.get(id) === T) { T.accept.disabled = false; T.reject.disabled = false; } }
  });
  if (!sent) {
    api('POST', '/api/v1/work-items/' + enc(id) + (accept ? '/accept' : '/reject')).then((r) => {
      if (r.ok) done(r.data); else fail(r.error);
    });
  }
}
