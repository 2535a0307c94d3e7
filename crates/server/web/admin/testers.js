// The rule testers: "a chat with these attributes from this contact goes
// to … because …" (POST /api/v1/routing-rules/test) and "would these
// proactive rules invite this visitor?" (POST /api/v1/widgets/{id}/
// proactive-rules/test). Both send the rules as they are in the screen's
// form (a draft: nothing is saved) and show the server's answer in a live
// region, every string as text. A 422 is shown beside the fields: the
// tester's own, or the rules' in the card `scope()` returns.

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { clearFieldErrors, fieldRow, showFieldErrors } from '../lib/form.js';
import { errorBox, numberOf, pairsOf, pick, textInput, tickBox } from './data.js';

const CHANNELS = ['chat', 'voice', 'callback'];

// The tester's frame: a titled form with its fields, a Test button, an
// error area and the live region the answer goes to.
function testerForm(testid, fields, run) {
  const title = h('h3', { id: testid + '-title' }, t('testTitle'));
  const box = errorBox();
  const result = h('div', { class: 'tester-result', 'aria-live': 'polite', 'data-testid': testid + '-result' });
  const el = h('form', { class: 'tester', novalidate: true, 'aria-labelledby': title.id, 'data-testid': testid,
    submit: (ev) => { ev.preventDefault(); run(box, result); } },
  title, fields, box,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', 'data-testid': testid + '-run' }, t('testRun'))),
  result);
  return el;
}

// Puts the answer's lines in the live region (replacing the last one).
function show(result, lines) {
  result.replaceChildren(...lines.filter(Boolean));
}

// A sentence from a text that may start with a rule's name.
function sentence(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// A rule's name for a sentence: "rule 2 “Billing”".
function ruleLabel(index, name) {
  return t('ruleNamed', { n: index + 1, name: str(name) });
}

// ------------------------------------------------------------------ routing

// `draft()`: the rules as PUT /api/v1/routing-rules takes them, or null
// for the saved ones.
export function routeTester(draft, scope) {
  const c = {
    channel: pick(CHANNELS.map((x) => [x, t('wc_' + x)]), 'chat'),
    attributes: h('textarea', { rows: '3', placeholder: 'language=fr\ntopic=billing', 'data-testid': 'route-test-attributes' }),
    contact: textInput('', { 'data-testid': 'route-test-contact' })
  };
  c.channel.setAttribute('data-testid', 'route-test-channel');
  const fields = [
    h('p', { class: 'muted' }, t('routeTestHelp')),
    h('div', { class: 'grid' },
      fieldRow(t('channel'), c.channel, 'channel'),
      fieldRow(t('testAttributes'), c.attributes, 'attributes'),
      fieldRow(t('testContact'), c.contact, 'contact_id'))
  ];

  async function run(box, result) {
    const body = { channel: c.channel.value, attributes: pairsOf(c.attributes.value) };
    if (c.contact.value.trim()) body.contact_id = c.contact.value.trim();
    const rules = draft();
    if (rules) body.rules = rules;
    clearFieldErrors(scope(), box);
    result.replaceChildren();
    const r = await api('POST', '/api/v1/routing-rules/test', body);
    if (!r.ok) return showFieldErrors(scope(), box, r);
    show(result, routeAnswer(r.data));
  }
  return testerForm('route-test', fields, run);
}

function routeAnswer(a) {
  const queue = a.queue ? str(a.queue.name) : '';
  let verdict;
  if (a.refusal) {
    const code = str(a.refusal.code);
    const own = t('refusal_' + code, { queue });
    verdict = t('routeRefused', { reason: own !== 'refusal_' + code ? own : str(a.refusal.message) });
  } else if (a.rule) {
    verdict = t('routeByRule', { queue, rule: ruleLabel(a.rule.index, a.rule.name) });
  } else {
    verdict = t('routeByDefault', { queue });
  }
  const skills = (a.skills || []).map((s) => t('skillAtLeast', { name: str(s.name), min: s.min }));
  const seen = Object.entries(a.attributes || {}).map(([k, v]) => str(k) + '=' + str(v));
  return [
    h('p', { class: 'verdict', 'data-testid': 'route-test-verdict' }, h('strong', null, sentence(verdict))),
    a.queue && !a.refusal ? h('p', null, t('routeNeeds', {
      skills: skills.length ? skills.join(', ') : t('noSkillsNeeded'), priority: a.priority
    })) : null,
    h('p', { class: 'muted' }, t('rulesSaw', { list: seen.join(', ') })),
    h('ol', { class: 'verdicts', 'data-testid': 'route-test-rules' }, (a.rules || []).map(ruleVerdict))
  ];
}

function testText(x) {
  const op = str(x.op);
  const values = op === 'in' ? (x.values || []).map(str).join(', ') : str(x.value);
  return t('testShown', { attribute: str(x.attribute), op: t('op_' + op), value: op === 'exists' ? '' : values }).trim();
}

function ruleVerdict(v) {
  const named = ruleLabel(v.index, v.name);
  const queue = v.queue_name == null ? '' : str(v.queue_name);
  if (v.unusable) {
    return h('li', { 'data-verdict': 'unusable' }, sentence(t(v.queue_name == null ? 'ruleQueueGone' : 'ruleUnreadable', { rule: named })));
  }
  if (v.matches) {
    return h('li', { 'data-verdict': v.chosen ? 'chosen' : 'later' }, sentence(t(v.chosen ? 'ruleChosen' : 'ruleMatchesLater', { rule: named, queue })));
  }
  return h('li', { 'data-verdict': 'fails' }, sentence(t('ruleFails', { rule: named, queue })),
    h('ul', null, (v.failed_tests || []).map((f) => h('li', null,
      t('failedTest', { n: f.index + 1, test: testText(f.test), value: f.value == null ? t('absent') : '“' + str(f.value) + '”' })))));
}

// ---------------------------------------------------------------- proactive

// `draft()`: the rules as PUT …/proactive-rules takes them.
export function proactiveTester(w, draft, scope) {
  const c = {
    url: textInput('', { type: 'url', placeholder: 'https://shop.example/pricing', 'data-testid': 'proactive-test-url' }),
    at: textInput('', { type: 'datetime-local', 'data-testid': 'proactive-test-at' }),
    seconds: textInput('', { type: 'number', inputmode: 'numeric', min: '0', 'data-testid': 'proactive-test-seconds' }),
    country: textInput('', { maxlength: '2', placeholder: 'FR', 'data-testid': 'proactive-test-country' }),
    pages: textInput('1', { type: 'number', inputmode: 'numeric', min: '1', 'data-testid': 'proactive-test-pages' }),
    returning: tickBox(false, { 'data-testid': 'proactive-test-returning' }),
    authenticated: tickBox(false, { 'data-testid': 'proactive-test-authenticated' }),
    contact: textInput('', { 'data-testid': 'proactive-test-contact' })
  };
  const fields = [
    h('p', { class: 'muted' }, t('proactiveTestHelp')),
    h('div', { class: 'grid' },
      fieldRow(t('testUrl'), c.url, 'url'),
      fieldRow(t('testAt'), c.at, 'at'),
      fieldRow(t('testSeconds'), c.seconds, 'seconds_on_page'),
      fieldRow(t('country'), c.country, 'country'),
      fieldRow(t('testPages'), c.pages, 'pages_in_session'),
      fieldRow(t('testContactTargets'), c.contact, 'contact_id'),
      fieldRow(t('testReturning'), c.returning, 'returning'),
      fieldRow(t('testSignedIn'), c.authenticated, 'authenticated'))
  ];

  async function run(box, result) {
    const body = { url: c.url.value, returning: c.returning.checked, authenticated: c.authenticated.checked, rules: draft() };
    if (c.contact.value.trim()) body.contact_id = c.contact.value.trim();
    // The browser's local time, as an instant; text it cannot read is
    // sent as typed for the API to refuse.
    if (c.at.value) {
      const d = new Date(c.at.value);
      body.at = Number.isNaN(d.getTime()) ? c.at.value : d.toISOString();
    }
    const secs = numberOf(c.seconds);
    if (secs !== undefined) body.seconds_on_page = secs;
    const pages = numberOf(c.pages);
    if (pages !== undefined) body.pages_in_session = pages;
    if (c.country.value.trim()) body.country = c.country.value.trim();
    clearFieldErrors(scope(), box);
    result.replaceChildren();
    const r = await api('POST', '/api/v1/widgets/' + encodeURIComponent(w.id) + '/proactive-rules/test', body);
    if (!r.ok) return showFieldErrors(scope(), box, r);
    show(result, proactiveAnswer(r.data));
  }
  return testerForm('proactive-test', fields, run);
}

function proactiveAnswer(a) {
  const first = a.first;
  const verdict = first
    ? t('invitesAfter', { rule: ruleLabel(first.index, first.name), s: first.after_seconds })
    : t('invitesNobody');
  return [
    h('p', { class: 'verdict', 'data-testid': 'proactive-test-verdict', 'data-invites': first ? 'yes' : 'no' }, h('strong', null, sentence(verdict))),
    a.proactive_enabled ? null : h('p', { class: 'notice' }, t('proactiveTestOff')),
    h('ol', { class: 'verdicts', 'data-testid': 'proactive-test-rules' }, (a.rules || []).map((v) => {
      const named = ruleLabel(v.index, v.name);
      const agent = v.only_when_agent_available ? ' ' + t('ifAgentAvailable') : '';
      if (v.invites) return h('li', { 'data-verdict': 'invites' }, sentence(t('ruleInvites', { rule: named })) + agent);
      const why = (v.failed || []).map((x) => t('cond_' + str(x))).join('; ');
      return h('li', { 'data-verdict': 'fails' }, sentence(t('ruleDoesNotInvite', { rule: named, why })));
    }))
  ];
}
