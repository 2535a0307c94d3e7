// Communications: what meeting messages go out (the master switch, the
// type × channel switches, the reminder threshold, SMS quiet hours), the
// templates per type × channel × language with a preview rendered for a
// real meeting, the transports (configured or not, with a test message
// per channel), and the outbox (sent, kept, queued, skipped with the
// reason, failed with the error and a Retry button). Admins only (the API
// refuses others).

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { when } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { clearFieldErrors, fieldRow, showFieldErrors } from '../lib/form.js';
import { button, card, errorBox, numberInput, numberOf, pick, read, textInput, tickBox } from './data.js';

const KINDS = ['confirmation', 'reminder', 'cancellation'];
const CHANNELS = ['email', 'sms'];
const LANGS = ['en', 'fr', 'es'];
const STATES = ['queued', 'sending', 'sent', 'kept', 'failed', 'skipped'];
// The placeholders templates may use (core::communications::templates::VARIABLES).
const VARIABLES = ['customer_name', 'advisor_name', 'topic', 'date', 'time', 'time_zone', 'meeting_type',
  'location', 'join_url', 'instructions', 'customer_notes', 'cancel_url'];

// The template being edited, kept across reloads of the screen.
let chosen = { kind: 'confirmation', channel: 'email', language: 'en' };

export async function showCommunications(root, ctx) {
  root.append(h('h1', { tabindex: '-1' }, t('communications')));
  if (!ctx.admin) {
    root.append(h('p', { class: 'notice' }, t('communicationsAdminOnly')));
    return;
  }
  const [settings, templates, outbox, transports] = await Promise.all([
    api('GET', '/api/v1/communications/settings'), read('/api/v1/communications/templates'),
    api('GET', '/api/v1/communications/outbox?limit=50'), api('GET', '/api/v1/communications/transports')
  ]);
  if (!settings.ok || !templates || !outbox.ok || !transports.ok || !transports.data) {
    root.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed')));
    return;
  }
  const messages = outbox.data.items || [];
  root.append(
    settingsCard(ctx, settings.data),
    templateCard(ctx, templates, messages),
    transportsCard(ctx, transports.data),
    outboxCard(ctx, messages)
  );
}

function settingsCard(ctx, s) {
  const box = errorBox();
  const master = tickBox(s.enabled, { 'data-testid': 'comms-enabled' });
  const switches = {};
  const cells = KINDS.map((k) => h('tr', null, h('th', { scope: 'row' }, t('kind_' + k)), CHANNELS.map((ch) => {
    const el = tickBox(s.kinds[k][ch], { 'data-testid': `comms-${k}-${ch}`, 'aria-label': t('kind_' + k) + ' · ' + t('chan_' + ch) });
    el.setAttribute('data-field', `kinds.${k}.${ch}`);
    switches[k + '.' + ch] = el;
    return h('td', null, el);
  })));
  const days = numberInput(s.reminder_days, { min: '1', max: '30', 'data-testid': 'comms-reminder-days' });
  const quiet = s.sms_quiet_hours || {};
  const from = textInput(quiet.from || '', { type: 'time', 'data-testid': 'comms-quiet-from' });
  const to = textInput(quiet.to || '', { type: 'time', 'data-testid': 'comms-quiet-to' });
  const form = h('form', { novalidate: '', 'data-testid': 'comms-settings' },
    box,
    fieldRow(t('commsMaster'), master, 'enabled'),
    h('table', { class: 'switches' },
      h('caption', null, t('commsSwitches')),
      h('thead', null, h('tr', null, h('td'), CHANNELS.map((ch) => h('th', { scope: 'col' }, t('chan_' + ch))))),
      h('tbody', null, cells)),
    fieldRow(t('reminderDays'), days, 'reminder_days'),
    h('fieldset', null, h('legend', null, t('quietHours')),
      fieldRow(t('from'), from, 'sms_quiet_hours sms_quiet_hours.from'),
      fieldRow(t('to'), to, 'sms_quiet_hours.to')),
    h('button', { type: 'submit', 'data-testid': 'comms-save' }, t('save')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form, box);
    const kinds = {};
    for (const k of KINDS) kinds[k] = { email: switches[k + '.email'].checked, sms: switches[k + '.sms'].checked };
    const body = {
      enabled: master.checked, kinds, reminder_days: numberOf(days),
      sms_quiet_hours: from.value || to.value ? { from: from.value, to: to.value } : null
    };
    const r = await api('PUT', '/api/v1/communications/settings', body);
    if (!r.ok) return showFieldErrors(form, box, r);
    ctx.say(t('savedComms'));
  });
  if (ctx.readOnly) for (const el of form.elements) el.disabled = true;
  return card(t('commsSending'), form);
}

function templateCard(ctx, templates, messages) {
  const box = errorBox();
  const find = () => templates.find((x) => x.kind === chosen.kind && x.channel === chosen.channel && x.language === chosen.language);
  const kind = pick(KINDS.map((k) => [k, t('kind_' + k)]), chosen.kind);
  const channel = pick(CHANNELS.map((c) => [c, t('chan_' + c)]), chosen.channel);
  const language = pick(LANGS.map((l) => [l, t('lang_' + l)]), chosen.language);
  const subject = textInput('', { 'data-testid': 'tpl-subject' });
  const body = h('textarea', { rows: '8', 'data-testid': 'tpl-body' });
  const html = h('textarea', { rows: '8', 'data-testid': 'tpl-html' });
  const state = h('p', { class: 'hint', 'data-testid': 'tpl-state' });
  const length = h('p', { class: 'hint', 'aria-live': 'polite', 'data-testid': 'tpl-length' });
  const emailOnly = [fieldRow(t('tplSubject'), subject, 'subject'), fieldRow(t('tplHtml'), html, 'html')];
  const meeting = textInput(messages.length ? messages[0].meeting_id : '', { 'data-testid': 'tpl-meeting' });
  const shown = h('div', { class: 'preview', 'aria-live': 'polite', 'data-testid': 'tpl-preview' });

  const fill = () => {
    const x = find();
    subject.value = x ? x.subject : '';
    body.value = x ? x.body : '';
    html.value = x ? x.html : '';
    state.textContent = x && x.customized ? t('tplCustomized') : t('tplDefault');
    for (const row of emailOnly) row.hidden = chosen.channel !== 'email';
    count();
    shown.replaceChildren();
  };
  const count = () => {
    length.textContent = chosen.channel === 'sms' ? smsLength(body.value) : '';
  };
  const draft = () => (chosen.channel === 'email'
    ? { subject: subject.value, body: body.value, html: html.value }
    : { body: body.value });
  const path = () => `/api/v1/communications/templates/${enc(chosen.kind)}/${enc(chosen.channel)}/${enc(chosen.language)}`;
  for (const [el, key] of [[kind, 'kind'], [channel, 'channel'], [language, 'language']]) {
    el.addEventListener('change', () => { chosen = Object.assign({}, chosen, { [key]: el.value }); clearFieldErrors(form, box); fill(); });
  }
  body.addEventListener('input', count);

  const save = async () => {
    clearFieldErrors(form, box);
    const r = await api('PUT', path(), draft());
    if (!r.ok) return showFieldErrors(form, box, r);
    replace(templates, r.data);
    fill();
    ctx.say(t('savedTemplate'));
  };
  const reset = async () => {
    clearFieldErrors(form, box);
    const r = await api('DELETE', path());
    if (!r.ok) return showFieldErrors(form, box, r);
    replace(templates, r.data);
    fill();
    ctx.say(t('resetTemplate'));
  };
  const preview = async () => {
    clearFieldErrors(form, box);
    const r = await api('POST', path() + '/preview', { meeting_id: meeting.value.trim(), template: draft() });
    if (!r.ok) {
      // The draft's fields are named at the top level of the form.
      if (r.data && Array.isArray(r.data.errors)) {
        for (const e of r.data.errors) if (typeof e.field === 'string') e.field = e.field.replace(/^template\./, '');
      }
      return showFieldErrors(form, box, r);
    }
    const p = r.data;
    const parts = [];
    if (chosen.channel === 'email') {
      parts.push(h('p', null, h('strong', null, t('tplSubject') + ': '), p.subject));
      // The email's HTML in a sandbox: no script runs, nothing reaches this page.
      const frame = h('iframe', { sandbox: '', title: t('tplHtmlPreview'), 'data-testid': 'tpl-preview-html' });
      frame.srcdoc = p.html;
      parts.push(frame);
    } else {
      parts.push(h('p', null, smsLength(p.body)));
    }
    parts.push(h('pre', { 'data-testid': 'tpl-preview-text' }, p.body));
    shown.replaceChildren(h('h3', null, t('tplPreview')), ...parts);
  };

  const form = h('form', { novalidate: '', 'data-testid': 'tpl-form' },
    box,
    h('div', { class: 'filters' }, fieldRow(t('tplKind'), kind), fieldRow(t('channel'), channel), fieldRow(t('tplLanguage'), language)),
    state,
    emailOnly[0],
    fieldRow(t('tplBody'), body, 'body'),
    length,
    emailOnly[1],
    h('p', { class: 'hint' }, t('tplPlaceholders') + ' ' + VARIABLES.map((v) => '{' + v + '}').join(', ')),
    h('div', { class: 'buttons' },
      button(t('save'), save, { 'data-testid': 'tpl-save' }),
      button(t('tplReset'), reset, { 'data-testid': 'tpl-reset' })),
    h('fieldset', null, h('legend', null, t('tplPreview')),
      fieldRow(t('tplMeeting'), meeting, 'meeting_id'),
      button(t('tplShowPreview'), preview, { 'data-testid': 'tpl-preview-button' })),
    shown);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); save(); });
  fill();
  if (ctx.readOnly) for (const el of form.elements) el.disabled = true;
  return card(t('templates'), form);
}

function replace(list, stored) {
  const i = list.findIndex((x) => x.kind === stored.kind && x.channel === stored.channel && x.language === stored.language);
  if (i >= 0) list[i] = stored; else list.push(stored);
}

// "132 characters · 1 SMS": GSM-7 texts take 160 characters in one
// message, 153 per part when split; any other character makes the whole
// text UCS-2 (70, then 67 per part).
function smsLength(text) {
  const gsm = /^[A-Za-z0-9 \n\r@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!"#¤%&'()*+,\-./:;<=>?¡ÄÖÑÜ§¿äöñüà^{}\\[\]~|€]*$/.test(text);
  const n = Array.from(text).length;
  const [one, part] = gsm ? [160, 153] : [70, 67];
  const parts = n <= one ? 1 : Math.ceil(n / part);
  return t('smsLength', { n, parts });
}

// The transports (configured or kept here) and a test message per channel.
function transportsCard(ctx, tr) {
  const rows = CHANNELS.map((ch) => {
    const x = tr[ch] || {};
    return h('tr', { 'data-testid': 'transport-row', 'data-channel': ch, 'data-configured': String(!!x.configured) },
      h('th', { scope: 'row' }, t('chan_' + ch)),
      h('td', null, x.configured ? t('transportOn', { name: x.transport }) : t('transportOff')),
      h('td', null, x.from || ''));
  });
  const box = errorBox();
  const channel = pick(CHANNELS.map((c) => [c, t('chan_' + c)]), 'email');
  channel.setAttribute('data-testid', 'test-channel');
  const to = textInput('', { 'data-testid': 'test-to', autocomplete: 'off' });
  const result = h('p', { role: 'status', 'data-testid': 'test-result' });
  const hint = () => { to.placeholder = channel.value === 'email' ? 'name@example.com' : '+33 6 12 34 56 78'; };
  channel.addEventListener('change', hint);
  hint();
  const form = h('form', { novalidate: '', 'data-testid': 'test-form' },
    box,
    h('div', { class: 'filters' },
      fieldRow(t('channel'), channel, 'channel'), fieldRow(t('testTo'), to, 'to'),
      h('button', { type: 'submit', 'data-testid': 'test-send' }, t('sendTest'))),
    result);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form, box);
    result.textContent = '';
    result.removeAttribute('data-sent');
    const r = await api('POST', '/api/v1/communications/test-message', { channel: channel.value, to: to.value });
    if (!r.ok) return showFieldErrors(form, box, r);
    result.setAttribute('data-sent', String(!!r.data.sent));
    result.textContent = r.data.sent
      ? t('testSent', { to: r.data.to, transport: r.data.transport })
      : r.data.transport === 'local' ? t('testNoTransport') : t('testFailed', { error: r.data.error || '' });
  });
  if (ctx.readOnly) for (const el of form.elements) el.disabled = true;
  return card(t('transports'),
    h('table', { class: 'transports' },
      h('thead', null, h('tr', null, [t('channel'), t('transportCol'), t('senderCol')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, rows)),
    h('h3', null, t('testMessage')),
    h('p', { class: 'hint muted' }, t('testHelp')),
    form);
}

function outboxCard(ctx, messages) {
  const box = errorBox();
  const retry = async (m) => {
    box.textContent = '';
    const r = await api('POST', '/api/v1/communications/outbox/' + enc(m.id) + '/retry', {});
    if (!r.ok) {
      box.append(h('p', null, r.error));
      return;
    }
    await ctx.reload();
    ctx.say(t('retried'));
  };
  const rows = messages.map((m) => h('tr', { 'data-testid': 'outbox-row', 'data-id': m.id, 'data-state': m.state, 'data-kind': m.kind, 'data-channel': m.channel },
    h('td', null, when(m.created_at)),
    h('td', null, t('kind_' + m.kind), ' · ', t('chan_' + m.channel)),
    h('td', null, m.recipient || ''),
    h('td', null, STATES.includes(m.state) ? t('state_' + m.state) : m.state),
    h('td', null, m.subject || (m.body || '').slice(0, 80)),
    h('td', null, m.last_error || ''),
    h('td', null, m.state === 'failed'
      ? button(t('retry'), () => retry(m), { 'data-testid': 'outbox-retry', disabled: ctx.readOnly, 'aria-label': t('retryNamed', { what: t('kind_' + m.kind) + ' · ' + (m.recipient || '') }) })
      : null)));
  return card(t('outbox'), box, messages.length
    ? h('table', null,
      h('thead', null, h('tr', null, [t('whenCol'), t('tplKind'), t('recipient'), t('stateCol'), t('message'), t('reason'), t('actions')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, rows))
    : h('p', null, t('outboxEmpty')));
}
