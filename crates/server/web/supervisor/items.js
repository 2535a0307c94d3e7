// Ongoing work items (waiting, offered, assigned, wrapping up), oldest
// first, with the supervisor's actions: assign to an agent, transfer to a
// queue, force-close (after a confirmation). Rows are kept by item and
// updated in place, so a choice being made survives the live updates.

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { enc } from '../lib/url.js';
import { st } from './state.js';
import { ageEl, customer, statusBadge, table } from './util.js';

const CHANNEL_OF = { chat: 'messaging', voice: 'voice', callback: 'voice' };

export function itemsSection(ctx) {
  const { el, body } = table('items-title', [['customer'], ['queue'], ['status'], ['agent'], ['waited'], ['inStatus'], ['actions']], 'item-rows');
  const empty = h('tr', { 'data-testid': 'no-items' }, h('td', { colspan: 7, class: 'empty' }, t('noItems')));
  const section = h('section', { class: 'card', 'aria-labelledby': 'items-title', 'data-testid': 'items' },
    h('h2', { id: 'items-title' }, t('itemsTitle')), el);
  const rows = new Map();

  function render() {
    const items = Array.from(st.items.values())
      .sort((a, b) => String(a.arrived_at).localeCompare(String(b.arrived_at)) || a.id.localeCompare(b.id));
    for (const [id, r] of rows) if (!st.items.has(id)) { r.tr.remove(); rows.delete(id); }
    if (!items.length) { body.replaceChildren(empty); return; }
    empty.remove();
    let prev = null;
    for (const it of items) {
      let r = rows.get(it.id);
      if (!r) { r = makeRow(it, ctx); rows.set(it.id, r); }
      update(r, it);
      // Keep the order without moving rows that are already in place
      // (moving a row would drop the focus of a control inside it).
      const want = prev ? prev.nextSibling : body.firstChild;
      if (want !== r.tr) body.insertBefore(r.tr, want);
      prev = r.tr;
    }
  }
  return { section, render };
}

function makeRow(it, ctx) {
  const r = { id: it.id };
  r.who = h('th', { scope: 'row', 'data-testid': 'item-customer' });
  r.queue = h('td', { 'data-testid': 'item-queue' });
  r.status = h('td');
  r.agent = h('td', { 'data-testid': 'item-agent' });
  r.waited = h('td', { class: 'age' });
  r.inStatus = h('td', { class: 'age' });
  r.err = h('p', { class: 'row-error', role: 'alert', 'data-testid': 'item-error' });
  r.assignSel = h('select', { 'data-testid': 'assign-agent', 'aria-label': '' });
  r.assignBtn = h('button', { type: 'button', 'data-testid': 'assign' }, t('assign'));
  r.transferSel = h('select', { 'data-testid': 'transfer-queue', 'aria-label': '' });
  r.transferBtn = h('button', { type: 'button', 'data-testid': 'transfer' }, t('transfer'));
  r.closeBtn = h('button', { type: 'button', 'data-testid': 'force-close' }, t('forceClose'));
  r.confirmBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'confirm-close' }, t('confirmClose'));
  r.cancelBtn = h('button', { type: 'button', 'data-testid': 'cancel-close' }, t('cancel'));
  r.confirm = h('span', { class: 'act', hidden: true, 'data-testid': 'close-confirm' }, h('span', null, t('closeQuestion')), r.confirmBtn, r.cancelBtn);
  r.assignBtn.addEventListener('click', () => act(r, ctx, 'assign', { agent_id: r.assignSel.value }, r.assignSel));
  r.transferBtn.addEventListener('click', () => act(r, ctx, 'transfer', { queue_id: r.transferSel.value }, r.transferSel));
  r.closeBtn.addEventListener('click', () => { r.confirm.hidden = false; r.confirmBtn.focus(); });
  r.cancelBtn.addEventListener('click', () => { r.confirm.hidden = true; r.closeBtn.focus(); });
  r.confirmBtn.addEventListener('click', () => act(r, ctx, 'close', {}, r.closeBtn));
  r.tr = h('tr', { 'data-testid': 'item-row', 'data-id': it.id },
    r.who, r.queue, r.status, r.agent, r.waited, r.inStatus,
    h('td', { class: 'actions-cell' },
      h('div', { class: 'act' }, r.assignSel, r.assignBtn),
      h('div', { class: 'act' }, r.transferSel, r.transferBtn),
      h('div', { class: 'act' }, r.closeBtn, r.confirm),
      r.err));
  return r;
}

// Refreshes a row's cells and choices from the item.
function update(r, it) {
  const who = customer(it);
  r.who.textContent = who;
  r.queue.textContent = it.queue_name || (st.queues.get(it.queue_id) || {}).name || '';
  r.status.replaceChildren(statusBadge(it.status));
  r.tr.setAttribute('data-status', it.status);
  const agent = it.agent_id ? st.agents.get(it.agent_id) : null;
  r.agent.textContent = it.agent_id ? (agent && agent.name) || it.agent_id : '—';
  r.agent.setAttribute('data-agent', it.agent_id || '');
  if (r.waitedAt !== it.arrived_at) { r.waited.replaceChildren(ageEl(it.arrived_at, 'item-waited')); r.waitedAt = it.arrived_at; }
  if (r.sinceAt !== it.since) { r.inStatus.replaceChildren(ageEl(it.since, 'item-age')); r.sinceAt = it.since; }
  r.assignSel.setAttribute('aria-label', t('assignTo', { who }));
  r.transferSel.setAttribute('aria-label', t('transferTo', { who }));
  r.closeBtn.setAttribute('aria-label', t('forceCloseOf', { who }));
  // Choices: every agent the engine routes to (offline ones are refused,
  // and said so); the other queues of the item's channel.
  const agents = Array.from(st.agents.values()).map((a) => [a.agent_id, (a.name || a.agent_id) + ' — ' + t('ps_' + a.presence)]);
  options(r.assignSel, agents, t('pickAgent'));
  const mine = st.queues.get(it.queue_id);
  const channel = mine ? mine.channel : CHANNEL_OF[it.channel];
  const queues = Array.from(st.queues.values())
    .filter((q) => q.id !== it.queue_id && (!channel || q.channel === channel))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((q) => [q.id, q.name]);
  options(r.transferSel, queues, t('pickQueue'));
  // Assigning is for items no agent holds yet.
  const held = it.status === 'assigned' || it.status === 'wrap_up';
  r.assignSel.disabled = held;
  r.assignBtn.disabled = held;
  r.transferBtn.disabled = it.status === 'wrap_up';
}

// Sets a select's options (value, text) after a placeholder, keeping the choice.
function options(sel, list, placeholder) {
  const key = JSON.stringify(list);
  if (sel.sbKey === key) return;
  sel.sbKey = key;
  const was = sel.value;
  sel.replaceChildren(h('option', { value: '' }, placeholder), ...list.map(([v, text]) => h('option', { value: v }, text)));
  if (list.some(([v]) => v === was)) sel.value = was;
}

async function act(r, ctx, what, body, focusBack) {
  r.err.textContent = '';
  if ((what === 'assign' && !body.agent_id) || (what === 'transfer' && !body.queue_id)) {
    r.err.textContent = t(what === 'assign' ? 'pickAgentFirst' : 'pickQueueFirst');
    focusBack.focus();
    return;
  }
  const name = r.who.textContent;
  const res = await api('POST', '/api/v1/work-items/' + enc(r.id) + '/' + what, body, { object: true });
  if (!res.ok) {
    // The server's words are English: say the common refusals in the
    // page's language when the state tells which it is.
    const agent = what === 'assign' ? st.agents.get(body.agent_id) : null;
    const gone = res.status === 409 && /closed|abandoned/.test(res.error);
    r.err.textContent = res.status === 409 && agent && agent.presence === 'offline'
      ? t('agentOffline', { name: agent.name || agent.agent_id })
      : gone ? t('itemGone') : res.error;
    r.confirm.hidden = true;
    if (r.tr.isConnected) focusBack.focus();
    return;
  }
  r.confirm.hidden = true;
  r.assignSel.value = '';
  r.transferSel.value = '';
  ctx.say(t('done_' + what, { who: name }));
  // The socket's events update the row; a closed item's row goes away,
  // so the focus moves to the list's heading.
  if (what === 'close' || !r.tr.isConnected) ctx.focusList();
}
