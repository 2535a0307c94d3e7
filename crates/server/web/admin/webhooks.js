// Outbound webhooks, on the Integrations screen: register an address and
// the events it wants (the signing secret is shown once), edit or switch a
// registration off, send a test event, and read its deliveries with every
// attempt (a failed one can be sent again). Admins only.

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { when } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { clearFieldErrors, fieldRow, showFieldErrors } from '../lib/form.js';
import { button, card, errorBox, read, textInput, tickBox } from './data.js';

// The events one can subscribe to, as the API names them.
const EVENTS = [
  'conversation.started', 'conversation.ended', 'work_item.assigned', 'work_item.closed',
  'case.created', 'case.changed', 'meeting.booked', 'meeting.cancelled',
  'meeting.no_show', 'meeting.no_show_undone', 'callback.requested', 'callback.completed'
];

const eventText = (e) => t('ev_' + e.replace('.', '_'));

export async function webhooksCards(ctx) {
  const hooks = await read('/api/v1/webhooks');
  if (!hooks) return [h('p', { class: 'error', role: 'alert' }, t('loadFailed'))];
  const list = h('div', { 'data-testid': 'webhook-list' });
  const deliveries = h('div', { 'data-testid': 'webhook-deliveries', 'aria-live': 'polite' });
  const state = { editing: null };
  const formBox = h('div');
  const refresh = async () => {
    const fresh = await read('/api/v1/webhooks');
    if (fresh) list.replaceChildren(table(fresh));
  };
  const showForm = (hook) => {
    state.editing = hook;
    formBox.replaceChildren(webhookForm(ctx, hook, refresh, () => showForm(null)));
  };
  const table = (items) => {
    if (!items.length) return h('p', null, t('noWebhooks'));
    const rows = items.map((w) => h('tr', { 'data-testid': 'webhook-row', 'data-id': w.id },
      h('td', null, h('code', null, w.url), w.description ? [h('br'), h('small', null, w.description)] : null),
      h('td', null, w.events.map(eventText).join(', ')),
      h('td', null, w.active ? t('webhookOn') : t('webhookOff')),
      h('td', null,
        button(t('edit'), () => showForm(w), { 'aria-label': t('editNamed', { name: w.url }), disabled: ctx.readOnly }), ' ',
        button(t('webhookSendTest'), async () => {
          const r = await api('POST', '/api/v1/webhooks/' + enc(w.id) + '/test', {});
          if (r.ok) {
            ctx.say(t('webhookTestQueued', { url: w.url }));
            await showDeliveries(ctx, w, deliveries);
          } else ctx.say(r.error || t('failed'));
        }, { 'data-testid': 'webhook-test', disabled: ctx.readOnly }), ' ',
        button(t('webhookDeliveries'), () => showDeliveries(ctx, w, deliveries), { 'data-testid': 'webhook-show-deliveries' }), ' ',
        button(t('delete'), async () => {
          if (!window.confirm(t('webhookDeleteConfirm', { url: w.url }))) return;
          const r = await api('DELETE', '/api/v1/webhooks/' + enc(w.id));
          if (r.ok) {
            ctx.say(t('webhookDeleted', { url: w.url }));
            deliveries.replaceChildren();
            if (state.editing && state.editing.id === w.id) showForm(null);
            await refresh();
          }
        }, { 'aria-label': t('deleteNamed', { name: w.url }), disabled: ctx.readOnly }))));
    return h('table', null,
      h('thead', null, h('tr', null, [t('webhookUrl'), t('webhookEvents'), t('stateCol'), t('actions')]
        .map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, rows));
  };
  list.append(table(hooks));
  showForm(null);
  return [
    card(t('webhooks'), h('p', null, t('webhooksHelp')), list, deliveries),
    card(t('webhookForm'), formBox)
  ];
}

function webhookForm(ctx, hook, refresh, reset) {
  const box = errorBox();
  const url = textInput(hook ? hook.url : '', { type: 'url', 'data-testid': 'webhook-url', spellcheck: 'false' });
  const description = textInput(hook ? hook.description : '', { 'data-testid': 'webhook-description' });
  const active = tickBox(hook ? hook.active : true, { 'data-testid': 'webhook-active' });
  const chosen = new Set(hook ? hook.events : []);
  const ticks = EVENTS.map((e) => tickBox(chosen.has(e), { value: e, 'data-testid': 'webhook-event-' + e.replace('.', '_') }));
  // The group's error shows under its legend; the first box takes the focus.
  const groupErr = h('p', { class: 'field-error', id: 'webhook-events-err' });
  ticks[0].setAttribute('data-field', 'events');
  ticks[0].sbErr = groupErr;
  const events = h('fieldset', { class: 'field events' }, h('legend', null, t('webhookEvents')),
    ticks.map((el, i) => h('div', { class: 'tick' }, el,
      h('label', { for: el.id || (el.id = 'webhook-ev-' + i) }, eventText(EVENTS[i])))),
    groupErr);
  const shown = h('div', { 'aria-live': 'polite', 'data-testid': 'webhook-secret-box' });
  const form = h('form', { novalidate: '', 'data-testid': 'webhook-form' },
    box,
    hook ? h('p', null, t('webhookEditing', { url: hook.url })) : null,
    fieldRow(t('webhookUrl'), url, 'url'),
    fieldRow(t('webhookDescription'), description, 'description'),
    events,
    fieldRow(t('webhookActive'), active, 'active'),
    h('button', { type: 'submit', 'data-testid': 'webhook-save' }, hook ? t('save') : t('webhookCreate')),
    hook ? [' ', button(t('cancel'), reset)] : null,
    shown);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form, box);
    shown.replaceChildren();
    const body = {
      url: url.value, description: description.value, active: active.checked,
      events: ticks.filter((x) => x.checked).map((x) => x.value)
    };
    const r = hook
      ? await api('PUT', '/api/v1/webhooks/' + enc(hook.id), body)
      : await api('POST', '/api/v1/webhooks', body);
    if (!r.ok) return showFieldErrors(form, box, r);
    await refresh();
    if (hook) {
      ctx.say(t('webhookSaved', { url: r.data.url }));
      return reset();
    }
    // The secret, this once, in a read-only field to copy.
    const secret = textInput(r.data.secret, { readonly: '', 'data-testid': 'webhook-secret', spellcheck: 'false' });
    const copy = button(t('copy'), async () => {
      secret.select();
      try { await navigator.clipboard.writeText(secret.value); ctx.say(t('copied')); } catch (e) { ctx.say(t('copyByHand')); }
    });
    shown.replaceChildren(h('div', { class: 'notice', role: 'note' },
      h('p', null, h('strong', null, t('webhookSecretOnce'))),
      fieldRow(t('webhookSecretFor', { url: r.data.url }), secret), copy,
      h('p', null, t('webhookVerifyHelp'))));
    url.value = '';
    description.value = '';
    for (const x of ticks) x.checked = false;
    secret.focus();
    secret.select();
    ctx.say(t('webhookCreated', { url: r.data.url }));
  });
  if (ctx.readOnly) for (const el of form.elements) el.disabled = true;
  return form;
}

// A registration's latest deliveries, each with its attempts.
async function showDeliveries(ctx, hook, into) {
  const r = await api('GET', '/api/v1/webhooks/' + enc(hook.id) + '/deliveries?limit=50');
  if (!r.ok) {
    into.replaceChildren(h('p', { class: 'error', role: 'alert' }, t('loadFailed')));
    return;
  }
  const items = r.data.items;
  const again = button(t('refresh'), () => showDeliveries(ctx, hook, into), { 'data-testid': 'webhook-refresh' });
  const head = h('h3', { tabindex: '-1' }, t('webhookDeliveriesOf', { url: hook.url }));
  if (!items.length) {
    into.replaceChildren(head, h('p', null, t('noDeliveries')), again);
    return;
  }
  const rows = items.map((d) => h('tr', { 'data-testid': 'delivery-row', 'data-state': d.state },
    h('td', null, when(d.created_at)),
    h('td', null, d.event_type.startsWith('webhook.') ? t('ev_webhook_test') : eventText(d.event_type)),
    h('td', { 'data-testid': 'delivery-state' }, t('ds_' + d.state)),
    h('td', null, String(d.attempts)),
    h('td', null, d.state === 'queued' && d.attempts ? t('nextTry', { at: when(d.next_attempt_at) }) : '',
      d.last_error ? h('div', null, h('small', null, d.last_error)) : null),
    h('td', null, d.attempt_log.length ? h('details', null, h('summary', null, t('attemptsN', { n: d.attempt_log.length })),
      h('ol', null, d.attempt_log.map((a) => h('li', { 'data-testid': 'delivery-attempt' },
        when(a.at), ' — ', a.status != null ? 'HTTP ' + a.status : t('noAnswer'), ' · ', a.duration_ms + ' ms',
        a.error ? [' · ', a.error] : null)))) : null,
      d.state === 'failed' ? button(t('webhookRetry'), async () => {
        const x = await api('POST', '/api/v1/webhooks/' + enc(hook.id) + '/deliveries/' + enc(d.id) + '/retry', {});
        ctx.say(x.ok ? t('retryQueued') : x.error || t('failed'));
        await showDeliveries(ctx, hook, into);
      }, { disabled: ctx.readOnly, 'data-testid': 'delivery-retry' }) : null)));
  into.replaceChildren(head, again, h('table', null,
    h('thead', null, h('tr', null, [t('createdCol'), t('webhookEvent'), t('stateCol'), t('attemptsCol'), t('detailsCol'), t('historyCol')]
      .map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, rows)));
  head.focus();
}
