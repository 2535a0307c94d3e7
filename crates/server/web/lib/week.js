// A week at a glance: each day's ranges drawn on a 24-hour bar, with the
// same ranges as text beside it (what screen readers read; the bars are
// decoration). The Routing screen draws a queue's hours with it and the
// Scheduling screen an advisor's, both redrawn as the rows are edited.
// Ranges that do not read as HH:MM (being typed) are left out.

import { h } from './dom.js';
import { t } from './i18n.js';

export const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

// Minutes since midnight of "HH:MM" ("24:00" is the day's end), or null.
function minutes(text) {
  const m = /^(\d{2}):(\d{2})$/.exec(String(text || ''));
  if (!m) return null;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return Number(m[2]) < 60 && v <= 1440 ? v : null;
}

// ranges: [{day, from, to}]
export function weekView(ranges, label) {
  const rows = DAYS.map((day) => {
    const mine = ranges
      .filter((r) => r.day === day)
      .map((r) => ({ from: r.from, to: r.to, a: minutes(r.from), b: minutes(r.to) }))
      .filter((r) => r.a != null && r.b != null && r.b > r.a)
      .sort((x, y) => x.a - y.a);
    const overlap = mine.some((r, i) => i > 0 && r.a < mine[i - 1].b);
    const bar = h('div', { class: 'week-bar', 'aria-hidden': 'true' }, mine.map((r) => {
      const block = h('span', { class: 'week-block' });
      block.style.left = (r.a / 14.4) + '%';
      block.style.width = ((r.b - r.a) / 14.4) + '%';
      return block;
    }));
    const text = mine.length ? mine.map((r) => r.from + '–' + r.to).join(', ') : t('weekClosed');
    return h('li', { class: overlap ? 'week-day overlap' : 'week-day', 'data-day': day },
      h('span', { class: 'week-name' }, t('day_' + day)), bar,
      h('span', { class: 'week-text' }, text, overlap ? [' ', h('strong', null, t('weekOverlap'))] : null));
  });
  return h('figure', { class: 'week', 'data-testid': 'week-view' },
    h('figcaption', null, label || t('weekView')),
    h('div', { class: 'week-scale', 'aria-hidden': 'true' }, ['0', '6', '12', '18', '24'].map((x) => h('span', null, x + 'h'))),
    h('ul', null, rows));
}
