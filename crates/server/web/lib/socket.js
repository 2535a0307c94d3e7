// A live socket to /api/v1/ws that reconnects by itself, with backoff.
// `onMessage(m)` receives each JSON object the server sends; `onState(s)`
// hears 'connecting', 'live' (the server said `ready`) and 'reconnecting'.
// A page that needs the state behind the events reloads it through the
// API on `ready` (every connection starts with one) and on `resync`.

export function liveSocket(onMessage, onState, path) {
  let ws = null, backoff = 500, timer = 0, stopped = false, ever = false;
  const state = (s) => { try { onState(s); } catch (e) { console.error(e); } };
  function connect() {
    if (stopped) return;
    state(ever ? 'reconnecting' : 'connecting');
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + (path || '/api/v1/ws');
    let s;
    try { s = new WebSocket(url); } catch (e) { retry(); return; }
    ws = s;
    s.onmessage = (ev) => {
      if (ws !== s) return;
      let m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (!m || typeof m !== 'object') return;
      if (m.type === 'ready') { ever = true; backoff = 500; state('live'); }
      try { onMessage(m); } catch (e) { console.error(e); }
    };
    s.onclose = () => {
      if (ws !== s) return;
      ws = null;
      retry();
    };
    s.onerror = () => { /* a close follows */ };
  }
  function retry() {
    if (stopped) return;
    state(ever ? 'reconnecting' : 'connecting');
    clearTimeout(timer);
    timer = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 10000);
  }
  connect();
  return {
    // Drops the connection; it comes back by itself (tests, a lost network).
    drop() { if (ws) { try { ws.close(); } catch (e) { /* closed */ } } },
    close() {
      stopped = true;
      clearTimeout(timer);
      if (ws) { try { ws.close(); } catch (e) { /* closed */ } }
      ws = null;
    }
  };
}
