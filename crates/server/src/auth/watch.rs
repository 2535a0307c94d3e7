//! Which queues a caller may watch and act on: the one rule behind the
//! live dashboard's overview, the socket's events and `queue_stats`, the
//! reports, a work item's page, a queue's live figures and the
//! supervisors' actions on work items.
//!
//! - **Admins** (a person holding the role, or an admin token): every queue.
//! - **Supervisors**: the queues they supervise (a queue's
//!   `supervisor_ids`). A supervisor who supervises no queue sees none:
//!   the dashboard says so. A supervisor token bound to no agent
//!   supervises nothing either.
//! - Anyone else: nothing (agents see their own work by other rules).
//!
//! Outside what they watch, a work item is unknown to a supervisor (404,
//! unless they hold it themselves as an agent), a queue's figures and
//! reports are refused (403), and a transfer target is refused as a field
//! (422 `queue_id` `not_supervised`). Agents are not queues: the list of
//! agents and their presence stay visible to every supervisor (as
//! `GET /agents` is), and a supervisor may give an item of their queue to
//! any agent.

use std::collections::HashSet;

use switchboard_core::access::{Permission, Role};
use switchboard_store::Db;

use super::Principal;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watch {
    /// Every queue (admins).
    All,
    /// These queues only (possibly none).
    Only(HashSet<String>),
}

impl Watch {
    /// What `who` watches now (one query for a supervisor).
    pub async fn of(who: &Principal, db: &Db) -> ApiResult<Watch> {
        if who.roles.contains(&Role::Admin) {
            return Ok(Watch::All);
        }
        let queues = match who.agent_id.as_deref() {
            Some(a) if who.may(Permission::ViewAgents) => db.supervised_queues(a).await?,
            _ => Vec::new(),
        };
        Ok(Watch::Only(queues.into_iter().collect()))
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Watch::All)
    }

    /// Whether the caller watches this queue.
    pub fn queue(&self, id: &str) -> bool {
        match self {
            Watch::All => true,
            Watch::Only(queues) => queues.contains(id),
        }
    }

    /// The watched queues, sorted; `None` for all.
    pub fn queue_ids(&self) -> Option<Vec<String>> {
        match self {
            Watch::All => None,
            Watch::Only(queues) => {
                let mut v: Vec<String> = queues.iter().cloned().collect();
                v.sort();
                Some(v)
            }
        }
    }

    /// 403 unless the caller watches this queue (a report or a queue's
    /// figures asked for a queue that is not theirs).
    pub fn require_queue(&self, id: &str) -> ApiResult<()> {
        if self.queue(id) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "you do not supervise this queue (an admin adds supervisors on the queue)".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Watch;

    #[test]
    fn all_sees_every_queue_and_only_its_own() {
        assert!(Watch::All.queue("q1"));
        assert_eq!(Watch::All.queue_ids(), None);
        let mine = Watch::Only(["b".to_owned(), "a".to_owned()].into_iter().collect());
        assert!(mine.queue("a") && !mine.queue("c"));
        assert_eq!(mine.queue_ids(), Some(vec!["a".to_owned(), "b".to_owned()]));
        assert!(mine.require_queue("c").is_err());
        let none = Watch::Only(Default::default());
        assert!(!none.queue("a"));
        assert_eq!(none.queue_ids(), Some(vec![]));
    }
}
