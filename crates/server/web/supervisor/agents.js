// Per agent: presence (with the engine's automatic busy) and the work
// they hold, each with its age since it was offered or assigned.

import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { st } from './state.js';
import { ageEl, customer, presenceBadge, statusBadge, table } from './util.js';

export function agentsSection() {
  const { el, body } = table('agents-title', [['agent'], ['presence'], ['currentWork']], 'agent-rows');
  const section = h('section', { class: 'card', 'aria-labelledby': 'agents-title', 'data-testid': 'agents' },
    h('h2', { id: 'agents-title' }, t('agentsTitle')), el);
  function render() {
    const held = new Map();
    for (const it of st.items.values()) {
      if (!it.agent_id || it.status === 'queued') continue;
      if (!held.has(it.agent_id)) held.set(it.agent_id, []);
      held.get(it.agent_id).push(it);
    }
    const agents = Array.from(st.agents.values());
    body.replaceChildren(...(agents.length ? agents.map((a) => row(a, held.get(a.agent_id) || []))
      : [h('tr', null, h('td', { colspan: 3, class: 'empty' }, t('noAgents')))]));
  }
  return { section, render };
}

function row(a, items) {
  items.sort((x, y) => String(x.since).localeCompare(String(y.since)));
  return h('tr', { 'data-testid': 'agent-row', 'data-id': a.agent_id, 'data-presence': a.presence },
    h('th', { scope: 'row' }, a.name || a.agent_id),
    h('td', null, presenceBadge(a)),
    h('td', null, items.length
      ? h('ul', { class: 'held' }, items.map((it) => h('li', { 'data-testid': 'held-item', 'data-id': it.id },
        customer(it), ' ', statusBadge(it.status), ' ', ageEl(it.since, 'held-age'))))
      : h('span', { class: 'muted' }, t('noWork'))));
}
