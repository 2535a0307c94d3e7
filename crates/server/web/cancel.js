/* Switchboard meeting cancel page, served at /cancel.js (page:
 * /meetings/{id}/cancel?token=TOKEN, styles: /booking.css). Public API:
 * GET /public/v1/meetings/{id}?token= and POST /public/v1/meetings/{id}/cancel?token=.
 * Plain JavaScript, no dependencies, no build step.
 *
 * Safety: every value that comes from the server is inserted as text
 * (textContent / append(string)), never parsed as HTML; a link gets its href
 * through setAttribute only once the URL is checked to be http(s). */
(() => {
  'use strict';

  // ================================================================ texts
  const I18N = {
    en: {
      pageTitle: 'Your meeting', skip: 'Skip to content', loading: 'Loading…', details: 'Meeting details', topic: 'Topic',
      when: 'Date and time', type: 'Meeting type', branch: 'Branch', joinLink: 'Join link', join: 'Join the meeting',
      advisors: 'With', state: 'Status', instructions: 'Before your meeting', t_in_person: 'In person', t_online: 'Online',
      t_phone: 'By phone', st_scheduled: 'Scheduled', st_cancelled: 'Cancelled', st_completed: 'Completed',
      cancelTitle: 'Cancel the meeting', cancel: 'Cancel this meeting', confirmQ: 'Are you sure you want to cancel this meeting?',
      confirm: 'Yes, cancel it', keep: 'Keep it', cancelling: 'Cancelling…', kept: 'Your meeting is still booked.',
      cancelled: 'Your meeting is cancelled', cancelledHint: 'You can book a new meeting at any time.', bookAgain: 'Book a new meeting',
      tooLate: 'This meeting can no longer be cancelled.', invalid: 'This link is not valid.',
      notCancelled: 'The meeting could not be cancelled.', failed: 'Something went wrong',
      netError: 'Network error. Please check your connection and try again.', yourTime: '{time} your time ({tz})',
      st_pending: 'Awaiting your confirmation', st_expired: 'Expired', confirmTitle: 'Confirm your meeting',
      confirmHint: 'This meeting was requested on our booking page with your email address. Confirm it to book it; if you did not ask for it, close this page and nothing will be booked.',
      confirmButton: 'Confirm this meeting', confirming: 'Confirming…', booked: 'Your meeting is booked',
      bookedHint: 'Your confirmation is on its way by email, with the link to cancel.', calendar: 'Add to calendar (.ics)',
      cancelLink: 'Cancel this meeting', expired: 'This request was not confirmed in time and the time was released. You can book again.'
    },
    fr: {
      pageTitle: 'Votre rendez-vous', skip: 'Aller au contenu', loading: 'Chargement…', details: 'Détails du rendez-vous', topic: 'Sujet',
      when: 'Date et heure', type: 'Type de rendez-vous', branch: 'Agence', joinLink: 'Lien de connexion', join: 'Rejoindre le rendez-vous',
      advisors: 'Avec', state: 'Statut', instructions: 'Avant votre rendez-vous', t_in_person: 'En personne', t_online: 'En ligne',
      t_phone: 'Par téléphone', st_scheduled: 'Planifié', st_cancelled: 'Annulé', st_completed: 'Terminé',
      cancelTitle: 'Annuler le rendez-vous', cancel: 'Annuler ce rendez-vous',
      confirmQ: 'Voulez-vous vraiment annuler ce rendez-vous\u00a0?', confirm: 'Oui, l’annuler', keep: 'Le conserver',
      cancelling: 'Annulation en cours…', kept: 'Votre rendez-vous est maintenu.', cancelled: 'Votre rendez-vous est annulé',
      cancelledHint: 'Vous pouvez prendre un nouveau rendez-vous à tout moment.', bookAgain: 'Prendre un nouveau rendez-vous',
      tooLate: 'Ce rendez-vous ne peut plus être annulé.', invalid: 'Ce lien n’est pas valide.',
      notCancelled: 'Le rendez-vous n’a pas pu être annulé.', failed: 'Une erreur est survenue',
      netError: 'Erreur réseau. Vérifiez votre connexion et réessayez.', yourTime: '{time} chez vous ({tz})',
      st_pending: 'En attente de votre confirmation', st_expired: 'Expiré', confirmTitle: 'Confirmez votre rendez-vous',
      confirmHint: 'Ce rendez-vous a été demandé sur notre page de réservation avec votre adresse e-mail. Confirmez-le pour le réserver\u00a0; si vous ne l’avez pas demandé, fermez cette page et rien ne sera réservé.',
      confirmButton: 'Confirmer ce rendez-vous', confirming: 'Confirmation en cours…', booked: 'Votre rendez-vous est réservé',
      bookedHint: 'La confirmation vous est envoyée par e-mail, avec le lien d’annulation.', calendar: 'Ajouter à mon agenda (.ics)',
      cancelLink: 'Annuler ce rendez-vous', expired: 'Cette demande n’a pas été confirmée à temps et l’horaire a été libéré. Vous pouvez réserver à nouveau.'
    },
    es: {
      pageTitle: 'Su cita', skip: 'Ir al contenido', loading: 'Cargando…', details: 'Detalles de la cita', topic: 'Tema',
      when: 'Fecha y hora', type: 'Tipo de cita', branch: 'Sucursal', joinLink: 'Enlace para unirse', join: 'Unirse a la cita',
      advisors: 'Con', state: 'Estado', instructions: 'Antes de su cita', t_in_person: 'En persona', t_online: 'En línea',
      t_phone: 'Por teléfono', st_scheduled: 'Programada', st_cancelled: 'Cancelada', st_completed: 'Completada',
      cancelTitle: 'Cancelar la cita', cancel: 'Cancelar esta cita', confirmQ: '¿Seguro que desea cancelar esta cita?',
      confirm: 'Sí, cancelarla', keep: 'Mantenerla', cancelling: 'Cancelando…', kept: 'Su cita sigue reservada.',
      cancelled: 'Su cita está cancelada', cancelledHint: 'Puede reservar una nueva cita cuando lo desee.', bookAgain: 'Reservar una nueva cita',
      tooLate: 'Esta cita ya no se puede cancelar.', invalid: 'Este enlace no es válido.',
      notCancelled: 'No se pudo cancelar la cita.', failed: 'Algo salió mal',
      netError: 'Error de red. Compruebe su conexión e inténtelo de nuevo.', yourTime: '{time} en su zona ({tz})',
      st_pending: 'Pendiente de su confirmación', st_expired: 'Caducada', confirmTitle: 'Confirme su cita',
      confirmHint: 'Esta cita se solicitó en nuestra página de reservas con su dirección de correo electrónico. Confírmela para reservarla; si usted no la ha solicitado, cierre esta página y no se reservará nada.',
      confirmButton: 'Confirmar esta cita', confirming: 'Confirmando…', booked: 'Su cita está reservada',
      bookedHint: 'Le enviamos la confirmación por correo electrónico, con el enlace para cancelar.', calendar: 'Añadir al calendario (.ics)',
      cancelLink: 'Cancelar esta cita', expired: 'Esta solicitud no se confirmó a tiempo y el horario quedó libre. Puede reservar de nuevo.'
    }
  };
  const params = new URLSearchParams(location.search);
  const supported = (l) => {
    l = String(l || '').toLowerCase().split(/[-_]/)[0];
    return Object.prototype.hasOwnProperty.call(I18N, l) ? l : null;
  };
  const langParam = supported(params.get('lang'));
  // ?lang=, else (once the meeting is read) the meeting's, else the browser's.
  let lang = langParam || supported(navigator.language) || 'en';
  const browserTz = (() => {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch (e) { return 'UTC'; }
  })();
  // A topic's text in the page's language, else its own.
  function loc(tp, field) {
    const tr = tp && tp.translations && typeof tp.translations === 'object' ? tp.translations[lang] : null;
    const v = tr && typeof tr === 'object' ? tr[field] : null;
    return str(typeof v === 'string' && v.trim() ? v : tp && tp[field]);
  }
  function t(key, vars) {
    const s = I18N[lang][key] || I18N.en[key] || key;
    return s.replace(/\{(\w+)\}/g, (_, k) => (vars && vars[k] != null ? String(vars[k]) : ''));
  }
  const label = (prefix, v) => (I18N.en[prefix + v] ? t(prefix + v) : str(v));

  // ============================================================= helpers
  function str(v) {
    if (v == null) return '';
    return typeof v === 'object' ? Object.values(v).map(str).filter(Boolean).join(', ') : String(v);
  }
  // An absolute http(s) URL, or null.
  function safeUrl(u) {
    if (typeof u !== 'string' || !/^https?:\/\//i.test(u.trim())) return null;
    try {
      const url = new URL(u.trim());
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) { return null; }
  }
  function fmt(at, tz) {
    const d = new Date(at);
    if (!at || isNaN(d)) return '';
    const opts = { dateStyle: 'full', timeStyle: 'short' };
    try { return new Intl.DateTimeFormat(lang, Object.assign({ timeZone: tz || undefined }, opts)).format(d); } catch (e) {
      return new Intl.DateTimeFormat(lang, opts).format(d); // unknown time zone
    }
  }

  // ============================================================= network
  async function api(method, path) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json, application/problem+json' } };
    if (method === 'POST') {
      init.headers['Content-Type'] = 'application/json';
      init.body = '{}';
    }
    let r;
    try { r = await fetch(path, init); } catch (e) { return { ok: false, status: 0, data: null }; }
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    return { ok: r.ok && !!data && typeof data === 'object', status: r.status, data };
  }
  // The error area: our own text, or the problem's detail, plus "field: message" lines.
  function showError(text, r) {
    const d = r && r.data && typeof r.data === 'object' ? r.data : {};
    if (!text && r) text = r.status === 0 ? t('netError') : str(d.detail || d.title) || t('failed') + ' (HTTP ' + r.status + ')';
    ui.error.textContent = '';
    if (text) {
      const p = document.createElement('p');
      p.textContent = text;
      ui.error.append(p);
    }
    const errs = Array.isArray(d.errors) ? d.errors : [];
    if (errs.length) {
      const ul = document.createElement('ul');
      for (const e of errs) {
        const li = document.createElement('li');
        li.textContent = [str(e && e.field), str(e && (e.message || e.code))].filter(Boolean).join(': ');
        ul.append(li);
      }
      ui.error.append(ul);
    }
  }

  // ================================================================ page
  const ui = {}; // every element with an id, by camelCased id (confirm-cancel → confirmCancel)
  // /meetings/{id}/cancel (the cancel link) or /meetings/{id}/confirm (the
  // link that confirms a booking from the booking page, sent by email).
  const match = location.pathname.match(/^\/meetings\/([^/]+)\/(cancel|confirm)\/?$/);
  const confirmMode = !!match && match[2] === 'confirm';
  let id = null;
  try { id = match ? decodeURIComponent(match[1]) : null; } catch (e) { id = null; }
  const token = params.get('token');
  const path = (suffix) => '/public/v1/meetings/' + encodeURIComponent(id) + suffix + '?token=' + encodeURIComponent(token);

  function render(m) {
    ui.meeting.hidden = false;
    if (!langParam && supported(m.language) && supported(m.language) !== lang) {
      lang = supported(m.language);
      texts();
    }
    ui.topic.textContent = loc(m.topic, 'name');
    const zone = str(m.time_zone) || browserTz;
    const here = fmt(m.start, zone), mine = fmt(m.start, browserTz);
    ui.when.textContent = here;
    ui.timeZone.textContent = '(' + zone + ')';
    ui.yourTime.textContent = mine && mine !== here ? t('yourTime', { time: mine, tz: browserTz }) : '';
    ui.yourTime.hidden = !ui.yourTime.textContent;
    ui.type.textContent = label('t_', m.meeting_type);
    const b = m.branch;
    ui.branch.textContent = '';
    if (b) {
      const name = document.createElement('strong');
      name.textContent = str(b.name);
      ui.branch.append(name);
      if (b.address) ui.branch.append(document.createElement('br'), str(b.address));
    }
    ui.branchRow.hidden = !b;
    ui.join.textContent = '';
    const href = safeUrl(m.join_url);
    if (href) {
      const a = document.createElement('a');
      a.textContent = t('join');
      a.setAttribute('href', href);
      a.setAttribute('target', '_blank');
      a.setAttribute('rel', 'noopener');
      a.setAttribute('referrerpolicy', 'no-referrer'); // this page's address holds the token
      ui.join.append(a);
    }
    ui.joinRow.hidden = !href;
    const advisors = (Array.isArray(m.advisors) ? m.advisors : []).map((a) => str(a && a.name)).filter(Boolean);
    ui.advisors.textContent = advisors.join(', ');
    ui.advisorsRow.hidden = !advisors.length;
    ui.state.textContent = label('st_', m.state);
    ui.state.setAttribute('data-state', str(m.state));
    ui.instructions.textContent = m.state === 'scheduled' ? loc(m.topic, 'instructions') : '';
    ui.instructionsBox.hidden = !ui.instructions.textContent;

    const start = new Date(m.start);
    const past = !isNaN(start) && start.getTime() <= Date.now();
    const waiting = m.state === 'pending' || m.state === 'expired';
    ui.actions.hidden = confirmMode || !(m.state === 'scheduled' && !past);
    ui.cancel.hidden = false;
    ui.confirmBox.hidden = true;
    ui.cancelled.hidden = m.state !== 'cancelled';
    ui.tooLate.hidden = confirmMode || waiting || m.state === 'cancelled' || (m.state === 'scheduled' && !past);
    ui.confirmBooking.hidden = !(confirmMode && m.state === 'pending');
    ui.expired.hidden = m.state !== 'expired';
    // Confirmed: the cancel and calendar links, now that the address is proven.
    const cancelHref = confirmMode && m.state === 'scheduled' ? safeUrl(m.cancel_url) : null;
    ui.booked.hidden = !cancelHref;
    if (cancelHref) ui.bookedCancelLink.setAttribute('href', cancelHref);
    const ics = cancelHref ? safeUrl(m.calendar_url) : null;
    if (ics) ui.bookedCalendarLink.setAttribute('href', ics);
    ui.bookedCalendar.hidden = !ics;
  }

  async function doConfirm() {
    ui.error.textContent = '';
    ui.confirmBookingButton.disabled = true;
    ui.status.textContent = t('confirming');
    const r = await api('POST', path('/confirm'));
    ui.confirmBookingButton.disabled = false;
    ui.status.textContent = '';
    if (r.ok) {
      render(r.data);
      if (!ui.booked.hidden) ui.hBooked.focus();
      return;
    }
    if (r.status === 409) {
      render(Object.assign({}, last, { state: 'expired' }));
      return ui.expired.focus();
    }
    showError(r.status === 404 ? t('invalid') : null, r.status === 404 ? null : r);
  }
  let last = null;

  function askConfirm() {
    ui.error.textContent = '';
    ui.status.textContent = '';
    ui.cancel.hidden = true;
    ui.confirmBox.hidden = false;
    ui.confirmQuestion.focus();
  }
  function keep() {
    ui.confirmBox.hidden = true;
    ui.cancel.hidden = false;
    ui.status.textContent = t('kept');
    ui.cancel.focus();
  }
  async function doCancel() {
    ui.error.textContent = '';
    ui.confirmCancel.disabled = ui.keep.disabled = true;
    ui.status.textContent = t('cancelling');
    const r = await api('POST', path('/cancel'));
    ui.confirmCancel.disabled = ui.keep.disabled = false;
    ui.status.textContent = '';
    if (r.ok) {
      render(r.data);
      if (r.data.state === 'cancelled') return ui.hCancelled.focus();
      showError(t('notCancelled'));
      return;
    }
    showError(r.status === 404 ? t('invalid') : null, r.status === 404 ? null : r);
    ui.confirmBox.hidden = true;
    ui.cancel.hidden = false;
    ui.cancel.focus();
  }

  function texts() {
    document.documentElement.lang = lang;
    document.title = t('pageTitle') + ' · Switchboard';
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.getAttribute('data-i18n'));
    if (ui.bookAgain) ui.bookAgain.setAttribute('href', '/book?lang=' + lang);
    if (ui.expiredBook) ui.expiredBook.setAttribute('href', '/book?lang=' + lang);
  }
  async function init() {
    for (const el of document.querySelectorAll('[id]')) ui[el.id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = el;
    texts();
    ui.cancel.addEventListener('click', askConfirm);
    ui.keep.addEventListener('click', keep);
    ui.confirmCancel.addEventListener('click', doCancel);
    ui.confirmBookingButton.addEventListener('click', doConfirm);
    if (!id || !token) return showError(t('invalid'));
    ui.status.textContent = t('loading');
    const r = await api('GET', path(''));
    ui.status.textContent = '';
    if (r.ok) { last = r.data; return render(r.data); }
    if (r.status === 404 || r.status === 403 || r.status === 401) return showError(t('invalid'));
    showError(null, r);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
