// The conversation pane: a chat's messages, composer, typing, end,
// wrap-up and transfer; the facts of a work item without a chat.

import { api } from '../lib/api.js';
import { h, put, slot } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { rid } from '../lib/random.js';
import { str } from '../lib/text.js';
import { clock, timeEl, when } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { st } from './state.js';
import { callPanel, isCall, loadCall } from './calls.js';
import { cannedButtons, cannedPanel, closeCanned, insertCanned, openCanned, toggleCanned } from './canned.js';
import { notice } from './notifications.js';
import { closeSession } from './sessions.js';
import { command } from './socket.js';
import { refreshTimeline } from './timeline.js';
import { chan, dl, listOf, nextId } from './util.js';

// ====================================================== conversation
export function buildChat(S) {
  if (S.chatBuilt) return;
  S.chatBuilt = true;
  const u = S.ui;
  const panelId = nextId('canned');
  u.convTitle = h('h2', { class: 'conv-title' }, S.displayName || '');
  u.endBtn = h('button', { type: 'button', 'data-testid': 'end-chat', click: () => endChat(S) }, t('endChat'));
  u.wrapBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'wrap-up', click: () => wrapUp(S) }, t('wrapUp'));
  u.transferBtn = h('button', { type: 'button', 'data-testid': 'transfer', 'aria-expanded': 'false',
    click: () => toggleTransfer(S) }, t('transfer'));
  u.transfer = transferForm(S);
  u.endedNote = h('p', { class: 'ended-note', role: 'status', 'data-testid': 'ended' });
  u.list = h('div', { class: 'messages', role: 'log', 'aria-live': 'polite', 'aria-label': t('messages'),
    'data-testid': 'messages', tabindex: '0' });
  u.typing = h('p', { class: 'typing', 'data-testid': 'typing' }, t('typing'));
  u.chatErr = h('p', { class: 'error', role: 'alert' });
  const composerId = nextId('composer');
  u.composer = h('textarea', { id: composerId, rows: '3', maxlength: '4000', placeholder: t('composerPh'),
    'data-testid': 'composer',
    input: () => composerInput(S), keydown: (e) => composerKey(S, e) });
  u.sendBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'send', click: () => send(S) }, t('send'));
  // aria-controls names the canned panel only while it is in the page.
  u.cannedBtn = h('button', { type: 'button', 'data-testid': 'canned-button', 'aria-expanded': 'false',
    click: () => toggleCanned(S) }, t('canned'));
  u.canned = cannedPanel(S, panelId);
  u.compose = h('div', { class: 'compose' },
    slot(u.canned),
    h('label', { for: composerId, class: 'sr-only' }, t('message')),
    u.composer,
    h('div', { class: 'compose-actions' }, u.cannedBtn, u.sendBtn));
  u.conv.textContent = '';
  u.conv.append(
    h('div', { class: 'conv-head' }, u.convTitle,
      h('div', { class: 'actions' }, u.transferBtn, slot(u.endBtn), slot(u.wrapBtn))),
    slot(u.transfer),
    u.list,
    slot(u.typing),
    slot(u.endedNote),
    slot(u.chatErr),
    slot(u.compose));
  renderChatState(S);
  loadMessages(S);
  if (S.focusComposer && st.current === S.id) { S.focusComposer = false; u.composer.focus(); }
}
// A work item without a chat (a callback, a voice call): its facts (for
// a call, the live call panel), transfer, close.
export function buildNonChat(S) {
  if (S.chatBuilt || S.nonChatBuilt) return;
  S.nonChatBuilt = true;
  const u = S.ui;
  const item = (S.summary && S.summary.work_item) || S.item;
  const attrs = item.attributes || {};
  u.convTitle = h('h2', { class: 'conv-title' }, S.displayName || '');
  u.wrapBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'wrap-up', click: () => wrapUp(S) }, t('wrapUp'));
  u.transferBtn = h('button', { type: 'button', 'data-testid': 'transfer', 'aria-expanded': 'false',
    click: () => toggleTransfer(S) }, t('transfer'));
  u.transfer = transferForm(S);
  u.chatErr = h('p', { class: 'error', role: 'alert' });
  const phone = attrs.phone || attrs.callback_number || attrs.caller;
  u.conv.textContent = '';
  u.conv.append(
    h('div', { class: 'conv-head' }, u.convTitle, h('div', { class: 'actions' }, u.transferBtn, u.wrapBtn)),
    slot(u.transfer),
    isCall(S) ? callPanel(S) : h('p', { class: 'muted' }, t('noChat')),
    dl([[t('channel'), chan(item.channel)], phone && !isCall(S) ? [t('phone'), str(phone)] : null,
      [t('queue'), str(item.queue_name)], [t('started'), when(item.arrived_at)]]),
    slot(u.chatErr));
  // Accepted here: focus the call (not "Wrap-up done", which would end a
  // live call on a stray key press), or the button for other items.
  if (S.focusComposer && st.current === S.id) { S.focusComposer = false; (u.call || u.wrapBtn).focus(); }
  if (isCall(S)) loadCall(S);
}

function chatError(S, message) {
  if (!S.ui.chatErr) return;
  S.ui.chatErr.textContent = message || '';
  put(S.ui.chatErr, !!message);
}
export function renderChatState(S) {
  const u = S.ui;
  if (!S.chatBuilt) return;
  const over = S.ended || S.wrapUp;
  put(u.endBtn, !over);
  put(u.wrapBtn, over);
  put(u.compose, !over);
  if (over) {
    put(u.typing, false);
    u.endedNote.textContent = S.endedBy === 'visitor' ? t('visitorEnded') : t('chatEnded');
    closeCanned(S);
  }
  put(u.endedNote, over);
}
export function markEnded(S, by) {
  if (S.ended && S.endedBy) return;
  const hadFocus = S.ui.compose && S.ui.compose.contains(document.activeElement);
  // The end wrote the chat's transcript on the customer's timeline.
  if (!S.ended) refreshTimeline(S);
  S.ended = true;
  S.endedBy = by || S.endedBy || null;
  if (S.typingOn) stopTyping(S);
  renderChatState(S);
  if (hadFocus) S.ui.wrapBtn.focus();
}
export function visitorTyping(S, on) {
  if (!S.ui.typing) return;
  clearTimeout(S.visitorTypingT);
  put(S.ui.typing, on && !S.ended);
  if (on) S.visitorTypingT = setTimeout(() => put(S.ui.typing, false), 20000);
}

// ------------------------------------------------------------ messages
export async function loadMessages(S) {
  if (!S.convId || S.closed) return;
  if (S.loadingMsgs) { S.reloadMsgs = true; return; }
  S.loadingMsgs = true;
  let more = true;
  while (more && !S.closed) {
    const r = await api('GET', '/api/v1/conversations/' + enc(S.convId) + '/messages?after=' + S.lastSeq);
    if (S.closed) break;
    if (!r.ok) { chatError(S, t('loadFailed', { e: r.error })); break; }
    const list = (r.data && r.data.messages) || [];
    list.forEach((m) => addMessage(S, m));
    S.historyLoaded = true;
    more = list.length >= 500;
  }
  S.loadingMsgs = false;
  if (S.reloadMsgs) { S.reloadMsgs = false; loadMessages(S); }
}
function messageRow(S, m) {
  const sender = ['visitor', 'agent', 'system'].includes(m.sender) ? m.sender : 'system';
  const who = sender === 'agent' ? str(m.name) || t('agent')
    : sender === 'visitor' ? str(m.name) || S.displayName || t('visitor') : t('system');
  const bubble = h('div', { class: 'msg ' + sender, 'data-testid': 'message', 'data-sender': sender }, str(m.body));
  const row = h('div', { class: 'msg-row ' + sender },
    sender === 'agent' ? h('div', { class: 'msg-name' }, who) : h('span', { class: 'sr-only' }, who + ': '),
    bubble,
    m.at ? h('div', { class: 'msg-time' }, timeEl(m.at, clock(m.at))) : null);
  row.sbBubble = bubble;
  row.sbSeq = null;
  return row;
}
function placeRow(S, row) {
  const list = S.ui.list;
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const seq = row.sbSeq;
  let before = null;
  if (seq != null) {
    let r = list.lastElementChild;
    while (r && (r.sbSeq == null || r.sbSeq > seq)) { before = r; r = r.previousElementSibling; }
  }
  list.insertBefore(row, before);
  if (nearBottom || row.classList.contains('agent')) list.scrollTop = list.scrollHeight;
}
export function addMessage(S, m) {
  if (!S.ui.list || !m || typeof m.seq !== 'number' || S.seqs.has(m.seq)) return;
  let row = m.client_id ? S.pending.get(m.client_id) : null;
  if (row) {
    S.pending.delete(m.client_id);
    row.classList.remove('pending', 'failed');
    row.sbBubble.removeAttribute('data-pending');
    if (row.sbRetry) { row.sbRetry.remove(); row.sbRetry = null; }
    if (m.at && !row.querySelector('time')) row.append(h('div', { class: 'msg-time' }, timeEl(m.at, clock(m.at))));
    row.remove();
  } else row = messageRow(S, m);
  row.sbSeq = m.seq;
  row.sbBubble.setAttribute('data-seq', String(m.seq));
  S.seqs.set(m.seq, row);
  if (m.seq > S.lastSeq) S.lastSeq = m.seq;
  placeRow(S, row);
  if (m.sender === 'visitor') {
    visitorTyping(S, false);
    if (st.current !== S.id) S.tab.setAttribute('data-unread', 'true');
  }
}
function send(S) {
  const ta = S.ui.composer;
  const body = ta.value.trim();
  if (!body || S.ended || S.wrapUp || !S.convId) return;
  if (body.length > 4000) { chatError(S, t('tooLong')); return; }
  chatError(S, '');
  ta.value = '';
  closeCanned(S);
  stopTyping(S);
  const clientId = rid();
  const row = messageRow(S, { sender: 'agent', name: st.me && st.me.name, body });
  row.classList.add('pending');
  row.sbBubble.setAttribute('data-pending', 'true');
  S.pending.set(clientId, row);
  placeRow(S, row);
  deliver(S, clientId, body);
  ta.focus();
}
function deliver(S, clientId, body) {
  const sent = command({ type: 'send_message', conversation_id: S.convId, body, client_id: clientId }, {
    ok: (msg) => addMessage(S, Object.assign({ client_id: clientId }, msg)),
    fail: (message) => sendFailed(S, clientId, body, message),
    lost: () => restSend(S, clientId, body)
  });
  if (!sent) restSend(S, clientId, body);
}
async function restSend(S, clientId, body) {
  if (S.closed) return;
  const r = await api('POST', '/api/v1/conversations/' + enc(S.convId) + '/messages', { body, client_id: clientId });
  if (!r.ok) { sendFailed(S, clientId, body, r.error); return; }
  const msg = r.data && (r.data.message || r.data);
  if (msg && typeof msg.seq === 'number') addMessage(S, Object.assign({ client_id: clientId }, msg));
}
function sendFailed(S, clientId, body, message) {
  const row = S.pending.get(clientId);
  if (!row || S.closed) return;
  row.classList.add('failed');
  if (row.sbRetry) row.sbRetry.remove();
  row.sbRetry = h('div', { class: 'msg-failed', role: 'alert' }, t('notSent', { e: message }), ' ',
    h('button', { type: 'button', class: 'link', click: () => {
      if (row.sbRetry) { row.sbRetry.remove(); row.sbRetry = null; }
      row.classList.remove('failed');
      deliver(S, clientId, body);
    } }, t('retry')));
  row.append(row.sbRetry);
}
// Typing indicator to the visitor: true at most every 2 s while typing, false after 3 s idle.
export function typed(S) {
  if (!S.convId || S.ended || S.wrapUp) return;
  const now = Date.now();
  if (now - S.typingAt >= 2000) {
    S.typingAt = now;
    S.typingOn = true;
    command({ type: 'typing', conversation_id: S.convId, typing: true });
  }
  clearTimeout(S.idleT);
  S.idleT = setTimeout(() => stopTyping(S), 3000);
}
function stopTyping(S) {
  clearTimeout(S.idleT);
  if (!S.typingOn) return;
  S.typingOn = false;
  S.typingAt = 0;
  command({ type: 'typing', conversation_id: S.convId, typing: false });
}
function composerInput(S) {
  const ta = S.ui.composer;
  if (ta.value === '') stopTyping(S); else typed(S);
  // "/code" right before the caret: suggest canned responses.
  const before = ta.value.slice(0, ta.selectionStart);
  const m = /(^|\s)\/([^\s/]*)$/.exec(before);
  if (m) {
    S.slashStart = before.length - m[2].length - 1;
    openCanned(S, 'slash', m[2]);
  } else if (S.canned && S.canned.mode === 'slash') closeCanned(S);
}
function composerKey(S, e) {
  const c = S.canned;
  if (c && c.mode === 'slash') {
    if (e.key === 'Escape') { e.preventDefault(); closeCanned(S); return; }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const items = cannedButtons(S);
      if (items.length) { e.preventDefault(); items[e.key === 'ArrowDown' ? 0 : items.length - 1].focus(); }
      return;
    }
    if ((e.key === 'Enter' && !e.shiftKey && !e.isComposing) || e.key === 'Tab') {
      const pick = c.items.find((x) => str(x.code).toLowerCase() === (c.q || '').toLowerCase()) || c.items[0];
      if (pick) { e.preventDefault(); insertCanned(S, pick); return; }
    }
  }
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send(S);
  }
}

// ------------------------------------------------- end, wrap-up, transfer
async function endChat(S) {
  if (!S.convId) return;
  S.ui.endBtn.disabled = true;
  const r = await api('POST', '/api/v1/conversations/' + enc(S.convId) + '/end');
  S.ui.endBtn.disabled = false;
  if (r.ok) { chatError(S, ''); markEnded(S, 'agent'); S.ui.wrapBtn.focus(); }
  else chatError(S, r.error);
}
// "Wrap-up done" means the agent is done with this item. An item still
// assigned (a call or callback: nothing ended it into wrap-up) would only
// *enter* wrap-up on its first close and keep the agent busy for the
// whole wrap-up time with the tab gone; the second close ends that
// wrap-up at once, so the next waiting item is offered now.
async function wrapUp(S) {
  S.ui.wrapBtn.disabled = true;
  const path = '/api/v1/work-items/' + enc(S.id) + '/close';
  let r = await api('POST', path);
  if (r.ok && r.data && r.data.status === 'wrap_up') r = await api('POST', path);
  S.ui.wrapBtn.disabled = false;
  if (r.ok) { closeSession(S.id); notice(t('closedItem')); }
  else chatError(S, r.error);
}
function transferForm(S) {
  const selId = nextId('queue');
  const u = S.ui;
  u.queueSel = h('select', { id: selId, 'data-testid': 'transfer-queue', required: true });
  return h('form', { class: 'inline-form transfer', 'data-testid': 'transfer-form', submit: (e) => { e.preventDefault(); transfer(S); } },
    h('label', { for: selId }, t('transferTo')), u.queueSel,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'transfer-submit' }, t('transfer')),
    h('button', { type: 'button', click: () => toggleTransfer(S, false) }, t('cancel')));
}
async function toggleTransfer(S, on) {
  const u = S.ui;
  on = on == null ? !u.transfer.isConnected : on;
  put(u.transfer, on);
  u.transferBtn.setAttribute('aria-expanded', String(on));
  if (!on) { u.transferBtn.focus(); return; }
  u.queueSel.textContent = '';
  u.queueSel.append(h('option', { value: '' }, t('loading')));
  u.queueSel.focus();
  const r = await api('GET', '/api/v1/queues');
  if (!r.ok) { chatError(S, r.error); return; }
  const item = (S.summary && S.summary.work_item) || S.item;
  u.queueSel.textContent = '';
  listOf(r.data).filter((q) => q && q.id && q.id !== item.queue_id).forEach((q) => {
    u.queueSel.append(h('option', { value: q.id }, str(q.name) || q.id));
  });
}
async function transfer(S) {
  const u = S.ui;
  const queueId = u.queueSel.value;
  if (!queueId) return;
  const queueName = u.queueSel.selectedOptions[0] ? u.queueSel.selectedOptions[0].textContent : '';
  const r = await api('POST', '/api/v1/work-items/' + enc(S.id) + '/transfer', { queue_id: queueId });
  if (r.ok) { closeSession(S.id); notice(t('transferred', { queue: queueName })); }
  else chatError(S, r.error);
}
