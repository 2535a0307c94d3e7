//! Overflow: what happens when a queue is closed or too busy.
//!
//! As in Dynamics unified routing, conditions checked before an item is
//! queued are evaluated in a fixed order — out of operating hours, then
//! work items waiting, then estimated wait — and the first that holds
//! decides; `waiting_time_exceeds` is checked while the item waits.

use serde::{Deserialize, Serialize};

use super::hours::OperatingHours;
use super::model::{Millis, QueueIx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "condition", content = "value", rename_all = "snake_case")]
pub enum Condition {
    OutOfOperatingHours,
    WorkItemsWaitingExceed(u32),
    /// Milliseconds.
    EstimatedWaitExceeds(Millis),
    /// Milliseconds.
    WaitingTimeExceeds(Millis),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", content = "queue", rename_all = "snake_case")]
pub enum Action {
    AssignAnyway,
    TransferToQueue(QueueIx),
    /// Messaging: end the conversation with a message.
    EndConversation,
    /// Voice: offer the caller a callback (the voice channel carries it out).
    DirectCallback,
    /// Voice: send the caller to voicemail.
    Voicemail,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OverflowRules {
    pub hours: Option<OperatingHours>,
    pub out_of_hours: Option<Action>,
    pub waiting_exceed: Option<(u32, Action)>,
    pub estimated_wait_exceeds: Option<(Millis, Action)>,
    pub while_waiting: Option<(Millis, Action)>,
}

impl OverflowRules {
    /// The first condition that holds for an item about to join a queue with
    /// `waiting` items and the given estimated wait.
    pub fn before_queueing(
        &self,
        waiting: usize,
        estimated: Option<Millis>,
        now: Millis,
    ) -> Option<(Condition, Action)> {
        if let (Some(hours), Some(action)) = (&self.hours, self.out_of_hours) {
            if !hours.is_open(now) {
                return Some((Condition::OutOfOperatingHours, action));
            }
        }
        if let Some((n, action)) = self.waiting_exceed {
            if waiting > n as usize {
                return Some((Condition::WorkItemsWaitingExceed(n), action));
            }
        }
        if let (Some((limit, action)), Some(est)) = (self.estimated_wait_exceeds, estimated) {
            if est > limit {
                return Some((Condition::EstimatedWaitExceeds(limit), action));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_apply_in_order() {
        let rules = OverflowRules {
            waiting_exceed: Some((2, Action::DirectCallback)),
            estimated_wait_exceeds: Some((60_000, Action::Voicemail)),
            ..Default::default()
        };
        assert_eq!(rules.before_queueing(2, Some(10_000), 0), None);
        assert_eq!(
            rules.before_queueing(3, Some(90_000), 0),
            Some((Condition::WorkItemsWaitingExceed(2), Action::DirectCallback))
        );
        assert_eq!(
            rules.before_queueing(0, Some(90_000), 0),
            Some((Condition::EstimatedWaitExceeds(60_000), Action::Voicemail))
        );
        assert_eq!(
            rules.before_queueing(0, None, 0),
            None,
            "no estimate yet is not an overflow"
        );
    }
}
