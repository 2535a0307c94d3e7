//! Serving the handle's commands (creating an item is in `create.rs`):
//! answering an offer, closing, abandoning, a callback request,
//! transferring, presence, and what an agent holds.

use std::collections::BTreeMap;

use switchboard_core::routing::events::EventKind;
use switchboard_core::routing::state::{Decision, ItemStatus, RoutingError};
use switchboard_core::routing::*;
use switchboard_core::Invalid;

use super::api::{EngineError, WorkItemView};
use super::clock::now_ms;
use super::handle::{Command, Publisher};
use super::live::{Live, Step};

impl Live {
    /// Serves one command, timing the step.
    pub(super) async fn handle(&mut self, c: Command, events: &Publisher) {
        let started = std::time::Instant::now();
        self.handle_command(c, events).await;
        self.metrics
            .routing_step
            .observe(started.elapsed().as_secs_f64());
    }

    async fn handle_command(&mut self, c: Command, events: &Publisher) {
        if self.broken {
            if let Err(e) = self.recover(events).await {
                tracing::error!(error = %e, "routing engine cannot rebuild from the store");
            }
        }
        // A caller that gave up waiting dropped its receiver: nothing to tell.
        match c {
            Command::Create(new, reply) => {
                let (new, id) = *new;
                let _ = reply.send(self.create(new, id, events).await);
            }
            Command::View(id, reply) => {
                let _ = reply.send(self.view(&id).await);
            }
            Command::Answer {
                item,
                agent,
                accept,
                reply,
            } => {
                let _ = reply.send(self.answer(&item, &agent, accept, events).await);
            }
            Command::Close { item, agent, reply } => {
                let _ = reply.send(self.close(&item, agent.as_deref(), events).await);
            }
            Command::Abandon { item, reply } => {
                let _ = reply.send(self.abandon(&item, events).await);
            }
            Command::MarkCallback {
                item,
                attributes,
                reply,
            } => {
                let _ = reply.send(self.mark_callback(&item, attributes, events).await);
            }
            Command::Transfer {
                item,
                queue,
                agent,
                reply,
            } => {
                let r = self.transfer(&item, &queue, agent.as_deref(), events).await;
                let _ = reply.send(r);
            }
            Command::Assign { item, agent, reply } => {
                let _ = reply.send(self.assign(&item, &agent, events).await);
            }
            Command::Overview(reply) => {
                let _ = reply.send(Ok(self.overview()));
            }
            Command::Presence {
                agent,
                presence,
                reply,
            } => {
                let _ = reply.send(self.presence(&agent, presence, events).await);
            }
            Command::GetPresence(agent, reply) => {
                let r = self.agent(&agent, events).await;
                let _ = reply.send(r.map(|a| self.core.agents[a.0 as usize].presence));
            }
            Command::Stats(queue, reply) => {
                let _ = reply.send(self.stats(&queue));
            }
            Command::Trial(question, reply) => {
                let _ = reply.send(self.trial(*question).await);
            }
            Command::Held(agent, reply) => {
                let _ = reply.send(Ok(self.held(&agent)));
            }
            // Handled by the run loop, which stops.
            Command::Shutdown(reply) => {
                let _ = reply.send(Ok(()));
            }
        }
    }

    async fn answer(
        &mut self,
        item: &str,
        agent: &str,
        accept: bool,
        events: &Publisher,
    ) -> Result<WorkItemView, EngineError> {
        let id = self.item_id(item)?;
        let a = self.agent(agent, events).await?;
        let now = now_ms();
        let r = if accept {
            self.core.accept(id, a, now)
        } else {
            self.core.reject(id, a, now)
        };
        let decisions = r.map_err(|e| match e {
            RoutingError::NotOffered => {
                EngineError::Conflict("this work item is not offered to you (any more)".into())
            }
            other => EngineError::Conflict(other.to_string()),
        })?;
        self.commit(decisions, Step::default(), events).await?;
        self.view(item).await
    }

    /// `agent` None: a supervisor, who may also cancel an item nobody holds.
    async fn close(
        &mut self,
        item: &str,
        agent: Option<&str>,
        events: &Publisher,
    ) -> Result<WorkItemView, EngineError> {
        let id = self.item_id(item)?;
        let now = now_ms();
        let status = self.core.items.get(&id).map(|i| i.status);
        let decisions = match status {
            Some(
                ItemStatus::Assigned { agent: holder } | ItemStatus::WrapUp { agent: holder, .. },
            ) => {
                if let Some(a) = agent {
                    if self.agent(a, events).await? != holder {
                        return Err(EngineError::Forbidden(
                            "only the assigned agent or a supervisor may close this".into(),
                        ));
                    }
                }
                self.core
                    .close(id, holder, now)
                    .map_err(|e| EngineError::Conflict(e.to_string()))?
            }
            // Not yet with an agent: closing cancels it (supervisors only).
            Some(ItemStatus::Waiting | ItemStatus::Offered { .. }) if agent.is_none() => {
                let mut ds = self
                    .core
                    .abandon(id, now)
                    .map_err(|e| EngineError::Conflict(e.to_string()))?;
                for d in &mut ds {
                    if let Decision::Abandoned { item } = d {
                        *d = Decision::Closed { item: *item };
                    }
                }
                ds
            }
            Some(_) => {
                return Err(EngineError::Conflict(
                    "the work item is not assigned to you".into(),
                ))
            }
            None => {
                return Err(EngineError::Conflict(
                    "the work item is already closed".into(),
                ))
            }
        };
        self.commit(decisions, Step::default(), events).await?;
        self.view(item).await
    }

    /// The customer left before an agent took the item.
    async fn abandon(
        &mut self,
        item: &str,
        events: &Publisher,
    ) -> Result<WorkItemView, EngineError> {
        let id = self.item_id(item)?;
        let decisions = self.core.abandon(id, now_ms()).map_err(|_| {
            EngineError::Conflict(
                "the work item is already with an agent; the agent closes it".into(),
            )
        })?;
        self.commit(decisions, Step::default(), events).await?;
        self.view(item).await
    }

    /// A waiting item becomes a callback in place (its kind, and
    /// `attributes` added); the core's state does not change.
    async fn mark_callback(
        &mut self,
        item: &str,
        attributes: BTreeMap<String, String>,
        events: &Publisher,
    ) -> Result<WorkItemView, EngineError> {
        let id = self.item_id(item)?;
        let info = self
            .info
            .get(&id)
            .ok_or(EngineError::NotFound("work item"))?;
        if !matches!(info.row.status.as_str(), "queued" | "offered") {
            return Err(EngineError::Conflict(
                "only a waiting work item can become a callback".into(),
            ));
        }
        let mut step = Step::default();
        let added = attributes.clone();
        self.touch(&mut step, id, |i| {
            let mut attrs: BTreeMap<String, String> =
                serde_json::from_str(&i.row.attributes).unwrap_or_default();
            attrs.extend(added);
            i.row.attributes = serde_json::to_string(&attrs).unwrap_or_else(|_| "{}".into());
            i.row.kind = "callback".into();
        });
        self.event(
            &mut step,
            EventKind::CallbackRequested { attributes },
            Some(id),
            None,
        );
        self.commit(Vec::new(), step, events).await?;
        self.view(item).await
    }

    /// `agent`: the agent asking, who must hold the item (None: a supervisor).
    async fn transfer(
        &mut self,
        item: &str,
        queue: &str,
        agent: Option<&str>,
        events: &Publisher,
    ) -> Result<WorkItemView, EngineError> {
        let id = self.item_id(item)?;
        let to = *self
            .queue_ix
            .get(queue)
            .ok_or_else(|| Invalid::one("queue_id", "unknown", "no queue has this id"))?;
        if let Some(a) = agent {
            let a = self.agent(a, events).await?;
            if self.core.items.get(&id).map(|i| i.status) != Some(ItemStatus::Assigned { agent: a })
            {
                return Err(EngineError::Forbidden(
                    "only the assigned agent or a supervisor may transfer this".into(),
                ));
            }
        }
        let from = self.core.items[&id].queue;
        let (cf, ct) = (
            self.core.queues[from.0 as usize].config.channel,
            self.core.queues[to.0 as usize].config.channel,
        );
        if cf != ct {
            return Err(Invalid::one(
                "queue_id",
                "mismatch",
                "the target queue serves another channel",
            )
            .into());
        }
        let decisions = self
            .core
            .transfer(id, to, now_ms())
            .map_err(|e| EngineError::Conflict(e.to_string()))?;
        self.commit(decisions, Step::default(), events).await?;
        self.view(item).await
    }

    /// A supervisor's direct assignment (see [`RoutingState::assign`]).
    pub(super) async fn assign(
        &mut self,
        item: &str,
        agent: &str,
        events: &Publisher,
    ) -> Result<WorkItemView, EngineError> {
        let Some(&id) = self.item_ix.get(item) else {
            // Closed items are no longer live: a conflict, not a 404.
            let view = self.view(item).await?;
            return Err(EngineError::Conflict(format!(
                "the work item is already {}",
                view.status
            )));
        };
        let a = self.agent(agent, events).await?;
        let decisions = self.core.assign(id, a, now_ms()).map_err(|e| match e {
            RoutingError::AgentOffline => EngineError::Conflict(
                "the agent is offline: only an agent who is signed in can take work".into(),
            ),
            RoutingError::AlreadyAssigned => EngineError::Conflict(
                "the work item is already with an agent; transfer it to a queue first".into(),
            ),
            other => EngineError::Conflict(other.to_string()),
        })?;
        self.commit(decisions, Step::default(), events).await?;
        self.view(item).await
    }

    async fn presence(
        &mut self,
        agent: &str,
        presence: Presence,
        events: &Publisher,
    ) -> Result<Presence, EngineError> {
        let a = self.agent(agent, events).await?;
        let decisions = self
            .core
            .set_presence(a, presence, now_ms())
            .map_err(|e| EngineError::Conflict(e.to_string()))?;
        self.commit(decisions, Step::default(), events).await?;
        Ok(self.core.agents[a.0 as usize].presence)
    }

    /// The items an agent holds (offered, assigned, wrapping up), oldest first.
    pub(super) fn held(&self, agent: &str) -> Vec<WorkItemView> {
        let mut held: Vec<WorkItemView> = self
            .info
            .iter()
            .filter(|(_, i)| i.holder.as_deref() == Some(agent))
            .map(|(ix, i)| self.view_of(&i.row, Some(*ix), Some(i.reason.clone())))
            .collect();
        held.sort_by(|a, b| a.arrived_at.cmp(&b.arrived_at));
        held
    }
}
