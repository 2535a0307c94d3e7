//! The state the engine's task owns: the core's state machine, the maps
//! between the store's ids and the core's indexes, each live item's row,
//! and what one step changed on its way to the store.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use switchboard_core::routing::classify::Rule;
use switchboard_core::routing::events::{EventKind, RoutingEvent};
use switchboard_core::routing::*;
use switchboard_core::time;
use switchboard_store::routing::WorkItemRow;
use switchboard_store::Db;

use super::api::EngineError;
use super::handle::Publisher;

/// The engine's own view of one work item.
pub(super) struct Info {
    pub(super) row: WorkItemRow,
    /// Who holds it (offered, assigned or wrapping up), as a store id.
    pub(super) holder: Option<String>,
    pub(super) reason: Value,
}

/// Events a rebuild owes the clients, sent with the next commit.
pub(super) enum Pending {
    /// An offer that no longer stands (its agent is gone, or a restart).
    Rescind {
        item: String,
        agent: String,
        queue: String,
    },
    /// A wrap-up cut short by a restart.
    Closed {
        item: String,
        agent: Option<String>,
        queue: String,
    },
}

pub(super) struct Live {
    pub(super) db: Db,
    pub(super) core: RoutingState,
    pub(super) agent_ix: HashMap<String, AgentIx>,
    pub(super) agent_ids: Vec<String>,
    pub(super) queue_ix: HashMap<String, QueueIx>,
    pub(super) queue_ids: Vec<String>,
    pub(super) queue_names: Vec<String>,
    pub(super) skill_ix: HashMap<String, SkillIx>,
    pub(super) rules: Vec<Rule>,
    /// Store ids of skills, by core index.
    pub(super) skill_ids: Vec<String>,
    /// Their names, by core index.
    pub(super) skill_names: Vec<String>,
    pub(super) default_queue: Option<QueueIx>,
    pub(super) info: HashMap<ItemId, Info>,
    pub(super) item_ix: HashMap<String, ItemId>,
    pub(super) next_item: u64,
    pub(super) seq: i64,
    /// Whether some queue has a while-waiting overflow rule (needs a tick).
    pub(super) waiting_rules: bool,
    pub(super) metrics: Arc<switchboard_runtime::metrics::Metrics>,
    /// Rows to write at the next commit (changed by a rebuild).
    pub(super) stale: Vec<WorkItemRow>,
    /// Events to send at the next commit (owed by a rebuild).
    pub(super) pending: Vec<Pending>,
    /// The last write failed and the rebuild could not read the store:
    /// memory may be ahead of it, so rebuild before the next command.
    pub(super) broken: bool,
}

/// What one step changed, to be written and then announced.
#[derive(Default)]
pub(super) struct Step {
    /// Store ids of the items whose rows changed.
    pub(super) items: Vec<String>,
    /// `(agent id, presence)` the agent chose.
    pub(super) presence: Vec<(String, String)>,
    pub(super) events: Vec<RoutingEvent>,
}

impl Live {
    /// Reads the store and builds the state from it (a restart: nothing
    /// carried over).
    pub(super) async fn load(db: Db) -> Result<Self, EngineError> {
        let snapshot = db.routing_snapshot().await?;
        let mut live = Live {
            db,
            core: RoutingState::new(),
            agent_ix: HashMap::new(),
            agent_ids: Vec::new(),
            queue_ix: HashMap::new(),
            queue_ids: Vec::new(),
            queue_names: Vec::new(),
            skill_ix: HashMap::new(),
            skill_ids: Vec::new(),
            skill_names: Vec::new(),
            rules: Vec::new(),
            default_queue: None,
            info: HashMap::new(),
            item_ix: HashMap::new(),
            next_item: 0,
            seq: snapshot.last_seq,
            waiting_rules: false,
            stale: Vec::new(),
            pending: Vec::new(),
            broken: false,
            metrics: Arc::default(),
        };
        live.build(snapshot, None);
        Ok(live)
    }

    pub(super) fn item_id(&self, id: &str) -> Result<ItemId, EngineError> {
        self.item_ix
            .get(id)
            .copied()
            .ok_or(EngineError::NotFound("work item"))
    }

    /// The agent's index; an agent created or activated since the last
    /// load makes the engine reload once before answering "not found".
    pub(super) async fn agent(
        &mut self,
        id: &str,
        events: &Publisher,
    ) -> Result<AgentIx, EngineError> {
        if let Some(a) = self.agent_ix.get(id) {
            return Ok(*a);
        }
        self.reload(events).await?;
        self.agent_ix
            .get(id)
            .copied()
            .ok_or(EngineError::NotFound("agent"))
    }

    /// The store id of an agent the core knows.
    pub(super) fn agent_id(&self, agent: AgentIx) -> String {
        self.agent_ids[agent.0 as usize].clone()
    }

    /// Numbers an event about `item` and `agent` into the step.
    pub(super) fn event(
        &mut self,
        step: &mut Step,
        kind: EventKind,
        item: Option<ItemId>,
        agent: Option<AgentIx>,
    ) {
        self.seq += 1;
        let info = item.and_then(|i| self.info.get(&i));
        step.events.push(RoutingEvent {
            seq: self.seq,
            at: time::now(),
            work_item_id: info.map(|i| i.row.id.clone()),
            agent_id: agent.map(|a| self.agent_ids[a.0 as usize].clone()),
            queue_id: info.map(|i| i.row.queue_id.clone()),
            kind,
        });
    }

    /// Changes an item's row (and stamps it), marking it for the step's write.
    pub(super) fn touch(&mut self, step: &mut Step, id: ItemId, change: impl FnOnce(&mut Info)) {
        if let Some(info) = self.info.get_mut(&id) {
            change(info);
            info.row.updated_at = time::now();
            if !step.items.contains(&info.row.id) {
                step.items.push(info.row.id.clone());
            }
        }
    }
}
