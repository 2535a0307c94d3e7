//! Unit tests of the engine's parts, against a real SQLite store in a
//! temporary directory and the real event bus (no HTTP, no task): the
//! state built from a snapshot (`build`), decisions committed as rows and
//! events (`commit`), items classified and created (`create`).

mod build;
mod commit;
mod create;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use switchboard_core::access::Role;
use switchboard_core::routing::events::RoutingEvent;
use switchboard_core::routing::ChannelKind;
use switchboard_runtime::bus::{InProcessBus, Subscription};
use switchboard_store::agents::AgentRecord;
use switchboard_store::routing::WorkItemRow;
use switchboard_store::Db;

use super::clock::{ms_to_text, now_ms};
use super::live::Live;
use super::{EngineError, NewWorkItem, Publisher};
use crate::config::{validate_queue, QueueInput};

/// A migrated store of its own, and the bus the engine publishes into.
struct World {
    _dir: tempfile::TempDir,
    db: Db,
    bus: Arc<Publisher>,
}

impl World {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}/t.db", dir.path().display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let bus: Arc<Publisher> = Arc::new(InProcessBus::new(
            256,
            0,
            Arc::new(crate::events::Stored(db.clone())),
            switchboard_runtime::metrics::Metrics::default().event_catch_ups,
        ));
        World { _dir: dir, db, bus }
    }

    /// The engine's state as loaded after a (re)start.
    async fn live(&self) -> Live {
        Live::load(self.db.clone()).await.unwrap()
    }

    async fn agent(&self, name: &str) -> String {
        let email = format!("{name}@test.example");
        self.db
            .create_agent(&AgentRecord {
                name,
                email: &email,
                roles: &[Role::Agent],
                active: true,
                password_hash: Some("not-used"),
            })
            .await
            .unwrap()
            .id
    }

    /// The agent's own choice, as the store keeps it.
    async fn set_presence(&self, agent: &str, presence: &str) {
        self.db
            .apply_routing(&[], &[(agent.to_owned(), presence.to_owned())], &[])
            .await
            .unwrap();
    }

    async fn skill(&self, name: &str) -> String {
        self.db.create_skill(name).await.unwrap().id
    }

    async fn queue(
        &self,
        name: &str,
        channel: ChannelKind,
        members: &[&str],
        is_default: bool,
    ) -> String {
        let input = QueueInput {
            name: Some(name.into()),
            channel: Some(channel),
            priority: None,
            method: None,
            offer_timeout_seconds: None,
            declines_allowed: None,
            is_default: Some(is_default),
            operating_hours: None,
            overflow: None,
            csat_survey: None,
            members: Some(members.iter().map(|m| (*m).to_owned()).collect()),
            supervisor_ids: None,
        };
        let draft = validate_queue(&input, &Default::default()).unwrap();
        self.db.put_queue(None, &draft).await.unwrap().id
    }

    /// Open items as a previous run left them in the store.
    async fn store_items(&self, rows: &[WorkItemRow]) {
        self.db.apply_routing(rows, &[], &[]).await.unwrap();
    }

    async fn row(&self, id: &str) -> WorkItemRow {
        self.db.work_item(id).await.unwrap()
    }

    /// The events after `seq` as the store keeps them, read back.
    async fn stored_events_after(&self, seq: i64) -> Vec<RoutingEvent> {
        self.db
            .routing_events_after(seq, None, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter_map(crate::events::event)
            .collect()
    }
}

/// The next `n` events a subscriber receives.
async fn received(sub: &mut Subscription<RoutingEvent>, n: usize) -> Vec<RoutingEvent> {
    let mut out = Vec::new();
    for _ in 0..n {
        let e = tokio::time::timeout(Duration::from_secs(5), sub.next())
            .await
            .expect("an event is published")
            .expect("the bus is open");
        out.push((*e).clone());
    }
    out
}

/// An open item's row as a previous run stored it.
fn stored_item(
    id: &str,
    queue_id: &str,
    status: &str,
    agent_id: Option<&str>,
    arrived: u64,
) -> WorkItemRow {
    WorkItemRow {
        id: id.to_owned(),
        channel: "chat".into(),
        kind: "normal".into(),
        contact_id: None,
        customer_name: None,
        attributes: "{}".into(),
        queue_id: queue_id.to_owned(),
        priority: 0,
        needs: "[]".into(),
        skill_match: "exact".into(),
        status: status.to_owned(),
        agent_id: agent_id.map(str::to_owned),
        offer_deadline: (status == "offered").then(|| ms_to_text(now_ms() + 30_000)),
        declines: "[]".into(),
        reason: None,
        arrived_at: ms_to_text(arrived),
        updated_at: ms_to_text(arrived),
        closed_at: None,
    }
}

fn new_item(channel: &str, attributes: &[(&str, &str)]) -> NewWorkItem {
    NewWorkItem {
        channel: channel.into(),
        kind: "normal".into(),
        contact_id: None,
        attributes: attributes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        queue_id: None,
        skills: None,
        skill_match: None,
        priority: None,
    }
}

/// The fields and codes of a refusal, in order.
fn refused(e: EngineError) -> Vec<(String, String)> {
    match e {
        EngineError::Invalid(i) => i.0.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}
