// The home page: sign-in, then the places this person's roles open.
// Everything the server sends is shown with textContent, never as HTML.

import { api, setCsrf } from './lib/api.js';
import { $, h } from './lib/dom.js';
import { browserLanguages, pickLanguage, setLanguage, t, translatePage, useTexts } from './lib/i18n.js';
import en from './i18n/home.en.js';
import fr from './i18n/home.fr.js';
import es from './i18n/home.es.js';

useTexts({ en, fr, es });
setLanguage(pickLanguage(...browserLanguages()));
translatePage();

const link = (href, text) => h('li', null, h('a', { href }, text));

function show(info, focus) {
  setCsrf(info.csrf_token);
  $('who').textContent = info.agent ? `${info.agent.name} <${info.agent.email}>` : t('apiToken');
  $('roles').textContent = info.roles.map((r) => t('role_' + r)).join(', ');
  const places = [];
  const admin = info.roles.includes('admin');
  if (admin) places.push(link('/admin', t('adminCenter')));
  else if (info.roles.includes('supervisor')) places.push(link('/admin', t('adminReadOnly')));
  if (admin || info.roles.includes('supervisor')) places.push(link('/supervisor', t('supervisor')));
  if (info.agent) places.push(link('/agent', t('workspace')));
  if (admin) {
    places.push(link('/api/v1/communications/outbox', t('outbox')));
    places.push(link('/api/v1/voice/status', t('voice')));
  }
  $('places').replaceChildren(...places);
  $('signin').hidden = true;
  $('me').hidden = false;
  // Admins who just signed in go on to the admin center (the link above
  // stays for when they come back); others stay here, focus where the page
  // changed, not back on <body>.
  if (focus && admin && info.agent) location.assign('/admin');
  else if (focus) $('me-title').focus();
}

async function refresh() {
  const r = await api('GET', '/api/v1/session');
  if (r.ok) show(r.data, false);
}

$('form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('status').textContent = '';
  $('status').className = '';
  const r = await api('POST', '/api/v1/session', { email: $('email').value, password: $('password').value });
  if (r.ok) {
    $('password').value = '';
    show(r.data, true);
  } else {
    const p = r.data && typeof r.data === 'object' ? r.data : {};
    $('status').className = 'error';
    $('status').textContent = r.status === 401 ? t('wrong') : r.status === 429 ? t('tooMany') : (p.detail || t('failed'));
    $('email').focus();
  }
});

$('signout').addEventListener('click', async () => {
  await api('DELETE', '/api/v1/session');
  setCsrf(null);
  $('me').hidden = true;
  $('signin').hidden = false;
  $('email').focus();
});

refresh();
