// Importing contacts from a CSV file: the person picks the file, sees its
// columns and chooses which field each fills (headers that name a field
// are chosen already), and imports. All or nothing: the server checks
// every row first and lists each bad one by its line in the file.

import { api } from '../lib/api.js';
import { rid } from '../lib/random.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { enc } from '../lib/url.js';
import { clearFieldErrors, fieldRow, showFieldErrors } from '../lib/form.js';
import { card, errorBox, pick } from './data.js';

// The fields a column may fill (core::import::CONTACT_FIELDS).
const FIELDS = ['first_name', 'last_name', 'email', 'phone', 'account_id', 'job_title', 'title',
  'relationship_type', 'city', 'category', 'preferred_channel', 'locale', 'time_zone', 'external_id'];

// The header line's names (quoted names may hold commas).
function headerNames(text) {
  const line = text.split(/\r?\n/, 1)[0] || '';
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim());
}

const asField = (name) => name.toLowerCase().replace(/[ -]/g, '_');

export function importCard(ctx) {
  const box = errorBox();
  const file = h('input', { type: 'file', accept: '.csv,text/csv', 'data-testid': 'import-file' });
  const mapping = h('div', { class: 'mapping', 'data-testid': 'import-mapping' });
  const busy = h('progress', { hidden: '', 'data-testid': 'import-progress', 'aria-label': t('importing') });
  const stage = h('p', { role: 'status', 'data-testid': 'import-stage' });
  const result = h('div', { 'aria-live': 'polite', 'data-testid': 'import-result' });
  let text = null;
  let choices = [];

  file.addEventListener('change', async () => {
    clearFieldErrors(form, box);
    result.replaceChildren();
    const f = file.files && file.files[0];
    text = f ? await f.text() : null;
    const headers = text ? headerNames(text) : [];
    choices = headers.map((header) => {
      const guess = FIELDS.includes(asField(header)) ? asField(header) : '';
      const sel = pick([['', t('importSkip')]].concat(FIELDS.map((x) => [x, x])), guess);
      sel.setAttribute('data-header', header);
      return { header, sel };
    });
    mapping.replaceChildren(...choices.map(({ header, sel }) => fieldRow(t('importColumn', { header }), sel)));
    for (const { sel } of choices) {
      // Errors about a field's column land beside the column chosen for it.
      sel.addEventListener('change', () => sel.setAttribute('data-field', sel.value ? 'columns.' + sel.value : ''));
      sel.dispatchEvent(new Event('change'));
    }
  });

  const form = h('form', { novalidate: '', 'data-testid': 'import-form' },
    box,
    fieldRow(t('importFile'), file, 'file columns'),
    mapping,
    h('button', { type: 'submit', 'data-testid': 'import-submit' }, t('importSubmit')),
    busy,
    stage,
    result);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form, box);
    result.replaceChildren();
    if (text === null) {
      box.append(h('p', null, t('importChoose')));
      return;
    }
    const columns = {};
    for (const { header, sel } of choices) if (sel.value) columns[sel.value] = header;
    // The bar follows the server's progress (rows checked, then written)
    // while the one request runs; without it (another node answers the
    // poll), it stays a busy bar.
    const id = rid();
    busy.removeAttribute('value');
    busy.hidden = false;
    stage.textContent = t('importing');
    let running = true;
    const poll = async () => {
      while (running) {
        const p = await api('GET', '/api/v1/contacts/import/progress/' + enc(id));
        if (!running) break;
        if (p.ok && p.data) {
          const d = p.data;
          if (d.stage === 'writing' && d.total > 0) {
            busy.max = d.total;
            busy.value = d.written;
            stage.textContent = t('importWriting', { n: d.written, total: d.total });
          } else if (d.stage === 'checking') {
            stage.textContent = t('importChecking', { n: d.checked });
          }
          busy.dataset.seen = String(Number(busy.dataset.seen || 0) + 1);
        }
        await new Promise((ok) => setTimeout(ok, 250));
      }
    };
    const polling = poll();
    const r = await api('POST', '/api/v1/contacts/import?columns=' + enc(JSON.stringify(columns)), text,
      { type: 'text/csv', headers: { 'X-Import-Id': id } });
    running = false;
    await polling;
    busy.hidden = true;
    stage.textContent = '';
    if (r.ok) {
      result.replaceChildren(h('p', { class: 'ok' }, t('imported', { n: r.data.imported })));
      ctx.say(t('imported', { n: r.data.imported }));
      return;
    }
    // Bad rows (lines[N].field) are listed with their line; the rest lands
    // beside the control it names.
    const errors = r.data && Array.isArray(r.data.errors) ? r.data.errors : [];
    const lines = errors.filter((e) => /^lines\[\d+\]\./.test(e.field));
    if (!lines.length) return showFieldErrors(form, box, r);
    box.append(h('p', null, t('importRefused', { n: lines.length })));
    result.replaceChildren(h('table', { 'data-testid': 'import-bad' },
      h('thead', null, h('tr', null, [t('importLine'), t('importField'), t('reason')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, lines.map((e) => {
        const m = /^lines\[(\d+)\]\.(.*)$/.exec(e.field);
        return h('tr', null, h('td', null, m[1]), h('td', null, m[2]), h('td', null, e.message));
      }))));
  });
  if (ctx.readOnly) for (const el of form.elements) el.disabled = true;
  return card(t('importTitle'), h('p', { class: 'hint' }, t('importHelp')), form);
}
