// Per queue: waiting, longest wait (ticking), estimated wait, agents
// available / busy / offline — the socket's queue_stats, as they come —
// and today's answered, abandoned and service level (the reports API, read
// again after each answer or abandon).

import { h } from '../lib/dom.js';
import { lang, t } from '../lib/i18n.js';
import { st } from './state.js';
import { ageEl, secs, table } from './util.js';

export function queuesSection() {
  const { el, body } = table('queues-title', [
    ['queue'], ['waiting', true], ['longestWait', true], ['estimatedWait', true],
    ['available', true], ['busy', true], ['offline', true], ['answeredToday', true], ['abandonedToday', true], ['slToday', true]
  ], 'queue-rows');
  const scope = h('p', { class: 'muted', 'data-testid': 'queues-scope' });
  const section = h('section', { class: 'card', 'aria-labelledby': 'queues-title', 'data-testid': 'queues' },
    h('h2', { id: 'queues-title' }, t('queuesTitle')), scope, el);
  function render() {
    const qs = Array.from(st.queues.values()).sort((a, b) => a.name.localeCompare(b.name));
    // A supervisor sees the queues they supervise; none yet is said so.
    const empty = st.allQueues ? t('noQueues') : t('noSupervisedQueues');
    body.replaceChildren(...(qs.length ? qs.map(row) : [h('tr', null, h('td', { colspan: 10, class: 'empty', 'data-testid': 'no-queues' }, empty))]));
    scope.textContent = st.loaded && !st.allQueues && qs.length ? t('onlyYourQueues') : '';
  }
  return { section, render };
}

function row(q) {
  const s = q.stats;
  // The longest wait ticks on from when the figures were read.
  const longest = s.waiting > 0 && s.longest_wait_seconds != null
    ? ageEl(new Date(q.at - s.longest_wait_seconds * 1000).toISOString(), 'longest-wait')
    : h('span', { 'data-testid': 'longest-wait' }, '—');
  const num = (v, testid) => h('td', { class: 'num', 'data-testid': testid }, v);
  return h('tr', { 'data-testid': 'queue-row', 'data-id': q.id },
    h('th', { scope: 'row' }, q.name),
    num(String(s.waiting), 'waiting'),
    h('td', { class: 'num' }, longest),
    num(secs(s.estimated_wait_seconds), 'estimated-wait'),
    num(String(s.agents_available), 'agents-available'),
    num(String(s.agents_busy), 'agents-busy'),
    num(String(s.agents_offline), 'agents-offline'),
    num(today(q.id, 'answered'), 'answered-today'),
    num(today(q.id, 'abandoned'), 'abandoned-today'),
    num(serviceLevel(q.id), 'service-level-today'));
}

// Today's service level (answered within 20 s, docs/reports.md), or "—".
function serviceLevel(id) {
  const c = st.todayOk ? st.today.get(id) : null;
  if (!c || c.service_level == null) return '—';
  return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(c.service_level);
}

// Today's count (0 for a queue without any yet), or "—" while unknown.
function today(id, what) {
  if (!st.todayOk) return '—';
  const c = st.today.get(id);
  return String(c ? c[what] : 0);
}
