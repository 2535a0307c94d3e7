//! Follows the routing engine for chats: when an agent accepts, the
//! conversation becomes active and the visitor hears who joined; when the
//! engine ends the item (agent closed it, supervisor cancelled it, overflow
//! ended it), the conversation ends; while a chat waits, its visitor hears
//! its place in line whenever the queue moves (at most once a second).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::routing::events::{EventKind, RoutingEvent};
use switchboard_core::time;
use switchboard_runtime::bus::Subscription;
use tokio::sync::mpsc;

use super::conversation;
use super::hub::{Audience, ChatEvent};
use crate::Chat;

pub enum Note {
    Waiting {
        work_item: String,
        conversation: String,
    },
    Done {
        work_item: String,
    },
}

#[derive(Clone)]
pub struct CoordinatorHandle(mpsc::UnboundedSender<Note>);

impl CoordinatorHandle {
    /// A conversation started and waits for an agent.
    pub fn waiting(&self, work_item: &str, conversation: &str) {
        let _ = self.0.send(Note::Waiting {
            work_item: work_item.to_owned(),
            conversation: conversation.to_owned(),
        });
    }

    pub fn done(&self, work_item: &str) {
        let _ = self.0.send(Note::Done {
            work_item: work_item.to_owned(),
        });
    }
}

pub fn channel() -> (CoordinatorHandle, mpsc::UnboundedReceiver<Note>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (CoordinatorHandle(tx), rx)
}

/// Starts following the engine (once, from [`Chat::start`]).
pub(crate) async fn spawn(s: Arc<Chat>, rx: mpsc::UnboundedReceiver<Note>) -> anyhow::Result<()> {
    // Subscribe before reading the store, so nothing falls in between.
    let events = s.routing.subscribe("chat");
    let mut waiting = HashMap::new();
    for c in s.db.open_conversations().await? {
        if c.work_item_id.starts_with("pending:") || c.queue_id.is_none() {
            // Its start never finished (the server stopped in between).
            let _ = conversation::end(&s, &c.id, "system").await;
            continue;
        }
        s.hub.open(&c.id, c.agent_id.as_deref());
        if c.status == "waiting" {
            waiting.insert(c.work_item_id.clone(), (c.id.clone(), None));
        }
    }
    tokio::spawn(run(s, rx, events, waiting));
    Ok(())
}

type Figures = Option<(Option<usize>, Option<u64>)>;

async fn run(
    s: Arc<Chat>,
    mut notes: mpsc::UnboundedReceiver<Note>,
    mut events: Subscription<RoutingEvent>,
    mut waiting: HashMap<String, (String, Figures)>,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut dirty = true;
    loop {
        tokio::select! {
            note = notes.recv() => match note {
                Some(Note::Waiting { work_item, conversation }) => {
                    waiting.insert(work_item, (conversation, None));
                    dirty = true;
                }
                Some(Note::Done { work_item }) => { waiting.remove(&work_item); }
                None => return,
            },
            event = events.next() => match event {
                Some(e) => {
                    if e.queue_id.is_some() {
                        dirty = true;
                    }
                    follow(&s, &e, &mut waiting).await;
                }
                None => return,
            },
            _ = tick.tick() => {
                if dirty {
                    dirty = false;
                    refresh(&s, &mut waiting).await;
                }
            }
        }
    }
}

async fn conversation_of(
    s: &Chat,
    work_item: &str,
    waiting: &HashMap<String, (String, Figures)>,
) -> Option<String> {
    if let Some((c, _)) = waiting.get(work_item) {
        return Some(c.clone());
    }
    // Only by the work item: a conversation names its item from before the
    // item exists (chat/conversation.rs), and follows no other. An item's
    // attributes are never trusted to name one (a client could forge them).
    s.db.conversation_by_work_item(work_item)
        .await
        .ok()
        .flatten()
        .map(|c| c.id)
}

async fn follow(s: &Chat, e: &RoutingEvent, waiting: &mut HashMap<String, (String, Figures)>) {
    let Some(item) = &e.work_item_id else { return };
    match e.kind {
        EventKind::Assigned => {
            let Some(conv) = conversation_of(s, item, waiting).await else {
                return;
            };
            waiting.remove(item);
            if let Some(agent) = &e.agent_id {
                joined(s, &conv, item, agent).await;
            }
        }
        EventKind::WrapUp { .. } | EventKind::Closed | EventKind::Abandoned => {
            let Some(conv) = conversation_of(s, item, waiting).await else {
                return;
            };
            waiting.remove(item);
            let by = if e.kind == EventKind::Abandoned {
                "system"
            } else {
                "agent"
            };
            if let Err(err) = conversation::end(s, &conv, by).await {
                tracing::warn!(conversation = conv, error = %err, "ending a conversation failed");
            }
        }
        _ => {}
    }
}

async fn joined(s: &Chat, conv: &str, work_item: &str, agent: &str) {
    let Ok(row) = s.db.conversation(conv).await else {
        return;
    };
    let name = match s.db.agent(agent).await {
        Ok(a) => a.name,
        Err(_) => "An agent".to_owned(),
    };
    let wait = time::seconds_since(&row.started_at).max(0);
    match s
        .db
        .assign_conversation(conv, work_item, agent, &name, &time::now(), wait)
        .await
    {
        Ok(true) => {
            s.hub.open(conv, Some(agent));
            s.hub
                .publish(conv, ChatEvent::Joined { agent_name: name }, Audience::Both);
        }
        Ok(false) => {}
        Err(err) => {
            tracing::warn!(conversation = conv, error = %err, "recording an assignment failed")
        }
    }
}

/// Tells each waiting visitor their place in line when it changed; catches
/// assignments and ends whose events were missed.
async fn refresh(s: &Chat, waiting: &mut HashMap<String, (String, Figures)>) {
    let items: Vec<String> = waiting.keys().cloned().collect();
    for item in items {
        let Ok(view) = s.routing.view(&item).await else {
            continue;
        };
        let Some((conv, last)) = waiting.get_mut(&item) else {
            continue;
        };
        let conv = conv.clone();
        match view.status.as_str() {
            "queued" | "offered" => {
                let now = Some((view.position, view.estimated_wait_seconds));
                if *last != now {
                    *last = now;
                    s.hub.publish(
                        &conv,
                        ChatEvent::Waiting {
                            position: view.position,
                            estimated_wait_seconds: view.estimated_wait_seconds,
                        },
                        Audience::Visitor,
                    );
                }
            }
            "assigned" | "wrap_up" => {
                waiting.remove(&item);
                if let Some(agent) = &view.agent_id {
                    joined(s, &conv, &item, agent).await;
                }
            }
            _ => {
                waiting.remove(&item);
                let _ = conversation::end(s, &conv, "system").await;
            }
        }
    }
}
