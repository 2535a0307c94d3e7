/* Switchboard meeting cancel page, served at /cancel.js (page:
 * /meetings/{id}/cancel?token=TOKEN, styles: /booking.css). Public API:
 * GET /public/v1/meetings/{id}?token= and POST /public/v1/meetings/{id}/cancel?token=.
 * An ES module over web/lib, no dependencies, no build step.
 *
 * Safety: every value that comes from the server is inserted as text
 * (textContent / append(string)), never parsed as HTML; a link gets its href
 * through setAttribute only once the URL is checked to be http(s). */

import { api, showProblem } from './lib/api.js';
import { byId, h } from './lib/dom.js';
import { label, lang, langParam, loc, pickLanguage, setLanguage, supported, t, translatePage, useTexts } from './lib/i18n.js';
import { str } from './lib/text.js';
import { browserTz, full } from './lib/time.js';
import { safeUrl } from './lib/url.js';
import en from './i18n/cancel.en.js';
import fr from './i18n/cancel.fr.js';
import es from './i18n/cancel.es.js';

// ================================================================ texts
useTexts({ en, fr, es });
const params = new URLSearchParams(location.search);
const langFromParam = supported(langParam());
// ?lang=, else (once the meeting is read) the meeting's, else the browser's.
setLanguage(pickLanguage(langFromParam, navigator.language));

// ================================================================ page
const ui = {}; // every element with an id, by camelCased id (confirm-cancel → confirmCancel)
const showError = (text, r) => showProblem(ui.error, text, r);
// /meetings/{id}/cancel (the cancel link) or /meetings/{id}/confirm (the
// link that confirms a booking from the booking page, sent by email).
const match = location.pathname.match(/^\/meetings\/([^/]+)\/(cancel|confirm)\/?$/);
const confirmMode = !!match && match[2] === 'confirm';
let id = null;
try { id = match ? decodeURIComponent(match[1]) : null; } catch (e) { id = null; }
const token = params.get('token');
const path = (suffix) => '/public/v1/meetings/' + encodeURIComponent(id) + suffix + '?token=' + encodeURIComponent(token);
const call = (method, suffix) => api(method, path(suffix), method === 'POST' ? {} : undefined, { object: true });

function render(m) {
  ui.meeting.hidden = false;
  if (!langFromParam && supported(m.language) && supported(m.language) !== lang) {
    setLanguage(supported(m.language));
    texts();
  }
  ui.topic.textContent = loc(m.topic, 'name');
  const zone = str(m.time_zone) || browserTz;
  const here = full(m.start, zone), mine = full(m.start, browserTz);
  ui.when.textContent = here;
  ui.timeZone.textContent = '(' + zone + ')';
  ui.yourTime.textContent = mine && mine !== here ? t('yourTime', { time: mine, tz: browserTz }) : '';
  ui.yourTime.hidden = !ui.yourTime.textContent;
  ui.type.textContent = label('t_', m.meeting_type);
  const b = m.branch;
  ui.branch.textContent = '';
  if (b) {
    ui.branch.append(h('strong', null, str(b.name)));
    if (b.address) ui.branch.append(h('br'), str(b.address));
  }
  ui.branchRow.hidden = !b;
  ui.join.textContent = '';
  const href = safeUrl(m.join_url);
  if (href) {
    const a = h('a', null, t('join'));
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
  const r = await call('POST', '/confirm');
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
  const r = await call('POST', '/cancel');
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
  translatePage();
  document.title = t('pageTitle') + ' · Switchboard';
  if (ui.bookAgain) ui.bookAgain.setAttribute('href', '/book?lang=' + lang);
  if (ui.expiredBook) ui.expiredBook.setAttribute('href', '/book?lang=' + lang);
}
async function init() {
  byId(ui);
  texts();
  ui.cancel.addEventListener('click', askConfirm);
  ui.keep.addEventListener('click', keep);
  ui.confirmCancel.addEventListener('click', doCancel);
  ui.confirmBookingButton.addEventListener('click', doConfirm);
  if (!id || !token) return showError(t('invalid'));
  ui.status.textContent = t('loading');
  const r = await call('GET', '');
  ui.status.textContent = '';
  if (r.ok) { last = r.data; return render(r.data); }
  if (r.status === 404 || r.status === 403 || r.status === 401) return showError(t('invalid'));
  showError(null, r);
}
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
