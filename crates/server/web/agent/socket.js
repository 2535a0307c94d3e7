// The agent socket (/api/v1/ws): events in, commands out, reconnection
// with backoff and resumption after the last event id.

import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { enc } from '../lib/url.js';
import { sessions, st, toasts, ui } from './state.js';
import { addMessage, loadMessages, markEnded, renderChatState, visitorTyping } from './conversation.js';
import { offerFromView, removeToast, showToast } from './notifications.js';
import { showPresence } from './presence.js';
import { closeSession, openSession } from './sessions.js';

export function setConn(state) {
  ui.conn.setAttribute('data-state', state);
  ui.conn.textContent = t('c_' + state);
}

// ============================================================ socket
let ws = null, wsLive = false, lastId = null, backoff = 500, retryT = 0, fails = 0, everReady = false;
// Commands awaiting their answer: the server answers each, in order.
let commands = [];

// Opens the socket afresh (just signed in).
export function openSocket() {
  backoff = 500;
  connect();
}
// Drops the socket and where it was in the event stream (signed out).
export function closeSocket() {
  clearTimeout(retryT);
  const s = ws;
  ws = null;
  wsLive = false;
  if (s) { try { s.close(); } catch (e) { /* already closed */ } }
  commands = [];
  lastId = null;
  everReady = false;
}

function connect() {
  if (!st.signedIn) return;
  clearTimeout(retryT);
  setConn(everReady ? 'reconnecting' : 'connecting');
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/ws' +
    (lastId != null ? '?after=' + enc(lastId) : '');
  let s;
  try { s = new WebSocket(url); } catch (e) { retry(); return; }
  ws = s;
  s.onmessage = (ev) => {
    if (ws !== s) return;
    let m;
    try { m = JSON.parse(ev.data); } catch (e) { return; }
    if (m && typeof m === 'object') onEvent(m);
  };
  s.onclose = () => {
    if (ws !== s) return;
    ws = null;
    wsLive = false;
    const lost = commands;
    commands = [];
    lost.forEach((c) => { try { (c.lost || c.fail || (() => {}))(t('connLost')); } catch (e) { console.error(e); } });
    sessions.forEach((S) => { S.typingOn = false; clearTimeout(S.idleT); });
    retry();
  };
  s.onerror = () => { /* a close follows */ };
}
function retry() {
  if (!st.signedIn) return;
  setConn(everReady ? 'reconnecting' : 'connecting');
  fails++;
  const delay = backoff;
  backoff = Math.min(backoff * 2, 10000);
  retryT = setTimeout(async () => {
    if (!st.signedIn) return;
    // Repeated failures may mean the session is gone (api() then signs out).
    if (fails >= 3) {
      const r = await api('GET', '/api/v1/session');
      if (!st.signedIn || r.status === 401) return;
    }
    connect();
  }, delay);
}
// Sends a command when the socket is open; false when it is not.
export function command(cmd, handlers) {
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  try { ws.send(JSON.stringify(cmd)); } catch (e) { return false; }
  commands.push(Object.assign({ type: cmd.type }, handlers || {}));
  return true;
}

function onEvent(m) {
  if (typeof m.id === 'number' && (lastId == null || m.id > lastId)) lastId = m.id;
  const item = m.work_item_id;
  switch (m.type) {
    case 'ready':
      if (typeof m.last_id === 'number' && (lastId == null || m.last_id > lastId)) lastId = m.last_id;
      onReady(m);
      break;
    case 'resync':
      // Too far behind: start from now; the ready that follows holds the state.
      if (typeof m.last_id === 'number') lastId = m.last_id;
      break;
    case 'offered': showToast(m, Date.now()); break;
    case 'offer_expired': case 'offer_rescinded': case 'offer_declined':
      removeToast(item);
      break;
    case 'assigned': {
      // The offer's details (channel, customer, conversation) name the tab at once.
      const T = toasts.get(item);
      removeToast(item);
      openSession(item, T ? Object.assign({}, T.data, { status: 'assigned' }) : m);
      break;
    }
    case 'wrap_up': {
      const S = sessions.get(item);
      if (S) { S.wrapUp = true; renderChatState(S); }
      break;
    }
    case 'closed': case 'abandoned': case 'transferred':
      removeToast(item);
      if (sessions.has(item)) closeSession(item);
      break;
    case 'presence': showPresence(m.presence || m.status); break;
    case 'chat_message': withChat(m.conversation_id, (S) => addMessage(S, m)); break;
    case 'chat_typing':
      if (m.sender !== 'agent') withChat(m.conversation_id, (S) => visitorTyping(S, !!m.typing));
      break;
    case 'chat_joined': withChat(m.conversation_id, (S) => loadMessages(S)); break;
    case 'conversation_ended': withChat(m.conversation_id, (S) => markEnded(S, m.by)); break;
    case 'chat_resync': sessions.forEach((S) => { if (S.convId) loadMessages(S); }); break;
    case 'ack': case 'error': {
      const c = commands.shift();
      if (!c) break;
      try {
        if (m.type === 'ack') { if (c.ok) c.ok(m.result || {}); }
        else if (c.fail) c.fail(str(m.message) || t('failed'));
      } catch (e) { console.error(e); }
      break;
    }
    default: break;
  }
}
function withChat(conversationId, fn) {
  sessions.forEach((S) => { if (S.convId && S.convId === conversationId) fn(S); });
}
function onReady(m) {
  const resumed = everReady;
  everReady = true;
  wsLive = true;
  fails = 0;
  backoff = 500;
  setConn('online');
  const items = Array.isArray(m.work_items) ? m.work_items : [];
  const offered = new Set();
  for (const it of items) {
    if (!it || !it.id) continue;
    if (it.status === 'offered') {
      offered.add(it.id);
      if (!toasts.has(it.id)) showToast(offerFromView(it), Date.now());
    } else if (it.status === 'assigned' || it.status === 'wrap_up') {
      removeToast(it.id);
      const S = openSession(it.id, it);
      if (it.status === 'wrap_up' && S) { S.wrapUp = true; renderChatState(S); }
    }
  }
  // The list is the truth: offers it does not hold are gone.
  for (const id of Array.from(toasts.keys())) if (!offered.has(id)) removeToast(id);
  // Chat events are not replayed across a reconnect: read back what was missed.
  if (resumed) sessions.forEach((S) => { if (S.convId && S.historyLoaded) loadMessages(S); });
}
