// The HTTP client: JSON in and out, errors as RFC 9457 problem details.
// Cookie-authenticated writes carry the session's CSRF token (X-CSRF-Token)
// once a page has signed in and handed it to setCsrf.

import { h } from './dom.js';
import { t } from './i18n.js';
import { str } from './text.js';

let csrf = null;
let unauthorized = null;

export function setCsrf(token) { csrf = token || null; }
// Called on a 401 from anything but the sign-in address (the session ended).
export function onUnauthorized(fn) { unauthorized = fn; }

// A problem's text (its detail, title or message), else "Something went wrong (HTTP n)".
export function problem(data, status) {
  if (data && typeof data === 'object') {
    const d = data.detail || data.title || data.message;
    if (d) return String(d);
  }
  return t('failed') + (status ? ' (HTTP ' + status + ')' : '');
}

// One request; never throws. Answers { ok, status, data, error }: status 0
// is a network failure, `data` the JSON answer (or null), `error` the text
// to show when not ok. `opts`: headers (extra), mode and credentials (for
// another origin; default same-origin), object (success needs a JSON
// object in the answer), type (send `body` as it is, with this
// Content-Type, e.g. a CSV file's text).
export async function api(method, path, body, opts) {
  const o = opts || {};
  const headers = Object.assign({ Accept: 'application/json, application/problem+json' }, o.headers || {});
  if (body !== undefined) headers['Content-Type'] = o.type || 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let r;
  try {
    r = await fetch(path, {
      method, mode: o.mode, credentials: o.credentials || 'same-origin', headers,
      body: body === undefined ? undefined : o.type ? body : JSON.stringify(body)
    });
  } catch (e) {
    return { ok: false, status: 0, data: null, error: t('netError') };
  }
  let data = null;
  if (r.status !== 204) {
    try { data = await r.json(); } catch (e) { data = null; }
  }
  if (r.status === 401 && unauthorized && path !== '/api/v1/session') unauthorized();
  // A stale CSRF token (signed in again in another tab): fetch it once more.
  if (r.status === 403 && csrf && method !== 'GET' && !o.retried && /csrf/i.test(problem(data))) {
    const s = await api('GET', '/api/v1/session');
    if (s.ok && s.data && s.data.csrf_token) {
      csrf = s.data.csrf_token;
      return api(method, path, body, Object.assign({}, o, { retried: true }));
    }
  }
  const ok = r.ok && (!o.object || (!!data && typeof data === 'object'));
  return { ok, status: r.status, data, error: ok ? '' : problem(data, r.status) };
}

// An error area (role=alert): `text`, else the answer's error, then the
// problem's per-field errors as "field: message" lines.
export function showProblem(box, text, r) {
  const d = r && r.data && typeof r.data === 'object' ? r.data : {};
  if (!text && r) text = r.error;
  box.textContent = '';
  if (text) box.append(h('p', null, text));
  const errs = (Array.isArray(d.errors) ? d.errors : [])
    .map((e) => [str(e && e.field), str(e && (e.message || e.code))].filter(Boolean).join(': '));
  if (errs.length) box.append(h('ul', null, errs.map((e) => h('li', null, e))));
}
