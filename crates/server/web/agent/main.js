/* The agent workspace, served at /agent/main.js (page: /agent, styles:
 * /agent.css). Contract: docs/workspace.md and the agent side of docs/chat.md.
 * ES modules over web/lib, no dependencies, no build step: this one starts
 * the page; each section of the workspace is a module beside it.
 *
 * Safety: everything that comes from the server (names, messages, survey
 * answers, context values, URLs, notes, case titles…) is inserted as text
 * (textContent / append(string)), never parsed as HTML; a link gets its href
 * through setAttribute only when it is an absolute http(s) URL. */

import { api, onUnauthorized } from '../lib/api.js';
import { $, h, slot } from '../lib/dom.js';
import { browserLanguages, langParam, pickLanguage, setLanguage, t, translatePage, useTexts } from '../lib/i18n.js';
import { sessions, st, toasts, ui } from './state.js';
import { sessionLost, showSignin, signIn, signOut, start } from './auth.js';
import { tickCall } from './calls.js';
import { tickToast } from './notifications.js';
import { changePresence, PRESENCES } from './presence.js';
import { initBrowse } from './search.js';
import { tabKeys } from './sessions.js';
import { setConn } from './socket.js';
import en from '../i18n/agent.en.js';
import fr from '../i18n/agent.fr.js';
import es from '../i18n/agent.es.js';

useTexts({ en, fr, es });
setLanguage(pickLanguage(langParam(), ...browserLanguages()));

// ================================================================ boot
function tick() {
  toasts.forEach(tickToast);
  sessions.forEach(tickCall);
}
async function boot() {
  translatePage();
  document.title = 'Switchboard · ' + t('title');
  // The session ended (signed out elsewhere, expired): back to the sign-in form.
  onUnauthorized(() => { if (st.signedIn) sessionLost(); });
  Object.assign(ui, {
    main: $('main'), me: $('me'), name: $('agent-name'), presence: $('presence'), conn: $('connection'),
    signout: $('signout'), signin: $('signin'), signinForm: $('signin-form'), email: $('email'),
    password: $('password'), signinSubmit: document.querySelector('[data-testid=signin-submit]'),
    signinError: $('signin-error'), workspace: $('workspace'), notice: $('notice'), toasts: $('toasts'),
    tabs: $('tabs'), panels: $('panels'), empty: $('empty')
  });
  slot(ui.empty);
  PRESENCES.forEach((p) => ui.presence.append(h('option', { value: p }, t('p_' + p))));
  ui.presence.value = '';
  ui.presence.addEventListener('change', changePresence);
  ui.signinForm.addEventListener('submit', signIn);
  ui.signout.addEventListener('click', signOut);
  ui.tabs.addEventListener('keydown', tabKeys);
  initBrowse();
  setConn('offline');
  setInterval(tick, 1000);
  const r = await api('GET', '/api/v1/session');
  if (r.ok && r.data && r.data.agent) start(r.data);
  else showSignin(r.ok && r.data && !r.data.agent ? t('notAgent') : '');
}
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
else boot();
