//! Which queues a caller may watch and act on: the one rule behind
//! everything a supervisor sees of the work — the live dashboard's
//! overview, the socket's events and `queue_stats`, the reports, the
//! planner, a queue's live figures, a work item's page, summary and call,
//! the conversations, the calls, the callbacks, and the supervisors'
//! actions on work items and conversations. The value itself
//! ([`Watch`]) is the core's, so the workspace service applies the same
//! rule to the work items it reaches.
//!
//! - **Admins** (a person holding the role, or an admin token): every queue.
//! - **Supervisors**: the queues they supervise (a queue's
//!   `supervisor_ids`). A supervisor who supervises no queue sees none:
//!   the dashboard says so. A supervisor token bound to no agent
//!   supervises nothing either.
//! - Anyone else: nothing (agents see their own work by other rules).
//!
//! Outside what they watch, a work item (and its conversation, call or
//! callback) is unknown to a supervisor (404, unless they hold it
//! themselves as an agent), lists leave it out, a queue's figures and
//! reports are refused (403), and a transfer target is refused as a field
//! (422 `queue_id` `not_supervised`). Agents are not queues: the list of
//! agents and their presence stay visible to every supervisor (as
//! `GET /agents` is), and a supervisor may give an item of their queue to
//! any agent.

use switchboard_core::access::Permission;
pub use switchboard_core::access::Watch;
use switchboard_store::{Db, Within};

use super::Principal;
use crate::error::{ApiError, ApiResult};

impl Principal {
    /// What this caller watches now (one query for a supervisor).
    pub async fn watch(&self, db: &Db) -> ApiResult<Watch> {
        if self.roles.contains(&switchboard_core::access::Role::Admin) {
            return Ok(Watch::All);
        }
        let queues = match self.agent_id.as_deref() {
            Some(a) if self.may(Permission::ViewAgents) => db.supervised_queues(a).await?,
            _ => Vec::new(),
        };
        Ok(Watch::Only(queues.into_iter().collect()))
    }

    /// Who acts, as the workspace service knows them: with what they
    /// watch, so it reaches the work items of those queues (and the
    /// caller's own).
    pub async fn actor(&self, db: &Db) -> ApiResult<switchboard_workspace::Actor> {
        Ok(switchboard_workspace::Actor {
            agent_id: self.agent_id.clone(),
            name: self.name.clone(),
            watch: self.watch(db).await?,
        })
    }

    /// What limits a paged list for this caller: `None` for all (admins),
    /// else the records of the queues they watch and their own as an
    /// agent. Filtered in SQL, so a page is never short.
    pub fn within(&self, watch: &Watch) -> Option<Within> {
        watch.queue_ids().map(|queues| Within {
            queues,
            agent_id: self.agent_id.clone(),
        })
    }
}

/// 403 unless the caller watches this queue (a report or a queue's
/// figures asked for a queue that is not theirs).
pub fn require_queue(watch: &Watch, id: &str) -> ApiResult<()> {
    if watch.queue(id) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "you do not supervise this queue (an admin adds supervisors on the queue)".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{require_queue, Watch};

    #[test]
    fn a_queue_not_watched_is_refused() {
        let mine = Watch::Only(["a".to_owned()].into_iter().collect());
        assert!(require_queue(&mine, "a").is_ok());
        assert!(require_queue(&mine, "c").is_err());
        assert!(require_queue(&Watch::All, "c").is_ok());
    }
}
