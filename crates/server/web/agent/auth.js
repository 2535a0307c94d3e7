// Signing in and out, and what the page forgets when the session ends.

import { api, setCsrf } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { sessions, st, toasts, ui } from './state.js';
import { removeToast } from './notifications.js';
import { showPresence } from './presence.js';
import { closeSearch } from './search.js';
import { closeSession, renderEmpty } from './sessions.js';
import { closeSocket, openSocket, setConn } from './socket.js';

// ============================================================ sign in
export function showSignin(message) {
  ui.me.hidden = true;
  ui.workspace.hidden = true;
  ui.signin.hidden = false;
  ui.signinError.textContent = message || '';
}
export function start(info) {
  if (!info || !info.agent) {
    showSignin(t('notAgent'));
    return;
  }
  if (info.csrf_token) setCsrf(info.csrf_token);
  st.me = info.agent;
  st.signedIn = true;
  ui.name.textContent = str(st.me.name);
  ui.signin.hidden = true;
  ui.signinError.textContent = '';
  ui.me.hidden = false;
  ui.workspace.hidden = false;
  renderEmpty();
  api('GET', '/api/v1/me/presence').then((r) => { if (r.ok && r.data) showPresence(r.data.status); });
  openSocket();
}
// Forget everything held in the page (signed out, or the session ended).
function teardown() {
  st.signedIn = false;
  setCsrf(null);
  st.me = null;
  closeSocket();
  for (const id of Array.from(toasts.keys())) removeToast(id);
  for (const id of Array.from(sessions.keys())) closeSession(id);
  if (ui.search) { closeSearch(); ui.search.value = ''; } // browsing
  setConn('offline');
}
export function sessionLost() {
  teardown();
  showSignin(t('expired'));
}
export async function signIn(e) {
  e.preventDefault();
  ui.signinError.textContent = '';
  const email = ui.email.value.trim();
  const password = ui.password.value;
  if (!email || !password) {
    (email ? ui.password : ui.email).focus();
    return;
  }
  ui.signinSubmit.disabled = true;
  const r = await api('POST', '/api/v1/session', { email, password });
  ui.signinSubmit.disabled = false;
  if (r.ok) {
    ui.password.value = '';
    start(r.data);
    // The form just vanished: focus the first thing an agent does here.
    if (st.signedIn) ui.presence.focus();
  } else {
    ui.signinError.textContent = r.status === 401 ? t('badLogin') : r.error || t('signinFailed');
    ui.password.focus();
  }
}
export async function signOut() {
  ui.signout.disabled = true;
  await api('DELETE', '/api/v1/session');
  ui.signout.disabled = false;
  teardown();
  showSignin('');
  ui.email.focus();
}
