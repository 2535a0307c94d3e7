/* Switchboard self-service booking, served at /book.js (page: /book, styles:
 * /booking.css). Public API: /public/v1/scheduling/{properties,slots} and
 * POST /public/v1/meetings. Plain JavaScript, no dependencies, no build step.
 *
 * Safety: every value that comes from the server is inserted as text
 * (textContent / append(string)), never parsed as HTML; a link gets its href
 * through setAttribute only once the URL is checked to be http(s). */
(() => {
  'use strict';

  // ================================================================ texts
  const I18N = {
    en: {
      pageTitle: 'Book a meeting', skip: 'Skip to content', progress: 'Progress', back: 'Back', s1: 'Topic', s2: 'Meeting type', s3: 'Time',
      s4: 'Your details', s5: 'Done', chooseTopic: 'What would you like to talk about?', noTopics: 'No topics can be booked online right now.',
      minutes: '{n} min', chooseType: 'How would you like to meet?', chooseBranch: 'Choose a branch',
      noTypes: 'This topic cannot be booked online right now.', noBranches: 'No branch is available for an in-person meeting.',
      t_in_person: 'In person', t_online: 'Online', t_phone: 'By phone', chooseTime: 'Pick a time',
      tzNote: 'Times are shown in your time zone ({tz}).', prevWeek: 'Previous week', nextWeek: 'Next week', moreSlots: 'More times',
      noSlots: 'No free times this week.', review: 'Check and confirm', topic: 'Topic', duration: 'Duration', when: 'Date and time',
      type: 'Meeting type', branch: 'Branch', joinLink: 'Join link', join: 'Join the meeting', advisors: 'With', instructions: 'Before your meeting',
      yourDetails: 'Your details', required: 'Fields marked * are required.', firstName: 'First name', lastName: 'Last name', email: 'Email',
      phone: 'Phone', phoneHint: 'Optional. International format, for example +33612345678.', notes: 'Anything you would like us to know?',
      notesHint: 'Optional. Up to 2,000 characters.', book: 'Book', booking: 'Booking…', needFirst: 'Please enter your first name.',
      needLast: 'Please enter your last name.', needEmail: 'Please enter your email address.', badEmail: 'Please enter a valid email address.',
      badPhone: 'Please enter the phone number in international format, for example +33612345678.',
      longNotes: 'Please keep your message under 2,000 characters.', checkForm: 'Please check the highlighted fields.',
      taken: 'Sorry, that time has just been taken. Please pick another one.', booked: 'Your meeting is booked', cancelHint: 'Can’t make it?',
      cancelLink: 'Cancel this meeting', again: 'Book another meeting', loading: 'Loading…', failed: 'Something went wrong',
      netError: 'Network error. Please check your connection and try again.',
      tzBranch: 'Times are shown in the branch’s local time ({tz}).', tzMine: 'Your time zone: {tz}.', timeZone: 'Time zone',
      yourTime: '{time} your time ({tz})', calendar: 'Add to calendar (.ics)',
      pending: 'Check your email to confirm', checkEmail: 'We have sent a link to {email}. Open it within 30 minutes to confirm the meeting; until then the time is held for you. Your confirmation and the link to cancel will follow by email.',
      tooMany: 'Too many bookings have been requested for this today. Please try again tomorrow.'
    },
    fr: {
      pageTitle: 'Prendre rendez-vous', skip: 'Aller au contenu', progress: 'Progression', back: 'Retour', s1: 'Sujet', s2: 'Type de rendez-vous',
      s3: 'Horaire', s4: 'Vos coordonnées', s5: 'Confirmation', chooseTopic: 'À quel sujet souhaitez-vous échanger\u00a0?',
      noTopics: 'Aucun sujet ne peut être réservé en ligne pour le moment.', minutes: '{n}\u00a0min',
      chooseType: 'Comment souhaitez-vous nous rencontrer\u00a0?', chooseBranch: 'Choisissez une agence',
      noTypes: 'Ce sujet ne peut pas être réservé en ligne pour le moment.',
      noBranches: 'Aucune agence n’est disponible pour un rendez-vous en personne.', t_in_person: 'En personne', t_online: 'En ligne',
      t_phone: 'Par téléphone', chooseTime: 'Choisissez un horaire', tzNote: 'Les horaires sont affichés dans votre fuseau horaire ({tz}).',
      prevWeek: 'Semaine précédente', nextWeek: 'Semaine suivante', moreSlots: 'Plus d’horaires', noSlots: 'Aucun horaire disponible cette semaine.',
      review: 'Vérifiez et confirmez', topic: 'Sujet', duration: 'Durée', when: 'Date et heure', type: 'Type de rendez-vous', branch: 'Agence',
      joinLink: 'Lien de connexion', join: 'Rejoindre le rendez-vous', advisors: 'Avec', instructions: 'Avant votre rendez-vous',
      yourDetails: 'Vos coordonnées', required: 'Les champs marqués d’un * sont obligatoires.', firstName: 'Prénom', lastName: 'Nom',
      email: 'E-mail', phone: 'Téléphone', phoneHint: 'Facultatif. Format international, par exemple +33612345678.',
      notes: 'Souhaitez-vous nous préciser quelque chose\u00a0?', notesHint: 'Facultatif. 2\u00a0000\u00a0caractères au maximum.', book: 'Réserver',
      booking: 'Réservation en cours…', needFirst: 'Veuillez saisir votre prénom.', needLast: 'Veuillez saisir votre nom.',
      needEmail: 'Veuillez saisir votre adresse e-mail.', badEmail: 'Veuillez saisir une adresse e-mail valide.',
      badPhone: 'Veuillez saisir le numéro au format international, par exemple +33612345678.',
      longNotes: 'Votre message ne doit pas dépasser 2\u00a0000\u00a0caractères.', checkForm: 'Veuillez corriger les champs signalés.',
      taken: 'Désolé, cet horaire vient d’être réservé. Veuillez en choisir un autre.', booked: 'Votre rendez-vous est réservé',
      cancelHint: 'Vous avez un empêchement\u00a0?', cancelLink: 'Annuler ce rendez-vous', again: 'Prendre un autre rendez-vous',
      loading: 'Chargement…', failed: 'Une erreur est survenue', netError: 'Erreur réseau. Vérifiez votre connexion et réessayez.',
      tzBranch: 'Les horaires sont indiqués à l’heure locale de l’agence ({tz}).', tzMine: 'Votre fuseau horaire\u00a0: {tz}.',
      timeZone: 'Fuseau horaire', yourTime: '{time} chez vous ({tz})', calendar: 'Ajouter à mon agenda (.ics)',
      pending: 'Confirmez depuis votre messagerie', checkEmail: 'Nous avons envoyé un lien à {email}. Ouvrez-le dans les 30\u00a0minutes pour confirmer le rendez-vous\u00a0; d’ici là, l’horaire vous est réservé. La confirmation et le lien d’annulation suivront par e-mail.',
      tooMany: 'Trop de rendez-vous ont été demandés aujourd’hui pour ces coordonnées. Veuillez réessayer demain.'
    },
    es: {
      pageTitle: 'Reservar una cita', skip: 'Ir al contenido', progress: 'Progreso', back: 'Atrás', s1: 'Tema', s2: 'Tipo de cita', s3: 'Horario',
      s4: 'Sus datos', s5: 'Confirmación', chooseTopic: '¿Sobre qué desea hablar?',
      noTopics: 'Ahora mismo no se puede reservar ningún tema en línea.', minutes: '{n} min', chooseType: '¿Cómo prefiere reunirse con nosotros?',
      chooseBranch: 'Elija una sucursal', noTypes: 'Ahora mismo este tema no se puede reservar en línea.',
      noBranches: 'No hay ninguna sucursal disponible para una cita en persona.', t_in_person: 'En persona', t_online: 'En línea',
      t_phone: 'Por teléfono', chooseTime: 'Elija un horario', tzNote: 'Los horarios se muestran en su zona horaria ({tz}).',
      prevWeek: 'Semana anterior', nextWeek: 'Semana siguiente', moreSlots: 'Más horarios', noSlots: 'No hay horarios disponibles esta semana.',
      review: 'Revise y confirme', topic: 'Tema', duration: 'Duración', when: 'Fecha y hora', type: 'Tipo de cita', branch: 'Sucursal',
      joinLink: 'Enlace para unirse', join: 'Unirse a la cita', advisors: 'Con', instructions: 'Antes de su cita', yourDetails: 'Sus datos',
      required: 'Los campos marcados con * son obligatorios.', firstName: 'Nombre', lastName: 'Apellidos', email: 'Correo electrónico',
      phone: 'Teléfono', phoneHint: 'Opcional. Formato internacional, por ejemplo +34612345678.', notes: '¿Desea contarnos algo más?',
      notesHint: 'Opcional. Hasta 2000 caracteres.', book: 'Reservar', booking: 'Reservando…', needFirst: 'Introduzca su nombre.',
      needLast: 'Introduzca sus apellidos.', needEmail: 'Introduzca su correo electrónico.', badEmail: 'Introduzca un correo electrónico válido.',
      badPhone: 'Introduzca el número en formato internacional, por ejemplo +34612345678.',
      longNotes: 'El mensaje no puede superar los 2000 caracteres.', checkForm: 'Revise los campos marcados.',
      taken: 'Lo sentimos, ese horario acaba de reservarse. Elija otro.', booked: 'Su cita está reservada', cancelHint: '¿No puede asistir?',
      cancelLink: 'Cancelar esta cita', again: 'Reservar otra cita', loading: 'Cargando…', failed: 'Algo salió mal',
      netError: 'Error de red. Compruebe su conexión e inténtelo de nuevo.',
      tzBranch: 'Los horarios se indican en la hora local de la sucursal ({tz}).', tzMine: 'Su zona horaria: {tz}.', timeZone: 'Zona horaria',
      yourTime: '{time} en su zona ({tz})', calendar: 'Añadir al calendario (.ics)',
      pending: 'Confirme desde su correo electrónico', checkEmail: 'Le hemos enviado un enlace a {email}. Ábralo en los próximos 30 minutos para confirmar la cita; mientras tanto, el horario queda reservado para usted. La confirmación y el enlace para cancelar le llegarán por correo electrónico.',
      tooMany: 'Se han solicitado demasiadas citas hoy para estos datos. Inténtelo de nuevo mañana.'
    }
  };
  const supported = (l) => {
    l = String(l || '').toLowerCase().split(/[-_]/)[0];
    return Object.prototype.hasOwnProperty.call(I18N, l) ? l : null;
  };
  const lang = supported(new URLSearchParams(location.search).get('lang')) || supported(navigator.language) || 'en';
  function t(key, vars) {
    const s = I18N[lang][key] || I18N.en[key] || key;
    return s.replace(/\{(\w+)\}/g, (_, k) => (vars && vars[k] != null ? String(vars[k]) : ''));
  }
  const typeLabel = (ty) => (I18N.en['t_' + ty] ? t('t_' + ty) : str(ty));
  const mins = (n) => (n ? t('minutes', { n }) : '');

  // ============================================================= helpers
  // createElement with attributes (functions become listeners) and children
  // (strings become Text nodes through append, never HTML).
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (typeof v === 'function') el.addEventListener(k, v);
      else if (v != null && v !== false) el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat(Infinity)) if (kid != null && kid !== false) el.append(kid);
    return el;
  }
  function str(v) {
    if (v == null) return '';
    return typeof v === 'object' ? Object.values(v).map(str).filter(Boolean).join(', ') : String(v);
  }
  const list = (v) => (Array.isArray(v) ? v : []);
  // An absolute http(s) URL (or, with `local`, a same-origin path), or null.
  function safeUrl(u, local) {
    if (typeof u !== 'string') return null;
    u = u.trim();
    const rel = !!local && /^\/(?![/\\])/.test(u);
    if (!rel && !/^https?:\/\//i.test(u)) return null;
    try {
      const url = new URL(u, location.origin);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
      return rel && url.origin !== location.origin ? null : url.href;
    } catch (e) { return null; }
  }
  function link(u, text) {
    const href = safeUrl(u);
    if (!href) return null;
    const a = h('a', { target: '_blank', rel: 'noopener' }, text || href);
    a.setAttribute('href', href);
    return a;
  }
  const browserTz = (() => {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch (e) { return 'UTC'; }
  })();
  function fmt(at, opts, tz) {
    const d = new Date(at);
    if (!at || isNaN(d)) return '';
    try { return new Intl.DateTimeFormat(lang, Object.assign({ timeZone: tz || browserTz }, opts)).format(d); } catch (e) {
      return new Intl.DateTimeFormat(lang, opts).format(d); // unknown time zone
    }
  }
  const full = (at, tz) => fmt(at, { dateStyle: 'full', timeStyle: 'short' }, tz);
  // The date and time in `zone`, named; the visitor's own beside when it
  // reads differently there.
  function when(at, zone) {
    zone = zone || browserTz;
    const here = full(at, zone), mine = full(at, browserTz);
    return h('span', null, here + ' (' + zone + ')',
      mine && mine !== here ? [h('br'), h('span', { class: 'muted' }, t('yourTime', { time: mine, tz: browserTz }))] : null);
  }
  // A topic's text in the page's language, else its own.
  function loc(tp, field) {
    const tr = tp && tp.translations && typeof tp.translations === 'object' ? tp.translations[lang] : null;
    const v = tr && typeof tr === 'object' ? tr[field] : null;
    return str(typeof v === 'string' && v.trim() ? v : tp && tp[field]);
  }
  // In-person slots are in the branch's time; online and phone ones in the visitor's.
  const slotZone = () => (st.type === 'in_person' && st.branch && typeof st.branch.time_zone === 'string' && st.branch.time_zone) || browserTz;
  // Definition list rows [label, value (text or node)]; empty values are left out.
  function facts(el, rows) {
    el.textContent = '';
    for (const [k, v] of rows) if (v != null && v !== '') el.append(h('div', null, h('dt', null, k), h('dd', null, v)));
  }
  const place = (b) => (b ? h('span', null, h('strong', null, str(b.name)), b.address ? [h('br'), str(b.address)] : null) : null);

  // ============================================================= network
  function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }
  async function api(method, path, body, extra) {
    const headers = Object.assign({ Accept: 'application/json, application/problem+json' }, extra || {});
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let r;
    try {
      r = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      return { ok: false, status: 0, data: null };
    }
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    return { ok: r.ok && !!data && typeof data === 'object', status: r.status, data };
  }
  // The error area: our own text, or the problem's detail, plus "field: message" lines.
  function showError(text, r) {
    const d = r && r.data && typeof r.data === 'object' ? r.data : {};
    if (!text && r) text = r.status === 0 ? t('netError') : str(d.detail || d.title) || t('failed') + ' (HTTP ' + r.status + ')';
    ui.error.textContent = '';
    if (text) ui.error.append(h('p', null, text));
    const errs = list(d.errors).map((e) => [str(e && e.field), str(e && (e.message || e.code))].filter(Boolean).join(': '));
    if (errs.length) ui.error.append(h('ul', null, errs.map((e) => h('li', null, e))));
  }
  const clearError = () => { ui.error.textContent = ''; };

  // ================================================================ state
  const ui = {}; // every element with an id, by camelCased id (step-1 → step1)
  const FIELDS = ['first_name', 'last_name', 'email', 'phone', 'notes'];
  const STEPS = ['step1', 'step2', 'step3', 'step4', 'confirmation'];
  const st = { props: {}, topic: null, type: null, branch: null, slot: null, step: 1, week: 0, slots: new Map(), cursor: null, seq: 0, busy: false };

  function goStep(n, focus) {
    st.step = n;
    STEPS.forEach((id, i) => { ui[id].hidden = i + 1 !== n; });
    for (const li of ui.steps.children) {
      const k = Number(li.getAttribute('data-step'));
      li.classList.toggle('done', k < n || n === 5);
      if (k === n) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
    }
    ui.back.hidden = n === 1 || n === 5;
    const bits = n > 1 && n < 5 ? [loc(st.topic, 'name'), n > 2 && typeLabel(st.type),
      n > 2 && st.type === 'in_person' && st.branch && str(st.branch.name), n > 3 && full(st.slot.start, slotZone()) + ' (' + slotZone() + ')'] : [];
    ui.summary.textContent = bits.filter(Boolean).join(' · ');
    clearError();
    ui.status.textContent = '';
    if (focus !== false) ui[STEPS[n - 1]].querySelector('h2').focus();
  }
  function back() {
    if (st.step > 1 && st.step < 5) goStep(st.step - 1);
    if (st.step === 3) loadSlots(false);
  }
  // Option buttons (topics, types, branches); `pick` is called with the item.
  function options(box, items, attr, key, kids, pick, chosen, empty) {
    box.textContent = '';
    if (!items.length) box.append(h('p', { class: 'muted' }, empty));
    for (const it of items) {
      box.append(h('button', { type: 'button', class: 'option', [attr]: key(it), 'aria-pressed': String(it === chosen),
        click: () => {
          for (const b of box.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.getAttribute(attr) === key(it)));
          pick(it);
        } }, kids(it)));
    }
  }
  const title = (s) => h('span', { class: 'opt-title' }, s);
  const desc = (s, cls) => (s ? h('span', { class: cls || 'opt-desc' }, s) : null);

  // ========================================================= 1: topics
  function renderTopics() {
    options(ui.topics, list(st.props.topics), 'data-topic-id', (tp) => str(tp.id),
      (tp) => [title(loc(tp, 'name')), desc(loc(tp, 'description')), desc(mins(tp.duration_minutes), 'opt-meta')],
      pickTopic, st.topic, t('noTopics'));
  }
  function pickTopic(tp) {
    if (st.topic !== tp) Object.assign(st, { type: null, branch: null, slot: null, week: 0 });
    st.topic = tp;
    const global = Array.isArray(st.props.meeting_types) ? st.props.meeting_types : null;
    const types = list(tp.meeting_types).filter((ty) => !global || global.includes(ty));
    options(ui.types, types, 'data-meeting-type', str, (ty) => title(typeLabel(ty)), pickType, st.type, t('noTypes'));
    renderBranches();
    goStep(2);
  }

  // ===================================================== 2: type, branch
  function renderBranches() {
    ui.branchBox.hidden = st.type !== 'in_person';
    options(ui.branches, list(st.props.branches), 'data-branch-id', (b) => str(b.id),
      (b) => [title(str(b.name)), desc(str(b.address))], pickBranch, st.branch, t('noBranches'));
  }
  function pickType(ty) {
    if (st.type !== ty) Object.assign(st, { branch: null, slot: null, week: 0 });
    st.type = ty;
    renderBranches();
    if (ty === 'in_person') {
      ui.hBranch.focus();
      return;
    }
    goStep(3);
    loadSlots(false);
  }
  function pickBranch(b) {
    if (st.branch !== b) Object.assign(st, { slot: null, week: 0 });
    st.branch = b;
    goStep(3);
    loadSlots(false);
  }

  // ============================================================ 3: slots
  function weekStart(n) { // local midnight, n weeks from today
    const d = new Date();
    d.setHours(0, 0, 0, 0);
    d.setDate(d.getDate() + 7 * n);
    return d;
  }
  const iso = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  function weekLabel() {
    const a = weekStart(st.week), b = new Date(weekStart(st.week + 1).getTime() - 1);
    const f = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'long' });
    return f.formatRange ? f.formatRange(a, b) : f.format(a) + ' – ' + f.format(b);
  }
  async function loadSlots(more) {
    const seq = ++st.seq; // a newer request makes older answers moot
    if (!more) {
      Object.assign(st, { slots: new Map(), cursor: null });
      ui.weekLabel.textContent = weekLabel();
      const zone = slotZone();
      ui.tzNote.textContent = st.type === 'in_person'
        ? t('tzBranch', { tz: zone }) + (zone !== browserTz ? ' ' + t('tzMine', { tz: browserTz }) : '')
        : t('tzNote', { tz: browserTz });
      ui.prevWeek.disabled = st.week <= 0;
      ui.slots.textContent = '';
      ui.moreSlots.hidden = true;
    }
    const q = new URLSearchParams({ topic_id: str(st.topic.id), meeting_type: str(st.type),
      from: iso(weekStart(st.week)), to: iso(weekStart(st.week + 1)), time_zone: slotZone() });
    if (st.type === 'in_person' && st.branch) q.set('branch_id', str(st.branch.id));
    if (more && st.cursor) q.set('cursor', st.cursor);
    ui.slotsStatus.textContent = t('loading');
    const r = await api('GET', '/public/v1/scheduling/slots?' + q);
    if (seq !== st.seq) return;
    ui.slotsStatus.textContent = '';
    if (!r.ok) return showError(null, r);
    const before = st.slots.size;
    for (const s of list(r.data.slots)) {
      const at = s && typeof s.start === 'string' ? new Date(s.start) : null;
      if (at && !isNaN(at) && at.getTime() > Date.now() && !st.slots.has(s.start)) st.slots.set(s.start, s);
    }
    st.cursor = r.data.next_cursor ? String(r.data.next_cursor) : null;
    const added = [...st.slots.keys()].slice(before);
    renderSlots();
    // The "More times" button went away: move focus to the first new time.
    if (more && added.length && ui.moreSlots.hidden) {
      const first = [...ui.slots.querySelectorAll('button[data-start]')].find((b) => b.getAttribute('data-start') === added[0]);
      if (first) first.focus();
    }
  }
  function renderSlots() {
    const zone = slotZone();
    const days = new Map(); // day heading in the slots' time zone → slots
    for (const s of [...st.slots.values()].sort((a, b) => new Date(a.start) - new Date(b.start))) {
      const day = fmt(s.start, { dateStyle: 'full' }, zone);
      if (!days.has(day)) days.set(day, []);
      days.get(day).push(s);
    }
    ui.slots.textContent = '';
    let n = 0;
    for (const [day, slots] of days) {
      const hid = 'day-' + ++n;
      ui.slots.append(h('div', { class: 'day', role: 'group', 'aria-labelledby': hid }, h('h3', { id: hid }, day),
        h('ul', { class: 'times' }, slots.map((s) => h('li', null, h('button', { type: 'button', class: 'slot', 'data-start': s.start,
          'aria-pressed': String(!!st.slot && st.slot.start === s.start), click: () => pickSlot(s) }, slotLabel(s.start, zone)))))));
    }
    ui.moreSlots.hidden = !st.cursor;
    ui.slotsStatus.textContent = st.slots.size || st.cursor ? '' : t('noSlots');
  }
  // "09:00", and the visitor's own time beside when it differs.
  function slotLabel(at, zone) {
    const here = fmt(at, { timeStyle: 'short' }, zone);
    const day = (tz) => fmt(at, { dateStyle: 'short' }, tz);
    if (day(zone) === day(browserTz) && here === fmt(at, { timeStyle: 'short' }, browserTz)) return here;
    const mine = (day(zone) === day(browserTz) ? '' : fmt(at, { weekday: 'short' }, browserTz) + ' ') + fmt(at, { timeStyle: 'short' }, browserTz);
    return [h('span', null, here), h('span', { class: 'slot-mine' }, t('yourTime', { time: mine, tz: browserTz }))];
  }
  function week(delta) {
    st.week = Math.max(0, st.week + delta);
    clearError();
    loadSlots(false);
  }
  function pickSlot(s) {
    st.slot = s;
    facts(ui.review, [[t('topic'), loc(st.topic, 'name')], [t('duration'), mins(st.topic.duration_minutes)],
      [t('when'), when(s.start, slotZone())], [t('type'), typeLabel(st.type)], [t('branch'), st.type === 'in_person' ? place(st.branch) : null]]);
    ui.instructions.textContent = loc(st.topic, 'instructions');
    ui.instructionsBox.hidden = !ui.instructions.textContent;
    // One key per chosen slot: a double submit or a retry books once.
    st.key = newKey();
    goStep(4);
  }

  // ========================================================== 4: details
  function fieldError(id, msg) {
    ui[id + 'Err'].textContent = msg || '';
    if (msg) ui[id].setAttribute('aria-invalid', 'true'); else ui[id].removeAttribute('aria-invalid');
  }
  function validate() {
    const v = {}, bad = {};
    for (const f of FIELDS) v[f] = ui[f].value.trim();
    v.phone = v.phone.replace(/[\s().-]/g, '').replace(/^00/, '+');
    if (!v.first_name) bad.first_name = t('needFirst');
    if (!v.last_name) bad.last_name = t('needLast');
    if (!v.email) bad.email = t('needEmail');
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email)) bad.email = t('badEmail');
    if (v.phone && !/^\+[1-9]\d{1,14}$/.test(v.phone)) bad.phone = t('badPhone');
    if (v.notes.length > 2000) bad.notes = t('longNotes');
    for (const f of FIELDS) fieldError(f, bad[f]);
    return { v, bad: FIELDS.filter((f) => bad[f]) };
  }
  function busy(on) {
    st.busy = on;
    ui.book.disabled = on;
    if (on) ui.details.setAttribute('aria-busy', 'true'); else ui.details.removeAttribute('aria-busy');
    ui.status.textContent = on ? t('booking') : '';
  }
  async function submit(e) {
    e.preventDefault();
    if (st.busy || !st.slot) return;
    clearError();
    const { v, bad } = validate();
    if (bad.length) {
      showError(t('checkForm'));
      return ui[bad[0]].focus();
    }
    const body = { topic_id: st.topic.id, meeting_type: st.type, start: st.slot.start,
      customer: { first_name: v.first_name, last_name: v.last_name, email: v.email }, language: lang, time_zone: browserTz };
    if (st.type === 'in_person' && st.branch) body.branch_id = st.branch.id;
    if (v.phone) body.customer.phone = v.phone;
    if (v.notes) body.customer_notes = v.notes;
    busy(true);
    const r = await api('POST', '/public/v1/meetings', body, { 'Idempotency-Key': st.key });
    busy(false);
    if (r.ok) return showConfirmation(r.data, v.email);
    if (r.status === 409) { // the time was just taken: pick another
      st.slot = null;
      goStep(3);
      showError(t('taken'));
      return loadSlots(false);
    }
    let first = null;
    for (const fe of list(r.data && r.data.errors)) {
      let key = str(fe && fe.field).split(/[.[\]/]/).filter(Boolean).pop() || '';
      if (key === 'customer_notes') key = 'notes';
      if (fe && fe.code === 'daily_limit') {
        if (FIELDS.includes(key)) { fieldError(key, t('tooMany')); first = first || key; }
        continue;
      }
      if (FIELDS.includes(key)) {
        fieldError(key, str(fe.message || fe.code));
        first = first || key;
      }
    }
    if (r.status === 429) showError(t('tooMany')); else showError(null, r);
    if (first) ui[first].focus();
  }

  // ===================================================== 5: confirmation
  function showConfirmation(m, email) {
    // A booking from this page waits for the owner of the address: its
    // links travel only by email (docs/scheduling.md).
    const pending = m.state === 'pending';
    ui.confirmationTitle.textContent = t(pending ? 'pending' : 'booked');
    ui.confirmationPending.textContent = t('checkEmail', { email: str(email) });
    ui.confirmationPending.hidden = !pending;
    const advisors = list(m.advisors).map((a) => str(a && a.name)).filter(Boolean).join(', ');
    facts(ui.confirmationDetails, [[t('topic'), loc(m.topic, 'name')], [t('when'), when(m.start, str(m.time_zone))],
      [t('type'), typeLabel(m.meeting_type)], [t('branch'), place(m.branch)], [t('joinLink'), link(m.join_url, t('join'))],
      [t('advisors'), advisors]]);
    ui.confirmationInstructions.textContent = loc(m.topic, 'instructions');
    ui.confirmationInstructionsBox.hidden = !ui.confirmationInstructions.textContent;
    const href = safeUrl(m.cancel_url, true);
    if (href) ui.confirmationCancelLink.setAttribute('href', href); else ui.confirmationCancelLink.removeAttribute('href');
    ui.confirmationCancel.hidden = !href;
    const ics = safeUrl(m.calendar_url, true);
    if (ics) ui.confirmationCalendarLink.setAttribute('href', ics); else ui.confirmationCalendarLink.removeAttribute('href');
    ui.confirmationCalendar.hidden = !ics;
    goStep(5);
  }
  function again() {
    Object.assign(st, { topic: null, type: null, branch: null, slot: null, week: 0 });
    ui.details.reset();
    for (const f of FIELDS) fieldError(f, '');
    renderTopics();
    goStep(1);
  }

  // ================================================================ start
  async function init() {
    document.documentElement.lang = lang;
    document.title = t('pageTitle') + ' · Switchboard';
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.getAttribute('data-i18n'));
    for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.getAttribute('data-i18n-label')));
    for (const el of document.querySelectorAll('[id]')) ui[el.id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = el;
    ui.back.addEventListener('click', back);
    ui.prevWeek.addEventListener('click', () => week(-1));
    ui.nextWeek.addEventListener('click', () => week(1));
    ui.moreSlots.addEventListener('click', () => loadSlots(true));
    ui.details.addEventListener('submit', submit);
    ui.again.addEventListener('click', again);
    goStep(1, false);
    ui.status.textContent = t('loading');
    const r = await api('GET', '/public/v1/scheduling/properties');
    ui.status.textContent = '';
    if (!r.ok) return showError(null, r);
    st.props = r.data;
    renderTopics();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
