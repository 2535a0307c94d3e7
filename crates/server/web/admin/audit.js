// Audit log: who changed which setting, when, from what to what. One row
// per change, newest first, filtered by person, area and dates; each row
// opens on the fields that changed. Admins only (the API refuses
// supervisors). The store writes the rows with the changes themselves.

import { api, showProblem } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { stamp, when } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { clearFieldErrors, fieldRow, showFieldErrors } from '../lib/form.js';
import { button, card, errorBox, pick, readPages, textInput } from './data.js';

const AREAS = ['people', 'routing', 'chat', 'workspace', 'scheduling', 'communications', 'voice', 'integrations', 'work_items'];

export async function showAudit(root, ctx) {
  root.append(h('h1', { tabindex: '-1' }, t('audit')));
  if (!ctx.admin) {
    root.append(h('p', { class: 'notice' }, t('auditAdminOnly')));
    return;
  }
  const agents = (await readPages('/api/v1/agents')) || [];
  const box = errorBox();
  const c = {
    person: tagged(pick([['', t('anyone')]].concat(agents.map((a) => [a.id, a.name])), ''), 'audit-person'),
    area: tagged(pick([['', t('anyArea')]].concat(AREAS.map((a) => [a, t('area_' + a)])), ''), 'audit-area'),
    from: textInput('', { type: 'date', 'data-testid': 'audit-from' }),
    to: textInput('', { type: 'date', 'data-testid': 'audit-to' })
  };
  const list = h('tbody', { 'data-testid': 'audit-rows' });
  const more = button(t('more'), () => load(false), { 'data-testid': 'audit-more', hidden: '' });
  let cursor = null;

  // Dates are the browser's days: from its first instant to the next day's.
  const instant = (day, plus) => {
    if (!day) return null;
    const d = new Date(day + 'T00:00:00');
    if (isNaN(d)) return day; // the API names the field
    d.setDate(d.getDate() + plus);
    return d.toISOString();
  };
  const query = () => {
    const q = [['agent_id', c.person.value], ['area', c.area.value],
      ['from', instant(c.from.value, 0)], ['to', instant(c.to.value, 1)]]
      .filter(([, v]) => v).map(([k, v]) => k + '=' + enc(v));
    if (cursor) q.push('cursor=' + enc(cursor));
    return q.length ? '?' + q.join('&') : '';
  };
  const form = h('form', { class: 'filters', 'data-testid': 'audit-filters', novalidate: '' },
    box,
    fieldRow(t('person'), c.person, 'agent_id'),
    fieldRow(t('area'), c.area, 'area'),
    fieldRow(t('fromDay'), c.from, 'from'),
    fieldRow(t('toDay'), c.to, 'to'),
    h('button', { type: 'submit' }, t('show')));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(true); });

  async function load(fresh) {
    if (fresh) cursor = null;
    clearFieldErrors(form, box);
    const r = await api('GET', '/api/v1/audit-log' + query());
    if (!r.ok) {
      if (r.status === 422) showFieldErrors(form, box, r);
      else showProblem(box, t('loadFailed'), r);
      return;
    }
    if (fresh) list.replaceChildren();
    list.append(...r.data.items.map(row));
    if (fresh && !r.data.items.length) list.append(h('tr', null, h('td', { colspan: '5' }, t('noChanges'))));
    cursor = r.data.next_cursor;
    more.hidden = !cursor;
  }

  root.append(card(t('auditFilters'), form), card(t('changes'),
    h('table', { class: 'audit' },
      h('thead', null, h('tr', null, [t('whenCol'), t('whoCol'), t('area'), t('actionCol'), t('whatChanged')].map((x) => h('th', { scope: 'col' }, x)))),
      list),
    more));
  await load(true);
}

function row(e) {
  const via = e.via === 'session' ? t('viaSession') : e.via === 'cli' ? t('viaCli')
    : e.via === 'system' ? t('viaSystem') : t('viaToken');
  return h('tr', { 'data-testid': 'audit-row', 'data-action': e.action },
    h('td', null, h('time', { datetime: e.at, title: stamp(e.at) }, when(e.at))),
    h('td', null, e.actor_name, h('br'), h('small', null, via)),
    h('td', null, t('area_' + e.area)),
    h('td', null, h('code', null, e.action), e.target_id ? h('br') : null, e.target_id ? h('small', null, e.target_id) : null),
    h('td', null, diff(e.before, e.after)));
}

// The fields that differ, each "before → after"; the whole records behind
// a disclosure.
function diff(before, after) {
  const flat = (v) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  const keys = new Set(Object.keys(isObject(before) ? before : {}).concat(Object.keys(isObject(after) ? after : {})));
  const changed = [...keys].filter((k) => k !== 'updated_at' && flat((before || {})[k]) !== flat((after || {})[k]));
  const items = !isObject(before) || !isObject(after)
    ? [h('li', null, before == null ? t('created') : after == null ? t('removed') : t('replaced'))]
    : changed.map((k) => h('li', null, h('code', null, k), ': ', trim(flat(before[k])) || '∅', ' → ', trim(flat(after[k])) || '∅'));
  return h('div', null,
    h('ul', { class: 'diff' }, items),
    h('details', null, h('summary', null, t('records')),
      h('pre', null, t('beforeLabel') + '\n' + JSON.stringify(before, null, 2) + '\n\n' + t('afterLabel') + '\n' + JSON.stringify(after, null, 2))));
}

function tagged(el, id) {
  el.setAttribute('data-testid', id);
  return el;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const trim = (s) => (s.length > 120 ? s.slice(0, 119) + '…' : s);
