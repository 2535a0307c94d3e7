//! How callers reach the engine: its handle, and the commands the handle
//! sends down the engine's channel, each with the channel its answer
//! comes back on.

use std::collections::BTreeMap;
use std::sync::Arc;

use switchboard_core::routing::events::RoutingEvent;
use switchboard_core::routing::Presence;
use switchboard_runtime::bus::{EventBus, Subscription};
use tokio::sync::{mpsc, oneshot};

use super::api::{
    EngineError, NewWorkItem, Overview, QueueStats, RouteAnswer, RouteQuestion, WorkItemView,
};

pub(super) type Reply<T> = oneshot::Sender<Result<T, EngineError>>;

pub(super) enum Command {
    Create(Box<(NewWorkItem, Option<String>)>, Reply<WorkItemView>),
    View(String, Reply<WorkItemView>),
    Answer {
        item: String,
        agent: String,
        accept: bool,
        reply: Reply<WorkItemView>,
    },
    Close {
        item: String,
        agent: Option<String>,
        reply: Reply<WorkItemView>,
    },
    Abandon {
        item: String,
        reply: Reply<WorkItemView>,
    },
    MarkCallback {
        item: String,
        attributes: BTreeMap<String, String>,
        reply: Reply<WorkItemView>,
    },
    Transfer {
        item: String,
        queue: String,
        agent: Option<String>,
        reply: Reply<WorkItemView>,
    },
    Assign {
        item: String,
        agent: String,
        reply: Reply<WorkItemView>,
    },
    Overview(Reply<Overview>),
    Presence {
        agent: String,
        presence: Presence,
        reply: Reply<Presence>,
    },
    GetPresence(String, Reply<Presence>),
    Held(String, Reply<Vec<WorkItemView>>),
    Stats(String, Reply<QueueStats>),
    Trial(Box<RouteQuestion>, Reply<RouteAnswer>),
    /// Stop after the step in progress: nothing is written after the reply
    /// (the database is about to close).
    Shutdown(Reply<()>),
}

/// How to reach the engine; cheap to clone.
#[derive(Clone)]
pub struct EngineHandle {
    pub(super) tx: mpsc::Sender<Command>,
    /// Where committed events are announced.
    pub(super) events: Arc<Publisher>,
}

/// The routing events' bus, as the engine publishes into it.
pub type Publisher = dyn EventBus<RoutingEvent>;

impl EngineHandle {
    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, EngineError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(make(reply))
            .await
            .map_err(|_| EngineError::Stopped)?;
        answer.await.map_err(|_| EngineError::Stopped)?
    }

    pub async fn create(&self, item: NewWorkItem) -> Result<WorkItemView, EngineError> {
        self.ask(|r| Command::Create(Box::new((item, None)), r))
            .await
    }
    /// Like [`Self::create`], with the item's id chosen by the caller (a
    /// fresh `switchboard_store::new_id()`): a channel records the id on its
    /// own row (a chat's conversation) before the item exists, so the row
    /// is found by its work item from the first event on.
    pub async fn create_as(
        &self,
        id: String,
        item: NewWorkItem,
    ) -> Result<WorkItemView, EngineError> {
        self.ask(|r| Command::Create(Box::new((item, Some(id))), r))
            .await
    }
    pub async fn view(&self, id: &str) -> Result<WorkItemView, EngineError> {
        self.ask(|r| Command::View(id.to_owned(), r)).await
    }
    pub async fn answer(
        &self,
        item: &str,
        agent: &str,
        accept: bool,
    ) -> Result<WorkItemView, EngineError> {
        self.ask(|reply| Command::Answer {
            item: item.to_owned(),
            agent: agent.to_owned(),
            accept,
            reply,
        })
        .await
    }
    /// `agent` None: a supervisor closes it.
    pub async fn close(
        &self,
        item: &str,
        agent: Option<&str>,
    ) -> Result<WorkItemView, EngineError> {
        self.ask(|reply| Command::Close {
            item: item.to_owned(),
            agent: agent.map(str::to_owned),
            reply,
        })
        .await
    }
    /// The customer left before being served.
    pub async fn abandon(&self, item: &str) -> Result<WorkItemView, EngineError> {
        self.ask(|reply| Command::Abandon {
            item: item.to_owned(),
            reply,
        })
        .await
    }

    /// A waiting caller asked to be called back: the item keeps its place
    /// in line and becomes a callback (kind `callback`), with `attributes`
    /// (the number to call) added. Refused once an agent holds it.
    pub async fn mark_callback(
        &self,
        item: &str,
        attributes: BTreeMap<String, String>,
    ) -> Result<WorkItemView, EngineError> {
        self.ask(|reply| Command::MarkCallback {
            item: item.to_owned(),
            attributes,
            reply,
        })
        .await
    }

    pub async fn transfer(
        &self,
        item: &str,
        queue: &str,
        agent: Option<&str>,
    ) -> Result<WorkItemView, EngineError> {
        self.ask(|reply| Command::Transfer {
            item: item.to_owned(),
            queue: queue.to_owned(),
            agent: agent.map(str::to_owned),
            reply,
        })
        .await
    }
    /// A supervisor gives a waiting or offered item to `agent` directly
    /// (any pending offer is withdrawn), whatever the agent's free
    /// capacity; refused (conflict) when the agent is offline or the item
    /// is already with an agent or closed.
    pub async fn assign(&self, item: &str, agent: &str) -> Result<WorkItemView, EngineError> {
        self.ask(|reply| Command::Assign {
            item: item.to_owned(),
            agent: agent.to_owned(),
            reply,
        })
        .await
    }
    /// Everything live at once, for supervisors: every queue's figures,
    /// every agent's presence, every open work item.
    pub async fn overview(&self) -> Result<Overview, EngineError> {
        self.ask(Command::Overview).await
    }
    pub async fn set_presence(
        &self,
        agent: &str,
        presence: Presence,
    ) -> Result<Presence, EngineError> {
        self.ask(|reply| Command::Presence {
            agent: agent.to_owned(),
            presence,
            reply,
        })
        .await
    }
    pub async fn presence(&self, agent: &str) -> Result<Presence, EngineError> {
        self.ask(|r| Command::GetPresence(agent.to_owned(), r))
            .await
    }
    pub async fn stats(&self, queue: &str) -> Result<QueueStats, EngineError> {
        self.ask(|r| Command::Stats(queue.to_owned(), r)).await
    }
    /// Where an item would go and why (the rule tester): nothing is
    /// created, written or published.
    pub async fn trial(&self, question: RouteQuestion) -> Result<RouteAnswer, EngineError> {
        self.ask(|r| Command::Trial(Box::new(question), r)).await
    }
    /// Stops the engine: the step in progress finishes, then no timer or
    /// command writes again (later calls answer `Stopped`). Idempotent.
    pub async fn shutdown(&self) {
        let _ = self.ask(Command::Shutdown).await;
    }

    /// The id of the last committed event.
    pub fn last_seq(&self) -> i64 {
        self.events.last_seq()
    }

    /// The work items an agent holds now (offered, assigned, wrapping up).
    pub async fn held(&self, agent: &str) -> Result<Vec<WorkItemView>, EngineError> {
        self.ask(|r| Command::Held(agent.to_owned(), r)).await
    }

    /// Events as they are committed, from now on; a subscriber that falls
    /// behind reads the missed ones from the store.
    /// `who` names the subscriber in the catch-up counts.
    pub fn subscribe(&self, who: &str) -> Subscription<RoutingEvent> {
        self.events.subscribe(who)
    }

    /// Events after `seq` (those already committed read from the store).
    pub fn subscribe_after(&self, who: &str, seq: i64) -> Subscription<RoutingEvent> {
        self.events.subscribe_after(who, seq)
    }
}
