// Forms the API validates. Each control names the request fields it stands
// for in data-field (space-separated paths: "name", "rules[0].location.url.value");
// a 422's per-field errors are shown beside those controls (aria-invalid,
// aria-describedby), everything else in the form's error area. The form
// itself is left as typed.

import { h } from './dom.js';
import { t } from './i18n.js';
import { str } from './text.js';

let seq = 0;
// An id no other element of the page has.
export function uniqueId(prefix) {
  seq += 1;
  return (prefix || 'f') + '-' + seq;
}

// A control with its label and the place for its error:
// <div class=field><label for>text</label> el <p class=field-error></p></div>.
// `paths` (optional) sets the control's data-field.
export function fieldRow(text, el, paths) {
  if (!el.id) el.id = uniqueId('f');
  if (paths) el.setAttribute('data-field', paths);
  const err = h('p', { class: 'field-error', id: el.id + '-err' });
  el.sbErr = err;
  const check = el.type === 'checkbox' || el.type === 'radio';
  const lab = h('label', { for: el.id }, text);
  return h('div', { class: check ? 'field check' : 'field' }, check ? [el, lab] : [lab, el], err);
}

// A control labelled by its own aria-label (a table cell's input), with
// the place for its error below it: <div class=field>el <p class=field-error></p></div>.
export function cellField(el, paths) {
  if (!el.id) el.id = uniqueId('f');
  if (paths) el.setAttribute('data-field', paths);
  const err = h('p', { class: 'field-error', id: el.id + '-err' });
  el.sbErr = err;
  return h('div', { class: 'field' }, el, err);
}

// A field error's text: the code's text in the page's language when the
// page has one (err_<code>), else the server's message.
function message(e) {
  const code = str(e && e.code);
  const key = 'err_' + code;
  const own = code ? t(key) : key;
  return own !== key ? own : str(e && (e.message || e.code));
}

function mark(el, text) {
  const err = el.sbErr;
  if (!err) return false;
  err.textContent = err.textContent ? err.textContent + ' ' + text : text;
  el.setAttribute('aria-invalid', 'true');
  el.setAttribute('aria-describedby', err.id);
  return true;
}

// Clears the errors shown in `scope` (and its error area `box`).
export function clearFieldErrors(scope, box) {
  for (const el of scope.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-describedby');
  }
  for (const p of scope.querySelectorAll('.field-error')) p.textContent = '';
  if (box) box.textContent = '';
}

// The control in `scope` standing for `path`, else for the nearest path
// above it ("a.b[2].c" → "a.b[2]" → "a.b" → "a").
function controlFor(scope, path) {
  const all = Array.from(scope.querySelectorAll('[data-field]'));
  for (let p = path; p; p = p.replace(/(\[\d+\]|\.?[^.[\]]+)$/, '')) {
    const el = all.find((c) => c.getAttribute('data-field').split(' ').includes(p));
    if (el) return el;
  }
  return null;
}

// Shows an answer's failure in `scope`: each per-field error beside its
// control, the rest (and the problem's text) in `box`; focuses the first
// control in error. Answers how many errors found their control.
export function showFieldErrors(scope, box, r) {
  clearFieldErrors(scope, box);
  const errors = r && r.data && Array.isArray(r.data.errors) ? r.data.errors : [];
  const rest = [];
  let first = null;
  let placed = 0;
  for (const e of errors) {
    const el = controlFor(scope, str(e && e.field));
    if (el && mark(el, message(e))) {
      placed += 1;
      first = first || el;
    } else {
      rest.push([str(e && e.field), message(e)].filter(Boolean).join(': '));
    }
  }
  box.append(h('p', null, errors.length ? t('checkForm') : (r && r.error) || t('failed')));
  if (rest.length) box.append(h('ul', null, rest.map((x) => h('li', null, x))));
  if (first) first.focus();
  return placed;
}
