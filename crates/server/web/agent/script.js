// The agent script: steps, macros, sub-scripts.

import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { label, t } from '../lib/i18n.js';
import { str } from '../lib/text.js';
import { enc, safeUrl } from '../lib/url.js';
import { loadSummary, rerender } from './summary.js';
import { refreshTimeline } from './timeline.js';
import { link } from './util.js';

// ============================================================== script
// Done steps are keyed by script and step: step ids are unique only
// within one script.
const doneKey = (scriptId, stepId) => String(scriptId) + '/' + String(stepId);
function doneFrom(S, progress, scriptId) {
  const p = progress && (progress.progress || progress);
  if (!p) return;
  const sid = p.script_id || scriptId;
  if (Array.isArray(p.done) && sid) p.done.forEach((d) => S.done.add(doneKey(sid, d)));
  if (p.by_script && typeof p.by_script === 'object') {
    Object.keys(p.by_script).forEach((k) => {
      const list = p.by_script[k];
      if (Array.isArray(list)) list.forEach((d) => S.done.add(doneKey(k, d)));
    });
  }
}
export function renderScriptFromSummary(S) {
  const sc = S.summary.script;
  const root = sc && (sc.script || null);
  if (sc && sc.progress) doneFrom(S, sc.progress, root && root.id);
  if (!root) S.scriptStack = [];
  else if (!S.scriptStack.length || S.scriptStack[0].id !== root.id) S.scriptStack = [root];
  else S.scriptStack[0] = root;
  renderScript(S);
}
function renderScript(S) {
  const pane = S.ui.script;
  rerender(pane, () => {
    pane.append(h('h2', { class: 'pane-title' }, t('script')));
    const sc = S.scriptStack[S.scriptStack.length - 1];
    if (!sc) { pane.append(h('p', { class: 'muted' }, t('noScript'))); return; }
    if (S.scriptStack.length > 1) {
      const parent = S.scriptStack[S.scriptStack.length - 2];
      pane.append(h('button', { type: 'button', class: 'link back', 'data-testid': 'script-back', click: () => {
        S.scriptStack.pop();
        renderScript(S);
        const first = pane.querySelector('[data-testid=script-step] button');
        if (first) first.focus();
      } }, '← ' + t('back', { name: str(parent.name) })));
    }
    const steps = Array.isArray(sc.steps) ? sc.steps : [];
    const n = steps.filter((s) => S.done.has(doneKey(sc.id, s.id))).length;
    pane.append(h('h3', { 'data-testid': 'script-name', 'data-script': str(sc.id) }, str(sc.name)),
      h('p', { class: 'muted', 'data-testid': 'script-progress' }, t('progress', { n, total: steps.length })),
      h('ol', { class: 'steps' }, steps.map((step) => scriptStep(S, sc, step))));
    S.ui.scriptStatus = h('p', { class: 'status', role: 'status', 'data-testid': 'status' }, S.scriptStatus);
    pane.append(S.ui.scriptStatus);
  });
}
const ICONS = { instruction: 'ℹ', macro: '⚡', subscript: '↳' };
function scriptStep(S, sc, step) {
  const kind = str(step.kind);
  const done = S.done.has(doneKey(sc.id, step.id));
  const kids = [
    h('div', { class: 'step-head' },
      h('span', { class: 'step-icon', 'aria-hidden': 'true' }, done ? '✓' : ICONS[kind] || '•'),
      h('span', { class: 'step-kind' }, label('s_', kind)),
      done ? h('span', { class: 'step-check', 'data-testid': 'step-check' }, '✓ ' + t('done')) : null),
    h('strong', { class: 'step-title' }, str(step.title))
  ];
  if (kind === 'instruction') {
    if (step.instruction) kids.push(h('p', { class: 'step-text' }, str(step.instruction)));
    if (!done) kids.push(h('button', { type: 'button', 'data-testid': 'step-done', click: (e) => stepDone(S, sc, step, e.currentTarget) }, t('markDone')));
  } else if (kind === 'macro') {
    kids.push(h('button', { type: 'button', class: done ? '' : 'primary', 'data-testid': 'step-run',
      click: (e) => { if (!done || window.confirm(t('runAgain'))) runMacro(S, sc, step, e.currentTarget); } }, done ? t('runAgainShort') : t('run')));
  } else if (kind === 'subscript') {
    kids.push(h('button', { type: 'button', 'data-testid': 'step-open', click: (e) => openSubscript(S, step, e.currentTarget) }, t('open')));
  }
  return h('li', { class: 'step' + (done ? ' done' : ''), 'data-testid': 'script-step', 'data-step': str(step.id),
    'data-kind': kind, 'data-done': String(done) }, kids);
}
function scriptStatus(S, ...parts) {
  parts = parts.filter((p) => p instanceof Node || str(p) !== '');
  S.scriptStatus = parts.map((p) => (p instanceof Node ? p.textContent : str(p))).join(' ');
  if (S.ui.scriptStatus) {
    S.ui.scriptStatus.textContent = '';
    parts.forEach((p, i) => S.ui.scriptStatus.append(...(i ? [' ', p] : [p])));
  }
}
async function stepDone(S, sc, step, button) {
  button.disabled = true;
  const r = await api('POST', '/api/v1/work-items/' + enc(S.id) + '/script-steps', { script_id: sc.id, step_id: step.id });
  if (S.closed) return;
  button.disabled = false;
  if (!r.ok) { scriptStatus(S, r.error); return; }
  S.done.add(doneKey(sc.id, step.id));
  doneFrom(S, r.data, sc.id);
  S.scriptStatus = t('stepDone', { title: str(step.title) });
  renderScript(S);
}
async function runMacro(S, sc, step, button) {
  button.disabled = true;
  scriptStatus(S, t('running'));
  const r = await api('POST', '/api/v1/work-items/' + enc(S.id) + '/macros', { script_id: sc.id, step_id: step.id });
  if (S.closed) return;
  button.disabled = false;
  if (!r.ok) { scriptStatus(S, r.error); return; }
  const res = r.data || {};
  S.done.add(doneKey(sc.id, step.id));
  doneFrom(S, res.progress, sc.id);
  const action = typeof res.action === 'string' ? res.action
    : (res.action && res.action.type) || (step.action && step.action.type) || '';
  S.scriptStatus = t('ran', { title: str(step.title) });
  renderScript(S);
  if (action === 'open_url') {
    const url = safeUrl(res.url);
    if (url) {
      window.open(url, '_blank', 'noopener');
      scriptStatus(S, t('ran', { title: str(step.title) }), t('opened'), link(url));
    } else scriptStatus(S, t('badUrl'));
  } else if (action === 'create_case') {
    scriptStatus(S, t('caseCreated'), res.case && res.case.title ? str(res.case.title) : '');
    await loadSummary(S);
  } else if (action === 'set_case_field' || action === 'link_contact') {
    await loadSummary(S);
  } else {
    // Every run records a note ("Macro: …"): show it now, not after the
    // next filter click. (send_message's text arrives on the socket.)
    refreshTimeline(S);
  }
}
async function openSubscript(S, step, button) {
  button.disabled = true;
  const r = await api('GET', '/api/v1/agent-scripts/' + enc(step.script_id));
  if (S.closed) return;
  button.disabled = false;
  if (!r.ok || !r.data) { scriptStatus(S, r.error); return; }
  const d = r.data;
  const sc = d.script && Array.isArray(d.script.steps) ? d.script : d;
  if (d.progress) doneFrom(S, d.progress);
  S.scriptStack.push(sc);
  S.scriptStatus = '';
  renderScript(S);
  const back = S.ui.script.querySelector('[data-testid=script-back]');
  if (back) back.focus();
}
