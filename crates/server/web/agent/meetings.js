// The customer's meetings, and booking one for them.

import { api } from '../lib/api.js';
import { h, put, slot } from '../lib/dom.js';
import { label, t } from '../lib/i18n.js';
import { rid } from '../lib/random.js';
import { str } from '../lib/text.js';
import { clock, timeEl } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { st } from './state.js';
import { section } from './summary.js';
import { fetchTimeline } from './timeline.js';
import { link, listOf, nextId } from './util.js';

// ------------------------------------------------------------ meetings
// The customer's meetings, and booking one for them (docs/scheduling.md):
// staff cancellations send the customer nothing. A meeting that has started
// can be marked as a no-show (and the mark undone) by its advisors,
// supervisors and admins; the server refuses anyone else, so the buttons
// show only to them.
export function meetingsSection(S) {
  const contact = S.summary.customer && S.summary.customer.contact;
  if (!contact) return null;
  const u = S.ui;
  u.mtList = h('ul', { class: 'meetings', 'data-testid': 'meetings', 'aria-live': 'polite' });
  u.mtErr = h('p', { class: 'error', role: 'alert' });
  u.mtForm = h('div', { class: 'meeting-form' });
  const open = h('button', { type: 'button', 'data-testid': 'meeting-book-open', 'aria-expanded': 'false', click: () => {
    const on = open.getAttribute('aria-expanded') !== 'true';
    open.setAttribute('aria-expanded', String(on));
    u.mtForm.textContent = '';
    if (on) bookingForm(S, contact, () => { open.setAttribute('aria-expanded', 'false'); u.mtForm.textContent = ''; });
  } }, t('bookMeeting'));
  fetchMeetings(S, contact);
  return section('section-meetings', t('meetings'), u.mtList, slot(u.mtErr), open, u.mtForm);
}
function meetingError(S, r) {
  put(S.ui.mtErr, !r.ok);
  if (!r.ok) S.ui.mtErr.textContent = r.error;
  return r.ok;
}
async function fetchMeetings(S, contact) {
  const r = await api('GET', '/api/v1/contacts/' + enc(contact.id) + '/meetings');
  if (S.closed || !meetingError(S, r)) return;
  const list = S.ui.mtList;
  list.textContent = '';
  const all = listOf(r.data);
  if (!all.length) list.append(h('li', { class: 'muted' }, t('noMeetings')));
  all.forEach((m) => {
    const place = m.branch ? str(m.branch.name) : m.join_url ? link(m.join_url, t('joinLink')) : null;
    const li = h('li', { 'data-testid': 'meeting', 'data-meeting': str(m.id), 'data-state': str(m.state) },
      h('span', { class: 'case-name' }, str(m.topic && m.topic.name)), ' · ', timeEl(m.start),
      h('span', { class: 'muted' }, ' · ' + [label('mt_', m.meeting_type), label('ms_', m.state)].filter(Boolean).join(' · ')),
      place ? [' · ', place] : null);
    const started = new Date(m.start).getTime() <= Date.now();
    // Cancelling is for meetings still ahead (the server refuses started ones).
    if (m.state === 'scheduled' && !started) li.append(' ', meetingAction(S, contact, 'meeting-cancel', 'POST', m.id, '/staff-cancel', t('cancelMeeting')));
    if (mayMark(m) && started && (m.state === 'scheduled' || m.state === 'completed')) {
      li.append(' ', meetingAction(S, contact, 'meeting-no-show', 'POST', m.id, '/no-show', t('markNoShow')));
    }
    if (mayMark(m) && m.state === 'no_show') li.append(' ', meetingAction(S, contact, 'meeting-undo-no-show', 'DELETE', m.id, '/no-show', t('undoNoShow')));
    list.append(li);
  });
}
// One of the meeting's advisors, a supervisor or an admin.
function mayMark(m) {
  const me = st.me;
  if (!me) return false;
  if (Array.isArray(me.roles) && me.roles.some((r) => r === 'admin' || r === 'supervisor')) return true;
  return Array.isArray(m.advisors) && m.advisors.some((a) => a && a.id === me.id);
}
// A button that changes the meeting, then shows the list and timeline again.
function meetingAction(S, contact, testid, method, id, path, text) {
  return h('button', { type: 'button', 'data-testid': testid, click: async (e) => {
    e.target.disabled = true;
    const c = await api(method, '/api/v1/meetings/' + enc(id) + path, method === 'POST' ? {} : undefined);
    if (S.closed) return;
    if (meetingError(S, c)) { fetchMeetings(S, contact); fetchTimeline(S, S.tlScope, null); } else e.target.disabled = false;
  } }, text);
}
async function bookingForm(S, contact, done) {
  const u = S.ui;
  if (!S.mtProps) {
    const r = await api('GET', '/api/v1/scheduling/properties');
    if (S.closed || !meetingError(S, r)) return;
    S.mtProps = r.data;
  }
  const props = S.mtProps;
  const topics = Array.isArray(props.topics) ? props.topics : [];
  const branches = Array.isArray(props.branches) ? props.branches : [];
  const field = (lbl, control) => { const id = nextId('m'); control.id = id; return h('div', { class: 'field' }, h('label', { for: id }, lbl), control); };
  const topic = h('select', { 'data-testid': 'meeting-topic' }, topics.map((x) => h('option', { value: str(x.id) }, str(x.name))));
  const type = h('select', { 'data-testid': 'meeting-type' });
  const branch = h('select', { 'data-testid': 'meeting-branch' }, branches.map((b) => h('option', { value: str(b.id) }, str(b.name))));
  const branchField = field(t('branch'), branch);
  const day = h('input', { type: 'date', 'data-testid': 'meeting-date' });
  const today = new Date();
  day.value = [today.getFullYear(), String(today.getMonth() + 1).padStart(2, '0'), String(today.getDate()).padStart(2, '0')].join('-');
  const slots = h('div', { class: 'slots', role: 'group', 'aria-label': t('freeTimes'), 'data-testid': 'meeting-slots' });
  const notes = h('textarea', { 'data-testid': 'meeting-notes', maxlength: '2000', rows: '2' });
  const bookBtn = h('button', { type: 'submit', 'data-testid': 'meeting-book', disabled: true }, t('book'));
  let chosen = null;
  const key = rid();
  const types = () => {
    const tp = topics.find((x) => str(x.id) === topic.value);
    type.textContent = '';
    (tp && Array.isArray(tp.meeting_types) ? tp.meeting_types : []).forEach((mt) => type.append(h('option', { value: mt }, label('mt_', mt))));
    branchField.hidden = type.value !== 'in_person';
  };
  topic.addEventListener('change', types);
  type.addEventListener('change', () => { branchField.hidden = type.value !== 'in_person'; });
  types();
  const find = h('button', { type: 'button', 'data-testid': 'meeting-find', click: async () => {
    slots.textContent = '';
    chosen = null;
    bookBtn.disabled = true;
    const from = new Date(day.value + 'T00:00:00');
    if (isNaN(from)) return;
    const to = new Date(from.getTime() + 24 * 3600 * 1000);
    const q = new URLSearchParams({ topic_id: topic.value, meeting_type: type.value, from: from.toISOString(), to: to.toISOString(),
      time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', limit: '96' });
    if (type.value === 'in_person') q.set('branch_id', branch.value);
    const r = await api('GET', '/api/v1/scheduling/slots?' + q);
    if (S.closed || !meetingError(S, r)) return;
    const found = r.data && Array.isArray(r.data.slots) ? r.data.slots : [];
    if (!found.length) slots.append(h('p', { class: 'muted' }, t('noTimes')));
    found.forEach((sl) => {
      const b = h('button', { type: 'button', 'data-testid': 'meeting-slot', 'data-start': str(sl.start), 'aria-pressed': 'false', click: () => {
        chosen = sl.start;
        slots.querySelectorAll('button').forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
        bookBtn.disabled = false;
      } }, clock(sl.start));
      slots.append(b);
    });
  } }, t('findTimes'));
  const form = h('form', { class: 'stack-form', 'data-testid': 'meeting-form', submit: async (e) => {
    e.preventDefault();
    if (!chosen) return;
    bookBtn.disabled = true;
    const body = { contact_id: contact.id, topic_id: topic.value, meeting_type: type.value, start: chosen };
    if (type.value === 'in_person') body.branch_id = branch.value;
    if (notes.value.trim()) body.customer_notes = notes.value;
    const r = await api('POST', '/api/v1/meetings', body, { headers: { 'Idempotency-Key': key } });
    if (S.closed) return;
    if (!meetingError(S, r)) { bookBtn.disabled = false; return; }
    done();
    fetchMeetings(S, contact);
    fetchTimeline(S, S.tlScope, null);
  } }, field(t('topic'), topic), field(t('meetingType'), type), branchField, field(t('day'), day), find, slots,
    field(t('notes'), notes), bookBtn);
  u.mtForm.append(form);
  topic.focus();
}
