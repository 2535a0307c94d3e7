// Dates, times and durations in the page's language.

import { h } from './dom.js';
import { lang } from './i18n.js';

// The browser's time zone.
export const browserTz = (() => {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch (e) { return 'UTC'; }
})();

// A Date from an RFC 3339 text, or null.
export function date(at) {
  const d = new Date(at);
  return at && !isNaN(d) ? d : null;
}
// Intl formatting in `tz` (default: the browser's), or '' for no date.
export function fmt(at, opts, tz) {
  const d = date(at);
  if (!d) return '';
  try { return new Intl.DateTimeFormat(lang, Object.assign({ timeZone: tz || browserTz }, opts)).format(d); } catch (e) {
    return new Intl.DateTimeFormat(lang, opts).format(d); // unknown time zone
  }
}
// "Monday 6 May 2024 at 09:00" in `tz`.
export const full = (at, tz) => fmt(at, { dateStyle: 'full', timeStyle: 'short' }, tz);
// "6 May 2024, 09:00".
export function when(at) {
  const d = date(at);
  return d ? d.toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' }) : '';
}
// "09:00".
export function clock(at) {
  const d = date(at);
  return d ? d.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' }) : '';
}
// The full local date and time (tooltips).
export function stamp(at) {
  const d = date(at);
  return d ? d.toLocaleString(lang) : '';
}
// A <time> element: `text` (default: when(at)), the full time as its title.
export function timeEl(at, text) {
  const d = date(at);
  return d ? h('time', { datetime: d.toISOString(), title: stamp(at) }, text || when(at)) : null;
}
// Seconds as "m:ss" or "h:mm:ss".
export function dur(s) {
  s = Math.max(0, Math.floor(Number(s) || 0));
  const p = (n) => String(n).padStart(2, '0');
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  return hh ? hh + ':' + p(mm) + ':' + p(ss) : mm + ':' + p(ss);
}
