// Today by hour: the waiting work's fate (offered, answered, abandoned) and
// the service level, hour by hour, as the server draws them
// (/api/v1/reports/work-items/chart), read again whenever today's counts
// are (after each answer or abandon). The same figures as a table are one
// link away, on the reports page.
//
// Waiting items over the last eight hours (/api/v1/reports/waiting and its
// chart), read again when queue figures arrive on the socket, at most every
// few seconds; its table is under the chart.

import { h } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { lang, t } from '../lib/i18n.js';
import { enc } from '../lib/url.js';
import { st } from './state.js';

export function trendSection() {
  const img = (kind, alt) => h('img', { class: 'chart', alt, width: '880', height: '300', 'data-testid': 'trend-' + kind });
  const volume = img('volume', t('trendVolumeAlt'));
  const level = img('service_level', t('trendSlAlt'));
  const table = h('a', { 'data-testid': 'trend-table' }, t('trendTable'));
  const waiting = img('waiting', t('waitingAlt'));
  const waitingRows = h('tbody', { 'data-testid': 'waiting-rows' });
  const waitingTable = h('details', { class: 'chart-table' }, h('summary', null, t('waitingTable')),
    h('table', null, h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('waitingAt')),
      h('th', { scope: 'col' }, t('waitingPeak')), h('th', { scope: 'col' }, t('waitingLast')))), waitingRows));
  const section = h('section', { class: 'card', 'aria-labelledby': 'trend-title', 'data-testid': 'trend' },
    h('h2', { id: 'trend-title' }, t('trendTitle')), h('p', null, table), h('figure', { class: 'charts' }, volume, level),
    h('h3', null, t('waitingTitle')), h('figure', { class: 'charts' }, waiting), waitingTable);
  let shown = -1;
  // The waiting chart: the statsVersion drawn, when, and a pending redraw.
  let waitingShown = -1, waitingAt = 0, waitingTimer = null;
  const WAITING_EVERY_MS = 3000;
  async function drawWaiting() {
    waitingTimer = null;
    waitingAt = Date.now();
    const version = st.statsVersion;
    const [data, svg] = await Promise.all([
      api('GET', '/api/v1/reports/waiting?hours=8', undefined, { object: true }),
      fetch('/api/v1/reports/waiting/chart?hours=8&lang=' + lang, { credentials: 'same-origin' })
    ]);
    if (!data.ok || !svg.ok) return;
    waiting.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(await svg.text());
    waiting.setAttribute('data-version', String(version));
    // Newest first: what a supervisor reads first is now.
    waitingRows.replaceChildren(...data.data.steps.slice().reverse().map((s) =>
      h('tr', null, h('td', null, s.label), h('td', null, String(s.peak)), h('td', null, String(s.last)))));
    waitingRows.setAttribute('data-now', String(data.data.steps.length ? data.data.steps[data.data.steps.length - 1].last : 0));
  }
  function renderWaiting() {
    if (!st.loaded || waitingShown === st.statsVersion || waitingTimer) return;
    waitingShown = st.statsVersion;
    const wait = Math.max(0, waitingAt + WAITING_EVERY_MS - Date.now());
    waitingTimer = setTimeout(drawWaiting, wait);
  }
  async function draw(el, q, kind) {
    const r = await fetch('/api/v1/reports/work-items/chart?' + q + '&chart=' + kind + '&lang=' + lang, { credentials: 'same-origin' });
    if (!r.ok) return;
    // A data: address: the image changes even though the address of the
    // chart does not (the page's policy allows data: images).
    el.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(await r.text());
    el.setAttribute('data-version', String(shown));
  }
  function render() {
    renderWaiting();
    if (!st.todayOk || !st.todayDay || shown === st.todayVersion) return;
    shown = st.todayVersion;
    const q = 'by=hour&from=' + enc(st.todayDay) + '&to=' + enc(st.todayDay);
    table.href = '/supervisor/reports?' + q;
    draw(volume, q, 'volume');
    draw(level, q, 'service_level');
  }
  return { section, render };
}
