//! In-process fan-out of live chat events: one room per open conversation
//! (its visitor's sockets listen) and one channel per agent (the agent's
//! sockets listen to every conversation the agent holds).
//!
//! Nothing here is the record: messages are persisted by the writer before
//! they are published, and a socket that missed something reads it back
//! from the store with `after=`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use switchboard_store::chat::MessageRow;
use tokio::sync::broadcast;

/// What a conversation's participants hear.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    Message(MessageRow),
    Typing {
        sender: String,
        typing: bool,
    },
    Waiting {
        position: Option<usize>,
        estimated_wait_seconds: Option<u64>,
    },
    Joined {
        agent_name: String,
    },
    Ended {
        by: String,
    },
}

/// Who hears an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Both,
    Visitor,
    Agent,
}

/// An event on an agent's channel, naming its conversation.
#[derive(Debug, Clone)]
pub struct AgentEvent {
    pub conversation_id: String,
    pub event: Arc<ChatEvent>,
}

struct Room {
    visitors: broadcast::Sender<Arc<ChatEvent>>,
    agent: Option<String>,
}

/// Capacity of each channel: a socket further behind than this gets a
/// `Lagged` and catches up from the store.
const ROOM_CAPACITY: usize = 256;
const AGENT_CAPACITY: usize = 1024;

#[derive(Default)]
pub struct Hub {
    rooms: Mutex<HashMap<String, Room>>,
    agents: Mutex<HashMap<String, broadcast::Sender<AgentEvent>>>,
}

impl Hub {
    /// Opens (or reopens) a conversation's room, with its agent if known.
    pub fn open(&self, conversation_id: &str, agent: Option<&str>) {
        let mut rooms = self.rooms.lock().expect("hub lock");
        let room = rooms
            .entry(conversation_id.to_owned())
            .or_insert_with(|| Room {
                visitors: broadcast::channel(ROOM_CAPACITY).0,
                agent: None,
            });
        if agent.is_some() {
            room.agent = agent.map(str::to_owned);
        }
    }

    /// The agent holding a conversation, as the hub knows it.
    pub fn agent_of(&self, conversation_id: &str) -> Option<String> {
        let rooms = self.rooms.lock().expect("hub lock");
        rooms.get(conversation_id).and_then(|r| r.agent.clone())
    }

    /// Listens to a conversation as its visitor. None when it is not open.
    pub fn visitor_listen(
        &self,
        conversation_id: &str,
    ) -> Option<broadcast::Receiver<Arc<ChatEvent>>> {
        let rooms = self.rooms.lock().expect("hub lock");
        rooms.get(conversation_id).map(|r| r.visitors.subscribe())
    }

    /// Listens to every conversation an agent holds, now and later.
    pub fn agent_listen(&self, agent_id: &str) -> broadcast::Receiver<AgentEvent> {
        let mut agents = self.agents.lock().expect("hub lock");
        agents
            .entry(agent_id.to_owned())
            .or_insert_with(|| broadcast::channel(AGENT_CAPACITY).0)
            .subscribe()
    }

    pub fn publish(&self, conversation_id: &str, event: ChatEvent, audience: Audience) {
        let event = Arc::new(event);
        let agent = {
            let rooms = self.rooms.lock().expect("hub lock");
            let Some(room) = rooms.get(conversation_id) else {
                return;
            };
            if audience != Audience::Agent {
                // No listener is fine: the visitor reads it back on reconnect.
                let _ = room.visitors.send(event.clone());
            }
            room.agent.clone()
        };
        if audience == Audience::Visitor {
            return;
        }
        if let Some(agent) = agent {
            let mut agents = self.agents.lock().expect("hub lock");
            if let Some(tx) = agents.get(&agent) {
                if tx.receiver_count() == 0 {
                    agents.remove(&agent);
                } else {
                    let _ = tx.send(AgentEvent {
                        conversation_id: conversation_id.to_owned(),
                        event,
                    });
                }
            }
        }
    }

    /// Forgets an ended conversation (after its `ended` was published).
    pub fn close(&self, conversation_id: &str) {
        self.rooms.lock().expect("hub lock").remove(conversation_id);
    }

    pub fn open_rooms(&self) -> usize {
        self.rooms.lock().expect("hub lock").len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn events_reach_the_audience_they_are_for() {
        let hub = Hub::default();
        hub.open("c1", None);
        let mut visitor = hub.visitor_listen("c1").unwrap();
        let mut agent = hub.agent_listen("a1");
        hub.publish("c1", ChatEvent::Ended { by: "x".into() }, Audience::Both);
        assert!(visitor.try_recv().is_ok());
        assert!(agent.try_recv().is_err(), "no agent yet");
        hub.open("c1", Some("a1"));
        hub.publish(
            "c1",
            ChatEvent::Typing {
                sender: "visitor".into(),
                typing: true,
            },
            Audience::Agent,
        );
        assert!(visitor.try_recv().is_err());
        assert_eq!(agent.try_recv().unwrap().conversation_id, "c1");
        hub.publish(
            "c1",
            ChatEvent::Typing {
                sender: "agent".into(),
                typing: true,
            },
            Audience::Visitor,
        );
        assert!(visitor.try_recv().is_ok());
        assert!(agent.try_recv().is_err());
        hub.close("c1");
        assert!(hub.visitor_listen("c1").is_none());
        assert_eq!(hub.open_rooms(), 0);
    }
}
