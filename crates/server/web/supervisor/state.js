// What the dashboard shows, kept in step with the routing engine: the
// overview (GET /api/v1/supervisor/overview) loaded on every (re)connection
// and resync, then every routing event of the socket applied to it. Events
// that arrive while the overview loads wait, and only those after its
// last_id are applied. Never polled.

import { api } from '../lib/api.js';
import { enc } from '../lib/url.js';

export const st = {
  queues: new Map(), // queue id -> { id, name, channel, stats, at (ms, when the figures were read) }
  agents: new Map(), // agent id -> { agent_id, name, presence, automatic }
  items: new Map(), // work item id -> the item (WorkItemView + since)
  loaded: false,
  // False for a supervisor: the overview holds the queues they supervise
  // (possibly none), not every queue.
  allQueues: true,
  error: '',
  // Today's answered and abandoned per queue id, from the reports API
  // (GET /api/v1/reports/work-items, the report time zone's day); read
  // again after each answer or abandon the socket announces.
  today: new Map(),
  todayOk: false,
  todayZone: '',
  // The report day the counts are of, and a number that changes with each
  // new read (the trend charts follow it).
  todayDay: '',
  todayVersion: 0,
  // A number that changes with every queue_stats message: the chart of
  // waiting items follows it.
  statsVersion: 0
};

let changed = () => {};
// Called after every change of the state.
export function onChange(fn) { changed = fn; }

let loading = null;
let waiting = [];

// Loads the overview; events received meanwhile are applied after it.
export function reload() {
  if (loading) return loading;
  waiting = [];
  loading = (async () => {
    const r = await api('GET', '/api/v1/supervisor/overview', undefined, { object: true });
    const held = waiting;
    waiting = [];
    loading = null;
    if (!r.ok) {
      st.error = r.error;
      changed();
      return r;
    }
    st.error = '';
    const now = Date.now();
    st.queues = new Map((r.data.queues || []).map((q) => [q.stats.queue_id, { id: q.stats.queue_id, name: q.name, channel: q.channel, stats: q.stats, at: now }]));
    st.agents = new Map((r.data.agents || []).map((a) => [a.agent_id, a]));
    st.items = new Map((r.data.work_items || []).map((i) => [i.id, i]));
    st.allQueues = r.data.all_queues !== false;
    st.loaded = true;
    const last = typeof r.data.last_id === 'number' ? r.data.last_id : -1;
    for (const m of held) if (typeof m.id !== 'number' || m.id > last) apply(m);
    changed();
    refreshToday();
    return r;
  })();
  return loading;
}

// One message of the socket.
export function onMessage(m) {
  // Every connection starts with `ready` (the page connects without
  // `after`, so it never replays); `resync` would mean events were lost.
  if (m.type === 'ready' || m.type === 'resync') {
    reload();
    return;
  }
  if (loading) { waiting.push(m); return; }
  if (!st.loaded) return;
  if (m.type === 'assigned' || m.type === 'abandoned') refreshToday();
  if (apply(m)) changed();
}

// A day (YYYY-MM-DD) as it is now in `zone` (else the browser's).
function dayIn(zone) {
  const opts = { year: 'numeric', month: '2-digit', day: '2-digit' };
  try { return new Intl.DateTimeFormat('en-CA', Object.assign({ timeZone: zone || undefined }, opts)).format(new Date()); } catch (e) {
    return new Intl.DateTimeFormat('en-CA', opts).format(new Date());
  }
}

let todayT = 0, todayBusy = false, todayAgain = false;
// Reads today's counts again soon (a burst of events reads once).
export function refreshToday() {
  clearTimeout(todayT);
  todayT = setTimeout(fetchToday, 250);
}
async function fetchToday() {
  if (todayBusy) { todayAgain = true; return; }
  todayBusy = true;
  const day = dayIn(st.todayZone);
  const r = await api('GET', '/api/v1/reports/work-items?by=queue&from=' + day + '&to=' + day, undefined, { object: true });
  todayBusy = false;
  if (r.ok && Array.isArray(r.data.rows)) {
    const zone = typeof r.data.time_zone === 'string' ? r.data.time_zone : '';
    if (zone !== st.todayZone) {
      st.todayZone = zone;
      // The report's day differs from the browser's: ask for its own.
      if (dayIn(zone) !== day) todayAgain = true;
    }
    st.today = new Map(r.data.rows.map((row) => [row.key, { answered: row.answered, abandoned: row.abandoned, service_level: row.service_level }]));
    st.todayOk = true;
    st.todayDay = r.data.from;
    st.todayVersion += 1;
  } else {
    st.todayOk = false;
  }
  changed();
  if (todayAgain) { todayAgain = false; fetchToday(); }
}

// A work item the state does not hold yet: a placeholder now (later events
// apply to it), its details (channel, customer…) from the API.
function ensure(id, m) {
  let it = st.items.get(id);
  if (it) return it;
  const q = st.queues.get(m.queue_id);
  it = {
    id, status: 'queued', queue_id: m.queue_id || '', queue_name: q ? q.name : null, agent_id: null,
    channel: '', kind: '', customer_name: null, arrived_at: m.at, since: m.at
  };
  st.items.set(id, it);
  details(id);
  return it;
}

async function details(id) {
  const r = await api('GET', '/api/v1/work-items/' + enc(id), undefined, { object: true });
  const it = st.items.get(id);
  if (!r.ok || !it) return;
  for (const k of ['channel', 'kind', 'customer_name', 'contact_id', 'arrived_at', 'priority', 'attributes']) it[k] = r.data[k];
  changed();
}

const queueName = (id) => { const q = st.queues.get(id); return q ? q.name : null; };

// Applies one event; answers whether anything changed.
function apply(m) {
  const id = m.work_item_id;
  switch (m.type) {
    case 'queue_stats': {
      const q = st.queues.get(m.queue_id);
      const stats = Object.assign({}, m);
      delete stats.type;
      if (q) { q.stats = stats; q.at = Date.now(); st.statsVersion += 1; } else reload();
      return !!q;
    }
    case 'presence': {
      const a = st.agents.get(m.agent_id);
      if (!a) { reload(); return false; }
      a.presence = m.presence;
      a.automatic = !!m.automatic;
      return true;
    }
    case 'queued': {
      const it = ensure(id, m);
      Object.assign(it, { status: 'queued', agent_id: null, since: m.at });
      return true;
    }
    case 'offered': case 'assigned': {
      const it = ensure(id, m);
      Object.assign(it, { status: m.type, agent_id: m.agent_id || null, since: m.at });
      if (m.queue_id) { it.queue_id = m.queue_id; it.queue_name = queueName(m.queue_id) || it.queue_name; }
      if (m.type === 'offered' && m.customer_name != null) it.customer_name = m.customer_name;
      if (m.type === 'offered' && m.channel) it.channel = m.channel;
      return true;
    }
    case 'offer_declined': case 'offer_expired': case 'offer_rescinded': {
      const it = st.items.get(id);
      if (!it) return false;
      Object.assign(it, { status: 'queued', agent_id: null, since: m.at });
      return true;
    }
    case 'wrap_up': {
      const it = st.items.get(id);
      if (!it) return false;
      Object.assign(it, { status: 'wrap_up', since: m.at });
      return true;
    }
    case 'transferred': {
      const it = ensure(id, m);
      Object.assign(it, { status: 'queued', agent_id: null, since: m.at, queue_id: m.to_queue_id, queue_name: queueName(m.to_queue_id) });
      return true;
    }
    case 'callback_requested': {
      const it = st.items.get(id);
      if (!it) return false;
      it.kind = 'callback';
      return true;
    }
    case 'closed': case 'abandoned':
      return st.items.delete(id);
    default:
      return false;
  }
}

// Seconds since an RFC 3339 instant (0 when unknown).
export function age(at, now) {
  const ms = Date.parse(at);
  return isNaN(ms) ? 0 : Math.max(0, Math.floor((now - ms) / 1000));
}
