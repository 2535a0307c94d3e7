// People: agents (create, roles, active, password, skills with
// proficiency, capacity profile, queues, a SIP account for their
// softphone), their presence, skills, capacity profiles.
// An agent is saved in up to three calls (the agent, its routing, the
// queues whose members change): the API has no one call for all three.

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { clearFieldErrors, fieldRow, showFieldErrors, uniqueId } from '../lib/form.js';
import { button, card, errorBox, numberInput, numberOf, pick, read, readPages, textInput, tickBox } from './data.js';

const ROLES = ['admin', 'supervisor', 'agent'];

export async function showPeople(root, ctx) {
  const [agents, skills, profiles, queues] = await Promise.all([
    readPages('/api/v1/agents'), read('/api/v1/skills'), read('/api/v1/capacity-profiles'), read('/api/v1/queues')
  ]);
  root.append(h('h1', { tabindex: '-1' }, t('people')));
  if (!agents || !skills || !profiles || !queues) {
    root.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed')));
    return;
  }
  const data = { agents, skills, profiles, queues };
  const sip = sipForm(ctx);
  const form = agentForm(ctx, data, sip);
  root.append(
    card(t('agents'), agentTable(data, form)),
    form.el,
    sip.el,
    await presenceCard(ctx, agents),
    skillsCard(ctx, skills),
    profilesCard(ctx, profiles)
  );
}

function agentTable(data, form) {
  const rows = data.agents.map((a) => h('tr', { 'data-testid': 'agent-row', 'data-id': a.id },
    h('td', null, a.name), h('td', null, a.email),
    h('td', null, a.roles.map((r) => t('role_' + r)).join(', ')),
    h('td', null, a.active ? t('yes') : t('no')),
    h('td', null, h('button', { type: 'button', 'aria-label': t('editNamed', { name: a.name }), click: () => form.edit(a) }, t('edit')))));
  return h('table', null,
    h('thead', null, h('tr', null, [t('name'), t('email'), t('roles'), t('active'), t('actions')].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, rows));
}

function agentForm(ctx, data, sip) {
  const title = h('h2', { id: 'agent-form-title', tabindex: '-1' }, t('newAgent'));
  const box = errorBox();
  const c = {
    name: textInput('', { 'data-testid': 'agent-name', autocomplete: 'off' }),
    email: textInput('', { type: 'email', 'data-testid': 'agent-email' }),
    password: textInput('', { type: 'password', autocomplete: 'new-password', 'data-testid': 'agent-password' }),
    active: tickBox(true, { 'data-testid': 'agent-active' }),
    profile: pick([['', t('defaultProfile')]].concat(data.profiles.map((p) => [p.id, p.name])), ''),
    roles: ROLES.map((r) => tickBox(r === 'agent', { value: r, 'data-testid': 'role-' + r }))
  };
  c.roles[0].setAttribute('data-field', 'roles');
  const passwordRow = fieldRow(t('password'), c.password, 'password');
  const skillRows = h('div', { 'data-testid': 'agent-skills' });
  const queueBoxes = data.queues.map((q) => tickBox(false, { value: q.id, 'data-testid': 'agent-queue' }));
  // An unknown queue (deleted meanwhile) is reported on the first box.
  if (queueBoxes.length) queueBoxes[0].setAttribute('data-field', 'routing.queue_ids');
  let editing = null;

  function skillRow(skillId, proficiency) {
    const sel = pick([['', t('chooseSkill')]].concat(data.skills.map((s) => [s.id, s.name])), skillId);
    sel.setAttribute('data-testid', 'skill-pick');
    const prof = numberInput(proficiency, { min: '1', max: '10', 'data-testid': 'skill-proficiency' });
    const row = h('div', { class: 'row', 'data-row': '' },
      fieldRow(t('skill'), sel), fieldRow(t('proficiency'), prof),
      button(t('remove'), () => { row.remove(); renumber(); }));
    row.sbGet = () => ({ skill_id: sel.value, proficiency: numberOf(prof) });
    row.sbControls = [sel, prof];
    return row;
  }
  function renumber() {
    Array.from(skillRows.children).forEach((row, i) => {
      row.sbControls[0].setAttribute('data-field', `routing.skills[${i}].skill_id`);
      row.sbControls[1].setAttribute('data-field', `routing.skills[${i}].proficiency`);
    });
  }
  function addSkill(skillId, proficiency) {
    skillRows.append(skillRow(skillId, proficiency));
    renumber();
  }

  async function edit(a) {
    editing = a;
    clearFieldErrors(el, box);
    title.textContent = t('editAgent', { name: a.name });
    c.name.value = a.name;
    c.email.value = a.email;
    c.password.value = '';
    passwordRow.querySelector('label').textContent = t('newPassword');
    c.active.checked = a.active;
    for (const r of c.roles) r.checked = a.roles.includes(r.value);
    for (const b of queueBoxes) b.checked = data.queues.some((q) => q.id === b.value && q.members.includes(a.id));
    skillRows.replaceChildren();
    sip.show(a);
    const r = await api('GET', '/api/v1/agents/' + encodeURIComponent(a.id) + '/routing');
    if (r.ok && r.data) {
      c.profile.value = r.data.capacity_profile_id || '';
      for (const s of r.data.skills || []) addSkill(s.skill_id, s.proficiency);
      for (const b of queueBoxes) b.checked = (r.data.queue_ids || []).includes(b.value);
    }
    title.focus();
  }

  async function save(ev) {
    ev.preventDefault();
    if (ctx.readOnly) return;
    clearFieldErrors(el, box);
    const body = {
      name: c.name.value, email: c.email.value, active: c.active.checked,
      roles: c.roles.filter((r) => r.checked).map((r) => r.value)
    };
    if (c.password.value || !editing) body.password = c.password.value;
    // The agent with its routing and queues, in one request and one
    // transaction: nothing is saved unless all of it is.
    body.routing = {
      capacity_profile_id: c.profile.value || null,
      skills: Array.from(skillRows.children).map((row) => row.sbGet()),
      queue_ids: queueBoxes.filter((b) => b.checked).map((b) => b.value)
    };
    const r = editing
      ? await api('PATCH', '/api/v1/agents/' + encodeURIComponent(editing.id), body)
      : await api('POST', '/api/v1/agents', body);
    if (!r.ok) return showFieldErrors(el, box, r);
    c.password.value = '';
    await ctx.reload();
    ctx.say(t('savedAgent', { name: r.data.name }));
  }

  const el = h('form', { class: 'card', novalidate: true, 'aria-labelledby': title.id, 'data-testid': 'agent-form', submit: save },
    title,
    h('fieldset', { class: 'plain', disabled: ctx.readOnly },
      h('div', { class: 'grid' },
        fieldRow(t('name'), c.name, 'name'), fieldRow(t('email'), c.email, 'email'), passwordRow,
        fieldRow(t('profile'), c.profile, 'routing.capacity_profile_id')),
      fieldRow(t('activeLong'), c.active, 'active'),
      h('fieldset', null, h('legend', null, t('roles')),
        c.roles.map((r) => fieldRow(t('role_' + r.value), r))),
      h('fieldset', null, h('legend', null, t('skills')), skillRows,
        button(t('addSkill'), () => { addSkill('', 5); skillRows.lastChild.querySelector('select').focus(); }, { 'data-testid': 'add-skill' })),
      h('fieldset', null, h('legend', null, t('queues')),
        data.queues.length ? h('div', { class: 'grid' }, queueBoxes.map((b, i) => fieldRow(data.queues[i].name, b))) : h('p', { class: 'muted' }, t('noQueues'))),
      box,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'agent-save' }, t('save')),
        button(t('newAgent'), () => ctx.reload()))));
  return { el, edit };
}

function skillsCard(ctx, skills) {
  const name = textInput('', { 'data-testid': 'skill-name' });
  const box = errorBox();
  async function add(ev) {
    ev.preventDefault();
    const r = await api('POST', '/api/v1/skills', { name: name.value });
    if (!r.ok) return showFieldErrors(form, box, r);
    await ctx.reload();
    ctx.say(t('savedSkill', { name: r.data.name }));
  }
  async function remove(s) {
    const r = await api('DELETE', '/api/v1/skills/' + encodeURIComponent(s.id));
    if (!r.ok) return showFieldErrors(form, box, r);
    await ctx.reload();
    ctx.say(t('deleted', { name: s.name }));
  }
  const form = h('form', { novalidate: true, submit: add, 'data-testid': 'skill-form' },
    h('fieldset', { class: 'plain', disabled: ctx.readOnly },
      h('ul', null, skills.map((s) => h('li', { 'data-testid': 'skill' }, s.name, ' ',
        button(t('delete'), () => remove(s), { 'aria-label': t('deleteNamed', { name: s.name }) })))),
      h('div', { class: 'row' }, fieldRow(t('newSkill'), name, 'name'),
        h('button', { type: 'submit', 'data-testid': 'skill-add' }, t('add'))),
      box));
  return card(t('skills'), skills.length ? null : h('p', { class: 'muted' }, t('noSkills')), form);
}

function profilesCard(ctx, profiles) {
  const title = h('h3', { tabindex: '-1' }, t('newProfile'));
  const c = {
    name: textInput(''), chat: numberInput(3, { min: '0', max: '100' }), voice: numberInput(1, { min: '0', max: '10' }),
    blocks: tickBox(true), wrap: numberInput(0, { min: '0', max: '3600' })
  };
  const box = errorBox();
  let editing = null;
  function edit(p) {
    editing = p;
    clearFieldErrors(form, box);
    title.textContent = t('editNamed', { name: p.name });
    c.name.value = p.name;
    c.chat.value = p.chat_units;
    c.voice.value = p.voice_units;
    c.blocks.checked = p.voice_blocks_others;
    c.wrap.value = p.wrap_up_seconds;
    title.focus();
  }
  async function save(ev) {
    ev.preventDefault();
    const body = { name: c.name.value, chat_units: numberOf(c.chat), voice_units: numberOf(c.voice),
      voice_blocks_others: c.blocks.checked, wrap_up_seconds: numberOf(c.wrap) };
    const r = editing
      ? await api('PUT', '/api/v1/capacity-profiles/' + encodeURIComponent(editing.id), body)
      : await api('POST', '/api/v1/capacity-profiles', body);
    if (!r.ok) return showFieldErrors(form, box, r);
    await ctx.reload();
    ctx.say(t('savedProfile', { name: r.data.name }));
  }
  async function remove(p) {
    const r = await api('DELETE', '/api/v1/capacity-profiles/' + encodeURIComponent(p.id));
    if (!r.ok) return showFieldErrors(form, box, r);
    await ctx.reload();
    ctx.say(t('deleted', { name: p.name }));
  }
  const table = h('table', null,
    h('thead', null, h('tr', null, [t('name'), t('chatUnits'), t('voiceUnits'), t('voiceBlocks'), t('wrapUp'), t('actions')].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, profiles.map((p) => h('tr', null,
      h('td', null, p.name), h('td', null, String(p.chat_units)), h('td', null, String(p.voice_units)),
      h('td', null, p.voice_blocks_others ? t('yes') : t('no')), h('td', null, String(p.wrap_up_seconds)),
      h('td', null,
        h('button', { type: 'button', disabled: ctx.readOnly, 'aria-label': t('editNamed', { name: p.name }), click: () => edit(p) }, t('edit')), ' ',
        h('button', { type: 'button', disabled: ctx.readOnly, 'aria-label': t('deleteNamed', { name: p.name }), click: () => remove(p) }, t('delete')))))));
  const form = h('form', { novalidate: true, submit: save, 'data-testid': 'profile-form' },
    title,
    h('fieldset', { class: 'plain', disabled: ctx.readOnly },
      h('div', { class: 'grid' },
        fieldRow(t('name'), c.name, 'name'), fieldRow(t('chatUnits'), c.chat, 'chat_units'),
        fieldRow(t('voiceUnits'), c.voice, 'voice_units'), fieldRow(t('wrapUp'), c.wrap, 'wrap_up_seconds'),
        fieldRow(t('voiceBlocks'), c.blocks, 'voice_blocks_others')),
      box,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('save')))));
  return card(t('profiles'), profiles.length ? table : h('p', { class: 'muted' }, t('noProfiles')), form);
}

// 20 characters from an unambiguous alphabet, from the browser's CSPRNG.
function randomPassword() {
  const abc = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = new Uint8Array(20);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => abc[b % abc.length]).join('');
}

// The chosen agent's SIP account (their softphone's registration): a new
// password is made here, sent once, and shown once to copy; the API never
// gives it back (nor says whether an account exists).
function sipForm(ctx) {
  const title = h('h2', { id: uniqueId('sip'), tabindex: '-1' }, t('sipAccount'));
  const box = errorBox();
  const username = textInput('', { 'data-testid': 'sip-username', spellcheck: 'false' });
  const shown = h('div', { 'data-testid': 'sip-shown' });
  let agent = null;
  async function set(ev) {
    ev.preventDefault();
    if (!agent || ctx.readOnly) return;
    clearFieldErrors(el, box);
    shown.replaceChildren();
    const password = randomPassword();
    const body = { password };
    if (username.value.trim()) body.username = username.value.trim();
    const r = await api('PUT', '/api/v1/agents/' + encodeURIComponent(agent.id) + '/sip-account', body);
    if (!r.ok) return showFieldErrors(el, box, r);
    const secret = textInput(password, { readonly: '', 'data-testid': 'sip-password', spellcheck: 'false' });
    const copy = button(t('copy'), async () => {
      secret.select();
      try { await navigator.clipboard.writeText(secret.value); ctx.say(t('copied')); } catch (e) { ctx.say(t('copyByHand')); }
    });
    shown.replaceChildren(h('div', { class: 'notice', role: 'note' },
      h('p', null, h('strong', null, t('sipOnce'))),
      h('p', { 'data-testid': 'sip-user' }, t('sipUserIs', { username: r.data.username, realm: r.data.realm })),
      r.data.registrar ? h('p', { 'data-testid': 'sip-registrar' }, t('sipRegistrar', { registrar: r.data.registrar })) : h('p', { class: 'muted' }, t('sipNoVoice')),
      fieldRow(t('sipPasswordFor', { name: agent.name }), secret), copy));
    username.value = r.data.username;
    secret.focus();
    secret.select();
    ctx.say(t('sipSaved', { name: agent.name }));
  }
  const el = h('form', { class: 'card', novalidate: true, hidden: true, 'aria-labelledby': title.id, 'data-testid': 'sip-form', submit: set },
    title,
    h('fieldset', { class: 'plain', disabled: ctx.readOnly },
      h('p', { class: 'hint muted' }, t('sipHelp')),
      box,
      fieldRow(t('sipUsername'), username, 'username'),
      h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': 'sip-set' }, t('sipSet')))),
    shown);
  return {
    el,
    show(a) {
      agent = a;
      el.hidden = false;
      title.textContent = t('sipAccountOf', { name: a.name });
      username.value = '';
      username.placeholder = String(a.email || '').split('@')[0];
      shown.replaceChildren();
      clearFieldErrors(el, box);
    }
  };
}

// Each agent's presence as stored when the screen was shown (the API has
// no list of presences: one GET /agents/{id}/routing per agent).
async function presenceCard(ctx, agents) {
  const active = agents.filter((a) => a.active);
  const cells = new Map();
  let next = 0;
  const worker = async () => {
    while (next < active.length) {
      const a = active[next++];
      const r = await api('GET', '/api/v1/agents/' + encodeURIComponent(a.id) + '/routing');
      cells.set(a.id, r.ok && r.data ? r.data.presence : null);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const rows = active.map((a) => {
    const p = cells.get(a.id);
    return h('tr', { 'data-testid': 'presence-row', 'data-id': a.id, 'data-presence': p || '' },
      h('td', null, a.name),
      h('td', null, p ? t('ps_' + p) : t('unknownPresence')));
  });
  return card(t('presenceTitle'),
    h('p', { class: 'hint muted' }, t('presenceHelp')),
    active.length
      ? h('table', null,
        h('thead', null, h('tr', null, [t('name'), t('presenceCol')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, rows))
      : h('p', { class: 'muted' }, t('noAgentsYet')),
    h('div', { class: 'actions' }, button(t('refresh'), () => ctx.reload(), { 'data-testid': 'presence-refresh' })));
}
