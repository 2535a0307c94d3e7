// The home page: sign-in, then the places this person's roles open.
// Everything the server sends is shown with textContent, never as HTML.

const TEXT = {
  en: {
    lead: 'Self-hosted omnichannel contact center.',
    signIn: 'Sign in', email: 'Email', password: 'Password', signInButton: 'Sign in',
    signedInAs: 'Signed in as', roles: 'Roles:', signOut: 'Sign out',
    wrong: 'Wrong email or password.', failed: 'Sign-in failed.', tooMany: 'Too many attempts: try again in a few minutes.',
    apiToken: 'API token', forEveryone: 'For customers', bookLink: 'Book a meeting with an advisor',
    forIntegrators: 'For integrators', apiLink: 'API reference (OpenAPI 3)',
    workspace: 'Open the agent workspace', outbox: 'Meeting messages (outbox, JSON)', voice: 'Voice status (JSON)',
    role_admin: 'admin', role_supervisor: 'supervisor', role_agent: 'agent',
  },
  fr: {
    lead: 'Centre de contact omnicanal auto-hébergé.',
    signIn: 'Connexion', email: 'E-mail', password: 'Mot de passe', signInButton: 'Se connecter',
    signedInAs: 'Connecté en tant que', roles: 'Rôles :', signOut: 'Se déconnecter',
    wrong: 'E-mail ou mot de passe incorrect.', failed: 'La connexion a échoué.', tooMany: 'Trop de tentatives : réessayez dans quelques minutes.',
    apiToken: 'Jeton d’API', forEveryone: 'Pour les clients', bookLink: 'Prendre rendez-vous avec un conseiller',
    forIntegrators: 'Pour les intégrateurs', apiLink: 'Référence de l’API (OpenAPI 3)',
    workspace: 'Ouvrir l’espace de travail agent', outbox: 'Messages des rendez-vous (boîte d’envoi, JSON)', voice: 'État de la voix (JSON)',
    role_admin: 'administrateur', role_supervisor: 'superviseur', role_agent: 'agent',
  },
  es: {
    lead: 'Centro de contacto omnicanal autoalojado.',
    signIn: 'Iniciar sesión', email: 'Correo electrónico', password: 'Contraseña', signInButton: 'Iniciar sesión',
    signedInAs: 'Sesión iniciada como', roles: 'Roles:', signOut: 'Cerrar sesión',
    wrong: 'Correo electrónico o contraseña incorrectos.', failed: 'No se pudo iniciar sesión.', tooMany: 'Demasiados intentos: vuelva a intentarlo en unos minutos.',
    apiToken: 'Token de API', forEveryone: 'Para clientes', bookLink: 'Reservar una cita con un asesor',
    forIntegrators: 'Para integradores', apiLink: 'Referencia de la API (OpenAPI 3)',
    workspace: 'Abrir el espacio de trabajo del agente', outbox: 'Mensajes de las citas (bandeja de salida, JSON)', voice: 'Estado de la voz (JSON)',
    role_admin: 'administrador', role_supervisor: 'supervisor', role_agent: 'agente',
  },
};

const supported = (tag) => {
  const l = String(tag || '').toLowerCase().split('-')[0];
  return Object.prototype.hasOwnProperty.call(TEXT, l) ? l : null;
};
const lang = (navigator.languages || []).concat(navigator.language).map(supported).find(Boolean) || 'en';
const t = (key) => TEXT[lang][key] || TEXT.en[key] || key;
const $ = (id) => document.getElementById(id);
let csrf = null;

document.documentElement.lang = lang;
document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });

function link(href, text) {
  const li = document.createElement('li');
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  li.append(a);
  return li;
}

function show(info, focus) {
  csrf = info.csrf_token;
  $('who').textContent = info.agent ? `${info.agent.name} <${info.agent.email}>` : t('apiToken');
  $('roles').textContent = info.roles.map((r) => t('role_' + r)).join(', ');
  const places = [];
  if (info.agent) places.push(link('/agent', t('workspace')));
  if (info.roles.includes('admin')) {
    places.push(link('/api/v1/communications/outbox', t('outbox')));
    places.push(link('/api/v1/voice/status', t('voice')));
  }
  $('places').replaceChildren(...places);
  $('signin').hidden = true;
  $('me').hidden = false;
  // After signing in, focus goes where the page changed, not back to <body>.
  if (focus) $('me-title').focus();
}

async function refresh() {
  const r = await fetch('/api/v1/session', { credentials: 'same-origin' });
  if (r.ok) show(await r.json(), false);
}

$('form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('status').textContent = '';
  $('status').className = '';
  const r = await fetch('/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: $('email').value, password: $('password').value }),
  });
  if (r.ok) {
    $('password').value = '';
    show(await r.json(), true);
  } else {
    const p = await r.json().catch(() => ({}));
    $('status').className = 'error';
    $('status').textContent = r.status === 401 ? t('wrong') : r.status === 429 ? t('tooMany') : (p.detail || t('failed'));
    $('email').focus();
  }
});

$('signout').addEventListener('click', async () => {
  await fetch('/api/v1/session', { method: 'DELETE', headers: { 'x-csrf-token': csrf || '' } });
  $('me').hidden = true;
  $('signin').hidden = false;
  $('email').focus();
});

refresh();
