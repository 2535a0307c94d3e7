// Integrations: API tokens for the systems that call Switchboard,
// outbound webhooks for the systems Switchboard calls (webhooks.js),
// importing contacts from a CSV file (imports.js), and exporting and
// applying the site's configuration as a TOML file (siteconfig.js). A new
// token's secret is shown once, here, and never again (only its digest is
// stored); a token is revoked at once. Admins only (the API refuses
// supervisors).

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { when } from '../lib/time.js';
import { enc } from '../lib/url.js';
import { clearFieldErrors, fieldRow, showFieldErrors } from '../lib/form.js';
import { button, card, errorBox, pick, read, readPages, textInput } from './data.js';
import { importCard } from './imports.js';
import { webhooksCards } from './webhooks.js';
import { siteConfigCard } from './siteconfig.js';

const ROLES = ['agent', 'supervisor', 'admin'];

export async function showIntegrations(root, ctx) {
  root.append(h('h1', { tabindex: '-1' }, t('integrations')));
  if (!ctx.admin) {
    root.append(h('p', { class: 'notice' }, t('integrationsAdminOnly')));
    return;
  }
  const [tokens, agents] = await Promise.all([read('/api/v1/tokens'), readPages('/api/v1/agents')]);
  if (!tokens || !agents) {
    root.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed')));
    return;
  }
  const names = new Map(agents.map((a) => [a.id, a.name]));
  const list = h('div', { 'data-testid': 'token-list' }, tokenTable(ctx, tokens, names));
  // A new token joins the list; the form keeps showing its secret.
  const created = async () => {
    const fresh = await read('/api/v1/tokens');
    if (fresh) list.replaceChildren(tokenTable(ctx, fresh, names));
  };
  root.append(tokenForm(ctx, agents, created), card(t('tokens'), list), ...(await webhooksCards(ctx)), importCard(ctx), siteConfigCard(ctx));
}

function tokenTable(ctx, tokens, names) {
  if (!tokens.length) return h('p', null, t('noTokens'));
  const live = (x) => !x.revoked_at && !(x.expires_at && new Date(x.expires_at) <= new Date());
  const rows = tokens.slice().reverse().map((x) => h('tr', { 'data-testid': 'token-row', 'data-id': x.id },
    h('td', null, x.name),
    h('td', null, t('role_' + x.role)),
    h('td', null, x.agent_id ? names.get(x.agent_id) || x.agent_id : t('noAgent')),
    h('td', null, when(x.created_at), x.created_by ? [h('br'), h('small', null, x.created_by)] : null),
    h('td', null, x.expires_at ? when(x.expires_at) : t('untilRevoked')),
    h('td', { 'data-testid': 'token-state' }, x.revoked_at ? t('revokedAt', { at: when(x.revoked_at) }) : live(x) ? t('live') : t('expired')),
    h('td', null, x.revoked_at ? null : button(t('revoke'), async () => {
      if (!window.confirm(t('revokeConfirm', { name: x.name }))) return;
      const r = await api('DELETE', '/api/v1/tokens/' + enc(x.id));
      if (r.ok) {
        ctx.say(t('revoked', { name: x.name }));
        ctx.reload();
      }
    }, { 'aria-label': t('revokeNamed', { name: x.name }), 'data-testid': 'token-revoke', disabled: ctx.readOnly }))));
  return h('table', null,
    h('thead', null, h('tr', null, [t('name'), t('tokenRole'), t('actsAs'), t('createdCol'), t('expiresCol'), t('stateCol'), t('actions')]
      .map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', null, rows));
}

function tokenForm(ctx, agents, created) {
  const box = errorBox();
  const name = textInput('', { 'data-testid': 'token-name' });
  const role = pick(ROLES.map((r) => [r, t('role_' + r)]), 'agent');
  const agent = pick([['', t('noAgent')]].concat(agents.filter((a) => a.active).map((a) => [a.id, a.name])), '');
  const expires = textInput('', { type: 'date', 'data-testid': 'token-expires' });
  const shown = h('div', { 'aria-live': 'polite', 'data-testid': 'token-secret-box' });
  const form = h('form', { novalidate: '', 'data-testid': 'token-form' },
    box,
    fieldRow(t('tokenName'), name, 'name'),
    fieldRow(t('tokenRole'), role, 'role'),
    fieldRow(t('actsAs'), agent, 'agent_id'),
    fieldRow(t('expiresOn'), expires, 'expires_at'),
    h('button', { type: 'submit', 'data-testid': 'token-create' }, t('createToken')),
    shown);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form, box);
    shown.replaceChildren();
    const body = { name: name.value, role: role.value };
    if (agent.value) body.agent_id = agent.value;
    // The end of the chosen day in the browser's time zone.
    if (expires.value) {
      const d = new Date(expires.value + 'T23:59:59');
      body.expires_at = isNaN(d) ? expires.value : d.toISOString();
    }
    const r = await api('POST', '/api/v1/tokens', body);
    if (!r.ok) return showFieldErrors(form, box, r);
    // The secret, this once: in a read-only field to select and copy.
    const secret = textInput(r.data.secret, { readonly: '', 'data-testid': 'token-secret', spellcheck: 'false' });
    const copy = button(t('copy'), async () => {
      secret.select();
      try { await navigator.clipboard.writeText(secret.value); ctx.say(t('copied')); } catch (e) { ctx.say(t('copyByHand')); }
    });
    shown.replaceChildren(h('div', { class: 'notice', role: 'note' },
      h('p', null, h('strong', null, t('secretOnce'))),
      fieldRow(t('secretFor', { name: r.data.name }), secret), copy));
    name.value = '';
    secret.focus();
    secret.select();
    ctx.say(t('createdToken', { name: r.data.name }));
    await created();
  });
  if (ctx.readOnly) for (const el of form.elements) el.disabled = true;
  return card(t('newToken'), form);
}
