/* Switchboard self-service booking, served at /book.js (page: /book, styles:
 * /booking.css). Public API: /public/v1/scheduling/{properties,slots} and
 * POST /public/v1/meetings. An ES module over web/lib, no dependencies, no
 * build step.
 *
 * Safety: every value that comes from the server is inserted as text
 * (textContent / append(string)), never parsed as HTML; a link gets its href
 * through setAttribute only once the URL is checked to be http(s). */

import { api, showProblem } from './lib/api.js';
import { byId, h } from './lib/dom.js';
import { label, lang, langParam, loc, pickLanguage, setLanguage, t, translatePage, useTexts } from './lib/i18n.js';
import { str } from './lib/text.js';
import { browserTz, fmt, full } from './lib/time.js';
import { safeUrl } from './lib/url.js';
import en from './i18n/book.en.js';
import fr from './i18n/book.fr.js';
import es from './i18n/book.es.js';

// ================================================================ texts
useTexts({ en, fr, es });
setLanguage(pickLanguage(langParam(), navigator.language));
const typeLabel = (ty) => label('t_', ty);
const mins = (n) => (n ? t('minutes', { n }) : '');

// ============================================================= helpers
const list = (v) => (Array.isArray(v) ? v : []);
// The meeting's join link (an absolute http(s) URL), or nothing.
function joinLink(u, text) {
  const href = safeUrl(u);
  if (!href) return null;
  const a = h('a', { target: '_blank', rel: 'noopener' }, text || href);
  a.setAttribute('href', href);
  return a;
}
// The date and time in `zone`, named; the visitor's own beside when it
// reads differently there.
function whenIn(at, zone) {
  zone = zone || browserTz;
  const here = full(at, zone), mine = full(at, browserTz);
  return h('span', null, here + ' (' + zone + ')',
    mine && mine !== here ? [h('br'), h('span', { class: 'muted' }, t('yourTime', { time: mine, tz: browserTz }))] : null);
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
// The public API: a success is a JSON object.
const call = (method, path, body, headers) => api(method, path, body, { headers, object: true });
// The error area: our own text, or the problem's detail, plus "field: message" lines.
const showError = (text, r) => showProblem(ui.error, text, r);
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
  const r = await call('GET', '/public/v1/scheduling/slots?' + q);
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
    [t('when'), whenIn(s.start, slotZone())], [t('type'), typeLabel(st.type)], [t('branch'), st.type === 'in_person' ? place(st.branch) : null]]);
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
  const r = await call('POST', '/public/v1/meetings', body, { 'Idempotency-Key': st.key });
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
  facts(ui.confirmationDetails, [[t('topic'), loc(m.topic, 'name')], [t('when'), whenIn(m.start, str(m.time_zone))],
    [t('type'), typeLabel(m.meeting_type)], [t('branch'), place(m.branch)], [t('joinLink'), joinLink(m.join_url, t('join'))],
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
  translatePage();
  document.title = t('pageTitle') + ' · Switchboard';
  byId(ui);
  ui.back.addEventListener('click', back);
  ui.prevWeek.addEventListener('click', () => week(-1));
  ui.nextWeek.addEventListener('click', () => week(1));
  ui.moreSlots.addEventListener('click', () => loadSlots(true));
  ui.details.addEventListener('submit', submit);
  ui.again.addEventListener('click', again);
  goStep(1, false);
  ui.status.textContent = t('loading');
  const r = await call('GET', '/public/v1/scheduling/properties');
  ui.status.textContent = '';
  if (!r.ok) return showError(null, r);
  st.props = r.data;
  renderTopics();
}
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
