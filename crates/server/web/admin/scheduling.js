// Scheduling: the branches meetings take place at, the topics customers
// book (duration, meeting types, skills an advisor needs, instructions to
// the customer and their translations), and each advisor's weekly hours,
// branches and time off. Supervisors (and anyone who may read them) see
// everything read-only; the API refuses their writes anyway.

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { browserTz, when } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { clearFieldErrors, fieldRow, showFieldErrors } from '../lib/form.js';
import { button, card, errorBox, numberInput, numberOf, pick, read, readPages, textInput, tickBox } from './data.js';
import { DAYS, weekView } from '../lib/week.js';

const TYPES = ['in_person', 'online', 'phone'];
const LANGS = ['en', 'fr', 'es'];
const TEXTS = ['name', 'description', 'instructions'];

// The advisor being edited, kept across reloads of the screen.
let chosenAdvisor = '';

export async function showScheduling(root, ctx) {
  root.append(h('h1', { tabindex: '-1' }, t('scheduling')));
  const [branches, topics, advisors, skills, agents] = await Promise.all([
    read('/api/v1/branches'), read('/api/v1/topics'), read('/api/v1/advisors'),
    read('/api/v1/skills'), readPages('/api/v1/agents')
  ]);
  if (!branches || !topics || !advisors || !skills || !agents) {
    root.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed')));
    return;
  }
  const advisorCard = await advisorsCard(ctx, advisors, agents, branches);
  root.append(branchesCard(ctx, branches), topicsCard(ctx, topics, skills), advisorCard);
}

// A time zone field offering the zones the browser knows.
function zoneInput(value, testid) {
  const el = textInput(value, { 'data-testid': testid, list: 'sched-zones', spellcheck: 'false' });
  return el;
}
function zoneList() {
  let zones = [];
  try { zones = Intl.supportedValuesOf('timeZone'); } catch (e) { zones = [browserTz]; }
  return h('datalist', { id: 'sched-zones' }, zones.map((z) => h('option', { value: z })));
}

// Ticked boxes name the list's entries in the order they are sent
// (`skills[k]` is the k-th ticked box); the first box also stands for
// the whole list.
function numberTicked(boxes, list) {
  let k = 0;
  boxes.forEach((b, i) => {
    const paths = [];
    if (i === 0) paths.push(list);
    if (b.checked) paths.push(`${list}[${k++}]`);
    b.setAttribute('data-field', paths.join(' ') || list + '-unticked');
  });
}

// ------------------------------------------------------------------ branches

function branchesCard(ctx, branches) {
  const title = h('h3', { tabindex: '-1' }, t('newBranch'));
  const box = errorBox();
  const c = {
    name: textInput('', { 'data-testid': 'branch-name' }),
    address: h('textarea', { rows: '2', 'data-testid': 'branch-address' }),
    zone: zoneInput(browserTz, 'branch-zone')
  };
  let editing = null;
  function edit(b) {
    editing = b;
    clearFieldErrors(form, box);
    title.textContent = t('editNamed', { name: b.name });
    c.name.value = b.name;
    c.address.value = b.address;
    c.zone.value = b.time_zone;
    title.focus();
  }
  async function save(ev) {
    ev.preventDefault();
    clearFieldErrors(form, box);
    const body = { name: c.name.value, address: c.address.value, time_zone: c.zone.value };
    const r = editing
      ? await api('PUT', '/api/v1/branches/' + enc(editing.id), body)
      : await api('POST', '/api/v1/branches', body);
    if (!r.ok) return showFieldErrors(form, box, r);
    await ctx.reload();
    ctx.say(t('savedBranch', { name: r.data.name }));
  }
  async function remove(b) {
    const r = await api('DELETE', '/api/v1/branches/' + enc(b.id));
    if (!r.ok) return showFieldErrors(form, box, r);
    await ctx.reload();
    ctx.say(t('deleted', { name: b.name }));
  }
  const table = h('table', null,
    h('thead', null, h('tr', null, [t('name'), t('address'), t('timeZone'), t('actions')].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, branches.map((b) => h('tr', { 'data-testid': 'branch-row', 'data-id': b.id },
      h('td', null, b.name), h('td', { class: 'pre' }, b.address), h('td', null, b.time_zone),
      h('td', null,
        button(t('edit'), () => edit(b), { disabled: ctx.readOnly, 'aria-label': t('editNamed', { name: b.name }) }), ' ',
        button(t('delete'), () => remove(b), { disabled: ctx.readOnly, 'aria-label': t('deleteNamed', { name: b.name }), 'data-testid': 'branch-delete' }))))));
  const form = h('form', { novalidate: '', submit: save, 'data-testid': 'branch-form' },
    title,
    h('fieldset', { class: 'plain', disabled: ctx.readOnly },
      box,
      h('div', { class: 'grid' },
        fieldRow(t('name'), c.name, 'name'), fieldRow(t('address'), c.address, 'address'),
        fieldRow(t('timeZone'), c.zone, 'time_zone')),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'branch-save' }, t('save')),
        button(t('newBranch'), () => ctx.reload()))));
  return card(t('branches'), branches.length ? table : h('p', { class: 'muted' }, t('noBranches')), form, zoneList());
}

// -------------------------------------------------------------------- topics

function topicsCard(ctx, topics, skills) {
  const title = h('h3', { tabindex: '-1' }, t('newTopic'));
  const box = errorBox();
  const c = {
    name: textInput('', { 'data-testid': 'topic-name' }),
    description: h('textarea', { rows: '2', 'data-testid': 'topic-description' }),
    duration: numberInput(30, { min: '5', max: '480', 'data-testid': 'topic-duration' }),
    types: TYPES.map((x) => tickBox(x === 'online', { value: x, 'data-testid': 'topic-type-' + x })),
    skills: skills.map((s) => tickBox(false, { value: s.id, 'data-testid': 'topic-skill' })),
    instructions: h('textarea', { rows: '3', 'data-testid': 'topic-instructions' }),
    tr: {}
  };
  c.types[0].setAttribute('data-field', 'meeting_types');
  const translations = LANGS.map((lang) => {
    const els = {};
    for (const f of TEXTS) {
      els[f] = f === 'name'
        ? textInput('', { 'data-testid': `topic-${lang}-${f}` })
        : h('textarea', { rows: '2', 'data-testid': `topic-${lang}-${f}` });
    }
    c.tr[lang] = els;
    return h('fieldset', null, h('legend', null, t('topicIn', { lang: t('lang_' + lang) })),
      h('div', { class: 'grid' },
        fieldRow(t('name'), els.name, `translations.${lang}.name translations.${lang}`),
        fieldRow(t('description'), els.description, `translations.${lang}.description`),
        fieldRow(t('instructionsToCustomer'), els.instructions, `translations.${lang}.instructions`)));
  });
  let editing = null;
  function edit(x) {
    editing = x;
    clearFieldErrors(form, box);
    title.textContent = t(ctx.readOnly ? 'viewNamed' : 'editNamed', { name: x.name });
    c.name.value = x.name;
    c.description.value = x.description;
    c.duration.value = x.duration_minutes;
    for (const b of c.types) b.checked = x.meeting_types.includes(b.value);
    for (const b of c.skills) b.checked = x.skills.includes(b.value);
    c.instructions.value = x.instructions;
    for (const lang of LANGS) {
      const tr = (x.translations || {})[lang] || {};
      for (const f of TEXTS) c.tr[lang][f].value = tr[f] || '';
    }
    title.focus();
  }
  async function save(ev) {
    ev.preventDefault();
    clearFieldErrors(form, box);
    const tr = {};
    for (const lang of LANGS) {
      const one = {};
      // A blank text falls back to the topic's own: left out.
      for (const f of TEXTS) if (c.tr[lang][f].value.trim()) one[f] = c.tr[lang][f].value;
      if (Object.keys(one).length) tr[lang] = one;
    }
    numberTicked(c.skills, 'skills');
    const body = {
      name: c.name.value, description: c.description.value, duration_minutes: numberOf(c.duration),
      meeting_types: c.types.filter((b) => b.checked).map((b) => b.value),
      skills: c.skills.filter((b) => b.checked).map((b) => b.value),
      instructions: c.instructions.value, translations: tr
    };
    const r = editing
      ? await api('PUT', '/api/v1/topics/' + enc(editing.id), body)
      : await api('POST', '/api/v1/topics', body);
    if (!r.ok) return showFieldErrors(form, box, r);
    await ctx.reload();
    ctx.say(t('savedTopic', { name: r.data.name }));
  }
  async function remove(x) {
    const r = await api('DELETE', '/api/v1/topics/' + enc(x.id));
    if (!r.ok) return showFieldErrors(form, box, r);
    await ctx.reload();
    ctx.say(t('deleted', { name: x.name }));
  }
  const skillName = new Map(skills.map((s) => [s.id, s.name]));
  const table = h('table', null,
    h('thead', null, h('tr', null, [t('name'), t('duration'), t('meetingTypes'), t('skills'), t('translated'), t('actions')].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, topics.map((x) => h('tr', { 'data-testid': 'topic-row', 'data-id': x.id },
      h('td', null, x.name), h('td', null, t('minutes', { n: x.duration_minutes })),
      h('td', null, x.meeting_types.map((m) => t('mt_' + m)).join(', ')),
      h('td', null, x.skills.map((s) => skillName.get(s) || s).join(', ')),
      h('td', null, Object.keys(x.translations || {}).map((l) => t('lang_' + l)).join(', ')),
      h('td', null,
        button(ctx.readOnly ? t('view') : t('edit'), () => edit(x), { 'aria-label': t(ctx.readOnly ? 'viewNamed' : 'editNamed', { name: x.name }), 'data-testid': 'topic-edit' }), ' ',
        button(t('delete'), () => remove(x), { disabled: ctx.readOnly, 'aria-label': t('deleteNamed', { name: x.name }) }))))));
  const form = h('form', { novalidate: '', submit: save, 'data-testid': 'topic-form' },
    title,
    h('fieldset', { class: 'plain', disabled: ctx.readOnly },
      box,
      h('div', { class: 'grid' },
        fieldRow(t('name'), c.name, 'name'), fieldRow(t('description'), c.description, 'description'),
        fieldRow(t('durationMinutes'), c.duration, 'duration_minutes')),
      h('fieldset', null, h('legend', null, t('meetingTypes')),
        h('div', { class: 'grid' }, c.types.map((b) => fieldRow(t('mt_' + b.value), b)))),
      h('fieldset', null, h('legend', null, t('skillsNeededAdvisor')),
        skills.length ? h('div', { class: 'grid' }, c.skills.map((b, i) => fieldRow(skills[i].name, b))) : h('p', { class: 'muted' }, t('noSkills'))),
      fieldRow(t('instructionsToCustomer'), c.instructions, 'instructions'),
      h('p', { class: 'hint muted' }, t('translationsHelp')),
      translations,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'topic-save' }, t('save')),
        button(t('newTopic'), () => ctx.reload()))));
  return card(t('topics'), topics.length ? table : h('p', { class: 'muted' }, t('noTopics')), form);
}

// ------------------------------------------------------------------ advisors

async function advisorsCard(ctx, advisors, agents, branches) {
  const advisorById = new Map(advisors.map((a) => [a.agent_id, a]));
  const people = agents.filter((a) => a.active || advisorById.has(a.id));
  if (!people.some((a) => a.id === chosenAdvisor)) chosenAdvisor = advisors.length ? advisors[0].agent_id : (people[0] || {}).id || '';
  const choose = pick(people.map((a) => [a.id, advisorById.has(a.id)
    ? t(advisorById.get(a.id).bookable ? 'advisorBookable' : 'advisorNotBookable', { name: a.name })
    : t('advisorNone', { name: a.name })]), chosenAdvisor);
  choose.setAttribute('data-testid', 'advisor-pick');
  choose.addEventListener('change', () => { chosenAdvisor = choose.value; ctx.reload(); });
  const list = advisors.length
    ? h('table', null,
      h('thead', null, h('tr', null, [t('name'), t('bookable'), t('timeZone'), t('weeklyHours'), t('branches')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, advisors.map((a) => h('tr', { 'data-testid': 'advisor-row', 'data-id': a.agent_id },
        h('td', null, a.name), h('td', null, a.bookable ? t('yes') : t('no')), h('td', null, a.time_zone),
        h('td', null, hoursText(a.hours)),
        h('td', null, a.branch_ids.map((b) => (branches.find((x) => x.id === b) || { name: b }).name).join(', '))))))
    : h('p', { class: 'muted' }, t('noAdvisors'));
  const parts = [list, h('div', { class: 'filters' }, fieldRow(t('advisor'), choose))];
  if (chosenAdvisor) {
    const advisor = advisorById.get(chosenAdvisor) || null;
    const name = (people.find((a) => a.id === chosenAdvisor) || {}).name || chosenAdvisor;
    parts.push(advisorForm(ctx, chosenAdvisor, name, advisor, branches));
    if (advisor) {
      const off = await read('/api/v1/advisors/' + enc(chosenAdvisor) + '/time-off');
      parts.push(off ? timeOffForm(ctx, chosenAdvisor, name, off) : h('p', { class: 'error', role: 'alert' }, t('loadFailed')));
    } else {
      parts.push(h('p', { class: 'muted' }, t('timeOffNeedsAdvisor')));
    }
  } else {
    parts.push(h('p', { class: 'muted' }, t('noAgentsYet')));
  }
  return card(t('advisors'), parts);
}

// "Mon 09:00–12:00, Mon 13:00–17:00"
function hoursText(hours) {
  return (hours || []).map((r) => t('wd_' + String(r.day).slice(0, 3)) + ' ' + r.from + '–' + r.to).join(', ');
}

function advisorForm(ctx, id, name, advisor, branches) {
  const box = errorBox();
  const bookable = tickBox(advisor ? advisor.bookable : true, { 'data-testid': 'advisor-bookable' });
  const zone = zoneInput(advisor ? advisor.time_zone : browserTz, 'advisor-zone');
  const rows = h('div', { 'data-testid': 'advisor-hours' });
  const branchBoxes = branches.map((b) => tickBox(advisor && advisor.branch_ids.includes(b.id), { value: b.id, 'data-testid': 'advisor-branch' }));

  function hourRow(r) {
    const day = pick(DAYS.map((d) => [d, t('day_' + d)]), r.day);
    day.setAttribute('data-testid', 'hours-day');
    const from = textInput(r.from, { type: 'time', 'data-testid': 'hours-from' });
    const to = textInput(r.to, { type: 'time', 'data-testid': 'hours-to' });
    const row = h('div', { class: 'row', 'data-row': '' },
      fieldRow(t('day'), day), fieldRow(t('from'), from), fieldRow(t('to'), to),
      button(t('remove'), () => {
        const next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        renumber();
        if (next) next.querySelector('select').focus(); else add.focus();
      }, { 'data-testid': 'hours-remove' }));
    row.sbGet = () => ({ day: day.value, from: from.value, to: to.value });
    row.sbControls = [day, from, to];
    return row;
  }
  // The advisor's week at a glance, redrawn as the rows change.
  const week = h('div', { 'data-testid': 'advisor-week' });
  rows.addEventListener('input', () => redraw());
  rows.addEventListener('change', () => redraw());
  function redraw() {
    week.replaceChildren(weekView(Array.from(rows.children).map((row) => row.sbGet())));
  }
  function renumber() {
    redraw();
    Array.from(rows.children).forEach((row, i) => {
      row.sbControls[0].setAttribute('data-field', `hours[${i}].day hours[${i}]`);
      row.sbControls[1].setAttribute('data-field', `hours[${i}].from`);
      row.sbControls[2].setAttribute('data-field', `hours[${i}].to`);
      row.querySelector('button').setAttribute('aria-label', t('removeNamed', { name: t('rangeN', { n: i + 1 }) }));
    });
  }
  for (const r of advisor ? advisor.hours : []) rows.append(hourRow(r));
  renumber();
  const add = button(t('addHours'), () => {
    rows.append(hourRow({ day: 'monday', from: '09:00', to: '17:00' }));
    renumber();
    rows.lastChild.querySelector('select').focus();
  }, { 'data-testid': 'hours-add' });

  async function save(ev) {
    ev.preventDefault();
    clearFieldErrors(form, box);
    numberTicked(branchBoxes, 'branch_ids');
    const body = {
      bookable: bookable.checked, time_zone: zone.value,
      hours: Array.from(rows.children).map((row) => row.sbGet()),
      branch_ids: branchBoxes.filter((b) => b.checked).map((b) => b.value)
    };
    const r = await api('PUT', '/api/v1/advisors/' + enc(id), body);
    if (!r.ok) return showFieldErrors(form, box, r);
    await ctx.reload();
    ctx.say(t('savedAdvisor', { name }));
  }
  const form = h('form', { novalidate: '', submit: save, 'data-testid': 'advisor-form' },
    h('h3', null, advisor ? t('advisorOf', { name }) : t('makeAdvisor', { name })),
    h('fieldset', { class: 'plain', disabled: ctx.readOnly },
      box,
      fieldRow(t('bookableLong'), bookable, 'bookable'),
      fieldRow(t('hoursZone'), zone, 'time_zone'),
      h('fieldset', null, h('legend', null, t('weeklyHours')), rows, add, week),
      h('fieldset', null, h('legend', null, t('branches')),
        branches.length ? h('div', { class: 'grid' }, branchBoxes.map((b, i) => fieldRow(branches[i].name, b))) : h('p', { class: 'muted' }, t('noBranches'))),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'advisor-save' }, t('save')))));
  return form;
}

// A datetime-local value as an instant in the browser's zone; anything
// else (blank, unreadable) as typed, for the API to name.
function instant(v) {
  const d = new Date(v);
  return v && !isNaN(d) ? d.toISOString() : v;
}

function timeOffForm(ctx, id, name, off) {
  const box = errorBox();
  const starts = textInput('', { type: 'datetime-local', 'data-testid': 'off-starts' });
  const ends = textInput('', { type: 'datetime-local', 'data-testid': 'off-ends' });
  const reason = textInput('', { 'data-testid': 'off-reason' });
  async function add(ev) {
    ev.preventDefault();
    clearFieldErrors(form, box);
    const r = await api('POST', '/api/v1/advisors/' + enc(id) + '/time-off',
      { starts_at: instant(starts.value), ends_at: instant(ends.value), reason: reason.value });
    if (!r.ok) return showFieldErrors(form, box, r);
    await ctx.reload();
    ctx.say(t('savedTimeOff', { name }));
  }
  async function remove(x) {
    const r = await api('DELETE', '/api/v1/advisors/' + enc(id) + '/time-off/' + enc(x.id));
    if (!r.ok) return showFieldErrors(form, box, r);
    await ctx.reload();
    ctx.say(t('deletedTimeOff'));
  }
  const list = off.length
    ? h('table', null,
      h('thead', null, h('tr', null, [t('from'), t('to'), t('offReason'), t('actions')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, off.map((x) => h('tr', { 'data-testid': 'off-row', 'data-id': x.id },
        h('td', null, when(x.starts_at)), h('td', null, when(x.ends_at)), h('td', null, x.reason),
        h('td', null, button(t('delete'), () => remove(x), { disabled: ctx.readOnly, 'aria-label': t('deleteNamed', { name: when(x.starts_at) }) }))))))
    : h('p', { class: 'muted' }, t('noTimeOff'));
  const form = h('form', { novalidate: '', submit: add, 'data-testid': 'off-form' },
    h('fieldset', { class: 'plain', disabled: ctx.readOnly },
      box,
      h('div', { class: 'grid' },
        fieldRow(t('offStarts'), starts, 'starts_at'), fieldRow(t('offEnds'), ends, 'ends_at'),
        fieldRow(t('offReason'), reason, 'reason')),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', 'data-testid': 'off-add' }, t('addTimeOff')))));
  return h('section', { 'aria-label': t('timeOffOf', { name }) }, h('h3', null, t('timeOffOf', { name })), list, form);
}
