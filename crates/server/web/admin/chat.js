// Chat: widgets (name, origins, appearance, language, queue or routing
// attributes, pre-chat survey), the snippet to paste into a site, the
// proactive chat switch and the widget's proactive rules with their
// counts. Widgets are admins' only (the API refuses supervisors).

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { browserTz } from '../lib/time.js';
import { textOn } from '../lib/contrast.js';
import { clearFieldErrors, fieldRow, showFieldErrors } from '../lib/form.js';
import { button, card, errorBox, listOf, numberInput, numberOf, pairsOf, pick, queueChoices, read, textInput, tickBox } from './data.js';
import { proactiveTester } from './testers.js';

const LANGS = ['en', 'fr', 'es'];
const KINDS = ['text', 'email', 'phone', 'choice'];
const MATCHES = ['starts_with', 'equals', 'contains', 'wildcard', 'regex'];
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const CUSTOMERS = ['all', 'new', 'returning', 'authenticated'];

// The widget being edited, kept across reloads of the screen.
let selected = null;

export async function showChat(root, ctx) {
  root.append(h('h1', { tabindex: '-1' }, t('chat')));
  const [widgets, queues] = await Promise.all([read('/api/v1/widgets'), read('/api/v1/queues')]);
  if (!widgets || !queues) {
    root.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed')));
    return;
  }
  const current = widgets.find((w) => w.id === selected) || null;
  const box = errorBox();
  const form = widgetForm(ctx, current, queues);
  root.append(card(t('widgets'), widgetTable(ctx, widgets, box), box), form, previewCard(form));
  if (current) {
    root.append(snippetCard(current));
    const [rules, stats] = await Promise.all([
      api('GET', '/api/v1/widgets/' + encodeURIComponent(current.id) + '/proactive-rules'),
      read('/api/v1/widgets/' + encodeURIComponent(current.id) + '/proactive-rules/stats')
    ]);
    root.append(rulesCard(ctx, current, rules.ok ? rules.data.rules : [], stats || [], queues));
  }
}

function widgetTable(ctx, widgets, box) {
  if (!widgets.length) return h('p', { class: 'muted' }, t('noWidgets'));
  // Refused (409) once a visitor has used the widget.
  async function remove(w) {
    const r = await api('DELETE', '/api/v1/widgets/' + encodeURIComponent(w.id));
    if (!r.ok) return showFieldErrors(box, box, r);
    if (selected === w.id) selected = null;
    await ctx.reload();
    ctx.say(t('deleted', { name: w.name }));
  }
  return h('table', null,
    h('thead', null, h('tr', null, [t('name'), t('origins'), t('language'), t('proactive'), t('actions')].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, widgets.map((w) => h('tr', { 'data-testid': 'widget-row', 'data-id': w.id },
      h('td', null, w.name), h('td', null, w.allowed_origins.join(', ')), h('td', null, t('lang_' + (w.default_language || 'en'))),
      h('td', null, w.proactive_enabled ? t('on') : t('off')),
      h('td', null, h('button', {
        type: 'button', 'aria-label': t('editNamed', { name: w.name }),
        click: async () => { selected = w.id; await ctx.reload(); const f = document.getElementById('widget-form-title'); if (f) f.focus(); }
      }, ctx.readOnly ? t('view') : t('edit')), ' ',
      h('button', { type: 'button', disabled: ctx.readOnly, 'aria-label': t('deleteNamed', { name: w.name }), click: () => remove(w) }, t('delete')))))));
}

function widgetForm(ctx, w, queues) {
  const title = h('h2', { id: 'widget-form-title', tabindex: '-1' }, w ? t('editNamed', { name: w.name }) : t('newWidget'));
  const box = errorBox();
  const tr = (w && w.name_translations) || {};
  const routing = (w && w.routing) || {};
  const c = {
    name: textInput(w ? w.name : '', { 'data-testid': 'widget-name' }),
    nameFr: textInput(tr.fr || ''), nameEs: textInput(tr.es || ''),
    origins: h('textarea', { rows: '3', 'data-testid': 'widget-origins' }),
    color: textInput(w && w.color ? w.color : '#0b5fff', { type: 'color', 'data-testid': 'widget-color' }),
    position: pick([['bottom_right', t('pos_bottom_right')], ['bottom_left', t('pos_bottom_left')]], w ? w.position : 'bottom_right'),
    language: pick(LANGS.map((l) => [l, t('lang_' + l)]), w ? w.default_language || 'en' : 'en'),
    queue: pick(queueChoices(queues, t('byRules')), routing.queue_id || ''),
    attributes: h('textarea', { rows: '3', placeholder: 'department=sales', 'data-testid': 'widget-attributes' }),
    proactive: tickBox(w && w.proactive_enabled, { 'data-testid': 'widget-proactive' }),
    csat: tickBox(w && w.csat_enabled, { 'data-testid': 'widget-csat' })
  };
  c.origins.value = w ? w.allowed_origins.join('\n') : '';
  c.attributes.value = Object.entries(routing.attributes || {}).map(([k, v]) => k + '=' + v).join('\n');
  c.queue.setAttribute('data-testid', 'widget-queue');
  const survey = h('div', { 'data-testid': 'survey' });
  let el = null; // the form, once built

  function questionRow(q) {
    const id = textInput(q.id, { 'data-testid': 'question-id' });
    const kind = pick(KINDS.map((k) => [k, t('kind_' + k)]), q.type);
    kind.setAttribute('data-testid', 'question-type');
    const labels = LANGS.map((l) => textInput((q.label || {})[l] || '', { 'data-testid': 'question-label-' + l }));
    const required = tickBox(q.required);
    const original = Array.isArray(q.choices) ? q.choices : [];
    const shown = original.map((x) => (typeof x === 'string' ? x : x.value)).join(', ');
    const choices = textInput(shown, { 'data-testid': 'question-choices' });
    const row = h('div', { class: 'row', 'data-testid': 'question' },
      fieldRow(t('questionId'), id), fieldRow(t('questionType'), kind),
      labels.map((el, i) => fieldRow(t('labelIn', { lang: t('lang_' + LANGS[i]) }), el)),
      fieldRow(t('choices'), choices), fieldRow(t('required'), required),
      button(t('remove'), () => { row.remove(); renumber(); }));
    row.sbControls = { id, kind, labels, required, choices };
    row.sbGet = () => {
      const texts = {};
      labels.forEach((el, i) => { if (el.value.trim()) texts[LANGS[i]] = el.value; });
      // Choices keep their translations while their list is unchanged.
      const list = choices.value === shown ? original : listOf(choices.value);
      return { id: id.value, type: kind.value, label: texts, required: required.checked, choices: kind.value === 'choice' ? list : [] };
    };
    return row;
  }
  function renumber() {
    if (el) el.dispatchEvent(new Event('change'));
    Array.from(survey.children).forEach((row, i) => {
      const p = `survey[${i}]`;
      const k = row.sbControls;
      k.id.setAttribute('data-field', `${p}.id ${p}`);
      k.kind.setAttribute('data-field', p + '.type');
      k.labels.forEach((el, j) => el.setAttribute('data-field', j === 0 ? `${p}.label.${LANGS[j]} ${p}.label` : `${p}.label.${LANGS[j]}`));
      k.required.setAttribute('data-field', p + '.required');
      k.choices.setAttribute('data-field', p + '.choices');
    });
  }
  for (const q of (w && w.survey) || []) survey.append(questionRow(q));
  renumber();

  function body() {
    const names = {};
    if (c.nameFr.value.trim()) names.fr = c.nameFr.value;
    if (c.nameEs.value.trim()) names.es = c.nameEs.value;
    const attributes = pairsOf(c.attributes.value);
    const out = {
      name: c.name.value, name_translations: names, allowed_origins: listOf(c.origins.value),
      color: c.color.value, position: c.position.value, default_language: c.language.value,
      routing: { queue_id: c.queue.value || null, attributes },
      survey: Array.from(survey.children).map((row) => row.sbGet()),
      proactive_enabled: c.proactive.checked,
      csat_enabled: c.csat.checked
    };
    // Host-site authentication is kept as it is (its secret is never shown).
    if (w && w.auth) out.auth = w.auth;
    return out;
  }

  async function save(ev) {
    ev.preventDefault();
    if (ctx.readOnly) return;
    const r = w
      ? await api('PUT', '/api/v1/widgets/' + encodeURIComponent(w.id), body())
      : await api('POST', '/api/v1/widgets', body());
    if (!r.ok) return showFieldErrors(el, box, r);
    selected = r.data.id;
    await ctx.reload();
    ctx.say(t('savedWidget', { name: r.data.name }));
  }

  const warnings = ((w && w.warnings) || []).map((x) => h('p', { class: 'notice' }, x.message));
  el = h('form', { class: 'card', novalidate: true, 'aria-labelledby': title.id, 'data-testid': 'widget-form', submit: save },
    title,
    h('fieldset', { class: 'plain', disabled: ctx.readOnly },
      h('div', { class: 'grid' },
        fieldRow(t('name'), c.name, 'name'),
        fieldRow(t('nameIn', { lang: t('lang_fr') }), c.nameFr, 'name_translations.fr name_translations'),
        fieldRow(t('nameIn', { lang: t('lang_es') }), c.nameEs, 'name_translations.es'),
        fieldRow(t('originsHelp'), c.origins, 'allowed_origins'),
        fieldRow(t('color'), c.color, 'color'), fieldRow(t('position'), c.position, 'position'),
        fieldRow(t('language'), c.language, 'default_language'),
        fieldRow(t('widgetQueue'), c.queue, 'routing.queue_id routing'),
        fieldRow(t('attributesHelp'), c.attributes, 'routing.attributes')),
      warnings,
      h('fieldset', null, h('legend', null, t('survey')), survey,
        button(t('addQuestion'), () => {
          survey.append(questionRow({ id: '', type: 'text', label: {}, required: false, choices: [] }));
          renumber();
          survey.lastChild.querySelector('input').focus();
        }, { 'data-testid': 'add-question' })),
      fieldRow(t('proactiveSwitch'), c.proactive, 'proactive_enabled'),
      fieldRow(t('csatSwitch'), c.csat, 'csat_enabled'),
      box,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'widget-save' }, t('save')),
        button(t('newWidget'), async () => { selected = null; await ctx.reload(); }))));
  // What the widget would draw, as GET /widget/v1/{id}/config answers it.
  el.sbConfig = () => {
    const b = body();
    return {
      widget_id: 'preview', name: b.name, name_translations: b.name_translations, color: b.color,
      text_color: textOn(b.color), position: b.position, default_language: b.default_language,
      survey: b.survey, proactive_enabled: b.proactive_enabled, csat_enabled: b.csat_enabled
    };
  };
  return el;
}

// The live preview: the real widget (/widget.js in preview mode, which
// sends nothing) drawn on this page from the form as it is being edited, in
// the language chosen here. Off until asked for, and gone when the admin
// leaves the Chat screen.
let previewOn = false;
let previewLang = 'en';
let leaving = false;

function previewCard(form) {
  const language = pick(LANGS.map((l) => [l, t('lang_' + l)]), previewLang);
  language.setAttribute('data-testid', 'preview-language');
  const toggle = button(previewOn ? t('previewHide') : t('previewShow'), () => {
    previewOn = !previewOn;
    toggle.textContent = previewOn ? t('previewHide') : t('previewShow');
    draw();
  }, { 'data-testid': 'preview-toggle', 'aria-pressed': String(previewOn) });
  const status = h('p', { class: 'muted', role: 'status' });
  function draw() {
    toggle.setAttribute('aria-pressed', String(previewOn));
    const sb = window.Switchboard;
    if (!previewOn) {
      if (sb && sb.hide) sb.hide();
      status.textContent = '';
      return;
    }
    if (!sb || !sb.preview) {
      // The widget script, once per page; it draws when it has loaded.
      if (!document.querySelector('script[data-preview]')) {
        const s = document.createElement('script');
        s.src = '/widget.js';
        s.setAttribute('data-widget', 'preview');
        s.setAttribute('data-preview', '');
        s.addEventListener('load', draw);
        document.head.append(s);
      }
      return;
    }
    sb.preview(form.sbConfig(), previewLang);
    status.textContent = t('previewShown');
  }
  language.addEventListener('change', () => { previewLang = language.value; draw(); });
  form.addEventListener('input', () => { if (previewOn) draw(); });
  form.addEventListener('change', () => { if (previewOn) draw(); });
  if (!leaving) {
    leaving = true;
    window.addEventListener('hashchange', () => {
      const sb = window.Switchboard;
      if (!location.hash.startsWith('#chat') && sb && sb.hide) sb.hide();
    });
  }
  if (previewOn) setTimeout(draw);
  return card(t('preview'), h('p', { class: 'muted' }, t('previewHelp')),
    fieldRow(t('previewLanguage'), language), h('div', { class: 'actions' }, toggle), status);
}

function snippetCard(w) {
  const area = h('textarea', { class: 'snippet', rows: '2', readonly: true, 'data-testid': 'snippet' });
  area.value = w.embed_snippet;
  const done = h('span', { role: 'status' });
  const copy = button(t('copy'), async () => {
    try {
      await navigator.clipboard.writeText(area.value);
      done.textContent = t('copied');
    } catch (e) {
      area.select();
      done.textContent = t('copyByHand');
    }
  }, { 'data-testid': 'snippet-copy' });
  return card(t('snippet'), h('p', { class: 'muted' }, t('snippetHelp')), fieldRow(t('snippet'), area), h('div', { class: 'actions' }, copy, done));
}

// ------------------------------------------------------------ proactive rules

function ruleState(r) {
  const w = r.window || null;
  const freq = r.frequency || { per: 'session' };
  const target = r.target || {};
  return {
    id: r.id || null, name: r.name || '', enabled: r.enabled !== false, priority: r.priority || 0,
    match: (r.location && r.location.url && r.location.url.match) || 'starts_with',
    url: (r.location && r.location.url && r.location.url.value) || '',
    country: (r.location && r.location.country) || '',
    seconds: r.time_on_page_seconds || 0, pages: r.pages_in_session == null ? '' : r.pages_in_session,
    messages: Object.assign({ en: '', fr: '', es: '' }, r.messages || {}),
    onlyAvailable: !!r.only_when_agent_available, per: freq.per, days: freq.days || 7,
    queue: r.queue_id || '', customers: target.customers || 'all', category: target.contact_category || '',
    attribute: target.contact_attribute || null,
    hasWindow: !!w, tz: w ? w.time_zone : browserTz, weekdays: w ? w.weekdays || [] : [],
    from: w && w.ranges && w.ranges[0] ? w.ranges[0].from : '', to: w && w.ranges && w.ranges[0] ? w.ranges[0].to : '',
    ranges: w && w.ranges ? w.ranges : [], start: (w && w.start_date) || '', end: (w && w.end_date) || ''
  };
}

function ruleBody(s) {
  const messages = {};
  for (const l of LANGS) if (s.messages[l].trim()) messages[l] = s.messages[l];
  const out = {
    name: s.name, enabled: s.enabled, priority: s.priority,
    target: { customers: s.customers, contact_category: s.category || null, contact_attribute: s.attribute },
    location: { url: { match: s.match, value: s.url }, country: s.country || null },
    time_on_page_seconds: s.seconds, messages, only_when_agent_available: s.onlyAvailable,
    frequency: s.per === 'days' ? { per: 'days', days: s.days } : { per: s.per },
    queue_id: s.queue || null
  };
  if (s.id) out.id = s.id;
  if (s.pages !== '' && s.pages != null) out.pages_in_session = s.pages;
  if (s.hasWindow) {
    // The first range is edited here; any others are kept as they are.
    const ranges = s.from || s.to ? [{ from: s.from, to: s.to }].concat(s.ranges.slice(1)) : s.ranges.slice(1);
    out.window = { time_zone: s.tz, weekdays: s.weekdays, ranges, start_date: s.start || null, end_date: s.end || null };
  }
  return out;
}

function rulesCard(ctx, w, saved, stats, queues) {
  let rules = saved.map(ruleState);
  const list = h('ol', { class: 'rules', 'data-testid': 'proactive-rules' });
  const box = errorBox();

  function bound(obj, key, el, num) {
    const value = () => (el.type === 'checkbox' ? el.checked : num ? numberOf(el) : el.value);
    el.addEventListener(el.tagName === 'SELECT' || el.type === 'checkbox' ? 'change' : 'input', () => { obj[key] = value(); });
    return el;
  }
  function render(focus) {
    list.replaceChildren(...rules.map((r, i) => ruleItem(r, i)));
    const el = focus && list.querySelector(focus);
    if (el) el.focus();
  }

  function ruleItem(r, i) {
    const p = `rules[${i}]`;
    const st = stats.find((x) => x.rule_id === r.id);
    const perSel = bound(r, 'per', pick([['session', t('per_session')], ['days', t('per_days')], ['always', t('per_always')]], r.per));
    perSel.addEventListener('change', () => render(`[data-rule="${i}"] [data-per]`));
    perSel.setAttribute('data-per', '');
    const win = bound(r, 'hasWindow', tickBox(r.hasWindow, { 'data-window': '' }));
    win.addEventListener('change', () => render(`[data-rule="${i}"] [data-window]`));
    const days = WEEKDAYS.map((d) => {
      const b = tickBox(r.weekdays.includes(d), { value: d });
      b.addEventListener('change', () => { r.weekdays = WEEKDAYS.filter((x) => x === d ? b.checked : r.weekdays.includes(x)); });
      return fieldRow(t('wd_' + d), b);
    });
    const urlMatch = bound(r, 'match', pick(MATCHES.map((m) => [m, t('um_' + m)]), r.match));
    urlMatch.setAttribute('data-testid', 'prule-match');
    const queue = bound(r, 'queue', pick(queueChoices(queues, t('widgetRouting')), r.queue));
    queue.setAttribute('data-testid', 'prule-queue');
    return h('li', { 'data-rule': String(i), 'data-testid': 'prule' },
      h('fieldset', { class: 'plain', disabled: ctx.readOnly },
        h('div', { class: 'rule-head' },
          h('h3', null, t('ruleN', { n: i + 1 })),
          st ? h('span', { class: 'muted', 'data-testid': 'prule-stats' }, t('stats', st)) : null,
          button(t('remove'), () => { rules.splice(i, 1); render('[data-testid=add-prule]'); }, { 'aria-label': t('removeNamed', { name: r.name || t('ruleN', { n: i + 1 }) }) })),
        h('div', { class: 'grid' },
          fieldRow(t('name'), bound(r, 'name', textInput(r.name, { 'data-testid': 'prule-name' })), p + '.name'),
          fieldRow(t('enabled'), bound(r, 'enabled', tickBox(r.enabled)), p + '.enabled'),
          fieldRow(t('priority'), bound(r, 'priority', numberInput(r.priority), true), p + '.priority'),
          fieldRow(t('urlMatch'), urlMatch, `${p}.location.url.match`),
          fieldRow(t('urlValue'), bound(r, 'url', textInput(r.url, { 'data-testid': 'prule-url' })), `${p}.location.url.value ${p}.location.url ${p}.location`),
          fieldRow(t('country'), bound(r, 'country', textInput(r.country, { maxlength: '2', placeholder: 'FR' })), `${p}.location.country`),
          fieldRow(t('secondsOnPage'), bound(r, 'seconds', numberInput(r.seconds, { min: '0', max: '3600', 'data-testid': 'prule-seconds' }), true), p + '.time_on_page_seconds'),
          fieldRow(t('pagesInSession'), bound(r, 'pages', numberInput(r.pages, { min: '1', max: '1000' }), true), p + '.pages_in_session'),
          LANGS.map((l) => fieldRow(t('messageIn', { lang: t('lang_' + l) }), bound(r.messages, l, textInput(r.messages[l], { 'data-testid': 'prule-message-' + l })),
            l === (w.default_language || 'en') ? `${p}.messages.${l} ${p}.messages` : `${p}.messages.${l}`)),
          fieldRow(t('customers'), bound(r, 'customers', pick(CUSTOMERS.map((x) => [x, t('cu_' + x)]), r.customers)), `${p}.target.customers ${p}.target`),
          fieldRow(t('category'), bound(r, 'category', textInput(r.category)), `${p}.target.contact_category`),
          fieldRow(t('ruleQueue'), queue, p + '.queue_id'),
          fieldRow(t('onlyAvailable'), bound(r, 'onlyAvailable', tickBox(r.onlyAvailable)), p + '.only_when_agent_available'),
          fieldRow(t('frequency'), perSel, `${p}.frequency.per ${p}.frequency`),
          r.per === 'days' ? fieldRow(t('days'), bound(r, 'days', numberInput(r.days, { min: '1', max: '365' }), true), `${p}.frequency.days`) : null),
        h('fieldset', null, h('legend', null, t('window')),
          fieldRow(t('hasWindow'), win, p + '.window'),
          r.hasWindow ? [
            h('div', { class: 'grid' },
              fieldRow(t('timeZone'), bound(r, 'tz', textInput(r.tz)), `${p}.window.time_zone`),
              fieldRow(t('from'), bound(r, 'from', textInput(r.from, { type: 'time' })), `${p}.window.ranges[0].from ${p}.window.ranges[0] ${p}.window.ranges`),
              fieldRow(t('to'), bound(r, 'to', textInput(r.to, { type: 'time' })), `${p}.window.ranges[0].to`),
              fieldRow(t('startDate'), bound(r, 'start', textInput(r.start, { type: 'date' })), `${p}.window.start_date`),
              fieldRow(t('endDate'), bound(r, 'end', textInput(r.end, { type: 'date' })), `${p}.window.end_date`)),
            h('fieldset', null, h('legend', null, t('weekdays')), h('div', { class: 'grid' }, days),
              h('span', { class: 'muted' }, t('everyDay')))
          ] : null)));
  }

  async function save() {
    clearFieldErrors(list, box);
    const r = await api('PUT', '/api/v1/widgets/' + encodeURIComponent(w.id) + '/proactive-rules', { rules: rules.map(ruleBody) });
    if (!r.ok) return showFieldErrors(list, box, r);
    await ctx.reload();
    ctx.say(t('savedProactive'));
  }

  render(null);
  // The tester judges the rules as they are in the form, saved or not;
  // its 422s about rules land beside their controls in this card.
  const tester = proactiveTester(w, () => rules.map(ruleBody), () => el);
  const el = card(t('proactiveRules'),
    h('p', { class: w.proactive_enabled ? 'muted' : 'notice', 'data-testid': 'proactive-state' }, w.proactive_enabled ? t('proactiveOn') : t('proactiveOff')),
    list, box,
    h('div', { class: 'actions' },
      button(t('addRule'), () => {
        rules.push(ruleState({ messages: {} }));
        render(`[data-rule="${rules.length - 1}"] input`);
      }, { 'data-testid': 'add-prule', disabled: ctx.readOnly }),
      button(t('saveRules'), save, { class: 'primary', 'data-testid': 'prules-save', disabled: ctx.readOnly })),
    tester);
  return el;
}
