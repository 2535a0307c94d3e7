// Configuration as code (docs/config-as-code.md): export the site's
// configuration as a TOML file, and apply one: the file is first checked
// and its changes listed (a dry run, nothing written); "Apply" then writes
// them all in one transaction. Both go through the public API
// (GET /api/v1/config, POST /api/v1/config/apply). Admins only.

import { api, showProblem } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { fieldRow } from '../lib/form.js';
import { card, errorBox } from './data.js';

const SEND = { type: 'application/toml' };

// The changes as a table: area, record, what happens to it.
function changeTable(changes) {
  if (!changes.length) return h('p', { class: 'ok' }, t('configNoChange'));
  return h('table', { 'data-testid': 'config-changes' },
    h('thead', null, h('tr', null, [t('configArea'), t('configRecord'), t('configAction')].map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, changes.map((c) => h('tr', { 'data-action': c.action },
      h('td', null, c.area), h('td', null, c.name), h('td', null, t('configAction_' + c.action))))));
}

export function siteConfigCard(ctx) {
  const box = errorBox();
  const exportLink = h('a', { href: '/api/v1/config', download: 'site.toml', class: 'button', 'data-testid': 'config-export' }, t('configExport'));
  const file = h('input', { type: 'file', accept: '.toml,application/toml,text/plain', 'data-testid': 'config-file' });
  const result = h('div', { 'aria-live': 'polite', 'data-testid': 'config-result' });
  const applyButton = h('button', { type: 'button', hidden: '', 'data-testid': 'config-apply' }, t('configApplyNow'));
  let text = null;

  const send = async (dryRun) => {
    box.replaceChildren();
    const r = await api('POST', '/api/v1/config/apply?dry_run=' + dryRun, text, SEND);
    if (!r.ok) {
      applyButton.hidden = true;
      result.replaceChildren();
      showProblem(box, t('configRefused'), r);
      return null;
    }
    return r.data;
  };

  file.addEventListener('change', async () => {
    result.replaceChildren();
    applyButton.hidden = true;
    const f = file.files && file.files[0];
    text = f ? await f.text() : null;
    if (text === null) return;
    const plan = await send(true);
    if (!plan) return;
    result.replaceChildren(h('p', null, t('configDryRun', { n: plan.changes.length })), changeTable(plan.changes));
    applyButton.hidden = !plan.changes.length || !!ctx.readOnly;
  });
  applyButton.addEventListener('click', async () => {
    if (text === null) return;
    applyButton.disabled = true;
    const done = await send(false);
    applyButton.disabled = false;
    if (!done) return;
    applyButton.hidden = true;
    const msg = t('configApplied', { n: done.changes.length });
    result.replaceChildren(h('p', { class: 'ok' }, msg), changeTable(done.changes));
    ctx.say(msg);
  });
  if (ctx.readOnly) file.disabled = true;
  return card(t('configTitle'), h('p', { class: 'hint' }, t('configHelp')),
    h('p', null, exportLink),
    box,
    fieldRow(t('configFile'), file, 'file'),
    result,
    applyButton);
}
