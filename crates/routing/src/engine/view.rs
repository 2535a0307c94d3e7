//! What the engine shows: a work item with its place in line and wait
//! (read from the store once it is closed), and a queue's live figures.

use serde_json::Value;
use switchboard_core::routing::*;
use switchboard_store::routing::WorkItemRow;
use switchboard_store::StoreError;

use super::api::{
    AgentOverview, EngineError, LiveItem, Overview, QueueOverview, QueueStats, WorkItemView,
};
use super::clock::now_ms;
use super::live::Live;

impl Live {
    pub(super) async fn view(&self, id: &str) -> Result<WorkItemView, EngineError> {
        let Some(&ix) = self.item_ix.get(id) else {
            // Closed items are no longer live: read them from the store.
            let row = match self.db.work_item(id).await {
                Ok(r) => r,
                Err(StoreError::NotFound(_)) => return Err(EngineError::NotFound("work item")),
                Err(e) => return Err(e.into()),
            };
            let reason = row
                .reason
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok());
            return Ok(self.view_of(&row, None, reason));
        };
        let info = &self.info[&ix];
        Ok(self.view_of(&info.row, Some(ix), Some(info.reason.clone())))
    }

    /// `live`: the item's index while the core holds it (for its figures).
    pub(super) fn view_of(
        &self,
        row: &WorkItemRow,
        live: Option<ItemId>,
        reason: Option<Value>,
    ) -> WorkItemView {
        WorkItemView {
            id: row.id.clone(),
            channel: row.channel.clone(),
            kind: row.kind.clone(),
            status: row.status.clone(),
            queue_id: row.queue_id.clone(),
            queue_name: self
                .queue_ix
                .get(&row.queue_id)
                .map(|q| self.queue_names[q.0 as usize].clone()),
            agent_id: row.agent_id.clone(),
            contact_id: row.contact_id.clone(),
            customer_name: row.customer_name.clone(),
            attributes: serde_json::from_str(&row.attributes).unwrap_or_default(),
            priority: row.priority,
            position: live.and_then(|ix| self.core.position(ix)),
            estimated_wait_seconds: live
                .and_then(|ix| self.core.estimated_wait(ix))
                .map(|ms| ms.div_ceil(1000)),
            offer_deadline: row.offer_deadline.clone(),
            reason,
            arrived_at: row.arrived_at.clone(),
            closed_at: row.closed_at.clone(),
        }
    }

    pub(super) fn stats(&self, queue: &str) -> Result<QueueStats, EngineError> {
        let q = *self
            .queue_ix
            .get(queue)
            .ok_or(EngineError::NotFound("queue"))?;
        let state = &self.core.queues[q.0 as usize];
        let now = now_ms();
        let mut counts = (0, 0, 0);
        for m in &state.config.members {
            match self.core.agents[m.0 as usize].presence {
                Presence::Available => counts.0 += 1,
                Presence::Offline => counts.2 += 1,
                _ => counts.1 += 1,
            }
        }
        Ok(QueueStats {
            queue_id: queue.to_owned(),
            waiting: state.waiting_count(),
            longest_wait_seconds: state
                .oldest_arrival()
                .map(|at| now.saturating_sub(at) / 1000),
            estimated_wait_seconds: state
                .estimator
                .estimate(state.waiting_count() + 1)
                .map(|ms| ms.div_ceil(1000)),
            recent_average_wait_seconds: state
                .estimator
                .recent_wait
                .map(|w| (w / 1000.0).round() as u64),
            agents_available: counts.0,
            agents_busy: counts.1,
            agents_offline: counts.2,
        })
    }

    /// Every queue, agent and open item (names of agents are the caller's
    /// to fill in: the engine keeps only ids).
    pub(super) fn overview(&self) -> Overview {
        let queues = self
            .queue_ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| {
                let stats = self.stats(id).ok()?;
                let channel = match self.core.queues[i].config.channel {
                    ChannelKind::Messaging => "messaging",
                    ChannelKind::Voice => "voice",
                };
                Some(QueueOverview {
                    name: self.queue_names[i].clone(),
                    channel: channel.into(),
                    stats,
                })
            })
            .collect();
        let agents = self
            .agent_ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let a = &self.core.agents[i];
                AgentOverview {
                    agent_id: id.clone(),
                    name: None,
                    presence: a.presence,
                    automatic: a.auto_busy,
                }
            })
            .collect();
        let mut work_items: Vec<LiveItem> = self
            .info
            .iter()
            .map(|(ix, i)| LiveItem {
                item: self.view_of(&i.row, Some(*ix), Some(i.reason.clone())),
                since: i.row.updated_at.clone(),
            })
            .collect();
        work_items.sort_by(|a, b| {
            (&a.item.arrived_at, &a.item.id).cmp(&(&b.item.arrived_at, &b.item.id))
        });
        Overview {
            last_id: self.seq,
            queues,
            agents,
            work_items,
            all_queues: true,
        }
    }
}
