// Past work: ended conversations and calls, and their transcripts.

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { label, t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { clock, dur, timeEl } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { st } from './state.js';
import { openCustomer } from './customers.js';
import { supervises } from './search.js';
import { chan, dl, listOf, personName } from './util.js';

// ----------------------------------------------------------- past work
function convRow(c) {
  return { type: 'chat', id: c.id, channel: c.channel || 'chat', name: str(c.contact_name) || t('newVisitor'),
    contact_id: c.contact_id || null, started_at: c.started_at, ended_at: c.ended_at, duration: c.duration_seconds,
    agent: str(c.agent_name), ended_by: c.ended_by, status: c.status,
    csat: c.csat_score != null ? { score: c.csat_score, comment: str(c.csat_comment) } : null };
}
function callRow(k) {
  return { type: 'call', id: k.work_item_id, channel: k.kind === 'callback' ? 'callback' : 'voice',
    name: str(k.contact_name) || str(k.number), number: k.number, contact_id: k.contact_id || null,
    started_at: k.started_at, ended_at: k.ended_at, duration: k.duration_seconds, agent_id: k.agent_id,
    ended_by: k.ended_by, state: k.state, csat: k.csat_score != null ? { score: k.csat_score, comment: '' } : null };
}
// Ended conversations (and calls, where the server lists them), newest
// first. `state` keeps both cursors between pages.
export async function pastRows(state, params, more) {
  const conv = new URLSearchParams(Object.assign({ status: 'ended' }, params));
  const calls = new URLSearchParams(params);
  if (!supervises() && st.me) calls.set('agent_id', st.me.id);
  if (more) {
    if (state.convCursor) conv.set('cursor', state.convCursor);
    if (state.callCursor) calls.set('cursor', state.callCursor);
  }
  const wantConv = !more || !!state.convCursor;
  const wantCalls = !state.noCalls && (!more || !!state.callCursor);
  const [a, b] = await Promise.all([
    wantConv ? api('GET', '/api/v1/conversations?' + conv) : null,
    wantCalls ? api('GET', '/api/v1/calls?' + calls) : null
  ]);
  if (a && !a.ok) return { items: [], error: a.error };
  const items = a ? listOf(a.data).map(convRow) : [];
  state.convCursor = a ? (a.data && a.data.next_cursor) || null : null;
  if (b && b.ok) {
    listOf(b.data).filter((k) => k && k.state === 'ended').forEach((k) => items.push(callRow(k)));
    state.callCursor = (b.data && b.data.next_cursor) || null;
  } else {
    state.callCursor = null;
    if (b) state.noCalls = true; // no call list on this server (or not for us)
  }
  await nameCalls(items);
  items.sort((x, y) => String(y.started_at).localeCompare(String(x.started_at)));
  return { items, error: '' };
}
// Calls come with a number and a contact id: name the known callers.
const contactNames = new Map();
async function nameCalls(items) {
  const ids = Array.from(new Set(items.filter((x) => x.type === 'call' && x.contact_id && !contactNames.has(x.contact_id))
    .map((x) => x.contact_id)));
  await Promise.all(ids.map(async (id) => {
    const r = await api('GET', '/api/v1/contacts/' + enc(id));
    contactNames.set(id, r.ok && r.data ? personName(r.data) || str(r.data.email) : '');
  }));
  items.forEach((x) => { if (x.type === 'call' && x.contact_id && contactNames.get(x.contact_id)) x.name = contactNames.get(x.contact_id); });
}
export async function showTranscript(S, row, pane) {
  pane.textContent = '';
  const title = h('h3', { tabindex: '-1', 'data-testid': 'transcript-title' }, row.name + ' · ' + chan(row.channel));
  const facts = [
    [t('started'), timeEl(row.started_at) || ''],
    [t('endedAt'), timeEl(row.ended_at) || ''],
    [t('duration'), row.duration != null ? dur(row.duration) : ''],
    row.agent ? [t('agent'), row.agent] : null,
    row.ended_by ? [t('endedBy'), label('eb_', row.ended_by)] : null,
    row.type === 'call' ? [t('number'), str(row.number)] : null,
    // The customer's rating after the chat (in the widget) or the call
    // (keys 1–5), with the chat's comment.
    row.csat ? [t('rating'), t('ratingValue', { score: row.csat.score }) +
      (row.csat.comment ? ' · ' + row.csat.comment : ''), 'transcript-rating'] : null
  ];
  pane.append(title, dl(facts, 'facts compact'));
  if (row.contact_id && !(S.kind === 'customer' && S.contactId === row.contact_id)) {
    pane.append(h('div', { class: 'card-actions' }, h('button', { type: 'button', 'data-testid': 'transcript-customer',
      click: () => openCustomer(row.contact_id, null, row.name) }, t('openCustomer'))));
  }
  title.focus();
  if (row.type !== 'chat') return;
  const list = h('ol', { class: 'transcript-list', 'data-testid': 'transcript-messages', 'aria-label': t('transcript') });
  pane.append(list);
  let after = 0;
  for (;;) {
    const r = await api('GET', '/api/v1/conversations/' + enc(row.id) + '/messages?after=' + after);
    if (S.closed || !pane.contains(list)) return;
    if (!r.ok) { pane.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed', { e: r.error }))); return; }
    const msgs = (r.data && r.data.messages) || [];
    msgs.forEach((m) => {
      const sender = ['visitor', 'agent', 'system'].includes(m.sender) ? m.sender : 'system';
      const who = sender === 'agent' ? str(m.name) || t('agent')
        : sender === 'visitor' ? str(m.name) || row.name || t('visitor') : t('system');
      list.append(h('li', { class: 'msg-row ' + sender, 'data-testid': 'transcript-message', 'data-sender': sender },
        h('div', { class: 'msg-name' }, who, ' ', m.at ? timeEl(m.at, clock(m.at)) : null),
        h('div', { class: 'msg ' + sender }, str(m.body))));
      if (typeof m.seq === 'number' && m.seq > after) after = m.seq;
    });
    if (msgs.length < 500) break;
  }
  if (!list.children.length) list.append(h('li', { class: 'muted' }, t('noMessages')));
}
