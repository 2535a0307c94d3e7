// Small helpers of the workspace's views.

import { h } from '../lib/dom.js';
import { label } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { safeUrl } from '../lib/url.js';

export const dash = (v) => (str(v) === '' ? '—' : str(v));

export function link(u, text) {
  const href = safeUrl(u);
  const shown = str(text) || str(u);
  if (!href) return h('span', { class: 'url' }, shown);
  const a = h('a', { target: '_blank', rel: 'noopener noreferrer' }, shown);
  a.setAttribute('href', href);
  return a;
}

// One counter for the ids of elements and the numbers of tabs.
let uid = 0;
export const nextN = () => ++uid;
export const nextId = (p) => 'sb-' + p + '-' + nextN();
export function personName(c) {
  if (!c) return '';
  return [c.first_name, c.last_name].map(str).filter(Boolean).join(' ') || str(c.name);
}
export const chan = (c) => label('ch_', c);
// Definition list rows: [label, value (string or node), testid?, key?].
export function dl(rows, cls) {
  return h('dl', { class: cls || 'facts' }, rows.filter(Boolean).map(([k, v, testid, key]) =>
    h('div', { 'data-testid': testid || null, 'data-key': key || null },
      h('dt', null, k), h('dd', null, v instanceof Node ? v : dash(v)))));
}
export function listOf(data) {
  if (Array.isArray(data)) return data;
  if (data && typeof data === 'object') {
    for (const k of ['items', 'canned_responses', 'queues', 'results', 'data']) if (Array.isArray(data[k])) return data[k];
  }
  return [];
}

export function formError() { return h('p', { class: 'error', role: 'alert' }); }
