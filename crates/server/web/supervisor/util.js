// What the dashboard's sections share: ticking ages, badges, tables.

import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { dur } from '../lib/time.js';
import { age } from './state.js';

// An age that ticks (see tick): seconds since `at` (RFC 3339), "m:ss".
export function ageEl(at, testid) {
  return h('span', { class: 'age', 'data-since': at || '', 'data-testid': testid || null }, at ? dur(age(at, Date.now())) : '—');
}
// Brings every ticking age in `root` up to now (once a second).
export function tick(root) {
  const now = Date.now();
  for (const el of root.querySelectorAll('.age[data-since]')) {
    const at = el.getAttribute('data-since');
    if (at) el.textContent = dur(age(at, now));
  }
}
// A seconds figure ("m:ss"), or "—" when unknown.
export const secs = (s) => (s == null ? '—' : dur(s));

export function presenceBadge(a) {
  const text = t('ps_' + a.presence) + (a.automatic && a.presence === 'busy' ? ' · ' + t('automatic') : '');
  return h('span', { class: 'badge', 'data-presence': a.presence, 'data-testid': 'presence' }, text);
}
export const statusBadge = (s) => h('span', { class: 'badge', 'data-status': s, 'data-testid': 'item-status' }, t('st_' + s));

// A table with a caption-less heading row; `cols` are [key, numeric?].
export function table(label, cols, testid) {
  const body = h('tbody', { 'data-testid': testid });
  const el = h('table', { class: 'figures', 'aria-labelledby': label },
    h('thead', null, h('tr', null, cols.map(([k, num]) => h('th', { scope: 'col', class: num ? 'num' : null }, t(k))))),
    body);
  return { el, body };
}

// The customer's name, else the channel's word ("Chat").
export function customer(it) {
  return it.customer_name || t('ch_' + (it.channel || 'unknown'));
}
