//! `/widget/v1/{widget_id}/ws`: a visitor's live channel to one of their
//! conversations (protocol in `docs/chat.md`).
//!
//! On connect, every message after `after` is replayed from the store, then
//! `ready` is sent and live events follow; a message is sent only if its
//! `seq` is above the last one sent, so a reconnecting visitor gets each
//! message exactly once, in order.

use std::time::Instant;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_store::chat::ConversationRow;
use tokio::sync::broadcast::error::RecvError;

use super::visitor::{own, ForWidget, VisitorAuth};
use crate::chat::conversation;
use crate::chat::hub::{Audience, ChatEvent};
use crate::chat::limits::{SocketCap, SocketSlot};
use crate::client_addr::ClientAddr;
use crate::state::AppState;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/widget/v1/{widget_id}/ws", axum::routing::get(upgrade))
}

#[derive(Debug, Deserialize)]
pub struct WsParams {
    token: String,
    conversation_id: String,
    after: Option<i64>,
}

async fn upgrade(
    State(s): State<AppState>,
    Path(_widget_id): Path<String>,
    client: ClientAddr,
    Extension(ForWidget(widget)): Extension<ForWidget>,
    Query(p): Query<WsParams>,
    ws: WebSocketUpgrade,
) -> Response {
    let auth = match VisitorAuth::from_token(&s, widget, &p.token) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let conv = match own(&s, &auth, &p.conversation_id).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    // Counted before upgrading, released when the session ends however it
    // ends (the slot is dropped with the session's future).
    let slot = match s.chat.sockets.open(&auth.visitor_id, &client.bucket()) {
        Ok(slot) => slot,
        Err(cap) => return too_many_sockets(cap),
    };
    let after = p.after.unwrap_or(0).max(0);
    // Visitors' messages are short: small buffers keep 10,000 open
    // conversations cheap (the default read buffer is 128 KiB each).
    ws.max_message_size(64 * 1024)
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .on_upgrade(move |socket| session(s, auth, conv, after, socket, slot))
}

/// 429 problem+json naming the cap, before any upgrade.
fn too_many_sockets(cap: SocketCap) -> Response {
    let (field, detail) = match cap {
        SocketCap::Visitor => (
            "visitor",
            "this visitor already has as many chat sockets open as allowed; close one (another tab) first",
        ),
        SocketCap::Address => (
            "client_address",
            "too many chat sockets are open from this address; close one first",
        ),
    };
    let body = json!({
        "type": "urn:switchboard:problem:rate-limited",
        "title": "Too Many Requests",
        "status": 429,
        "detail": detail,
        "errors": [{"field": field, "code": "max_open_sockets", "message": detail}],
    });
    let mut r = (axum::http::StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/problem+json"),
    );
    r
}

async fn send(socket: &mut WebSocket, v: Value) -> Result<(), ()> {
    socket
        .send(Message::Text(v.to_string().into()))
        .await
        .map_err(|_| ())
}

/// Sends stored messages after `last`, moving `last` on.
async fn replay(
    s: &AppState,
    socket: &mut WebSocket,
    conv: &str,
    last: &mut i64,
) -> Result<(), ()> {
    loop {
        let batch =
            s.db.messages_after(conv, *last, 500)
                .await
                .map_err(|_| ())?;
        if batch.is_empty() {
            return Ok(());
        }
        for m in batch {
            *last = m.seq;
            send(socket, event_json(&ChatEvent::Message(m))).await?;
        }
    }
}

fn event_json(e: &ChatEvent) -> Value {
    serde_json::to_value(e).unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum VisitorMessage {
    Message {
        client_id: Option<String>,
        body: String,
    },
    Typing {
        typing: bool,
    },
    End,
}

async fn session(
    s: AppState,
    v: VisitorAuth,
    conv: ConversationRow,
    after: i64,
    mut socket: WebSocket,
    _slot: SocketSlot,
) {
    // Listen before replaying, so nothing falls in between.
    let mut live = s.chat.hub.visitor_listen(&conv.id);
    let mut last = after;
    if replay(&s, &mut socket, &conv.id, &mut last).await.is_err() {
        return;
    }
    let fresh = s.db.conversation(&conv.id).await.unwrap_or(conv);
    let view = conversation::visitor_view(&s.chat, &fresh).await;
    let mut ended = fresh.status == "ended";
    if send(
        &mut socket,
        json!({"type": "ready", "conversation": view, "last_seq": last}),
    )
    .await
    .is_err()
    {
        return;
    }
    if ended || live.is_none() {
        let _ = send(&mut socket, json!({"type": "ended", "by": fresh.ended_by})).await;
        let _ = socket.send(Message::Close(None)).await;
        return;
    }
    let live = live.as_mut().expect("checked above");
    let mut sent_here = std::collections::HashSet::new();
    let mut typing_state = (false, None);
    loop {
        tokio::select! {
            event = live.recv() => match event {
                Ok(e) => {
                    if let ChatEvent::Message(m) = e.as_ref() {
                        if m.seq <= last {
                            continue;
                        }
                        last = m.seq;
                        // This socket's own message: its ack already told it
                        // (other tabs of the visitor still get the echo).
                        if let Some(c) = &m.client_id {
                            if m.sender == "visitor" && sent_here.remove(c) {
                                continue;
                            }
                        }
                    }
                    if send(&mut socket, event_json(&e)).await.is_err() {
                        return;
                    }
                    if matches!(e.as_ref(), ChatEvent::Ended { .. }) {
                        let _ = socket.send(Message::Close(None)).await;
                        return;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    if replay(&s, &mut socket, &fresh.id, &mut last).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let answer = command(&s, &v, &fresh, &mut ended, &mut typing_state, &text).await;
                    if let Some(c) = answer.as_ref().filter(|a| a["type"] == "ack").and_then(|a| a["client_id"].as_str()) {
                        // Bounded: a socket's own echoes arrive right after their acks.
                        if sent_here.len() < 1024 {
                            sent_here.insert(c.to_owned());
                        }
                    }
                    if let Some(answer) = answer {
                        if send(&mut socket, answer).await.is_err() {
                            return;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

async fn command(
    s: &AppState,
    v: &VisitorAuth,
    conv: &ConversationRow,
    ended: &mut bool,
    typing_state: &mut (bool, Option<Instant>),
    text: &str,
) -> Option<Value> {
    let msg: VisitorMessage = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => {
            return Some(
                json!({"type": "error", "code": "invalid", "message": format!("unreadable message: {e}")}),
            )
        }
    };
    match msg {
        VisitorMessage::Message { client_id, body } => {
            if !s.chat.per_visitor.allow(&v.visitor_id, Instant::now()) {
                return Some(
                    json!({"type": "error", "code": "rate_limited", "client_id": client_id,
                    "message": "too many messages; wait a moment"}),
                );
            }
            if *ended {
                return Some(
                    json!({"type": "error", "code": "ended", "client_id": client_id,
                    "message": "this conversation has ended"}),
                );
            }
            match conversation::send(&s.chat, conv, "visitor", None, &body, client_id.clone()).await
            {
                Ok(m) => {
                    Some(json!({"type": "ack", "client_id": m.client_id, "seq": m.seq, "at": m.at}))
                }
                Err(crate::chat::error::ChatError::Invalid(i)) => {
                    let e = i.0.first();
                    Some(
                        json!({"type": "error", "code": e.map(|e| e.code.clone()).unwrap_or_default(),
                        "client_id": client_id, "message": e.map(|e| format!("{}: {}", e.field, e.message)).unwrap_or_default()}),
                    )
                }
                // As the API would word it (no database text reaches a visitor).
                Err(e) => Some(
                    json!({"type": "error", "code": "failed", "client_id": client_id,
                        "message": crate::error::ApiError::from(e).to_string()}),
                ),
            }
        }
        VisitorMessage::Typing { typing } => {
            // Only changes, at most one a second (and none once ended): a
            // chatty or hostile client cannot flood the agent's socket.
            let now = Instant::now();
            let changed = typing_state.0 != typing;
            let due = typing_state
                .1
                .is_none_or(|t| now.duration_since(t).as_millis() >= 1000);
            if *ended || !changed || !due {
                return None;
            }
            *typing_state = (typing, Some(now));
            s.chat.hub.publish(
                &conv.id,
                ChatEvent::Typing {
                    sender: "visitor".into(),
                    typing,
                },
                Audience::Agent,
            );
            None
        }
        VisitorMessage::End => {
            *ended = true;
            match conversation::end(&s.chat, &conv.id, "visitor").await {
                Ok(_) => None,
                Err(e) => {
                    let message = crate::error::ApiError::from(e).to_string();
                    Some(json!({"type": "error", "code": "failed", "message": message}))
                }
            }
        }
    }
}
