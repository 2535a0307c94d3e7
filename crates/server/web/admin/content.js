// Workspace content: agent scripts with their step editor (instruction,
// macro with its action and that action's fields, sub-script), the ordered
// script rules choosing a session's script (queue or channel → script), and
// canned responses. Agents and supervisors read them; admins write them.

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { clearFieldErrors, fieldRow, showFieldErrors } from '../lib/form.js';
import { button, card, errorBox, pick, read, textInput } from './data.js';

const KINDS = ['instruction', 'macro', 'subscript'];
const ACTIONS = ['send_message', 'create_case', 'set_case_field', 'link_contact', 'open_url'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const STATUSES = ['active', 'resolved', 'cancelled'];
const CHANNELS = ['chat', 'voice', 'callback'];

// The script being edited, kept across reloads of the screen.
let selected = null;

export async function showContent(root, ctx) {
  root.append(h('h1', { tabindex: '-1' }, t('content')));
  const [scripts, rules, canned, queues] = await Promise.all([
    read('/api/v1/agent-scripts'), api('GET', '/api/v1/agent-script-rules'),
    read('/api/v1/canned-responses'), read('/api/v1/queues')
  ]);
  if (!scripts || !rules.ok || !rules.data || !Array.isArray(rules.data.rules) || !canned || !queues) {
    root.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed')));
    return;
  }
  const current = scripts.find((s) => s.id === selected) || null;
  const box = errorBox();
  root.append(
    card(t('scripts'), scriptTable(ctx, scripts, box), box),
    scriptForm(ctx, current, scripts),
    rulesCard(ctx, rules.data.rules, scripts, queues),
    cannedCard(ctx, canned));
}

// ------------------------------------------------------------ scripts

function scriptTable(ctx, scripts, box) {
  if (!scripts.length) return h('p', { class: 'muted' }, t('noScripts'));
  // Refused (409) while a rule chooses the script or another one loads it.
  async function remove(s) {
    const r = await api('DELETE', '/api/v1/agent-scripts/' + encodeURIComponent(s.id));
    if (!r.ok) return showFieldErrors(box, box, r);
    if (selected === s.id) selected = null;
    await ctx.reload();
    ctx.say(t('deleted', { name: s.name }));
  }
  async function edit(s) {
    selected = s.id;
    await ctx.reload();
    const f = document.getElementById('script-form-title');
    if (f) f.focus();
  }
  return h('table', null,
    h('thead', null, h('tr', null, [t('name'), t('steps'), t('actions')].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, scripts.map((s) => h('tr', { 'data-testid': 'script-row', 'data-id': s.id },
      h('td', null, s.name),
      h('td', null, (s.steps || []).map((st) => st.title).join(' · ')),
      h('td', null,
        h('button', { type: 'button', 'data-testid': 'script-edit', 'aria-label': t(ctx.readOnly ? 'viewNamed' : 'editNamed', { name: s.name }), click: () => edit(s) }, ctx.readOnly ? t('view') : t('edit')), ' ',
        h('button', { type: 'button', disabled: ctx.readOnly, 'data-testid': 'script-delete', 'aria-label': t('deleteNamed', { name: s.name }), click: () => remove(s) }, t('delete')))))));
}

// A step as the editor holds it: every kind's fields, so switching the kind
// (or the action) back and forth keeps what was typed.
function stepState(s) {
  const a = (s && s.action) || {};
  return {
    kind: (s && s.kind) || 'instruction', id: (s && s.id) || '', title: (s && s.title) || '',
    instruction: (s && s.instruction) || '', script_id: (s && s.script_id) || '',
    action: {
      type: a.type || 'send_message', body: a.body || '', title: a.title || '', priority: a.priority || '',
      field: a.field || 'priority', value: a.value || '', url: a.url || ''
    }
  };
}

// The step as the API takes it: only its kind's (and action's) fields.
function stepBody(s) {
  const out = { kind: s.kind, id: s.id, title: s.title };
  if (s.kind === 'instruction') out.instruction = s.instruction;
  else if (s.kind === 'subscript') out.script_id = s.script_id;
  else {
    const a = s.action;
    const action = { type: a.type };
    if (a.type === 'send_message') action.body = a.body;
    else if (a.type === 'create_case') {
      action.title = a.title;
      if (a.priority) action.priority = a.priority;
    } else if (a.type === 'set_case_field') {
      action.field = a.field;
      action.value = a.value;
    } else if (a.type === 'open_url') action.url = a.url;
    out.action = action;
  }
  return out;
}

// A step id no other step has: step-1, step-2, …
function freshId(steps) {
  const taken = new Set(steps.map((s) => s.id));
  let n = steps.length + 1;
  while (taken.has('step-' + n)) n += 1;
  return 'step-' + n;
}

function scriptForm(ctx, script, scripts) {
  const title = h('h2', { id: 'script-form-title', tabindex: '-1' }, script ? t(ctx.readOnly ? 'viewNamed' : 'editNamed', { name: script.name }) : t('newScript'));
  const box = errorBox();
  const name = textInput(script ? script.name : '', { 'data-testid': 'script-name' });
  let steps = script ? script.steps.map(stepState) : [];
  const list = h('ol', { class: 'rules', 'data-testid': 'steps' });
  // Another script may be loaded as a sub-script; never the script itself.
  const others = scripts.filter((s) => !script || s.id !== script.id);

  // An input bound to `obj[key]`.
  function bound(obj, key, el) {
    el.addEventListener(el.tagName === 'SELECT' ? 'change' : 'input', () => { obj[key] = el.value; });
    return el;
  }
  function tagged(el, testid) {
    el.setAttribute('data-testid', testid);
    return el;
  }

  function render(focus) {
    // The k-th sub-script step is the API's subscripts[k].
    let sub = 0;
    list.replaceChildren(...steps.map((s, i) => stepItem(s, i, s.kind === 'subscript' ? sub++ : -1)));
    if (focus) {
      let el = list.querySelector(focus);
      if (el && el.disabled) el = el.parentNode.querySelector('[data-move]:not([disabled])');
      if (el) el.focus();
    }
  }
  function move(i, by) {
    const j = i + by;
    if (j < 0 || j >= steps.length) return;
    [steps[i], steps[j]] = [steps[j], steps[i]];
    render(`[data-step="${j}"] [data-move="${by}"]`);
    ctx.say(t('movedStep', { name: steps[j].title || steps[j].id, n: j + 1 }));
  }

  function actionFields(a, p) {
    if (a.type === 'send_message') {
      const body = tagged(bound(a, 'body', h('textarea', { rows: '3' })), 'step-body');
      body.value = a.body;
      return [fieldRow(t('messageBody'), body, `${p}.action.body`)];
    }
    if (a.type === 'create_case') {
      const ct = tagged(bound(a, 'title', textInput(a.title)), 'step-case-title');
      const pr = tagged(bound(a, 'priority', pick([['', t('priorityDefault')]].concat(PRIORITIES.map((x) => [x, t('pr_' + x)])), a.priority)), 'step-case-priority');
      return [fieldRow(t('caseTitle'), ct, `${p}.action.title`), fieldRow(t('priority'), pr, `${p}.action.priority`)];
    }
    if (a.type === 'set_case_field') {
      const values = a.field === 'status' ? STATUSES.map((x) => [x, t('st_' + x)]) : PRIORITIES.map((x) => [x, t('pr_' + x)]);
      if (!values.some(([v]) => v === a.value)) a.value = values[0][0];
      const f = tagged(bound(a, 'field', pick([['priority', t('priority')], ['status', t('caseStatus')]], a.field)), 'step-field');
      // The values depend on the field.
      f.addEventListener('change', () => render(`[data-testid=step-field][data-for="${p}"]`));
      f.setAttribute('data-for', p);
      const v = tagged(bound(a, 'value', pick(values, a.value)), 'step-value');
      return [fieldRow(t('caseField'), f, `${p}.action.field`), fieldRow(t('value'), v, `${p}.action.value`)];
    }
    if (a.type === 'open_url') {
      const u = tagged(bound(a, 'url', textInput(a.url, { type: 'url', placeholder: 'https://kb.example/search?q={survey.topic}' })), 'step-url');
      return [fieldRow(t('url'), u, `${p}.action.url`)];
    }
    return [h('p', { class: 'muted' }, t('linkContactHelp'))];
  }

  function stepItem(s, i, k) {
    const p = `steps[${i}]`;
    const named = s.title || t('stepN', { n: i + 1 });
    const kind = tagged(bound(s, 'kind', pick(KINDS.map((x) => [x, t('sk_' + x)]), s.kind)), 'step-kind');
    kind.setAttribute('data-kind-of', String(i));
    kind.addEventListener('change', () => render(`[data-step="${i}"] [data-kind-of]`));
    const id = tagged(bound(s, 'id', textInput(s.id, { spellcheck: 'false' })), 'step-id');
    const stitle = tagged(bound(s, 'title', textInput(s.title)), 'step-title');
    let fields;
    if (s.kind === 'instruction') {
      const text = tagged(bound(s, 'instruction', h('textarea', { rows: '3' })), 'step-instruction');
      text.value = s.instruction;
      fields = [fieldRow(t('instruction'), text, `${p}.instruction`)];
    } else if (s.kind === 'subscript') {
      const choices = [['', t('chooseScript')]].concat(others.map((x) => [x.id, x.name]));
      if (s.script_id && !choices.some(([v]) => v === s.script_id)) choices.push([s.script_id, t('unknownScript')]);
      const sc = tagged(bound(s, 'script_id', pick(choices, s.script_id)), 'step-script');
      fields = [fieldRow(t('subscript'), sc, `${p}.script_id subscripts[${k}]`)];
    } else {
      const type = tagged(bound(s.action, 'type', pick(ACTIONS.map((x) => [x, t('ma_' + x)]), s.action.type)), 'step-action');
      type.setAttribute('data-action-of', String(i));
      type.addEventListener('change', () => render(`[data-step="${i}"] [data-action-of]`));
      fields = [fieldRow(t('macroAction'), type, `${p}.action.type ${p}.action`)].concat(actionFields(s.action, p));
    }
    return h('li', { 'data-step': String(i), 'data-testid': 'step' },
      h('fieldset', { class: 'plain', disabled: ctx.readOnly },
        h('div', { class: 'rule-head' },
          h('h3', null, t('stepN', { n: i + 1 })),
          button(t('moveUp'), () => move(i, -1), { 'data-move': '-1', 'data-testid': 'step-up', disabled: i === 0, 'aria-label': t('moveUpNamed', { name: named }) }),
          button(t('moveDown'), () => move(i, 1), { 'data-move': '1', 'data-testid': 'step-down', disabled: i === steps.length - 1, 'aria-label': t('moveDownNamed', { name: named }) }),
          button(t('remove'), () => { steps.splice(i, 1); render('[data-testid=add-step]'); }, { 'data-testid': 'step-remove', 'aria-label': t('removeNamed', { name: named }) })),
        h('div', { class: 'grid' },
          fieldRow(t('stepKind'), kind, `${p}.kind`),
          fieldRow(t('stepId'), id, `${p}.id ${p}`),
          fieldRow(t('stepTitle'), stitle, `${p}.title`)),
        h('div', { class: 'grid' }, fields)));
  }

  async function save(ev) {
    ev.preventDefault();
    if (ctx.readOnly) return;
    const body = { name: name.value, steps: steps.map(stepBody) };
    const r = script
      ? await api('PUT', '/api/v1/agent-scripts/' + encodeURIComponent(script.id), body)
      : await api('POST', '/api/v1/agent-scripts', body);
    if (!r.ok) return showFieldErrors(el, box, r);
    selected = r.data.id;
    await ctx.reload();
    ctx.say(t('savedScript', { name: r.data.name }));
  }

  render(null);
  const el = h('form', { class: 'card', novalidate: true, 'aria-labelledby': title.id, 'data-testid': 'script-form', submit: save },
    title,
    h('fieldset', { class: 'plain', disabled: ctx.readOnly },
      fieldRow(t('name'), name, 'name'),
      h('p', { class: 'muted' }, t('stepsHelp')),
      list,
      button(t('addStep'), () => {
        steps.push(stepState({ id: freshId(steps) }));
        render(`[data-step="${steps.length - 1}"] [data-kind-of]`);
      }, { 'data-testid': 'add-step' }),
      box,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'script-save' }, t('save')),
        button(t('newScript'), async () => { selected = null; await ctx.reload(); }, { 'data-testid': 'script-new' }))));
  return el;
}

// ------------------------------------------------------------ script rules

// A rule's "work items" choice as one value: '' (every one), c:<channel>, q:<queue id>.
const scope = (r) => (r.queue_id ? 'q:' + r.queue_id : r.channel ? 'c:' + r.channel : '');

function rulesCard(ctx, saved, scripts, queues) {
  let rules = saved.map((r) => ({ scope: scope(r), script_id: r.script_id }));
  const list = h('ol', { class: 'rules', 'data-testid': 'script-rules' });
  const box = errorBox();
  const scopes = [['', t('everyItem')]]
    .concat(CHANNELS.map((c) => ['c:' + c, t('channelIs', { channel: t('wc_' + c) })]))
    .concat(queues.map((q) => ['q:' + q.id, t('queueIs', { name: q.name })]));
  const scriptName = (id) => (scripts.find((s) => s.id === id) || {}).name || '';

  function render(focus) {
    list.replaceChildren(...rules.map((r, i) => ruleItem(r, i)));
    if (!rules.length) list.append(h('li', { class: 'muted' }, t('noScriptRules')));
    if (focus) {
      let el = list.parentNode ? list.parentNode.querySelector(focus) : null;
      if (el && el.disabled) el = el.parentNode.querySelector('[data-move]:not([disabled])');
      if (el) el.focus();
    }
  }
  function move(i, by) {
    const j = i + by;
    if (j < 0 || j >= rules.length) return;
    [rules[i], rules[j]] = [rules[j], rules[i]];
    render(`[data-srule="${j}"] [data-move="${by}"]`);
    ctx.say(t('movedScriptRule', { name: scriptName(rules[j].script_id), n: j + 1 }));
  }

  function ruleItem(r, i) {
    const p = `rules[${i}]`;
    const named = t('ruleN', { n: i + 1 });
    const sc = pick(scopes, r.scope);
    sc.setAttribute('data-testid', 'srule-scope');
    sc.addEventListener('change', () => { r.scope = sc.value; });
    const choices = [['', t('chooseScript')]].concat(scripts.map((s) => [s.id, s.name]));
    const script = pick(choices, r.script_id);
    script.setAttribute('data-testid', 'srule-script');
    script.addEventListener('change', () => { r.script_id = script.value; });
    return h('li', { 'data-srule': String(i), 'data-testid': 'srule' },
      h('fieldset', { class: 'plain', disabled: ctx.readOnly },
        h('div', { class: 'rule-head' },
          h('h3', null, named),
          button(t('moveUp'), () => move(i, -1), { 'data-move': '-1', 'data-testid': 'srule-up', disabled: i === 0, 'aria-label': t('moveUpNamed', { name: named }) }),
          button(t('moveDown'), () => move(i, 1), { 'data-move': '1', 'data-testid': 'srule-down', disabled: i === rules.length - 1, 'aria-label': t('moveDownNamed', { name: named }) }),
          button(t('remove'), () => { rules.splice(i, 1); render('[data-testid=add-srule]'); }, { 'aria-label': t('removeNamed', { name: named }) })),
        h('div', { class: 'grid' },
          fieldRow(t('workItems'), sc, `${p}.queue_id ${p}.channel ${p}`),
          fieldRow(t('script'), script, `${p}.script_id`))));
  }

  async function save() {
    if (ctx.readOnly) return;
    clearFieldErrors(list, box);
    const body = {
      rules: rules.map((r) => {
        const out = { script_id: r.script_id };
        if (r.scope.startsWith('q:')) out.queue_id = r.scope.slice(2);
        else if (r.scope.startsWith('c:')) out.channel = r.scope.slice(2);
        return out;
      })
    };
    const r = await api('PUT', '/api/v1/agent-script-rules', body);
    if (!r.ok) return showFieldErrors(list, box, r);
    rules = r.data.rules.map((x) => ({ scope: scope(x), script_id: x.script_id }));
    render(null);
    ctx.say(t('savedScriptRules'));
  }

  render(null);
  return card(t('scriptRules'), h('p', { class: 'muted' }, t('scriptRulesHelp')), list, box,
    h('div', { class: 'actions' },
      button(t('addRule'), () => {
        rules.push({ scope: '', script_id: scripts.length ? scripts[0].id : '' });
        render(`[data-srule="${rules.length - 1}"] select`);
      }, { 'data-testid': 'add-srule', disabled: ctx.readOnly }),
      button(t('saveScriptRules'), save, { class: 'primary', 'data-testid': 'srules-save', disabled: ctx.readOnly })));
}

// ------------------------------------------------------------ canned responses

function cannedCard(ctx, canned) {
  const box = errorBox();
  async function remove(c) {
    const r = await api('DELETE', '/api/v1/canned-responses/' + encodeURIComponent(c.id));
    if (!r.ok) return showFieldErrors(box, box, r);
    await ctx.reload();
    ctx.say(t('deleted', { name: c.title }));
  }
  const table = canned.length
    ? h('table', null,
      h('thead', null, h('tr', null, [t('code'), t('cannedTitle'), t('cannedBody'), t('actions')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, canned.map((c) => h('tr', { 'data-testid': 'canned-row', 'data-id': c.id },
        h('td', null, h('code', null, '/' + c.code)), h('td', null, c.title), h('td', { class: 'pre' }, c.body),
        h('td', null,
          h('button', { type: 'button', disabled: ctx.readOnly, 'data-testid': 'canned-edit', 'aria-label': t('editNamed', { name: c.title }), click: () => edit(c) }, t('edit')), ' ',
          h('button', { type: 'button', disabled: ctx.readOnly, 'data-testid': 'canned-delete', 'aria-label': t('deleteNamed', { name: c.title }), click: () => remove(c) }, t('delete')))))))
    : h('p', { class: 'muted' }, t('noCanned'));

  const formBox = errorBox();
  const code = textInput('', { 'data-testid': 'canned-code', spellcheck: 'false' });
  const ctitle = textInput('', { 'data-testid': 'canned-title' });
  const body = h('textarea', { rows: '3', 'data-testid': 'canned-body' });
  // The response being edited (null: a new one).
  let editing = null;
  const head = h('h3', { id: 'canned-form-title', tabindex: '-1' }, t('newCanned'));
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'canned-save' }, t('add'));
  const again = h('button', { type: 'button', hidden: true, click: () => edit(null) }, t('newCanned'));
  function edit(c) {
    editing = c;
    code.value = c ? c.code : '';
    ctitle.value = c ? c.title : '';
    body.value = c ? c.body : '';
    head.textContent = c ? t('editNamed', { name: c.title }) : t('newCanned');
    submit.textContent = c ? t('save') : t('add');
    again.hidden = !c;
    clearFieldErrors(form, formBox);
    head.focus();
  }
  async function save(ev) {
    ev.preventDefault();
    if (ctx.readOnly) return;
    const input = { code: code.value, title: ctitle.value, body: body.value };
    const r = editing
      ? await api('PUT', '/api/v1/canned-responses/' + encodeURIComponent(editing.id), input)
      : await api('POST', '/api/v1/canned-responses', input);
    if (!r.ok) return showFieldErrors(form, formBox, r);
    await ctx.reload();
    ctx.say(t(editing ? 'savedCannedEdit' : 'savedCanned', { name: r.data.title }));
  }
  const form = h('form', { novalidate: true, 'aria-labelledby': head.id, 'data-testid': 'canned-form', submit: save },
    head,
    h('fieldset', { class: 'plain', disabled: ctx.readOnly },
      h('div', { class: 'grid' }, fieldRow(t('codeHelp'), code, 'code'), fieldRow(t('cannedTitle'), ctitle, 'title')),
      fieldRow(t('cannedBody'), body, 'body'),
      formBox,
      h('div', { class: 'actions' }, submit, again)));
  return card(t('canned'), table, box, form);
}
