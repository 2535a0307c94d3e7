//! `/api/v1/ws`: the live channel of agents and supervisors.
//!
//! Server → client: every routing event the caller may see, as
//! `{"id": N, "type": "offered"|"offer_expired"|"assigned"|…, …}`; admins
//! see all events plus `{"type": "queue_stats", …}` after each change to a
//! queue (both queues after a transfer); supervisors the same for the
//! queues they supervise only (events touching one of them: `auth::watch`;
//! agents' presence, which is no queue's, to every supervisor). When what
//! a supervisor watches changes (an admin edits a queue's supervisors, or
//! their roles), the socket sends `{"type": "resync", "last_id": N}`:
//! reload the overview. Agents see their own (offers, assignments, presence).
//! Connect with `?after=N` (the last id seen) to resume: what was missed is
//! replayed from the store first, so nothing is lost across a reconnect.
//! Without `after`, the stream starts now and the `ready` message lists the
//! work items the agent holds (offers and assignments). A resume more than
//! 10,000 events behind gets `{"type": "resync"}` and starts now: reload the
//! state through the API. Credentials are re-checked every 30 seconds; a
//! socket whose session or token no longer holds is closed.
//!
//! Client → server: `{"type": "accept"|"reject", "work_item_id": …}`,
//! `{"type": "presence", "status": …}`, `{"type": "ping"}`; each answered
//! by `{"type": "ack", …}` or `{"type": "error", "message": …}`.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::SinkExt;
use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_core::access::Permission;
use switchboard_core::routing::events::{EventKind, RoutingEvent};
use switchboard_core::routing::Presence;
use switchboard_core::validation::limits;
use tokio::sync::broadcast::error::RecvError;

use crate::auth::principal::Via;
use crate::auth::{Principal, Watch};
use crate::chat::hub::{AgentEvent, Audience, ChatEvent};
use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/ws", axum::routing::get(upgrade))
}

#[derive(Debug, Deserialize)]
pub struct WsParams {
    /// The last event id the client saw.
    after: Option<i64>,
}

async fn upgrade(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    Query(p): Query<WsParams>,
    ws: WebSocketUpgrade,
) -> Response {
    // Browsers send cookies on cross-site WebSocket handshakes; a cookie
    // session must come from our own origin.
    if matches!(who.via, Via::Session { .. }) {
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if let Some(origin) = origin {
            // `Origin` is scheme://host[:port]; the handshake's `Host` is
            // host[:port] (default ports left out by both).
            let authority = url::Url::parse(origin).ok().and_then(|u| {
                let host = u.host_str()?.to_owned();
                Some(match u.port() {
                    Some(p) => format!("{host}:{p}"),
                    None => host,
                })
            });
            if !authority.is_some_and(|a| a.eq_ignore_ascii_case(host)) {
                return ApiError::Forbidden("cross-origin WebSocket with a session cookie".into())
                    .into_response();
            }
        }
    }
    let after = p.after.map(|a| a.max(0));
    // The largest thing an agent sends is a message of BODY characters
    // (up to 4 bytes each) in its JSON envelope; the library's default of
    // 64 MiB would let one socket make the server buffer that much.
    let cap = limits::BODY * 4 + 4096;
    ws.max_message_size(cap)
        .max_frame_size(cap)
        .on_upgrade(move |socket| session(s, who, after, socket))
}

/// Who sees an event: its agent; admins; a supervisor when it touches a
/// queue they watch (a transfer: either end), or when it is of no queue
/// (an agent's presence). `watch` is None for a caller who may not see the
/// supervisors' stream (an agent).
fn visible(e: &RoutingEvent, agent: Option<&str>, watch: Option<&Watch>) -> bool {
    if agent.is_some() && e.agent_id.as_deref() == agent {
        return true;
    }
    let Some(w) = watch else { return false };
    let queues = e.touched_queues();
    queues.is_empty() || queues.iter().any(|q| w.queue(q))
}

/// What a socket's caller watches: None unless they may see the
/// supervisors' stream.
async fn watch_of(s: &AppState, who: &Principal) -> Option<Watch> {
    if !who.may(Permission::ViewAgents) {
        return None;
    }
    match who.watch(&s.db).await {
        Ok(w) => Some(w),
        Err(e) => {
            // Fail closed: nothing until the next re-read.
            tracing::warn!(error = %e, "reading what a supervisor watches failed");
            Some(Watch::nothing())
        }
    }
}

/// An `offered` chat carries its conversation (survey answers, context
/// variables, visitor, journey), so the agent decides with it in view.
async fn enrich(s: &AppState, e: &RoutingEvent) -> String {
    let mut v = e.message();
    if let (EventKind::Offered(_), Some(item)) = (&e.kind, &e.work_item_id) {
        // The item's own conversation, found by the item (a conversation
        // names its work item before the item exists), never by its
        // attributes: an item made through the API could name someone
        // else's conversation.
        if let Ok(Some(conv)) = s.db.conversation_by_work_item(item).await {
            if let Ok(view) = crate::chat::conversation::agent_view(&s.chat, &conv).await {
                v["conversation"] = view;
            }
        }
    }
    v.to_string()
}

fn chat_message(e: &AgentEvent) -> Value {
    let mut v = serde_json::to_value(e.event.as_ref()).unwrap_or_default();
    let kind = match e.event.as_ref() {
        ChatEvent::Message(_) => "chat_message",
        ChatEvent::Typing { .. } => "chat_typing",
        ChatEvent::Ended { .. } => "conversation_ended",
        ChatEvent::Joined { .. } => "chat_joined",
        ChatEvent::Waiting { .. } => "chat_waiting",
    };
    v["type"] = json!(kind);
    v["conversation_id"] = json!(e.conversation_id);
    v
}

/// How far back a resume may replay before the client must resync.
const MAX_REPLAY: i64 = 10_000;

async fn session(s: AppState, mut who: Principal, after: Option<i64>, mut socket: WebSocket) {
    let mut watch = watch_of(&s, &who).await;
    let mut routing_changes = s.routing_changes.clone();
    routing_changes.mark_unchanged();
    let agent = who.agent_id.clone();
    let now = s.engine.last_seq();
    let after = match after {
        Some(a) if now - a <= MAX_REPLAY => a,
        Some(_) => {
            let resync = json!({"type": "resync", "last_id": now});
            let _ = socket.send(Message::Text(resync.to_string().into())).await;
            now
        }
        None => now,
    };
    // What was missed comes first, from the store; then live (a socket
    // that falls behind later catches up the same way).
    let mut live = s.engine.subscribe_after("socket", after);
    for e in live.replay().await {
        if !visible(&e, agent.as_deref(), watch.as_ref()) {
            continue;
        }
        let text = e.message().to_string();
        if socket.send(Message::Text(text.into())).await.is_err() {
            return;
        }
    }
    let last = live.last();
    let held = match &agent {
        Some(a) => s.engine.held(a).await.unwrap_or_default(),
        None => Vec::new(),
    };
    let ready = json!({"type": "ready", "last_id": last, "work_items": held});
    if socket
        .send(Message::Text(ready.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut recheck = tokio::time::interval(std::time::Duration::from_secs(30));
    recheck.tick().await;
    // The agent's conversations: messages, typing, ends.
    let mut chats = agent.as_deref().map(|a| s.chat.hub.agent_listen(a));
    loop {
        tokio::select! {
            chat = async {
                match chats.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => match chat {
                Ok(e) => {
                    // Whatever else is already waiting goes out with it: one
                    // flush (one write) for a burst instead of one per message.
                    let mut out = vec![e];
                    let mut lagged = false;
                    if let Some(rx) = chats.as_mut() {
                        while out.len() < 64 {
                            match rx.try_recv() {
                                Ok(more) => out.push(more),
                                Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => {
                                    lagged = true;
                                    break;
                                }
                                Err(_) => break,
                            }
                        }
                    }
                    for e in &out {
                        if socket.feed(Message::Text(chat_message(e).to_string().into())).await.is_err() {
                            return;
                        }
                    }
                    if lagged {
                        let resync = json!({"type": "chat_resync"});
                        if socket.feed(Message::Text(resync.to_string().into())).await.is_err() {
                            return;
                        }
                    }
                    if socket.flush().await.is_err() {
                        return;
                    }
                }
                // Too far behind: the client reads the messages back with `after=`.
                Err(RecvError::Lagged(_)) => {
                    let resync = json!({"type": "chat_resync"});
                    if socket.send(Message::Text(resync.to_string().into())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Closed) => chats = None,
            },
            event = live.next() => match event {
                Some(first) => {
                    // A burst goes out together: every event already here
                    // (up to 64), one write; then each touched queue's
                    // figures once, as they are after the burst, in another.
                    let mut burst = vec![first];
                    while burst.len() < 64 {
                        match live.try_next() {
                            Some(e) => burst.push(e),
                            None => break,
                        }
                    }
                    let mut touched: Vec<String> = Vec::new();
                    let mut last_seq = 0;
                    for e in &burst {
                        if !visible(e, agent.as_deref(), watch.as_ref()) {
                            continue;
                        }
                        // Only the agent an offer is for gets its
                        // conversation: supervisors read an item's details
                        // when they need them, and 20 of them must not cost
                        // 20 reads an offer.
                        let text = if agent.is_some() && e.agent_id == agent {
                            enrich(&s, e).await
                        } else {
                            e.message().to_string()
                        };
                        if socket.feed(Message::Text(text.into())).await.is_err() {
                            return;
                        }
                        if let Some(w) = &watch {
                            for q in e.touched_queues().into_iter().filter(|q| w.queue(q)) {
                                if !touched.contains(&q) {
                                    touched.push(q);
                                }
                            }
                        }
                        last_seq = e.seq;
                    }
                    // The events go now; the figures follow in a second
                    // write, so an event never waits for the engine to
                    // answer for its queue (that wait was most of the
                    // supervisors' p99, docs/benchmarks.md "dashboard").
                    if socket.flush().await.is_err() {
                        return;
                    }
                    for q in &touched {
                        if let Some(stats) = s.queue_stats.after(last_seq, q).await {
                            if socket.feed(Message::Text(stats.message.to_string().into())).await.is_err() {
                                return;
                            }
                        }
                    }
                    if socket.flush().await.is_err() {
                        return;
                    }
                }
                None => return,
            },
            _ = recheck.tick() => match who.recheck(&s.db).await {
                Some(roles) => {
                    // Commands on this socket act with the roles held now.
                    who.roles = roles;
                    let now = watch_of(&s, &who).await;
                    if now != watch {
                        watch = now;
                        if resync(&mut socket, live.last()).await.is_err() {
                            return;
                        }
                    }
                }
                None => {
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
            },
            // A queue's supervisors (or someone's roles) changed: what
            // this supervisor watches may have.
            changed = routing_changes.changed(), if watch.is_some() => {
                if changed.is_err() {
                    routing_changes = s.routing_changes.clone();
                    routing_changes.mark_unchanged();
                    continue;
                }
                let now = watch_of(&s, &who).await;
                if now != watch {
                    watch = now;
                    if resync(&mut socket, live.last()).await.is_err() {
                        return;
                    }
                }
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let answer = command(&s, &who, &text).await;
                    if socket.send(Message::Text(answer.to_string().into())).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// Tells a supervisor's page to reload its overview: what it watches
/// changed, so the state it built from the events no longer holds.
async fn resync(socket: &mut WebSocket, last: i64) -> Result<(), axum::Error> {
    let v = json!({"type": "resync", "last_id": last});
    socket.send(Message::Text(v.to_string().into())).await
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    Accept {
        work_item_id: String,
    },
    Reject {
        work_item_id: String,
    },
    Presence {
        status: Presence,
    },
    Ping,
    SendMessage {
        conversation_id: String,
        body: String,
        client_id: Option<String>,
    },
    Typing {
        conversation_id: String,
        typing: bool,
    },
    EndConversation {
        conversation_id: String,
    },
}

async fn command(s: &AppState, who: &Principal, text: &str) -> Value {
    let agent = who.agent_id.as_deref();
    let msg: ClientMessage = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => return json!({"type": "error", "message": format!("unreadable message: {e}")}),
    };
    let Some(agent) = agent else {
        return json!({"type": "error", "message": "only an agent can send commands"});
    };
    let result = match &msg {
        ClientMessage::Accept { work_item_id } => s
            .engine
            .answer(work_item_id, agent, true)
            .await
            .map(|v| json!(v)),
        ClientMessage::Reject { work_item_id } => s
            .engine
            .answer(work_item_id, agent, false)
            .await
            .map(|v| json!(v)),
        ClientMessage::Presence { status } => s
            .engine
            .set_presence(agent, *status)
            .await
            .map(|p| json!({"status": p})),
        ClientMessage::Ping => Ok(json!({})),
        ClientMessage::SendMessage {
            conversation_id,
            body,
            client_id,
        } => {
            return match crate::routes::conversations::agent_send(
                &s.chat,
                who,
                conversation_id,
                body,
                client_id.clone(),
            )
            .await
            {
                Ok(m) => json!({"type": "ack", "request": "send_message", "result": m}),
                Err(e) => {
                    json!({"type": "error", "request": "send_message", "message": e.to_string()})
                }
            }
        }
        ClientMessage::Typing {
            conversation_id,
            typing,
        } => {
            return match crate::routes::conversations::reach(&s.chat, who, conversation_id).await {
                Ok(c) if c.agent_id.as_deref() == Some(agent) => {
                    s.chat.hub.publish(
                        &c.id,
                        ChatEvent::Typing {
                            sender: "agent".into(),
                            typing: *typing,
                        },
                        Audience::Visitor,
                    );
                    json!({"type": "ack", "request": "typing", "result": {}})
                }
                Ok(_) => {
                    json!({"type": "error", "request": "typing", "message": "not your conversation"})
                }
                Err(e) => json!({"type": "error", "request": "typing", "message": e.to_string()}),
            }
        }
        ClientMessage::EndConversation { conversation_id } => {
            let ended = crate::routes::conversations::end_as(&s.chat, who, conversation_id).await;
            return match ended {
                Ok(done) => {
                    json!({"type": "ack", "request": "end_conversation", "result": {"ended": done}})
                }
                Err(e) => {
                    json!({"type": "error", "request": "end_conversation", "message": e.to_string()})
                }
            };
        }
    };
    let request = match msg {
        ClientMessage::Accept { .. } => "accept",
        ClientMessage::Reject { .. } => "reject",
        ClientMessage::Presence { .. } => "presence",
        ClientMessage::Ping => "ping",
        _ => "chat",
    };
    match result {
        Ok(v) => json!({"type": "ack", "request": request, "result": v}),
        Err(e) => json!({"type": "error", "request": request, "message": e.to_string()}),
    }
}
