// Voice: what callers hear in each voice queue (every prompt in every
// language: the default text, an admin's text spoken by the synthesiser,
// or an uploaded WAV recording), the voice channel's live figures, the
// callbacks (cancel an open one), and (admins) the outbound dial audit.
// Supervisors see it read-only.

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { when } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { clearFieldErrors, fieldRow, showFieldErrors } from '../lib/form.js';
import { button, card, errorBox, pick, read } from './data.js';

const PROMPTS = ['greeting', 'hold', 'callback_offer', 'callback_confirmation', 'position', 'csat', 'csat_thanks'];
const LANGS = ['en', 'fr', 'es'];
// The live figures shown, in this order (GET /api/v1/voice/status).
const FIGURES = ['sip_listen', 'calls', 'media_legs', 'registered_phones', 'sip_dialogs', 'calls_total',
  'refused_requests', 'callback_offers', 'callbacks_requested', 'digits_detected', 'jitter_p50_us', 'jitter_p99_us',
  'relayed_from_customers', 'relayed_from_agents', 'rtp_dropped'];

// The queue and prompt being edited, kept across reloads of the screen.
let chosen = { queue: '', prompt: 'greeting', language: 'en' };

export async function showVoice(root, ctx) {
  root.append(h('h1', { tabindex: '-1' }, t('voice')));
  const [status, queues, dials, callbacks] = await Promise.all([
    api('GET', '/api/v1/voice/status'), read('/api/v1/queues'),
    ctx.admin ? api('GET', '/api/v1/voice/dials?limit=50') : Promise.resolve(null),
    api('GET', '/api/v1/callbacks?limit=50')
  ]);
  if (!queues) {
    root.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed')));
    return;
  }
  const voiceQueues = queues.filter((q) => q.channel === 'voice');
  root.append(await promptsCard(ctx, voiceQueues, status.ok), statusCard(status));
  root.append(callbacksCard(ctx, callbacks, queues));
  if (dials) root.append(dialsCard(dials));
}

const OPEN = ['scheduled', 'queued'];

function callbacksCard(ctx, r, queues) {
  if (!r.ok || !r.data) return card(t('callbacksTitle'), h('p', { class: 'error', role: 'alert' }, r.error || t('loadFailed')));
  const items = r.data.items || [];
  const names = new Map(queues.map((q) => [q.id, q.name]));
  const box = errorBox();
  const cancel = async (c) => {
    box.textContent = '';
    const x = await api('DELETE', '/api/v1/callbacks/' + enc(c.id));
    if (!x.ok) {
      box.append(h('p', null, x.error));
      return;
    }
    await ctx.reload();
    ctx.say(t('callbackCancelled', { phone: c.phone }));
  };
  return card(t('callbacksTitle'), box, items.length
    ? h('table', null,
      h('thead', null, h('tr', null, [t('createdCol'), t('number'), t('queue'), t('stateCol'), t('cbAttempts'), t('cbNext'), t('cbResult'), t('actions')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, items.map((c) => h('tr', { 'data-testid': 'callback-row', 'data-id': c.id, 'data-status': c.status },
        h('td', null, when(c.created_at)), h('td', null, c.phone),
        h('td', null, c.queue_id ? names.get(c.queue_id) || c.queue_id : ''),
        h('td', null, t('cb_' + c.status)),
        h('td', null, c.attempts + ' / ' + c.max_attempts),
        h('td', null, c.next_attempt_at ? when(c.next_attempt_at) : ''),
        h('td', null, [c.last_result, c.closed_reason].filter(Boolean).join(' · ')),
        h('td', null, OPEN.includes(c.status)
          ? button(t('cancelCallback'), () => cancel(c), { disabled: ctx.readOnly, 'data-testid': 'callback-cancel', 'aria-label': t('cancelCallbackOf', { phone: c.phone }) })
          : null)))))
    : h('p', { class: 'muted' }, t('noCallbacks')));
}

function statusCard(r) {
  if (r.status === 409) {
    return card(t('voiceStatus'), h('p', { class: 'notice', 'data-testid': 'voice-off' }, t('voiceOff')));
  }
  if (!r.ok || !r.data) return card(t('voiceStatus'), h('p', { class: 'error', role: 'alert' }, r.error || t('loadFailed')));
  return card(t('voiceStatus'),
    h('dl', { class: 'figures', 'data-testid': 'voice-figures' },
      FIGURES.filter((f) => r.data[f] !== undefined).map((f) => [h('dt', null, t('vs_' + f)), h('dd', null, String(r.data[f]))])),
    setupList(r.data.setup));
}

// How the channel is configured: set by the command line or the
// configuration file, so shown here, not edited; credentials only as set
// or not.
function setupList(s) {
  if (!s) return null;
  const yes = (b) => (b ? t('yes') : t('no'));
  const rows = [
    ['setupTrunks', s.trunks.length ? s.trunks.join(', ') : t('none')],
    ['setupTrunkAuth', yes(s.trunk_authenticated)],
    ['setupOutbound', s.outbound_gateway || t('none')],
    ['setupOutboundAuth', yes(s.outbound_authenticated)],
    ['setupInboundQueue', s.inbound_queue || t('none')],
    ['setupLanguage', t('lang_' + s.language)],
    ['setupRtp', s.rtp_ports[0] + '–' + s.rtp_ports[1]]
  ];
  return [h('h3', null, t('setupTitle')), h('p', { class: 'muted' }, t('setupHelp')),
    h('dl', { class: 'figures', 'data-testid': 'voice-setup' },
      rows.map(([k, v]) => [h('dt', null, t(k)), h('dd', null, v)]))];
}

// A play button: what a caller hears, fetched as a WAV file
// (…/prompts/{prompt}/{language}/audio) into an audio player in its place.
// Spoken text needs the voice channel; a recording plays either way.
function playButton(base, p, voiceOn) {
  if (!voiceOn && p.source !== 'audio') return null;
  const name = t('prompt_' + p.prompt) + ' · ' + t('lang_' + p.language);
  const b = button(t('play'), () => {
    const audio = h('audio', { controls: '', 'data-testid': 'prompt-audio', 'aria-label': t('playNamed', { name }) });
    const failed = h('span', { class: 'field-error', role: 'alert' });
    audio.addEventListener('error', () => { failed.textContent = t('playFailed'); });
    audio.src = base + '/' + enc(p.prompt) + '/' + enc(p.language) + '/audio';
    b.replaceWith(audio, failed);
    audio.play().catch(() => {});
  }, { 'aria-label': t('playNamed', { name }), 'data-testid': 'prompt-play' });
  return b;
}

async function promptsCard(ctx, queues, voiceOn) {
  if (!queues.length) return card(t('prompts'), h('p', { class: 'muted' }, t('noVoiceQueues')));
  if (!queues.some((q) => q.id === chosen.queue)) chosen.queue = queues[0].id;
  const queue = pick(queues.map((q) => [q.id, q.name]), chosen.queue);
  queue.setAttribute('data-testid', 'prompt-queue');
  queue.addEventListener('change', () => { chosen = Object.assign({}, chosen, { queue: queue.value }); ctx.reload(); });
  const base = '/api/v1/queues/' + enc(chosen.queue) + '/prompts';
  const list = await read(base);
  if (!list) return card(t('prompts'), fieldRow(t('queue'), queue), h('p', { class: 'error', role: 'alert' }, t('loadFailed')));

  const rows = list.map((p) => h('tr', { 'data-testid': 'prompt-row', 'data-prompt': p.prompt, 'data-language': p.language, 'data-source': p.source },
    h('td', null, t('prompt_' + p.prompt)), h('td', null, t('lang_' + p.language)),
    h('td', null, t('src_' + p.source)),
    h('td', { class: 'pre' }, p.source === 'audio' ? t('recording') : p.text || ''),
    h('td', null, p.updated_at ? when(p.updated_at) : ''),
    h('td', null, button(ctx.readOnly ? t('view') : t('edit'), () => choose(p.prompt, p.language), {
      'aria-label': t(ctx.readOnly ? 'viewNamed' : 'editNamed', { name: t('prompt_' + p.prompt) + ' · ' + t('lang_' + p.language) }),
      'data-testid': 'prompt-edit'
    }), ' ', playButton(base, p, voiceOn))));
  const table = h('table', null,
    h('thead', null, h('tr', null, [t('promptCol'), t('tplLanguage'), t('sourceCol'), t('spokenText'), t('changedCol'), t('actions')].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, rows));

  const box = errorBox();
  const prompt = pick(PROMPTS.map((p) => [p, t('prompt_' + p)]), chosen.prompt);
  prompt.setAttribute('data-testid', 'prompt-pick');
  const language = pick(LANGS.map((l) => [l, t('lang_' + l)]), chosen.language);
  language.setAttribute('data-testid', 'prompt-language');
  const text = h('textarea', { rows: '3', 'data-testid': 'prompt-text' });
  const file = h('input', { type: 'file', accept: 'audio/wav,.wav', 'data-testid': 'prompt-file' });
  const state = h('p', { class: 'hint', 'data-testid': 'prompt-state' });
  const find = () => list.find((p) => p.prompt === chosen.prompt && p.language === chosen.language);
  const fill = () => {
    const p = find();
    text.value = p && p.source !== 'audio' ? p.text || '' : '';
    state.textContent = p ? t('src_long_' + p.source) : '';
    file.value = '';
    clearFieldErrors(form, box);
  };
  function choose(p, l) {
    chosen = Object.assign({}, chosen, { prompt: p, language: l });
    prompt.value = p;
    language.value = l;
    fill();
    text.focus();
  }
  for (const [el, key] of [[prompt, 'prompt'], [language, 'language']]) {
    el.addEventListener('change', () => { chosen = Object.assign({}, chosen, { [key]: el.value }); fill(); });
  }
  const path = () => base + '/' + enc(chosen.prompt) + '/' + enc(chosen.language);
  const done = async (r, said) => {
    if (!r.ok) return showFieldErrors(form, box, r);
    await ctx.reload();
    ctx.say(said);
  };
  const saveText = async () => {
    clearFieldErrors(form, box);
    done(await api('PUT', path(), { text: text.value }), t('savedPrompt'));
  };
  const upload = async () => {
    clearFieldErrors(form, box);
    const f = file.files && file.files[0];
    if (!f) return showFieldErrors(form, box, { data: { errors: [{ field: 'audio', code: 'required', message: t('chooseWav') }] } });
    done(await api('PUT', path(), f, { type: 'audio/wav' }), t('savedRecording'));
  };
  const reset = async () => {
    clearFieldErrors(form, box);
    done(await api('DELETE', path()), t('resetPrompt'));
  };
  const form = h('form', { novalidate: '', 'data-testid': 'prompt-form', submit: (ev) => { ev.preventDefault(); saveText(); } },
    h('fieldset', { class: 'plain', disabled: ctx.readOnly },
      box,
      h('div', { class: 'filters' }, fieldRow(t('promptCol'), prompt), fieldRow(t('tplLanguage'), language)),
      state,
      fieldRow(t('spokenText'), text, 'text'),
      h('p', { class: 'hint muted' }, t('promptHelp', { position: '{position}' })),
      h('div', { class: 'buttons' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'prompt-save' }, t('saveSpoken')),
        button(t('tplReset'), reset, { 'data-testid': 'prompt-reset' })),
      fieldRow(t('wavFile'), file, 'audio'),
      h('div', { class: 'buttons' }, button(t('uploadWav'), upload, { 'data-testid': 'prompt-upload' }))));
  fill();
  return card(t('prompts'), fieldRow(t('queue'), queue), table,
    h('h3', null, t('editPrompt')), form,
    h('p', { class: 'muted' }, t('noPlayback')));
}

function dialsCard(r) {
  if (!r.ok || !r.data) return card(t('dials'), h('p', { class: 'error', role: 'alert' }, r.error || t('loadFailed')));
  const items = r.data.items || [];
  return card(t('dials'), items.length
    ? h('table', null,
      h('thead', null, h('tr', null, [t('whenCol'), t('number'), t('decision'), t('reason')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, items.map((d) => h('tr', { 'data-testid': 'dial-row' },
        h('td', null, when(d.created_at)), h('td', null, d.number),
        h('td', null, d.decision === 'dialled' ? t('dialled') : t('refusedDial')),
        h('td', null, [d.rule, d.reason].filter(Boolean).join(': '))))))
    : h('p', { class: 'muted' }, t('noDials')));
}
