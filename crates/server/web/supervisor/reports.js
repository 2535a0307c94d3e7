// Historical reports (/supervisor/reports): a form for the days, grouping,
// filters and thresholds; two charts the server draws (SVG) and the table
// behind them, which is their text equivalent; a CSV download of the same
// numbers. Everything comes from GET /api/v1/reports/work-items.

import { api, onUnauthorized, showProblem } from '../lib/api.js';
import { $, h } from '../lib/dom.js';
import { browserLanguages, lang, langParam, pickLanguage, setLanguage, t, translatePage, useTexts } from '../lib/i18n.js';
import { clearFieldErrors, fieldRow, showFieldErrors } from '../lib/form.js';
import { dur } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { errorBox, pick, textInput } from '../admin/data.js';
import en from '../i18n/reports.en.js';
import fr from '../i18n/reports.fr.js';
import es from '../i18n/reports.es.js';

useTexts({ en, fr, es });
setLanguage(pickLanguage(langParam(), ...browserLanguages()));
translatePage();
document.title = t('pageTitle');

const THRESHOLDS = [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300];
const GROUPS = ['queue', 'agent', 'channel', 'day', 'hour'];
const CHANNELS = ['chat', 'voice', 'callback'];

// Today in the browser's calendar, as YYYY-MM-DD.
const isoDay = (d) => d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');

const number = (v) => (v == null ? '–' : new Intl.NumberFormat(lang).format(v));
const percent = (v) => (v == null ? '–' : new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }).format(v));
const seconds = (v) => (v == null ? '–' : dur(Math.round(v)));
const csat = (f) => (f.csat_average == null ? '–' : new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(f.csat_average) + ' (' + number(f.csat_responses) + ')');

// The table's columns: header key and how a row's figures read.
const COLUMNS = [
  ['col_offered', (f) => number(f.offered)],
  ['col_answered', (f) => number(f.answered)],
  ['col_abandoned', (f) => number(f.abandoned)],
  ['col_short', (f) => number(f.short_abandoned)],
  ['col_sl', (f) => percent(f.service_level)],
  ['col_asa', (f) => seconds(f.average_speed_of_answer_seconds)],
  ['col_aht', (f) => seconds(f.average_handle_seconds)],
  ['col_transfers', (f) => number(f.transferred_in) + ' / ' + number(f.transferred_out)],
  ['col_missed', (f) => number(f.declined) + ' / ' + number(f.timed_out)],
  ['col_callbacks', (f) => number(f.callbacks_requested)],
  ['col_csat', csat]
];

function signedOut(text) {
  $('screen').replaceChildren();
  $('signed-out').hidden = false;
  if (text) $('signed-out').querySelector('h1').textContent = text;
}

async function start() {
  onUnauthorized(() => signedOut());
  const r = await api('GET', '/api/v1/session');
  if (!r.ok || !r.data) return signedOut();
  const roles = Array.isArray(r.data.roles) ? r.data.roles : [];
  $('who').textContent = r.data.agent ? r.data.agent.name : t('apiToken');
  if (!roles.includes('admin') && !roles.includes('supervisor')) return signedOut(t('notAllowed'));
  const queues = await api('GET', '/api/v1/queues');
  // A supervisor reads the reports of the queues they supervise (the API
  // refuses the others): only those are offered. Admins: every queue.
  const me = r.data.agent ? r.data.agent.id : null;
  const mine = (q) => roles.includes('admin') || (Array.isArray(q.supervisor_ids) && q.supervisor_ids.includes(me));
  show($('screen'), queues.ok && Array.isArray(queues.data) ? queues.data.filter(mine) : []);
}

function show(root, queues) {
  const today = isoDay(new Date());
  // The last seven days by default: a week shows a pattern, and the page
  // opened early in the morning is not empty.
  const weekStart = isoDay(new Date(Date.now() - 6 * 24 * 3600 * 1000));
  const params = new URLSearchParams(location.search);
  const c = {
    from: textInput(params.get('from') || weekStart, { type: 'date', 'data-testid': 'report-from', required: '' }),
    to: textInput(params.get('to') || today, { type: 'date', 'data-testid': 'report-to', required: '' }),
    by: pick(GROUPS.map((g) => [g, t('by_' + g)]), params.get('by') || 'queue'),
    queue: pick([['', t('anyQueue')]].concat(queues.map((q) => [q.id, q.name])), ''),
    channel: pick([['', t('anyChannel')]].concat(CHANNELS.map((ch) => [ch, ch])), ''),
    sl: pick(THRESHOLDS.map((s) => [String(s), String(s)]), '20'),
    short: pick(THRESHOLDS.map((s) => [String(s), String(s)]), '10')
  };
  c.by.setAttribute('data-testid', 'report-by');
  c.queue.setAttribute('data-testid', 'report-queue');
  const box = errorBox();
  const intro = h('p', { 'data-testid': 'report-intro' }, t('intro', { zone: 'UTC' }));
  const form = h('form', { class: 'filters', 'data-testid': 'report-form', novalidate: '' },
    box,
    fieldRow(t('from'), c.from, 'from'),
    fieldRow(t('to'), c.to, 'to'),
    fieldRow(t('by'), c.by, 'by'),
    fieldRow(t('queue'), c.queue, 'queue_id'),
    fieldRow(t('channel'), c.channel, 'channel'),
    fieldRow(t('slSeconds'), c.sl, 'service_level_seconds'),
    fieldRow(t('shortSeconds'), c.short, 'short_abandon_seconds'),
    h('button', { type: 'submit', 'data-testid': 'report-show' }, t('show')));
  const out = h('div', { 'data-testid': 'report-out', 'aria-live': 'polite' });
  root.append(h('h1', { tabindex: '-1' }, t('heading')), intro, form, out);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });

  const query = () => [['from', c.from.value], ['to', c.to.value], ['by', c.by.value], ['queue_id', c.queue.value],
    ['channel', c.channel.value], ['service_level_seconds', c.sl.value], ['short_abandon_seconds', c.short.value]]
    .filter(([, v]) => v).map(([k, v]) => k + '=' + enc(v)).join('&');

  async function load() {
    clearFieldErrors(form, box);
    // A refused question leaves the last report on the page.
    const before = [...out.childNodes];
    out.replaceChildren(h('p', { role: 'status' }, t('loading')));
    const q = query();
    const r = await api('GET', '/api/v1/reports/work-items?' + q);
    if (!r.ok) {
      out.replaceChildren(...before);
      if (r.status === 422) showFieldErrors(form, box, r);
      else showProblem(box, r.status ? t('failed') : t('netError'), r);
      return;
    }
    const rep = r.data;
    intro.textContent = t('intro', { zone: rep.time_zone });
    history.replaceState(null, '', '?' + q + (langParam() ? '&lang=' + enc(langParam()) : ''));
    out.replaceChildren(...result(rep, q));
    // The other channels' figures of the same days, below.
    const days = 'from=' + enc(c.from.value) + '&to=' + enc(c.to.value);
    const other = await api('GET', '/api/v1/reports/activity?' + days);
    if (other.ok && other.data) out.append(activity(other.data));
  }
  load();
}

function result(rep, q) {
  const csv = h('a', { href: '/api/v1/reports/work-items?' + q + '&format=csv', download: '', 'data-testid': 'report-csv', class: 'button' }, t('download'));
  if (!rep.rows.length) return [h('p', { 'data-testid': 'report-empty' }, t('empty')), csv];
  const chart = (kind, alt) => h('img', {
    src: '/api/v1/reports/work-items/chart?' + q + '&chart=' + kind + '&lang=' + lang,
    alt, width: '880', height: '300', class: 'chart', 'data-testid': 'chart-' + kind
  });
  const head = h('tr', {}, h('th', { scope: 'col' }, t('col_name')), ...COLUMNS.map(([k]) => h('th', { scope: 'col' }, t(k))));
  const line = (name, f, attrs) => h('tr', attrs || {}, h('th', { scope: 'row' }, name), ...COLUMNS.map(([, read]) => h('td', {}, read(f))));
  const rows = rep.rows.map((row) => line(row.name, row, { 'data-key': row.key }));
  const table = h('table', { class: 'report', 'data-testid': 'report-table' },
    h('caption', {}, t('caption', { from: rep.from, to: rep.to, by: t('by_' + rep.by) })),
    h('thead', {}, head),
    h('tbody', {}, ...rows),
    h('tfoot', {}, line(t('total'), rep.total, { 'data-testid': 'report-total' })));
  return [
    h('figure', { class: 'charts' }, chart('volume', t('chartVolume')), chart('service_level', t('chartSl'))),
    // Focusable, so that a keyboard can scroll a table wider than the page.
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('caption', { from: rep.from, to: rep.to, by: t('by_' + rep.by) }) }, table),
    csv
  ];
}

// Proactive invitations, meetings, meeting messages and callbacks per
// day (GET /api/v1/reports/activity), three or so figures to a cell.
const ACTIVITY = [
  ['act_invitations', ['invitations_shown', 'invitations_accepted', 'invitations_closed', 'invitations_expired']],
  ['act_meetings', ['meetings_booked', 'meetings_cancelled', 'meetings_held', 'meetings_no_show']],
  ['act_emails', ['emails_sent', 'emails_skipped', 'emails_failed']],
  ['act_sms', ['sms_sent', 'sms_skipped', 'sms_failed']],
  ['act_callbacks', ['callbacks_requested', 'callbacks_completed', 'callbacks_failed']]
];

function activity(rep) {
  const line = (name, f, attrs) => h('tr', attrs || {}, h('th', { scope: 'row' }, name),
    ...ACTIVITY.map(([, keys]) => h('td', {}, keys.map((k) => number(f[k])).join(' / '))));
  const table = h('table', { class: 'report', 'data-testid': 'activity-table' },
    h('caption', {}, t('actCaption', { from: rep.from, to: rep.to })),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('col_day')), ...ACTIVITY.map(([k]) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, ...rep.rows.map((r) => line(r.day, r))),
    h('tfoot', {}, line(t('total'), rep.total, { 'data-testid': 'activity-total' })));
  return h('section', {},
    h('h2', {}, t('actHeading')),
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('actCaption', { from: rep.from, to: rep.to }) }, table));
}

start();
