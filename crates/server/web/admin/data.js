// What the admin screens share: reading lists from the API, and the small
// controls their forms are made of (values in, values out; labels and
// errors come from lib/form.js).

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { enc } from '../lib/url.js';

// A list endpoint's answer (an array), or null when it failed.
export async function read(path) {
  const r = await api('GET', path);
  return r.ok && Array.isArray(r.data) ? r.data : null;
}

// Every item of a paged list (items, next_cursor), or null.
export async function readPages(path) {
  let items = [];
  let cursor = null;
  do {
    const r = await api('GET', path + '?limit=200' + (cursor ? '&cursor=' + enc(cursor) : ''));
    if (!r.ok || !r.data || !Array.isArray(r.data.items)) return null;
    items = items.concat(r.data.items);
    cursor = r.data.next_cursor;
  } while (cursor);
  return items;
}

// A queue as PUT /api/v1/queues/{id} takes it back, from how it reads.
export function queueInput(q, members) {
  return {
    name: q.name, channel: q.channel, priority: q.priority, method: q.method,
    offer_timeout_seconds: q.offer_timeout_seconds, declines_allowed: q.declines_allowed,
    is_default: q.is_default, operating_hours: q.operating_hours || null,
    overflow: q.overflow || {}, members: members || q.members
  };
}

// <select> of [value, text] pairs, `value` chosen.
export function pick(pairs, value) {
  const el = h('select', null, pairs.map(([v, text]) => h('option', { value: v }, text)));
  el.value = value == null ? '' : String(value);
  return el;
}

export function textInput(value, attrs) {
  const el = h('input', Object.assign({ type: 'text', autocomplete: 'off' }, attrs || {}));
  el.value = value == null ? '' : String(value);
  return el;
}

export function numberInput(value, attrs) {
  return textInput(value, Object.assign({ type: 'number', inputmode: 'numeric' }, attrs || {}));
}

export function tickBox(on, attrs) {
  const el = h('input', Object.assign({ type: 'checkbox' }, attrs || {}));
  el.checked = !!on;
  return el;
}

// A number field's value for the API: absent when blank, a number when it
// reads as one, else the text as typed (the API names the field).
export function numberOf(el) {
  const v = el.value.trim();
  if (v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : v;
}

// "a, b ,c" → ["a", "b", "c"].
export function listOf(text) {
  return String(text).split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
}

// "key=value" lines → {key: value} (a line without "=" is a key with an
// empty value; blank lines are skipped).
export function pairsOf(text) {
  const out = {};
  for (const line of String(text).split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    out[(at < 0 ? line : line.slice(0, at)).trim()] = at < 0 ? '' : line.slice(at + 1).trim();
  }
  return out;
}

// A button that runs `fn` (type=button: it never submits its form).
export function button(text, fn, attrs) {
  return h('button', Object.assign({ type: 'button', click: fn }, attrs || {}), text);
}

// A card: a section titled `title` (its heading's id names it).
export function card(title, ...kids) {
  const head = h('h2', { id: nextHeading() }, title);
  return h('section', { class: 'card', 'aria-labelledby': head.id }, head, kids);
}
let headings = 0;
function nextHeading() {
  headings += 1;
  return 'card-' + headings;
}

// The form's error area.
export function errorBox() {
  return h('div', { class: 'error', role: 'alert', 'data-testid': 'form-error' });
}

// The queues as [id, name] options, with a first "none" choice if given.
export function queueChoices(queues, none) {
  const pairs = (queues || []).map((q) => [q.id, q.name + ' (' + t('ch_' + q.channel) + ')']);
  return none ? [['', none]].concat(pairs) : pairs;
}
