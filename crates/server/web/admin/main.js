// The admin center (/admin): one page, one module per screen (people,
// routing, chat, content, scheduling, voice, communications, integrations, audit), chosen by the address's #hash. Everything reads and
// writes through the public API; supervisors see the screens read-only
// (the API refuses their writes anyway). Text from the server is only
// ever set as textContent.

import { api, onUnauthorized, setCsrf } from '../lib/api.js';
import { $, h } from '../lib/dom.js';
import { browserLanguages, langParam, pickLanguage, setLanguage, t, translatePage, useTexts } from '../lib/i18n.js';
import en from '../i18n/admin.en.js';
import fr from '../i18n/admin.fr.js';
import es from '../i18n/admin.es.js';
import { showPeople } from './people.js';
import { showRouting } from './routing.js';
import { showChat } from './chat.js';
import { showContent } from './content.js';
import { showAudit } from './audit.js';
import { showCommunications } from './communications.js';
import { showIntegrations } from './integrations.js';
import { showScheduling } from './scheduling.js';
import { showVoice } from './voice.js';

useTexts({ en, fr, es });
setLanguage(pickLanguage(langParam(), ...browserLanguages()));
translatePage();
document.title = t('pageTitle');

const SCREENS = {
  people: showPeople, routing: showRouting, chat: showChat, content: showContent,
  scheduling: showScheduling, voice: showVoice, communications: showCommunications, integrations: showIntegrations, audit: showAudit
};

const ctx = {
  admin: false,
  readOnly: true,
  // A short success message in the status line.
  say(text) { $('status').textContent = text; },
  // Shows the current screen again (after a save).
  reload() { return show(false); }
};

function signedOut() {
  $('nav').hidden = true;
  $('screen').replaceChildren();
  $('signed-out').hidden = false;
}

let shown = 0;
async function show(focus) {
  const name = Object.prototype.hasOwnProperty.call(SCREENS, location.hash.slice(1)) ? location.hash.slice(1) : 'people';
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('data-section') === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const root = h('div', { 'data-screen': name, 'aria-busy': 'true' });
  const mine = ++shown;
  $('screen').replaceChildren(root);
  await SCREENS[name](root, ctx);
  if (mine !== shown) return;
  root.removeAttribute('aria-busy');
  root.setAttribute('data-ready', '');
  if (focus) {
    const title = root.querySelector('h1');
    if (title) title.focus();
  }
}

async function start() {
  onUnauthorized(signedOut);
  const r = await api('GET', '/api/v1/session');
  if (!r.ok || !r.data) return signedOut();
  const roles = Array.isArray(r.data.roles) ? r.data.roles : [];
  setCsrf(r.data.csrf_token);
  ctx.admin = roles.includes('admin');
  ctx.readOnly = !ctx.admin;
  $('who').textContent = r.data.agent ? r.data.agent.name : t('apiToken');
  if (!ctx.admin && !roles.includes('supervisor')) {
    $('signed-out').hidden = false;
    $('signed-out').querySelector('h1').textContent = t('notAllowed');
    return;
  }
  // A new action makes the last success message stale.
  const stale = () => { $('status').textContent = ''; };
  $('screen').addEventListener('submit', stale, true);
  $('screen').addEventListener('click', (ev) => { if (ev.target.closest('button')) stale(); }, true);
  $('readonly').hidden = ctx.admin;
  $('nav').hidden = false;
  window.addEventListener('hashchange', () => {
    $('status').textContent = '';
    show(true);
  });
  await show(false);
}

start();
