// Staffing planner (/supervisor/planner). Measure a queue's traffic over
// past days (GET /api/v1/planner/traffic: per hour of the day, arrivals,
// handle time and patience from the stored work items; the queue's members
// on duty in its open hours), change any of it, and run the plan through
// the routing core (POST /api/v1/planner/runs): the planned day hour by
// hour and the fewest agents reaching the target, with two charts the
// server draws and the table behind them as their text. Definitions:
// docs/planner.md.

import { api, onUnauthorized, setCsrf, showProblem } from '../lib/api.js';
import { $, h } from '../lib/dom.js';
import { browserLanguages, lang, langParam, pickLanguage, setLanguage, t, translatePage, useTexts } from '../lib/i18n.js';
import { cellField, clearFieldErrors, fieldRow, showFieldErrors } from '../lib/form.js';
import { dur } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { errorBox, numberInput, numberOf, pick, textInput, tickBox } from '../admin/data.js';
import en from '../i18n/planner.en.js';
import fr from '../i18n/planner.fr.js';
import es from '../i18n/planner.es.js';

useTexts({ en, fr, es });
setLanguage(pickLanguage(langParam(), ...browserLanguages()));
translatePage();
document.title = t('pageTitle');

const isoDay = (d) => d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
const daysAgo = (n) => { const d = new Date(); d.setDate(d.getDate() - n); return isoDay(d); };
const number = (v, digits) => (v == null ? '–' : new Intl.NumberFormat(lang, { maximumFractionDigits: digits || 0 }).format(v));
const percent = (v) => (v == null ? '–' : new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(v));
const seconds = (v) => (v == null ? '–' : dur(Math.round(v)));
const hourName = (hr) => String(hr).padStart(2, '0') + ':00';
const svgSrc = (svg) => 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);

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
  setCsrf(r.data.csrf_token);
  const queues = await api('GET', '/api/v1/queues');
  show($('screen'), queues.ok && Array.isArray(queues.data) ? queues.data : []);
}

function show(root, queues) {
  const params = new URLSearchParams(location.search);
  const m = {
    queue: pick(queues.map((q) => [q.id, q.name]), params.get('queue_id') || (queues[0] && queues[0].id)),
    from: textInput(params.get('from') || daysAgo(28), { type: 'date', required: '', 'data-testid': 'plan-from' }),
    to: textInput(params.get('to') || daysAgo(1), { type: 'date', required: '', 'data-testid': 'plan-to' }),
    weekdays: pick([['', t('everyDay')], ['mon-fri', t('weekdays')], ['sat,sun', t('weekends')]], params.get('weekdays') || '')
  };
  m.queue.setAttribute('data-testid', 'plan-queue');
  m.weekdays.setAttribute('data-testid', 'plan-weekdays');
  const box = errorBox();
  const measureForm = h('form', { class: 'filters', 'data-testid': 'measure-form', novalidate: '' },
    box,
    fieldRow(t('queue'), m.queue, 'queue_id'),
    fieldRow(t('from'), m.from, 'from'),
    fieldRow(t('to'), m.to, 'to'),
    fieldRow(t('days'), m.weekdays, 'weekdays'),
    h('button', { type: 'submit', 'data-testid': 'measure' }, t('measure')));
  const planArea = h('div', { 'data-testid': 'plan-area', 'aria-live': 'polite' });
  root.append(h('h1', { tabindex: '-1' }, t('heading')), h('p', {}, t('intro')), measureForm, planArea);
  measureForm.addEventListener('submit', (ev) => { ev.preventDefault(); measure(); });

  async function measure() {
    clearFieldErrors(measureForm, box);
    const q = [['queue_id', m.queue.value], ['from', m.from.value], ['to', m.to.value], ['weekdays', m.weekdays.value]]
      .filter(([, v]) => v).map(([k, v]) => k + '=' + enc(v)).join('&');
    planArea.replaceChildren(h('p', { role: 'status' }, t('measuring')));
    const r = await api('GET', '/api/v1/planner/traffic?' + q);
    if (!r.ok) {
      planArea.replaceChildren();
      if (r.status === 422) showFieldErrors(measureForm, box, r);
      else showProblem(box, r.status ? t('failed') : t('netError'), r);
      return;
    }
    history.replaceState(null, '', '?' + q + (langParam() ? '&lang=' + enc(langParam()) : ''));
    planArea.replaceChildren(...planEditor(r.data));
  }
  if (queues.length) measure();
  else planArea.replaceChildren(h('p', {}, t('noQueues')));
}

// The plan as drafted, every figure editable, and its outcome below.
function planEditor(draft) {
  const p = draft.plan;
  const voice = draft.queue.channel === 'voice';
  const c = {
    target: numberInput(p.target_percent, { min: '1', max: '99', 'data-testid': 'plan-target' }),
    threshold: numberInput(p.service_level_seconds, { min: '0', max: '3600' }),
    short: numberInput(p.short_abandon_seconds, { min: '0', max: '300' }),
    traffic: numberInput(100, { min: '0', max: '1000', 'data-testid': 'plan-traffic' }),
    capacity: numberInput(voice ? p.agent.voice_capacity : p.agent.chat_capacity, { min: '1', max: '20' }),
    wrap: numberInput(p.agent.wrap_up_seconds, { min: '0', max: '3600', step: 'any' }),
    answer: numberInput(p.agent.answer_seconds, { min: '0', max: '300', step: 'any' })
  };
  const rows = p.hours.map((hr, i) => ({
    open: tickBox(hr.open, { 'aria-label': t('openAt', { hour: hourName(i) }) }),
    arrivals: numberInput(hr.arrivals_per_hour, { min: '0', step: 'any', 'aria-label': t('arrivalsAt', { hour: hourName(i) }) }),
    handle: numberInput(hr.handle_seconds, { min: '1', step: 'any', 'aria-label': t('handleAt', { hour: hourName(i) }) }),
    patience: numberInput(hr.patience_seconds, { min: '1', step: 'any', 'aria-label': t('patienceAt', { hour: hourName(i) }) }),
    staffed: numberInput(hr.staffed, { min: '0', max: '2000', 'aria-label': t('staffedAt', { hour: hourName(i) }), 'data-testid': 'staffed-' + i })
  }));
  // Several hours' agents at once.
  const fill = {
    from: pick([...Array(24).keys()].map((i) => [String(i), hourName(i)]), '9'),
    to: pick([...Array(24).keys()].map((i) => [String(i), hourName(i)]), '17'),
    count: numberInput(draft.queue.members, { min: '0', max: '2000' })
  };
  const fillButton = h('button', { type: 'button', 'data-testid': 'fill' }, t('fill'));
  fillButton.addEventListener('click', () => {
    const [a, b] = [Number(fill.from.value), Number(fill.to.value)];
    for (let i = Math.min(a, b); i <= Math.max(a, b); i++) rows[i].staffed.value = fill.count.value;
  });
  const box = errorBox();
  const measured = draft.measured;
  const table = h('table', { class: 'report plan', 'data-testid': 'plan-table' },
    h('caption', {}, t('planCaption')),
    h('thead', {}, h('tr', {}, ...['col_hour', 'col_open', 'col_seen', 'col_arrivals', 'col_handle', 'col_patience', 'col_staffed']
      .map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, ...rows.map((r, i) => h('tr', {},
      h('th', { scope: 'row' }, hourName(i)),
      h('td', {}, r.open),
      h('td', {}, t('seen', { offered: number(measured[i].offered), abandoned: number(measured[i].abandoned) })),
      cell(r.arrivals, 'hours[' + i + '].arrivals_per_hour'), cell(r.handle, 'hours[' + i + '].handle_seconds'),
      cell(r.patience, 'hours[' + i + '].patience_seconds'), cell(r.staffed, 'hours[' + i + '].staffed')))));
  const form = h('form', { 'data-testid': 'plan-form', novalidate: '' },
    box,
    h('div', { class: 'filters' },
      fieldRow(t('target'), c.target, 'target_percent'),
      fieldRow(t('threshold'), c.threshold, 'service_level_seconds'),
      fieldRow(t('short'), c.short, 'short_abandon_seconds'),
      fieldRow(t('traffic'), c.traffic),
      fieldRow(voice ? t('voiceCapacity') : t('chatCapacity'), c.capacity, voice ? 'agent.voice_capacity' : 'agent.chat_capacity'),
      fieldRow(t('wrap'), c.wrap, 'agent.wrap_up_seconds'),
      fieldRow(t('answer'), c.answer, 'agent.answer_seconds')),
    h('fieldset', { class: 'filters' }, h('legend', {}, t('fillLegend')),
      fieldRow(t('fillFrom'), fill.from), fieldRow(t('fillTo'), fill.to), fieldRow(t('fillCount'), fill.count), fillButton),
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('planCaption') }, table),
    h('button', { type: 'submit', 'data-testid': 'run' }, t('run')));
  const out = h('div', { 'data-testid': 'plan-out', 'aria-live': 'polite' });
  form.addEventListener('submit', (ev) => { ev.preventDefault(); run(); });

  function body() {
    const scale = Number(c.traffic.value) / 100;
    const capacity = numberOf(c.capacity);
    return {
      queue_id: draft.queue.id,
      target_percent: numberOf(c.target),
      service_level_seconds: numberOf(c.threshold),
      short_abandon_seconds: numberOf(c.short),
      agent: {
        chat_capacity: voice ? p.agent.chat_capacity : capacity,
        voice_capacity: voice ? capacity : p.agent.voice_capacity,
        wrap_up_seconds: numberOf(c.wrap),
        answer_seconds: numberOf(c.answer)
      },
      hours: rows.map((r) => {
        const arrivals = numberOf(r.arrivals);
        return {
          open: r.open.checked,
          arrivals_per_hour: typeof arrivals === 'number' && Number.isFinite(scale) ? Math.round(arrivals * scale * 100) / 100 : arrivals,
          handle_seconds: numberOf(r.handle),
          patience_seconds: numberOf(r.patience) === undefined ? null : numberOf(r.patience),
          staffed: numberOf(r.staffed)
        };
      })
    };
  }

  async function run() {
    clearFieldErrors(form, box);
    const before = [...out.childNodes];
    out.replaceChildren(h('p', { role: 'status', 'data-testid': 'running' }, t('running')));
    const r = await api('POST', '/api/v1/planner/runs?lang=' + enc(lang), body());
    if (!r.ok) {
      out.replaceChildren(...before);
      if (r.status === 422) showFieldErrors(form, box, r);
      else showProblem(box, r.status ? t('failed') : t('netError'), r);
      return;
    }
    out.replaceChildren(...outcome(r.data, (needed) => {
      needed.forEach((n, i) => { if (n != null) rows[i].staffed.value = n; });
      run();
    }));
  }

  const summary = h('p', { 'data-testid': 'plan-summary' }, t('summary', {
    days: number(draft.days), from: draft.from, to: draft.to, zone: draft.time_zone,
    members: number(draft.queue.members), queue: draft.queue.name
  }));
  return [h('h2', {}, t('planHeading')), summary, form, out];
}

// A table cell holding a control and the place for its error.
function cell(el, paths) { return h('td', {}, cellField(el, paths)); }

// The outcome: two charts, the table behind them, and a button that puts
// the needed staffing into the plan.
function outcome(o, useNeeded) {
  const charts = o.charts ? h('figure', { class: 'charts' },
    h('img', { src: svgSrc(o.charts.agents), alt: t('chartAgents'), width: '880', height: '300', class: 'chart', 'data-testid': 'chart-agents' }),
    h('img', { src: svgSrc(o.charts.service_level), alt: t('chartSl'), width: '880', height: '300', class: 'chart', 'data-testid': 'chart-sl' })) : '';
  const heads = ['col_hour', 'col_staffed', 'col_sl', 'col_asa', 'col_abandon', 'col_occupancy', 'col_needed', 'col_sl_needed', 'col_occupancy_needed'];
  const line = (hr) => {
    if (!hr.open) return h('tr', { 'data-hour': String(hr.hour) }, h('th', { scope: 'row' }, hourName(hr.hour)), h('td', { colspan: String(heads.length - 1) }, t('closed')));
    const f = hr.planned;
    const n = hr.with_needed;
    return h('tr', { 'data-hour': String(hr.hour) },
      h('th', { scope: 'row' }, hourName(hr.hour)),
      h('td', {}, number(hr.staffed)),
      h('td', {}, percent(f.service_level)),
      h('td', {}, seconds(f.average_speed_of_answer_seconds)),
      h('td', {}, percent(f.abandon_rate)),
      h('td', {}, percent(f.occupancy)),
      h('td', { 'data-testid': 'needed-' + hr.hour }, hr.out_of_reach ? t('outOfReach') : number(hr.needed)),
      h('td', {}, n ? percent(n.service_level) : '–'),
      h('td', {}, n ? percent(n.occupancy) : '–'));
  };
  const table = h('table', { class: 'report', 'data-testid': 'outcome-table' },
    h('caption', {}, t('outcomeCaption', { target: o.target_percent, seconds: o.service_level_seconds, days: number(o.days_simulated) })),
    h('thead', {}, h('tr', {}, ...heads.map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, ...o.hours.map(line)),
    h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, t('agentHours')),
      h('td', { 'data-testid': 'staffed-hours' }, number(o.staffed_hours)), h('td', { colspan: '4' }),
      h('td', { 'data-testid': 'needed-hours' }, number(o.needed_hours)), h('td', { colspan: '2' }))));
  const use = h('button', { type: 'button', 'data-testid': 'use-needed' }, t('useNeeded'));
  use.addEventListener('click', () => useNeeded(o.hours.map((hr) => (hr.open && !hr.out_of_reach ? hr.needed : null))));
  return [
    h('h2', { tabindex: '-1' }, t('outcomeHeading')),
    charts,
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('outcomeHeading') }, table),
    use
  ];
}

start();
