// Routing: queues (channel, method, priority, offer timeout, declines,
// operating hours and holidays, overflow conditions → actions, members,
// supervisors: the people with the supervisor role who watch the queue)
// and the ordered routing rules (first match wins), moved up and down,
// then saved as a whole.

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { browserTz } from '../lib/time.js';
import { clearFieldErrors, fieldRow, showFieldErrors } from '../lib/form.js';
import { button, card, errorBox, listOf, numberInput, numberOf, pick, queueChoices, read, readPages, textInput, tickBox } from './data.js';
import { routeTester } from './testers.js';
import { DAYS, weekView } from '../lib/week.js';

const METHODS = ['highest_capacity', 'round_robin', 'least_active', 'longest_idle'];
const ACTIONS = ['assign_anyway', 'transfer_to_queue', 'end_conversation', 'direct_callback', 'voicemail'];
// The overflow conditions, in the order the engine checks them, and the
// threshold each takes.
const CONDITIONS = [
  ['out_of_operating_hours', null], ['work_items_waiting_exceed', 'count'],
  ['estimated_wait_exceeds', 'seconds'], ['waiting_time_exceeds', 'seconds']
];
const OPS = ['equals', 'in', 'contains', 'exists'];

export async function showRouting(root, ctx) {
  const [queues, rules, skills, agents] = await Promise.all([
    read('/api/v1/queues'), read('/api/v1/routing-rules'), read('/api/v1/skills'), readPages('/api/v1/agents')
  ]);
  root.append(h('h1', { tabindex: '-1' }, t('routing')));
  if (!queues || !rules || !skills || !agents) {
    root.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed')));
    return;
  }
  const form = queueForm(ctx, queues, agents);
  const box = errorBox();
  root.append(card(t('queues'), queueTable(ctx, queues, form, box), box), form.el, rulesCard(ctx, rules, queues, skills));
}

function queueTable(ctx, queues, form, box) {
  if (!queues.length) return h('p', { class: 'muted' }, t('noQueues'));
  // Refused (409) while the queue has handled work or a rule sends work to it.
  async function remove(q) {
    const r = await api('DELETE', '/api/v1/queues/' + encodeURIComponent(q.id));
    if (!r.ok) return showFieldErrors(box, box, r);
    await ctx.reload();
    ctx.say(t('deleted', { name: q.name }));
  }
  return h('table', null,
    h('thead', null, h('tr', null, [t('name'), t('channel'), t('method'), t('priority'), t('members'), t('actions')].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, queues.map((q) => h('tr', { 'data-testid': 'queue-row', 'data-id': q.id },
      h('td', null, q.name, q.is_default ? ' (' + t('default') + ')' : ''), h('td', null, t('ch_' + q.channel)),
      h('td', null, t('m_' + q.method)), h('td', null, String(q.priority)), h('td', null, String(q.members.length)),
      h('td', null, h('button', { type: 'button', 'aria-label': t('editNamed', { name: q.name }), click: () => form.edit(q) }, t('edit')), ' ',
        h('button', { type: 'button', disabled: ctx.readOnly, 'data-testid': 'queue-delete', 'aria-label': t('deleteNamed', { name: q.name }), click: () => remove(q) }, t('delete')))))));
}

function queueForm(ctx, queues, agents) {
  const title = h('h2', { id: 'queue-form-title', tabindex: '-1' }, t('newQueue'));
  const box = errorBox();
  const c = {
    name: textInput('', { 'data-testid': 'queue-name' }),
    channel: pick([['messaging', t('ch_messaging')], ['voice', t('ch_voice')]], 'messaging'),
    method: pick([['', t('methodDefault')]].concat(METHODS.map((m) => [m, t('m_' + m)])), ''),
    priority: numberInput(0), timeout: numberInput(60), declines: numberInput(3),
    isDefault: tickBox(false),
    csatSurvey: tickBox(false, { 'data-testid': 'queue-csat-survey' }),
    hasHours: tickBox(false, { 'data-testid': 'queue-has-hours' }),
    tz: textInput(browserTz, { 'data-testid': 'queue-tz' }),
    holidays: textInput('', { placeholder: 'YYYY-MM-DD, YYYY-MM-DD', 'data-testid': 'queue-holidays' })
  };
  c.channel.setAttribute('data-testid', 'queue-channel');
  // Only voice queues ask callers to rate the call (chats: the widget's setting).
  function voiceOnly() {
    const voice = c.channel.value === 'voice';
    c.csatSurvey.disabled = !voice;
    if (!voice) c.csatSurvey.checked = false;
  }
  c.channel.addEventListener('change', voiceOnly);
  voiceOnly();
  const weekly = h('div', { 'data-testid': 'queue-weekly' });
  weekly.addEventListener('input', () => redraw());
  weekly.addEventListener('change', () => redraw());
  const overflow = {};
  for (const [cond, threshold] of CONDITIONS) {
    const p = 'overflow.' + cond;
    overflow[cond] = {
      action: pick([['', t('noAction')]].concat(ACTIONS.map((a) => [a, t('a_' + a)])), ''),
      value: threshold ? numberInput('', { min: '0' }) : null,
      target: pick(queueChoices(queues, t('noQueue')), '')
    };
    overflow[cond].action.setAttribute('data-testid', 'overflow-' + cond);
    overflow[cond].action.setAttribute('data-field', `${p}.action ${p}`);
    if (threshold) overflow[cond].value.setAttribute('data-testid', 'overflow-' + cond + '-' + threshold);
  }
  const memberBoxes = agents.map((a) => tickBox(false, { value: a.id, 'data-testid': 'queue-member' }));
  // Only people holding the supervisor role can supervise a queue (the API
  // refuses others); a former supervisor's id, not shown, is dropped on save.
  const supervisors = agents.filter((a) => Array.isArray(a.roles) && a.roles.includes('supervisor'));
  const supervisorBoxes = supervisors.map((a) => tickBox(false, { value: a.id, 'data-testid': 'queue-supervisor' }));
  let editing = null;

  function hoursRow(day, from, to) {
    const d = pick(DAYS.map((x) => [x, t('day_' + x)]), day);
    const f = textInput(from, { type: 'time' });
    const tt = textInput(to, { type: 'time' });
    d.setAttribute('data-testid', 'hours-day');
    f.setAttribute('data-testid', 'hours-from');
    tt.setAttribute('data-testid', 'hours-to');
    const row = h('div', { class: 'row' }, fieldRow(t('day'), d), fieldRow(t('from'), f), fieldRow(t('to'), tt),
      button(t('remove'), () => { row.remove(); renumber(); }));
    row.sbGet = () => ({ day: d.value, from: f.value, to: tt.value });
    row.sbControls = [d, f, tt];
    return row;
  }
  // The week at a glance, redrawn as the rows change.
  const week = h('div', { 'data-testid': 'queue-week' });
  function redraw() {
    week.replaceChildren(weekView(Array.from(weekly.children).map((row) => row.sbGet())));
  }
  function renumber() {
    redraw();
    Array.from(weekly.children).forEach((row, i) => {
      const p = `operating_hours.weekly[${i}]`;
      row.sbControls[0].setAttribute('data-field', p + '.day');
      row.sbControls[1].setAttribute('data-field', `${p}.from ${p}`);
      row.sbControls[2].setAttribute('data-field', p + '.to');
    });
  }
  function addHours(day, from, to) {
    weekly.append(hoursRow(day, from, to));
    renumber();
  }

  function edit(q) {
    editing = q;
    clearFieldErrors(el, box);
    title.textContent = t('editNamed', { name: q.name });
    c.name.value = q.name;
    c.channel.value = q.channel;
    c.method.value = q.method;
    c.priority.value = q.priority;
    c.timeout.value = q.offer_timeout_seconds;
    c.declines.value = q.declines_allowed;
    c.isDefault.checked = q.is_default;
    c.csatSurvey.checked = !!q.csat_survey;
    voiceOnly();
    const oh = q.operating_hours;
    c.hasHours.checked = !!oh;
    c.tz.value = oh ? oh.time_zone : browserTz;
    c.holidays.value = oh ? (oh.holidays || []).join(', ') : '';
    weekly.replaceChildren();
    for (const r of oh ? oh.weekly || [] : []) addHours(r.day, r.from, r.to);
    for (const [cond, threshold] of CONDITIONS) {
      const spec = (q.overflow || {})[cond];
      overflow[cond].action.value = spec ? spec.action : '';
      overflow[cond].target.value = spec && spec.queue_id ? spec.queue_id : '';
      if (threshold) overflow[cond].value.value = spec ? spec[threshold] : '';
    }
    for (const b of memberBoxes) b.checked = q.members.includes(b.value);
    for (const b of supervisorBoxes) b.checked = (q.supervisor_ids || []).includes(b.value);
    title.focus();
  }

  function body() {
    const out = {
      name: c.name.value, channel: c.channel.value, priority: numberOf(c.priority),
      offer_timeout_seconds: numberOf(c.timeout), declines_allowed: numberOf(c.declines),
      is_default: c.isDefault.checked, csat_survey: c.csatSurvey.checked, members: memberBoxes.filter((b) => b.checked).map((b) => b.value),
      supervisor_ids: supervisorBoxes.filter((b) => b.checked).map((b) => b.value),
      operating_hours: null, overflow: {}
    };
    if (c.method.value) out.method = c.method.value;
    if (c.hasHours.checked) {
      out.operating_hours = {
        time_zone: c.tz.value.trim(),
        weekly: Array.from(weekly.children).map((row) => row.sbGet()),
        holidays: listOf(c.holidays.value)
      };
    }
    for (const [cond, threshold] of CONDITIONS) {
      const o = overflow[cond];
      if (!o.action.value) continue;
      const spec = { action: o.action.value, queue_id: o.action.value === 'transfer_to_queue' ? o.target.value || null : null };
      if (threshold) spec[threshold] = numberOf(o.value);
      out.overflow[cond] = spec;
    }
    return out;
  }

  async function save(ev) {
    ev.preventDefault();
    if (ctx.readOnly) return;
    const r = editing
      ? await api('PUT', '/api/v1/queues/' + encodeURIComponent(editing.id), body())
      : await api('POST', '/api/v1/queues', body());
    if (!r.ok) return showFieldErrors(el, box, r);
    await ctx.reload();
    ctx.say(t('savedQueue', { name: r.data.name }));
  }

  const overflowRows = CONDITIONS.map(([cond, threshold]) => {
    const o = overflow[cond];
    const p = 'overflow.' + cond;
    return h('div', { class: 'row' },
      h('strong', null, t('o_' + cond)),
      fieldRow(t('action'), o.action),
      threshold ? fieldRow(t('th_' + threshold), o.value, `${p}.${threshold}`) : null,
      fieldRow(t('targetQueue'), o.target, `${p}.queue_id`));
  });

  const el = h('form', { class: 'card', novalidate: true, 'aria-labelledby': title.id, 'data-testid': 'queue-form', submit: save },
    title,
    h('fieldset', { class: 'plain', disabled: ctx.readOnly },
      h('div', { class: 'grid' },
        fieldRow(t('name'), c.name, 'name'), fieldRow(t('channel'), c.channel, 'channel'),
        fieldRow(t('method'), c.method, 'method'), fieldRow(t('priority'), c.priority, 'priority'),
        fieldRow(t('offerTimeout'), c.timeout, 'offer_timeout_seconds'),
        fieldRow(t('declines'), c.declines, 'declines_allowed'), fieldRow(t('isDefault'), c.isDefault, 'is_default'),
        fieldRow(t('csatSurvey'), c.csatSurvey, 'csat_survey')),
      h('fieldset', null, h('legend', null, t('hours')),
        fieldRow(t('hasHours'), c.hasHours, 'operating_hours'),
        h('div', { class: 'grid' }, fieldRow(t('timeZone'), c.tz, 'operating_hours.time_zone'),
          fieldRow(t('holidays'), c.holidays, 'operating_hours.holidays')),
        weekly,
        button(t('addHours'), () => { addHours('monday', '09:00', '17:00'); weekly.lastChild.querySelector('select').focus(); }, { 'data-testid': 'add-hours' }),
        week),
      h('fieldset', null, h('legend', null, t('overflow')), h('p', { class: 'muted' }, t('overflowHelp')), overflowRows),
      h('fieldset', null, h('legend', null, t('members')),
        agents.length ? h('div', { class: 'grid' }, memberBoxes.map((b, i) => fieldRow(agents[i].name, b))) : null),
      h('fieldset', { 'data-testid': 'queue-supervisors' }, h('legend', null, t('supervisors')),
        h('p', { class: 'muted' }, t('supervisorsHelp')),
        supervisors.length
          ? h('div', { class: 'grid' }, supervisorBoxes.map((b, i) => fieldRow(supervisors[i].name, b)))
          : h('p', { class: 'muted' }, t('noSupervisors'))),
      box,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'queue-save' }, t('save')),
        button(t('newQueue'), () => ctx.reload()))));
  if (memberBoxes.length) memberBoxes[0].setAttribute('data-field', 'members');
  // Errors name supervisor_ids[n] (n in the list sent): shown by the first box.
  if (supervisorBoxes.length) supervisorBoxes[0].setAttribute('data-field', 'supervisor_ids');
  return { el, edit };
}

// ------------------------------------------------------------ routing rules

function ruleState(r) {
  return {
    name: r.name || '', queue_id: r.queue_id || '', priority: r.priority || 0, skill_match: r.skill_match || 'exact',
    tests: (Array.isArray(r.tests) ? r.tests : []).map((x) => ({
      op: x.op, attribute: x.attribute || '', value: x.op === 'in' ? (x.values || []).join(', ') : x.value || ''
    })),
    skills: (Array.isArray(r.skills) ? r.skills : []).map((s) => ({ skill_id: s.skill_id, min: s.min }))
  };
}

function ruleBody(r) {
  return {
    name: r.name, queue_id: r.queue_id, priority: r.priority, skill_match: r.skill_match,
    tests: r.tests.map((x) => x.op === 'exists' ? { op: x.op, attribute: x.attribute }
      : x.op === 'in' ? { op: x.op, attribute: x.attribute, values: listOf(x.value) }
        : { op: x.op, attribute: x.attribute, value: x.value }),
    skills: r.skills.map((s) => ({ skill_id: s.skill_id, min: s.min }))
  };
}

function rulesCard(ctx, saved, queues, skills) {
  let rules = saved.map(ruleState);
  const list = h('ol', { class: 'rules', 'data-testid': 'rules' });
  const box = errorBox();

  // An input bound to rule field `key` (numbers stay numbers when they read as such).
  function bound(obj, key, el, num) {
    el.addEventListener(el.tagName === 'SELECT' || el.type === 'checkbox' ? 'change' : 'input', () => {
      obj[key] = num ? numberOf(el) : el.value;
    });
    return el;
  }

  function render(focus) {
    list.replaceChildren(...rules.map((r, i) => ruleItem(r, i)));
    if (focus) {
      let el = list.querySelector(focus);
      // A move to either end: its button is off, the other one takes the focus.
      if (el && el.disabled) el = el.parentNode.querySelector('[data-move]:not([disabled])');
      if (el) el.focus();
    }
  }
  function move(i, by) {
    const j = i + by;
    if (j < 0 || j >= rules.length) return;
    [rules[i], rules[j]] = [rules[j], rules[i]];
    render(`[data-rule="${j}"] [data-move="${by}"]`);
    ctx.say(t('moved', { name: rules[j].name, n: j + 1 }));
  }

  function ruleItem(r, i) {
    const p = `rules[${i}]`;
    const name = bound(r, 'name', textInput(r.name, { 'data-testid': 'rule-name' }));
    const queue = bound(r, 'queue_id', pick(queueChoices(queues, t('chooseQueue')), r.queue_id));
    queue.setAttribute('data-testid', 'rule-queue');
    const prio = bound(r, 'priority', numberInput(r.priority), true);
    const match = bound(r, 'skill_match', pick([['exact', t('match_exact')], ['closest', t('match_closest')]], r.skill_match));
    const tests = r.tests.map((x, k) => {
      const op = bound(x, 'op', pick(OPS.map((o) => [o, t('op_' + o)]), x.op));
      op.addEventListener('change', () => render(`[data-rule="${i}"] [data-test-op="${k}"]`));
      op.setAttribute('data-test-op', String(k));
      op.setAttribute('data-testid', 'test-op');
      const attr = bound(x, 'attribute', textInput(x.attribute, { 'data-testid': 'test-attribute' }));
      const val = bound(x, 'value', textInput(x.value, { 'data-testid': 'test-value' }));
      return h('div', { class: 'row' },
        fieldRow(t('attribute'), attr, `${p}.tests[${k}].attribute ${p}.tests[${k}]`),
        fieldRow(t('test'), op, `${p}.tests[${k}].op`),
        x.op === 'exists' ? null : fieldRow(x.op === 'in' ? t('values') : t('value'), val, `${p}.tests[${k}].value ${p}.tests[${k}].values`),
        button(t('remove'), () => { r.tests.splice(k, 1); render(`[data-rule="${i}"] [data-add=test]`); }));
    });
    const needs = r.skills.map((s, k) => {
      const sk = bound(s, 'skill_id', pick([['', t('chooseSkill')]].concat(skills.map((x) => [x.id, x.name])), s.skill_id));
      const min = bound(s, 'min', numberInput(s.min, { min: '1', max: '10' }), true);
      return h('div', { class: 'row' },
        fieldRow(t('skill'), sk, `${p}.skills[${k}].skill_id ${p}.skills[${k}]`),
        fieldRow(t('minLevel'), min, `${p}.skills[${k}].min`),
        button(t('remove'), () => { r.skills.splice(k, 1); render(`[data-rule="${i}"] [data-add=skill]`); }));
    });
    return h('li', { 'data-rule': String(i), 'data-testid': 'rule' },
      h('fieldset', { class: 'plain', disabled: ctx.readOnly },
        h('div', { class: 'rule-head' },
          h('h3', null, t('ruleN', { n: i + 1 })),
          button(t('moveUp'), () => move(i, -1), { 'data-move': '-1', 'data-testid': 'rule-up', disabled: i === 0, 'aria-label': t('moveUpNamed', { name: r.name || t('ruleN', { n: i + 1 }) }) }),
          button(t('moveDown'), () => move(i, 1), { 'data-move': '1', 'data-testid': 'rule-down', disabled: i === rules.length - 1, 'aria-label': t('moveDownNamed', { name: r.name || t('ruleN', { n: i + 1 }) }) }),
          button(t('remove'), () => { rules.splice(i, 1); render('[data-testid=add-rule]'); }, { 'aria-label': t('removeNamed', { name: r.name || t('ruleN', { n: i + 1 }) }) })),
        h('div', { class: 'grid' },
          fieldRow(t('name'), name, p + '.name'), fieldRow(t('queue'), queue, p + '.queue_id'),
          fieldRow(t('priority'), prio, p + '.priority'), fieldRow(t('skillMatch'), match, p + '.skill_match')),
        h('fieldset', null, h('legend', null, t('conditions')), tests.length ? tests : h('p', { class: 'muted' }, t('always')),
          button(t('addTest'), () => { r.tests.push({ op: 'equals', attribute: '', value: '' }); render(`[data-rule="${i}"] [data-test-op="${r.tests.length - 1}"]`); }, { 'data-add': 'test', 'data-testid': 'add-test' })),
        h('fieldset', null, h('legend', null, t('skillsNeeded')), needs,
          button(t('addSkill'), () => { r.skills.push({ skill_id: '', min: 1 }); render(`[data-rule="${i}"] [data-add=skill]`); }, { 'data-add': 'skill' }))));
  }

  async function save() {
    clearFieldErrors(list, box);
    const r = await api('PUT', '/api/v1/routing-rules', { rules: rules.map(ruleBody) });
    if (!r.ok) return showFieldErrors(list, box, r);
    rules = r.data.map(ruleState);
    render(null);
    ctx.say(t('savedRules'));
  }

  render(null);
  // The tester classifies with the rules as they are in the form; its
  // 422s about rules land beside their controls in this card. Supervisors
  // may call it through the API, but their read-only screen keeps every
  // form disabled, so it is not offered to them here.
  const tester = ctx.readOnly ? null : routeTester(() => rules.map(ruleBody), () => el);
  const el = card(t('rules'), h('p', { class: 'muted' }, t('rulesHelp')), list,
    box,
    h('div', { class: 'actions' },
      button(t('addRule'), () => {
        rules.push({ name: '', queue_id: queues.length ? queues[0].id : '', priority: 0, skill_match: 'exact', tests: [], skills: [] });
        render(`[data-rule="${rules.length - 1}"] input`);
      }, { 'data-testid': 'add-rule', disabled: ctx.readOnly }),
      button(t('saveRules'), save, { class: 'primary', 'data-testid': 'rules-save', disabled: ctx.readOnly })),
    tester);
  return el;
}
