/* Switchboard chat widget, served at /widget.js. Contract: docs/chat.md.
 * Plain ES2019, no dependencies, no build step.
 * Everything that comes from the server, an agent, the visitor or the host
 * page is inserted as text (textContent / Text nodes), never parsed as HTML.
 *
 * Host pages load one classic script: the server assembles /widget.js at
 * start from this module and the modules it imports (web/lib, the texts in
 * web/i18n): their import lines dropped, their export keywords removed,
 * all in one function scope (see crates/server/src/web.rs). Imports here
 * are default imports or plain named ones ({ a, b }, no renaming). */

import { api } from '../lib/api.js';
import { h, put, slot } from '../lib/dom.js';
import { lang, pickLanguage, setLanguage, t, useTexts } from '../lib/i18n.js';
import { rid } from '../lib/random.js';
import { browserTz, stamp } from '../lib/time.js';
import { enc } from '../lib/url.js';
import en from '../i18n/widget.en.js';
import fr from '../i18n/widget.fr.js';
import es from '../i18n/widget.es.js';

(function () {
  'use strict';
  var previous = window.Switchboard;
  if (previous && typeof previous.open === 'function') return; // loaded twice
  var script = document.currentScript || document.querySelector('script[data-widget]');
  if (!script || !script.src) return;

  var ORIGIN = new URL(script.src, location.href).origin;
  var WID = script.getAttribute('data-widget') || '';
  // The admin center's live preview: drawn from settings it hands over
  // (Switchboard.preview), with no request to the server and nothing kept.
  var PREVIEW = script.hasAttribute('data-preview');
  var PATH = '/widget/v1/' + enc(WID) + '/';
  var preset = window.SwitchboardConfig || {};
  var KEY = 'sb:' + WID + ':';
  useTexts({ en: en, fr: fr, es: es });

  // -------------------------------------------------------------- helpers
  function store(kind, k, v) {
    if (PREVIEW) return null;
    try {
      var s = window[kind];
      if (v === undefined) return s.getItem(KEY + k);
      if (v === null) s.removeItem(KEY + k); else s.setItem(KEY + k, v);
    } catch (e) { /* storage blocked: the widget still works for this page */ }
    return null;
  }
  function local(k, v) { return store('localStorage', k, v); }
  function session(k, v) { return store('sessionStorage', k, v); }
  // --------------------------------------------------------------- events
  var handlers = {};
  var readyFired = false;
  function emit(ev, data) {
    (handlers[ev] || []).slice().forEach(function (fn) {
      try { fn(data); } catch (e) { console.error(e); }
    });
  }

  // ------------------------------------------------------------ state
  var cfg = null;            // GET config answer
  var authToken = preset.authToken || null;
  var authRefused = false;
  var token = null, sessionId = null, registered = false, regP = null;
  var ctxFn = null;
  var queue = [];            // journey events waiting for registration
  var conv = null;           // {id, status, position, estimated_wait_seconds, agent_name, ...}
  var maxSeq = 0;            // highest message seq shown in this page
  var pending = new Map();   // client_id -> {body, el}, visitor messages not yet acknowledged
  var confirmed = new Set(); // client_ids acknowledged
  var ws = null, live = false, backoff = 500, retryT = 0, fails = 0, endWanted = false;
  var agentTyping = false, agentTypingT = 0, typingOn = false, typingAt = 0, idleT = 0;
  var invite = null, inviteT = 0, inviteId = null;
  var isOpen = false, wantOpen = false, busy = false, errText = '', lastName = null;
  var lastUrl = location.href, pageT = 0;
  var pageAt = Date.now() - (window.performance ? performance.now() : 0); // page load instant
  var ui = null;

  // ------------------------------------------------------------- network
  // The widget API on Switchboard's origin, with the visitor token.
  function request(method, path, body, again) {
    if (PREVIEW) return Promise.resolve({ status: 0, ok: false, data: null });
    // A retry after re-registration carries the session id it was given.
    if (body && path !== 'visitors' && 'session_id' in body) body.session_id = sessionId;
    var headers = {};
    if (token && path !== 'visitors') headers.Authorization = 'Bearer ' + token;
    return api(method, ORIGIN + PATH + path, body, { mode: 'cors', credentials: 'omit', headers: headers }).then(function (r) {
      if (r.status === 401 && token && !again && path !== 'visitors') {
        // The visitor token expired: register again (once), then retry once.
        return register().then(function (ok) {
          return ok ? request(method, path, body, true) : { status: 401, ok: false, data: null };
        });
      }
      return r;
    });
  }

  function register() {
    if (!regP) regP = doRegister().then(function (ok) { regP = null; return ok; });
    return regP;
  }
  function doRegister() {
    return request('POST', 'visitors', {
      visitor_id: local('visitor') || undefined,
      session_id: session('session') || undefined,
      auth_token: authToken || undefined,
      language: lang,
      time_zone: browserTz,
      referrer: document.referrer,
      screen: screen.width + 'x' + screen.height
    }).then(function (r) {
      if (r.status === 401) {
        // An auth_token the server refuses: no loop, the visitor stays
        // unregistered until setAuthToken() gives another one.
        authRefused = true;
        token = null;
        registered = false;
        console.warn('Switchboard: the auth token was refused (401); chat is unavailable until setAuthToken() is called with a valid one.');
        return false;
      }
      var d = r.data;
      if (!r.ok || !d || !d.token) return false;
      token = d.token;
      sessionId = d.session_id;
      local('visitor', d.visitor_id);
      session('session', d.session_id);
      if (!registered) {
        registered = true;
        queue.splice(0).forEach(sendEvent);
        pageView();
        resume(d.conversation);
        if (!readyFired) { readyFired = true; emit('ready'); }
      }
      return true;
    });
  }

  // ------------------------------------------------------------- journey
  function track(ev) {
    ev.url = location.href;
    if (registered) sendEvent(ev); else queue.push(ev);
  }
  function sendEvent(ev) {
    request('POST', 'events', Object.assign({ session_id: sessionId }, ev));
  }
  function route() {
    if (location.href === lastUrl) return;
    pageAt = Date.now();
    pageView();
  }
  function pageView() {
    lastUrl = location.href;
    clearTimeout(pageT);
    if (!registered) return; // registration sends the current page
    var at = pageAt;
    request('POST', 'events', { session_id: sessionId, type: 'page', url: lastUrl, title: document.title })
      .then(function (r) {
        var cand = r.ok && r.data && r.data.invitation;
        if (!cand || at !== pageAt || cfg.proactive_enabled === false) return;
        clearTimeout(pageT);
        pageT = setTimeout(function () { askInvitation(cand.rule_id, at); },
          Math.max(0, cand.after_seconds * 1000 - (Date.now() - at)));
      });
  }
  function askInvitation(ruleId, at) {
    if (conv || invite || isOpen || !registered) return;
    request('POST', 'invitations', {
      session_id: sessionId, rule_id: ruleId, url: location.href,
      seconds_on_page: Math.round((Date.now() - at) / 1000)
    }).then(function (r) {
      var inv = r.ok && r.data && r.data.invitation;
      if (!inv || conv || invite || isOpen || !ui) return;
      invite = inv;
      ui.inviteMsg.textContent = inv.message;
      render();
      emit('invitation_shown', { rule_id: inv.rule_id, message: inv.message });
      inviteT = setTimeout(function () { dismiss('expired'); }, 60000);
    });
  }
  function hideInvite() {
    var inv = invite;
    clearTimeout(inviteT);
    invite = null;
    render();
    return inv;
  }
  function dismiss(outcome) {
    var inv = hideInvite();
    if (inv) request('POST', 'invitations/' + enc(inv.id), { outcome: outcome });
  }

  ['pushState', 'replaceState'].forEach(function (name) {
    var orig = history[name];
    history[name] = function () {
      var out = orig.apply(this, arguments);
      setTimeout(route); // after the app had a chance to set document.title
      return out;
    };
  });
  window.addEventListener('popstate', route);
  window.addEventListener('hashchange', route);

  // -------------------------------------------------------- conversation
  function context() {
    var v;
    try { v = ctxFn && ctxFn(); } catch (e) { console.warn('Switchboard: the context provider failed', e); }
    return Promise.resolve(v).catch(function () { return null; }).then(function (v) {
      var out = {};
      if (v && typeof v === 'object') Object.keys(v).forEach(function (k) {
        var x = v[k], ty = typeof x;
        if (x === undefined || ty === 'function' || ty === 'symbol') return;
        out[k] = ty === 'string' || ty === 'number' || ty === 'boolean' ? x
          : ty === 'object' ? JSON.stringify(x) : String(x);
      });
      return out;
    });
  }

  function fieldError(f, text) {
    if (f.err) { f.err.remove(); f.err = null; }
    f.input.removeAttribute('aria-invalid');
    f.input.removeAttribute('aria-describedby');
    if (!text) return;
    f.err = h('p', { class: 'fe', id: f.input.id + '-e', 'data-testid': 'survey-error-' + f.q.id }, text);
    f.wrap.append(f.err);
    f.input.setAttribute('aria-invalid', 'true');
    f.input.setAttribute('aria-describedby', f.err.id);
  }

  // Sends the visitor's rating of the ended chat.
  function rate(e) {
    e.preventDefault();
    if (busy || !conv) return;
    var chosen = ui.scores.filter(function (el) { return el.checked; })[0];
    if (!chosen) { setError(t('rateChoose')); ui.scores[0].focus(); return; }
    setError('');
    busy = true;
    request('POST', 'conversations/' + enc(conv.id) + '/rating',
      { score: Number(chosen.value), comment: ui.rateComment.value || undefined }).then(function (r) {
      busy = false;
      if (r.ok && r.data) {
        conv.rated = true;
        render();
        ui.rated.focus();
      } else {
        setError(PREVIEW ? t('preview') : t('fail'));
      }
    });
  }

  function start() {
    if (busy || conv) return;
    setError('');
    var survey = {}, bad = null;
    ui.fields.forEach(function (f) {
      var v = f.input.value.trim();
      var missing = f.q.required && !v;
      fieldError(f, missing ? t('req') : '');
      if (missing && !bad) bad = f.input;
      if (v) survey[f.q.id] = v;
    });
    if (bad) { bad.focus(); return; }
    if (PREVIEW) return setError(t('preview'));
    busy = true;
    ui.startBtn.disabled = true;
    var body;
    (registered ? Promise.resolve(true) : register()).then(function (ok) {
      if (!ok) return null;
      return context().then(function (ctx) {
        body = { session_id: sessionId, survey: survey, context: ctx, url: location.href };
        if (inviteId) body.invitation_id = inviteId;
        return request('POST', 'conversations', body);
      }).then(function (r) {
        // An invitation the server no longer accepts (expired) must not stop
        // the chat: try once more without it.
        if (!r.ok && body.invitation_id && !surveyErrors(r).length) {
          delete body.invitation_id;
          inviteId = null;
          return request('POST', 'conversations', body);
        }
        return r;
      });
    }).then(function (r) {
      busy = false;
      ui.startBtn.disabled = false;
      if (!r) return setError(t('fail'));
      if (r.ok && r.data) {
        inviteId = null;
        var c = r.data.conversation || r.data;
        begin(c, true);
        emit('conversation_started', { conversation_id: c.id });
        return;
      }
      var errs = (r.status === 422 && r.data && r.data.errors) || [];
      var other = [], first = null;
      errs.forEach(function (e) {
        var f = ui.fields.find(function (f) { return 'survey.' + f.q.id === e.field; });
        if (f) { fieldError(f, answerError(f.q, e.code)); first = first || f.input; } else other.push(e.message);
      });
      if (other.length || !first) setError(other.join(' ') || (r.data && r.data.detail) || t('fail'));
      if (first) first.focus();
    });
  }
  // The server names the rule broken; the visitor reads it in their language.
  function answerError(q, code) {
    if (code === 'too_long') return t('long_answer');
    if (code === 'invalid') {
      return t(q.type === 'email' ? 'bad_email' : q.type === 'phone' ? 'bad_phone'
        : q.type === 'choice' ? 'bad_choice' : 'fail');
    }
    return t('req');
  }
  function surveyErrors(r) {
    return ((r.status === 422 && r.data && r.data.errors) || []).filter(function (e) {
      return /^survey\./.test(e.field);
    });
  }

  function saveConv() {
    local('conversation', JSON.stringify({ conversation_id: conv.id, last_seq: maxSeq }));
  }
  // Shows a conversation (new or resumed) from its first message on.
  function begin(c, byVisitor) {
    conv = c;
    maxSeq = 0;
    pending.clear();
    ui.list.textContent = '';
    lastName = null;
    endWanted = false;
    backoff = 500;
    saveConv();
    render();
    connect();
    if (byVisitor && isOpen) ui.composer.focus();
  }
  function resume(c) {
    if (conv) return;
    var saved = null;
    try { saved = JSON.parse(local('conversation')); } catch (e) { /* none */ }
    var found = c && c.id && c.status !== 'ended' ? Promise.resolve(c)
      : saved && saved.conversation_id
        ? request('GET', 'conversations/' + enc(saved.conversation_id)).then(function (r) {
          if (r.status && !r.ok) local('conversation', null);
          return r.ok && r.data && (r.data.conversation || r.data);
        })
        : Promise.resolve(null);
    found.then(function (c) {
      if (conv || !ui) return;
      if (!c || !c.id || c.status === 'ended') { if (c) local('conversation', null); return; }
      begin(c, false);
      if (session('open') !== '0') open(false);
    });
  }

  function connect() {
    clearTimeout(retryT);
    if (!conv || conv.status === 'ended') return;
    var id = conv.id, opened = false;
    var url = ORIGIN.replace(/^http/, 'ws') + PATH + 'ws?token=' + enc(token || '') +
      '&conversation_id=' + enc(id) + '&after=' + maxSeq;
    var s;
    try { s = new WebSocket(url); } catch (e) { return; }
    ws = s;
    s.onopen = function () { opened = true; };
    s.onmessage = function (e) { if (ws === s) onFrame(e.data); };
    s.onclose = function () {
      if (ws !== s) return;
      ws = null;
      live = false;
      agentTyping = false;
      if (!conv || conv.id !== id || conv.status === 'ended') return;
      setError(t('net'));
      fails = opened ? 0 : fails + 1;
      retryT = setTimeout(function () {
        // Refused twice without opening: the visitor token may have expired.
        (fails >= 2 ? register() : Promise.resolve()).then(connect);
      }, backoff);
      backoff = Math.min(backoff * 2, 10000);
    };
  }
  function wsSend(o) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(o));
  }
  function resendPending() {
    if (live) pending.forEach(function (p, cid) { wsSend({ type: 'message', client_id: cid, body: p.body }); });
  }

  function onFrame(raw) {
    var m;
    try { m = JSON.parse(raw); } catch (e) { return; }
    if (!m || !conv) return;
    switch (m.type) {
      case 'ready':
        live = true;
        backoff = 500;
        fails = 0;
        if (errText === t('net')) setError('');
        if (m.conversation) Object.assign(conv, m.conversation);
        if (conv.status === 'ended') return ended();
        resendPending();
        if (endWanted) wsSend({ type: 'end' });
        break;
      case 'message': addMessage(m); break;
      case 'ack': confirm(m.client_id, m.seq, m.at || null); break;
      case 'waiting':
        conv.status = 'waiting';
        conv.position = m.position;
        conv.estimated_wait_seconds = m.estimated_wait_seconds;
        break;
      case 'typing': setAgentTyping(m.typing); break;
      case 'joined':
        if (conv.status !== 'active' || conv.agent_name !== m.agent_name) {
          note(t('joined', { name: m.agent_name || t('agent') }));
        }
        conv.status = 'active';
        conv.agent_name = m.agent_name;
        break;
      case 'ended': return ended();
      case 'error':
        if (m.code === 'ended') return ended();
        // In the visitor's language: the code, never the server's English message.
        setError(m.code === 'too_long' || m.code === 'rate_limited' ? t(m.code) : t('fail'));
        if (m.code === 'rate_limited') setTimeout(resendPending, 3000);
        break;
    }
    render();
  }

  function addMessage(m) {
    var seq = Number(m.seq);
    if (!(seq > maxSeq)) return; // already shown: exactly once
    maxSeq = seq;
    saveConv();
    if (m.client_id && pending.has(m.client_id)) return confirm(m.client_id, seq, m.at);
    if (m.client_id && confirmed.has(m.client_id)) return;
    if (m.sender === 'agent') setAgentTyping(false);
    var el = messageEl(m.sender, m.body, m.name, m.at);
    el.setAttribute('data-seq', seq);
    emit('message', { sender: m.sender, body: m.body, at: m.at });
  }
  function confirm(cid, seq, at) {
    var p = pending.get(cid);
    if (!p) return;
    pending.delete(cid);
    confirmed.add(cid);
    p.el.removeAttribute('data-pending');
    p.el.setAttribute('data-seq', seq);
    emit('message', { sender: 'visitor', body: p.body, at: at || new Date().toISOString() });
  }
  // The element's text is exactly the body; an agent's name goes on a line
  // of its own before their first message in a row.
  function messageEl(sender, body, name, at) {
    name = sender === 'agent' && name ? String(name) : null;
    if (name && name !== lastName) ui.list.append(h('div', { class: 'n' }, name));
    lastName = name;
    var el = h('div', {
      class: 'm ' + (sender === 'visitor' || sender === 'agent' ? sender : 'system'),
      'data-testid': 'message', 'data-sender': sender
    }, String(body));
    var shown = stamp(at);
    if (shown) el.title = shown;
    ui.list.append(el);
    ui.list.scrollTop = ui.list.scrollHeight;
    return el;
  }
  function note(text) {
    lastName = null;
    ui.list.append(h('div', { class: 'm system note' }, text));
    ui.list.scrollTop = ui.list.scrollHeight;
  }
  function setAgentTyping(on) {
    agentTyping = !!on;
    clearTimeout(agentTypingT);
    if (agentTyping) agentTypingT = setTimeout(function () { agentTyping = false; render(); }, 15000);
  }

  function send() {
    var body = ui.composer.value.trim();
    if (!body || !conv || conv.status === 'ended') return;
    if (body.length > 4000) return setError(t('too_long'));
    ui.composer.value = '';
    stopTyping();
    if (errText !== t('net')) setError('');
    var cid = rid();
    var el = messageEl('visitor', body);
    el.setAttribute('data-pending', '');
    pending.set(cid, { body: body, el: el });
    if (live) wsSend({ type: 'message', client_id: cid, body: body });
    ui.composer.focus();
  }
  function typed() {
    if (!live) return;
    var now = Date.now();
    if (now - typingAt >= 2000) {
      typingAt = now;
      typingOn = true;
      wsSend({ type: 'typing', typing: true });
    }
    clearTimeout(idleT);
    idleT = setTimeout(stopTyping, 3000);
  }
  function stopTyping() {
    clearTimeout(idleT);
    if (!typingOn) return;
    typingOn = false;
    typingAt = 0;
    wsSend({ type: 'typing', typing: false });
  }
  function endChat() {
    if (!conv) return;
    endWanted = true;
    if (live) wsSend({ type: 'end' });
  }
  function ended() {
    var hadFocus = isOpen && ui.panel.contains(ui.root.activeElement);
    conv.status = 'ended';
    local('conversation', null);
    clearTimeout(retryT);
    clearTimeout(idleT);
    live = false;
    endWanted = false;
    agentTyping = false;
    typingOn = false;
    if (errText === t('net')) errText = '';
    if (ws) { var s = ws; ws = null; s.close(); }
    render();
    if (hadFocus) ui.newBtn.focus();
  }
  // The conversation as a text file (the visitor's language and time
  // zone), fetched with the visitor token and saved by the browser.
  function downloadTranscript() {
    if (!conv) return;
    var id = conv.id;
    function get(again) {
      return fetch(ORIGIN + PATH + 'conversations/' + enc(id) + '/transcript', {
        mode: 'cors', credentials: 'omit', headers: { Authorization: 'Bearer ' + (token || '') }
      }).then(function (r) {
        if (r.status === 401 && !again) return register().then(function (ok) { return ok ? get(true) : r; });
        return r;
      });
    }
    get(false).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var a = h('a', { href: url, download: 'chat-transcript-' + new Date().toISOString().slice(0, 10) + '.txt', hidden: true });
      ui.root.append(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    }).catch(function () { setError(t('fail')); });
  }
  function newChat() {
    conv = null;
    maxSeq = 0;
    pending.clear();
    ui.list.textContent = '';
    lastName = null;
    setError('');
    render();
    focusIn();
  }

  // ------------------------------------------------------------------ UI
  function setError(text) {
    errText = text || '';
    if (ui) { ui.err.textContent = errText; render(); }
  }
  function focusIn() {
    var el = !conv ? (ui.fields[0] ? ui.fields[0].input : ui.startBtn)
      : conv.status === 'ended' ? ui.newBtn : ui.composer;
    el.focus();
  }
  function open(focus) {
    if (!ui) { wantOpen = true; return; }
    var inv = invite && hideInvite();
    if (inv) inviteId = inv.id; // opening while invited accepts the invitation
    if (!isOpen) {
      isOpen = true;
      session('open', '1');
      render();
      emit('opened');
    }
    if (focus) focusIn();
    if (inv && !conv && !ui.fields.length) start();
  }
  function close() {
    if (!ui) { wantOpen = false; return; }
    if (!isOpen) return;
    var hadFocus = ui.panel.contains(ui.root.activeElement);
    isOpen = false;
    session('open', '0');
    render();
    emit('closed');
    if (hadFocus) ui.launcher.focus();
  }

  function render() {
    if (!ui) return;
    var st = conv ? (conv.status === 'ended' || conv.status === 'active' ? conv.status : 'waiting')
      : invite ? 'invited' : isOpen ? 'survey' : 'idle';
    ui.host.setAttribute('data-state', st);
    ui.launcher.setAttribute('aria-expanded', String(isOpen));
    put(ui.panel, isOpen);
    put(ui.invite, !!invite);
    put(ui.form, !conv);
    put(ui.chat, !!conv);
    put(ui.err, !!errText);
    put(ui.waiting, st === 'waiting');
    put(ui.typing, agentTyping && st === 'active');
    put(ui.compose, !!conv && st !== 'ended');
    put(ui.ended, st === 'ended');
    var asks = st === 'ended' && !!cfg.csat_enabled;
    put(ui.rate, asks && !conv.rated);
    put(ui.rated, asks && !!conv.rated);
    if (st === 'waiting') {
      var lines = [conv.position ? t('pos', { n: conv.position }) : t('wait')];
      var s = conv.estimated_wait_seconds;
      if (typeof s === 'number') lines.push(t('eta', { m: Math.max(1, Math.ceil(s / 60)) }));
      var text = lines.join('\n');
      if (ui.waiting.textContent !== text) ui.waiting.textContent = text;
    }
  }

  var STYLE = ':host{all:initial}' +
    '*{box-sizing:border-box;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:14px;line-height:1.4}' +
    '[hidden]{display:none!important}' +
    '.w{position:fixed;bottom:20px;right:20px;z-index:2147483000;display:flex;flex-direction:column;align-items:flex-end;gap:12px;color:#1d2430}' +
    '.w.left{right:auto;left:20px;align-items:flex-start}' +
    'button{cursor:pointer;border:1px solid #c4c9d2;background:#fff;color:#1d2430;border-radius:6px;padding:7px 12px}' +
    'button:disabled{opacity:.6;cursor:default}' +
    ':focus-visible{outline:3px solid #1d2430;outline-offset:2px}' +
    '.p{background:var(--c);color:var(--t);border-color:var(--c);font-weight:600}' +
    '.launch{border-radius:24px;padding:12px 20px;box-shadow:0 4px 14px rgba(0,0,0,.25)}' +
    '.panel{width:min(360px,calc(100vw - 40px));height:min(540px,calc(100vh - 110px));background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);display:flex;flex-direction:column;overflow:hidden}' +
    '.hd{background:var(--c);color:var(--t);display:flex;align-items:center;justify-content:space-between;padding:8px 8px 8px 14px}' +
    'h2{margin:0;font-size:16px;font-weight:600;color:inherit;overflow-wrap:anywhere}' +
    '.x{flex:none;background:none;border:0;color:inherit;font-size:20px;line-height:1;padding:4px 10px}' +
    '.err{margin:0;padding:8px 14px;background:#fdecee;color:#8a0016}' +
    'form{padding:14px;display:flex;flex-direction:column;gap:12px;overflow:auto}' +
    'label{display:block;font-weight:600;margin-bottom:4px}' +
    'input,select,textarea{width:100%;border:1px solid #c4c9d2;border-radius:6px;padding:7px;background:#fff;color:#1d2430}' +
    '[aria-invalid]{border-color:#b00020}' +
    '.fe{color:#b00020;margin:4px 0 0}' +
    '.chat{flex:1;display:flex;flex-direction:column;min-height:0}' +
    '.wait{padding:10px 14px;background:#f1f3f6;white-space:pre-line}' +
    '.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}' +
    '.m{max-width:85%;padding:8px 10px;border-radius:10px;background:#eef1f5;white-space:pre-wrap;overflow-wrap:anywhere;align-self:flex-start}' +
    '.m.visitor{align-self:flex-end;background:var(--c);color:var(--t)}' +
    '.m[data-pending]{opacity:.6}' +
    '.m.system{align-self:center;background:none;font-style:italic;color:#4a5260;font-size:13px}' +
    '.n{font-size:12px;font-weight:600;color:#4a5260;margin:4px 0 -6px 2px}' +
    '.typing{padding:0 14px 6px;font-style:italic;color:#4a5260}' +
    '.compose{border-top:1px solid #e3e6eb;padding:10px;display:flex;flex-direction:column;gap:8px}' +
    '.row{display:flex;gap:8px}textarea{resize:none;flex:1}' +
    '.end{align-self:flex-end;font-size:13px;padding:4px 10px}' +
    '.ended{padding:14px;text-align:center;border-top:1px solid #e3e6eb}.ended p{margin:0 0 10px;font-weight:600}' +
    '.acts{display:flex;gap:8px;justify-content:center;flex-wrap:wrap}' +
    '.rate{padding:0 0 12px;text-align:left;gap:8px}.rate fieldset{border:0;margin:0;padding:0}' +
    '.rate legend{font-weight:600;margin-bottom:6px}.scores{display:flex;flex-direction:column;gap:4px}' +
    '.score{display:flex;align-items:center;gap:8px;font-weight:400;margin:0}.score input{width:auto;margin:0}' +
    '.inv{position:relative;background:#fff;border-radius:12px;padding:14px;box-shadow:0 6px 24px rgba(0,0,0,.25);max-width:300px}' +
    '.inv p{margin:0 28px 12px 0;white-space:pre-wrap;overflow-wrap:anywhere}' +
    '.inv .x{position:absolute;top:6px;right:4px;color:#4a5260}';

  function mount() {
    var host = h('div', { id: 'switchboard-widget', 'data-state': 'idle' });
    var root = host.attachShadow({ mode: 'open' });
    var names = cfg.name_translations || {};
    var name = names[lang] || cfg.name || t('launch');
    var color = cfg.color && colorOk(cfg.color) ? cfg.color : '#0b5fff';
    var u = { host: host, root: root, fields: [] };

    u.inviteMsg = h('p', { 'data-testid': 'invitation-message' });
    u.invite = h('div', { class: 'inv', role: 'group', 'aria-label': t('invite'), 'data-testid': 'invitation' },
      h('button', { type: 'button', class: 'x', 'aria-label': t('close'), 'data-testid': 'invitation-close',
        click: function () { dismiss('closed'); } }, '×'),
      u.inviteMsg,
      h('button', { type: 'button', class: 'p', 'data-testid': 'invitation-accept',
        click: function () { open(true); } }, t('accept')));

    // Pre-chat survey.
    u.form = h('form', { novalidate: true, 'data-testid': 'survey-form',
      submit: function (e) { e.preventDefault(); start(); } });
    (cfg.survey || []).forEach(function (q, i) {
      var labels = q.label || {};
      var text = typeof labels === 'string' ? labels
        : labels[lang] || labels[cfg.default_language] || Object.keys(labels).map(function (k) { return labels[k]; })[0] || q.id;
      var attrs = { id: 'sbq' + i, name: q.id, 'data-testid': 'question-' + q.id, required: !!q.required,
        'aria-required': q.required ? 'true' : null };
      var input;
      if (q.type === 'choice') {
        input = h('select', attrs, h('option', { value: '' }, t('choose')));
        // A choice is its value (recorded as the answer) or {value, translations}.
        (q.choices || []).forEach(function (c) {
          var value = c && typeof c === 'object' ? String(c.value) : String(c);
          var tr = (c && typeof c === 'object' && c.translations) || {};
          input.append(h('option', { value: value }, String(tr[lang] || value)));
        });
      } else {
        attrs.type = q.type === 'email' ? 'email' : q.type === 'phone' ? 'tel' : 'text';
        attrs.autocomplete = q.type === 'email' ? 'email' : q.type === 'phone' ? 'tel' : null;
        attrs.maxlength = 1000;
        input = h('input', attrs);
      }
      var wrap = h('div', null,
        h('label', { for: 'sbq' + i }, String(text), q.required ? h('span', { 'aria-hidden': 'true' }, ' *') : null),
        input);
      u.form.append(wrap);
      u.fields.push({ q: q, input: input, wrap: wrap, err: null });
    });
    u.startBtn = h('button', { type: 'submit', class: 'p', 'data-testid': 'start-chat' }, t('start'));
    u.form.append(u.startBtn);

    // Conversation.
    u.waiting = h('div', { class: 'wait', role: 'status', 'aria-live': 'polite', 'data-testid': 'waiting' });
    // Focusable, so that keyboard users can scroll a long conversation.
    u.list = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': name, tabindex: 0,
      'data-testid': 'messages' });
    u.typing = h('div', { class: 'typing', 'data-testid': 'typing' }, t('typing'));
    u.composer = h('textarea', { rows: 2, maxlength: 4000, 'aria-label': t('msg'), placeholder: t('ph'),
      'data-testid': 'composer', input: typed,
      keydown: function (e) {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
      } });
    u.compose = h('div', { class: 'compose' },
      h('div', { class: 'row' }, u.composer,
        h('button', { type: 'button', class: 'p', 'data-testid': 'send', click: send }, t('send'))),
      h('button', { type: 'button', class: 'end', 'data-testid': 'end-chat', click: endChat }, t('end')));
    u.newBtn = h('button', { type: 'button', class: 'p', click: newChat }, t('again'));
    // The rating asked for when the widget's settings say so, once.
    u.scores = [1, 2, 3, 4, 5].map(function (n) {
      return h('input', { type: 'radio', name: 'sb-score', value: String(n), 'data-testid': 'rating-' + n });
    });
    u.rateComment = h('textarea', { id: 'sb-rate-comment', rows: 2, maxlength: 1000, 'data-testid': 'rating-comment' });
    u.rate = h('form', { class: 'rate', novalidate: true, 'data-testid': 'rating-form', submit: rate },
      h('fieldset', null, h('legend', null, t('rateQ')),
        h('div', { class: 'scores' }, u.scores.map(function (el, i) {
          return h('label', { class: 'score' }, el, h('span', null, t('rate' + (i + 1))));
        }))),
      h('label', { for: 'sb-rate-comment' }, t('rateComment')), u.rateComment,
      h('button', { type: 'submit', class: 'p', 'data-testid': 'rating-send' }, t('rateSend')));
    u.rated = h('p', { role: 'status', tabindex: -1, 'data-testid': 'rating-thanks' }, t('rateThanks'));
    u.ended = h('div', { class: 'ended', 'data-testid': 'ended' }, h('p', null, t('ended')),
      slot(u.rate), slot(u.rated),
      h('div', { class: 'acts' },
        h('button', { type: 'button', 'data-testid': 'download-transcript', click: downloadTranscript }, t('transcript')),
        u.newBtn));
    u.chat = h('div', { class: 'chat' }, slot(u.waiting), u.list, slot(u.typing), slot(u.compose), slot(u.ended));

    u.err = h('p', { class: 'err', role: 'alert', 'data-testid': 'error' });
    u.panel = h('section', { class: 'panel', id: 'sb-panel', role: 'dialog', 'aria-labelledby': 'sb-title',
      tabindex: -1, 'data-testid': 'panel' },
      h('div', { class: 'hd' }, h('h2', { id: 'sb-title' }, String(name)),
        h('button', { type: 'button', class: 'x', 'aria-label': t('closeChat'), click: close }, '×')),
      slot(u.err), slot(u.form), slot(u.chat));

    u.launcher = h('button', { type: 'button', class: 'p launch', 'aria-controls': 'sb-panel',
      'aria-expanded': 'false', 'data-testid': 'launcher',
      click: function () { if (isOpen) close(); else open(true); } }, t('launch'));

    var w = h('div', { class: /left/.test(cfg.position || '') ? 'w left' : 'w', lang: lang,
      keydown: function (e) {
        if (e.key !== 'Escape') return;
        if (invite && u.invite.contains(root.activeElement)) dismiss('closed');
        else if (isOpen) { e.stopPropagation(); close(); }
      } },
      h('div', { 'aria-live': 'polite' }, slot(u.invite)),
      slot(u.panel),
      u.launcher);
    w.style.setProperty('--c', color);
    // Black or white, whichever contrasts more with the colour (WCAG 2
    // relative luminance): the server computes it, one rule for both.
    w.style.setProperty('--t', color === cfg.color && /^#[0-9a-f]{6}$/i.test(cfg.text_color || '') ? cfg.text_color : '#ffffff');
    // A constructed style sheet is not inline markup: host pages whose
    // Content-Security-Policy forbids inline styles still style the widget.
    // Browsers without them get a <style> element.
    var sheet = null;
    try {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet];
    } catch (e) { sheet = null; }
    if (!sheet) root.append(h('style', null, STYLE));
    root.append(w);
    document.body.append(host);
    ui = u;
    render();
    if (wantOpen) open(false);
  }
  function colorOk(c) {
    try { return window.CSS.supports('color', c); } catch (e) { return false; }
  }

  // ---------------------------------------------------------- public API
  var api_ = {
    setContextProvider: function (fn) { ctxFn = typeof fn === 'function' ? fn : null; },
    setAuthToken: function (jwt) {
      authToken = jwt || null;
      authRefused = false;
      if (ui) (regP || Promise.resolve()).then(register);
    },
    trackSearch: function (q) { track({ type: 'search', query: String(q) }); },
    trackArticleView: function (id, title) {
      track({ type: 'article', article_id: String(id), title: title == null ? undefined : String(title) });
    },
    trackAction: function (name, data) { track({ type: 'action', name: String(name), data: data }); },
    open: function () { open(true); },
    close: function () { close(); },
    on: function (ev, fn) {
      if (typeof fn !== 'function') return;
      (handlers[ev] = handlers[ev] || []).push(fn);
      if (ev === 'ready' && readyFired) setTimeout(function () { fn(); });
    },
    off: function (ev, fn) {
      handlers[ev] = (handlers[ev] || []).filter(function (f) { return f !== fn; });
    }
  };
  window.Switchboard = api_;
  // Calls queued by a `window.Switchboard = {q: []}` stub before we loaded.
  if (previous && Array.isArray(previous.q)) previous.q.forEach(function (call) {
    call = Array.prototype.slice.call(call);
    var fn = api_[call[0]];
    if (typeof fn === 'function') fn.apply(api_, call.slice(1));
  });

  // ----------------------------------------------------------------- boot
  if (PREVIEW) {
    // Draws the widget again from `c` (the shape GET config answers), in
    // `language`, opened; hide() takes it off the page.
    api_.preview = function (c, language) {
      cfg = c;
      setLanguage(pickLanguage(language || c.default_language, c.default_language));
      if (ui) ui.host.remove();
      ui = null;
      mount();
      open(false);
    };
    api_.hide = function () {
      if (ui) ui.host.remove();
      ui = null;
      isOpen = false;
    };
    return;
  }
  request('GET', 'config').then(function (r) {
    if (!r.ok || !r.data) {
      console.warn('Switchboard: the widget configuration is unavailable (HTTP ' + r.status + ')');
      return;
    }
    cfg = r.data;
    setLanguage(pickLanguage(script.getAttribute('data-language') || preset.language || navigator.language,
      cfg.default_language));
    var whenBody = document.body ? Promise.resolve() : new Promise(function (res) {
      document.addEventListener('DOMContentLoaded', res, { once: true });
    });
    return whenBody.then(function () {
      mount();
      var tries = 0;
      (function attempt() {
        register().then(function (ok) {
          if (!ok && !authRefused && !registered && ++tries < 4) setTimeout(attempt, 2000 * tries);
        });
      })();
    });
  });
})();
