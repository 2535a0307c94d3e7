//! Committing one step: the core's decisions become changed work-item rows
//! and numbered, typed events (one function per kind of decision); they are
//! written in one transaction, and only then counted and published.

use serde_json::{json, Value};
use switchboard_core::routing::events::{EventKind, Offer, RoutingEvent};
use switchboard_core::routing::overflow::{Action, Condition};
use switchboard_core::routing::state::{Decision, Reason};
use switchboard_core::routing::*;
use switchboard_core::time;
use switchboard_runtime::metrics::{KindLabels, QueueLabels};
use switchboard_store::routing::WorkItemRow;

use super::api::EngineError;
use super::clock::{ms_to_text, now_ms, text_to_ms};
use super::handle::Publisher;
use super::live::{Live, Pending, Step};
use crate::config::enum_name;

impl Live {
    /// Turns decisions into rows and events, writes them, then announces.
    pub(super) async fn commit(
        &mut self,
        decisions: Vec<Decision>,
        mut step: Step,
        events: &Publisher,
    ) -> Result<(), EngineError> {
        let now = now_ms();
        self.owed_events(&mut step);
        for d in decisions {
            self.apply(&mut step, d, now);
        }
        let rows = self.write(&step).await?;
        // Closed items leave the live maps once written.
        for row in &rows {
            if row.closed_at.is_some() {
                if let Some(ix) = self.item_ix.remove(&row.id) {
                    self.info.remove(&ix);
                }
            }
        }
        self.count(&step.events);
        events.publish(step.events);
        Ok(())
    }

    /// The events a rebuild owes, numbered first.
    fn owed_events(&mut self, step: &mut Step) {
        for p in std::mem::take(&mut self.pending) {
            let (kind, item, agent, queue) = match p {
                Pending::Rescind { item, agent, queue } => {
                    (EventKind::OfferRescinded, item, Some(agent), queue)
                }
                Pending::Closed { item, agent, queue } => (EventKind::Closed, item, agent, queue),
            };
            self.seq += 1;
            step.events.push(RoutingEvent {
                seq: self.seq,
                at: time::now(),
                work_item_id: Some(item),
                agent_id: agent,
                queue_id: Some(queue),
                kind,
            });
        }
    }

    /// One decision into the step: its row change and its event.
    pub(super) fn apply(&mut self, step: &mut Step, d: Decision, now: Millis) {
        match d {
            Decision::Queued { item, queue } => self.queued(step, item, queue),
            Decision::Offered {
                item,
                agent,
                deadline,
                reason,
            } => self.offered(step, item, agent, deadline, &reason, now),
            Decision::OfferDeclined {
                item,
                agent,
                expired,
            } => self.offer_declined(step, item, agent, expired),
            Decision::OfferRescinded { item, agent } => self.offer_rescinded(step, item, agent),
            Decision::Assigned { item, agent } => self.assigned(step, item, agent),
            Decision::WrapUp { item, agent, until } => self.wrap_up(step, item, agent, until),
            Decision::Closed { item } => self.ended(step, item, "closed", EventKind::Closed),
            Decision::Abandoned { item } => {
                self.ended(step, item, "abandoned", EventKind::Abandoned)
            }
            Decision::Transferred { item, from, to } => self.transferred(step, item, from, to),
            Decision::Overflowed {
                item,
                queue,
                condition,
                action,
            } => self.overflowed(step, item, queue, condition, action),
            Decision::PresenceChanged {
                agent,
                presence,
                automatic,
            } => self.presence_changed(step, agent, presence, automatic),
        }
    }

    fn queued(&mut self, step: &mut Step, item: ItemId, queue: QueueIx) {
        let queue_id = self.queue_ids[queue.0 as usize].clone();
        self.touch(step, item, |i| {
            i.row.status = "queued".into();
            i.row.queue_id = queue_id;
        });
        let position = self.core.position(item);
        self.event(step, EventKind::Queued { position }, Some(item), None);
    }

    fn offered(
        &mut self,
        step: &mut Step,
        item: ItemId,
        agent: AgentIx,
        deadline: Millis,
        reason: &Reason,
        now: Millis,
    ) {
        let reason = self.reason_json(item, reason);
        let agent_id = self.agent_id(agent);
        self.touch(step, item, |i| {
            i.row.status = "offered".into();
            i.row.agent_id = Some(agent_id.clone());
            i.row.offer_deadline = Some(ms_to_text(deadline));
            i.row.reason = Some(reason.to_string());
            i.holder = Some(agent_id.clone());
            i.reason = reason.clone();
        });
        let offer = self.offer(item, deadline, reason, now);
        self.event(
            step,
            EventKind::Offered(Box::new(offer)),
            Some(item),
            Some(agent),
        );
    }

    /// The offer as the agent's workspace shows it.
    fn offer(&self, item: ItemId, deadline: Millis, reason: Value, now: Millis) -> Offer {
        let info = &self.info[&item];
        let q = self.queue_ix[&info.row.queue_id];
        Offer {
            channel: info.row.channel.clone(),
            kind: info.row.kind.clone(),
            customer_name: info.row.customer_name.clone(),
            contact_id: info.row.contact_id.clone(),
            queue_id: info.row.queue_id.clone(),
            queue_name: self.queue_names[q.0 as usize].clone(),
            waited_seconds: now.saturating_sub(text_to_ms(&info.row.arrived_at)) / 1000,
            deadline: ms_to_text(deadline),
            reason,
            // Channels find their own record here (a chat's conversation_id).
            attributes: serde_json::from_str::<Value>(&info.row.attributes).unwrap_or_default(),
        }
    }

    /// Why this agent: the item's rule and queue, the method, the skill fit.
    fn reason_json(&self, id: ItemId, r: &Reason) -> Value {
        let base = self
            .info
            .get(&id)
            .map(|i| i.reason.clone())
            .unwrap_or(Value::Null);
        let skill_fit = match r.fit {
            Fit::Exact => "exact".to_owned(),
            Fit::Over(n) => format!("over-qualified by {n}"),
            Fit::Under(n) => format!("under-qualified by {n}"),
        };
        json!({
            "rule": base.get("rule").cloned().unwrap_or(Value::Null),
            "queue": base.get("queue").cloned().unwrap_or(Value::Null),
            "method": enum_name(&r.method),
            "skill_fit": skill_fit,
            "candidates": r.candidates,
        })
    }

    /// Declined or let run out: back in line, with the agent's declines kept.
    fn offer_declined(&mut self, step: &mut Step, item: ItemId, agent: AgentIx, expired: bool) {
        let declines = self
            .core
            .items
            .get(&item)
            .map(|i| i.declines.clone())
            .unwrap_or_default();
        let declines: Vec<(String, u8)> = declines
            .into_iter()
            .map(|(a, n)| (self.agent_id(a), n))
            .collect();
        self.touch(step, item, |i| {
            i.row.status = "queued".into();
            i.row.agent_id = None;
            i.row.offer_deadline = None;
            i.row.declines = serde_json::to_string(&declines).expect("serializes");
            i.holder = None;
        });
        let kind = if expired {
            EventKind::OfferExpired
        } else {
            EventKind::OfferDeclined
        };
        self.event(step, kind, Some(item), Some(agent));
    }

    fn offer_rescinded(&mut self, step: &mut Step, item: ItemId, agent: AgentIx) {
        self.touch(step, item, |i| {
            i.row.agent_id = None;
            i.row.offer_deadline = None;
            i.holder = None;
        });
        self.event(step, EventKind::OfferRescinded, Some(item), Some(agent));
    }

    fn assigned(&mut self, step: &mut Step, item: ItemId, agent: AgentIx) {
        // The agent is already the holder after an offer; a supervisor's
        // direct assignment names them here.
        let agent_id = self.agent_id(agent);
        self.touch(step, item, |i| {
            i.row.status = "assigned".into();
            i.row.offer_deadline = None;
            i.row.agent_id = Some(agent_id.clone());
            i.holder = Some(agent_id);
        });
        self.event(step, EventKind::Assigned, Some(item), Some(agent));
    }

    fn wrap_up(&mut self, step: &mut Step, item: ItemId, agent: AgentIx, until: Millis) {
        self.touch(step, item, |i| i.row.status = "wrap_up".into());
        let until = ms_to_text(until);
        self.event(step, EventKind::WrapUp { until }, Some(item), Some(agent));
    }

    /// Closed or abandoned (`status`): the event goes to whoever held it.
    fn ended(&mut self, step: &mut Step, item: ItemId, status: &str, kind: EventKind) {
        let holder = self.info.get(&item).and_then(|i| i.holder.clone());
        self.touch(step, item, |i| {
            i.row.status = status.into();
            i.row.closed_at = Some(time::now());
            i.row.offer_deadline = None;
        });
        let agent = holder.and_then(|h| self.agent_ix.get(&h).copied());
        self.event(step, kind, Some(item), agent);
    }

    fn transferred(&mut self, step: &mut Step, item: ItemId, from: QueueIx, to: QueueIx) {
        // The previous holder, if any, must hear the item left them.
        let previous = self
            .info
            .get(&item)
            .and_then(|i| i.holder.clone())
            .and_then(|h| self.agent_ix.get(&h).copied());
        let to_id = self.queue_ids[to.0 as usize].clone();
        self.touch(step, item, |i| {
            i.row.status = "queued".into();
            i.row.queue_id = to_id.clone();
            i.row.agent_id = None;
            i.row.declines = "[]".into();
            i.holder = None;
        });
        let transferred = EventKind::Transferred {
            from_queue_id: self.queue_ids[from.0 as usize].clone(),
            to_queue_id: to_id,
        };
        self.event(step, transferred, Some(item), previous);
    }

    fn overflowed(
        &mut self,
        step: &mut Step,
        item: ItemId,
        queue: QueueIx,
        condition: Condition,
        action: Action,
    ) {
        let overflowed = EventKind::Overflowed {
            queue_id: self.queue_ids[queue.0 as usize].clone(),
            condition,
            action,
        };
        self.touch(step, item, |_| {});
        self.event(step, overflowed, Some(item), None);
    }

    fn presence_changed(
        &mut self,
        step: &mut Step,
        agent: AgentIx,
        presence: Presence,
        automatic: bool,
    ) {
        let agent_id = self.agent_id(agent);
        // Only the agent's own choice is stored: automatic busy
        // follows capacity and is recomputed after a restart.
        if !automatic {
            step.presence.retain(|(a, _)| *a != agent_id);
            step.presence.push((agent_id, enum_name(&presence)));
        }
        let kind = EventKind::Presence {
            presence,
            automatic,
        };
        self.event(step, kind, None, Some(agent));
    }

    /// Writes the step's rows (and those a rebuild changed), presence and
    /// events in one transaction; returns the rows written.
    async fn write(&mut self, step: &Step) -> Result<Vec<WorkItemRow>, EngineError> {
        // A rebuild's rows first: the step's own are newer (an item a
        // rebuild put back in line may be offered again in this very step,
        // and the last write of a row is the one that stays).
        let mut rows = std::mem::take(&mut self.stale);
        rows.extend(
            step.items
                .iter()
                .filter_map(|id| self.item_ix.get(id))
                .map(|ix| self.info[ix].row.clone()),
        );
        let events = crate::events::rows(&step.events);
        if let Err(e) = self.db.apply_routing(&rows, &step.presence, &events).await {
            // Memory ran ahead of the store: rebuild from what was
            // committed before the next command is served.
            tracing::error!(error = %e, "persisting routing decisions failed; rebuilding from the store");
            self.broken = true;
            self.pending.clear();
            return Err(e.into());
        }
        Ok(rows)
    }

    /// The metrics: each touched queue's waiting count and longest wait,
    /// and the events by kind.
    fn count(&self, events: &[RoutingEvent]) {
        let mut touched: Vec<&str> = events
            .iter()
            .filter_map(|e| e.queue_id.as_deref())
            .collect();
        touched.sort_unstable();
        touched.dedup();
        for q in touched {
            if let Some(ix) = self.queue_ix.get(q) {
                let state = &self.core.queues[ix.0 as usize];
                let label = QueueLabels {
                    queue: self.queue_names[ix.0 as usize].clone(),
                };
                self.metrics
                    .queue_waiting
                    .get_or_create(&label)
                    .set(state.waiting_count() as i64);
                let longest = state
                    .oldest_arrival()
                    .map(|at| now_ms().saturating_sub(at) / 1000)
                    .unwrap_or(0);
                self.metrics
                    .queue_longest_wait
                    .get_or_create(&label)
                    .set(longest as i64);
            }
        }
        for e in events {
            self.metrics
                .routing_events
                .get_or_create(&KindLabels {
                    kind: e.kind.name().to_owned(),
                })
                .inc();
        }
    }
}
