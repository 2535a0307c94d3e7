// Today by hour: the waiting work's fate (offered, answered, abandoned) and
// the service level, hour by hour, as the server draws them
// (/api/v1/reports/work-items/chart), read again whenever today's counts
// are (after each answer or abandon). The same figures as a table are one
// link away, on the reports page.

import { h } from '../lib/dom.js';
import { lang, t } from '../lib/i18n.js';
import { enc } from '../lib/url.js';
import { st } from './state.js';

export function trendSection() {
  const img = (kind, alt) => h('img', { class: 'chart', alt, width: '880', height: '300', 'data-testid': 'trend-' + kind });
  const volume = img('volume', t('trendVolumeAlt'));
  const level = img('service_level', t('trendSlAlt'));
  const table = h('a', { 'data-testid': 'trend-table' }, t('trendTable'));
  const section = h('section', { class: 'card', 'aria-labelledby': 'trend-title', 'data-testid': 'trend' },
    h('h2', { id: 'trend-title' }, t('trendTitle')), h('p', null, table), h('figure', { class: 'charts' }, volume, level));
  let shown = -1;
  async function draw(el, q, kind) {
    const r = await fetch('/api/v1/reports/work-items/chart?' + q + '&chart=' + kind + '&lang=' + lang, { credentials: 'same-origin' });
    if (!r.ok) return;
    // A data: address: the image changes even though the address of the
    // chart does not (the page's policy allows data: images).
    el.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(await r.text());
    el.setAttribute('data-version', String(shown));
  }
  function render() {
    if (!st.todayOk || !st.todayDay || shown === st.todayVersion) return;
    shown = st.todayVersion;
    const q = 'by=hour&from=' + enc(st.todayDay) + '&to=' + enc(st.todayDay);
    table.href = '/supervisor/reports?' + q;
    draw(volume, q, 'volume');
    draw(level, q, 'service_level');
  }
  return { section, render };
}
