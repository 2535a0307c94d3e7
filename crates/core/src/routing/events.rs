//! What the routing engine announces: one numbered event per change to a
//! work item or an agent, in the order the engine committed them.
//!
//! The engine stores each event (`routing_events`: the number, the ids it
//! concerns, and [`EventKind::data`] as JSON) before it announces it, so a
//! subscriber that fell behind reads what it missed back from the store
//! ([`RoutingEvent::from_stored`]) and nothing is ever skipped. Clients see
//! the same JSON, with `id` (the number), `at` and the ids merged in.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::Presence;
use super::overflow::{Action, Condition};

/// One committed routing event.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingEvent {
    /// Its place in the engine's log; clients resume after it.
    pub seq: i64,
    /// RFC 3339, when the engine committed it.
    pub at: String,
    pub work_item_id: Option<String>,
    /// The agent it concerns (offered to, assigned to, whose presence…).
    pub agent_id: Option<String>,
    pub queue_id: Option<String>,
    pub kind: EventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A new item's queue, chosen by this routing rule (none: named by
    /// whoever made the item, or the default queue).
    Classified {
        rule: Option<String>,
        queue_id: String,
    },
    /// The item waits in its queue, at this place (1 = next).
    Queued {
        position: Option<usize>,
    },
    /// Offered to the event's agent until the deadline.
    Offered(Box<Offer>),
    /// The agent said no; the item waits again.
    OfferDeclined,
    /// The agent let the offer run out; the item waits again.
    OfferExpired,
    /// The offer no longer stands (the agent went away, a reload).
    OfferRescinded,
    /// The event's agent holds the item.
    Assigned,
    /// The agent finished the conversation and wraps up until then.
    WrapUp {
        until: String,
    },
    Closed,
    /// The customer left before an agent took the item.
    Abandoned,
    Transferred {
        from_queue_id: String,
        to_queue_id: String,
    },
    /// The waiting caller chose a callback; these attributes were added.
    CallbackRequested {
        attributes: std::collections::BTreeMap<String, String>,
    },
    /// An overflow condition held and its action was taken.
    Overflowed {
        queue_id: String,
        condition: Condition,
        action: Action,
    },
    /// The event's agent's presence; `automatic` when capacity decided it.
    Presence {
        presence: Presence,
        automatic: bool,
    },
}

/// An offer as the agent's workspace shows it before accepting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub channel: String,
    pub kind: String,
    pub customer_name: Option<String>,
    pub contact_id: Option<String>,
    pub queue_id: String,
    pub queue_name: String,
    pub waited_seconds: u64,
    pub deadline: String,
    /// Why this agent: the rule, the queue, the method, the skill fit.
    pub reason: Value,
    /// The item's routing attributes (a chat finds its record here).
    pub attributes: Value,
}

impl EventKind {
    /// The name clients see as `type`.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Classified { .. } => "classified",
            EventKind::Queued { .. } => "queued",
            EventKind::Offered(_) => "offered",
            EventKind::OfferDeclined => "offer_declined",
            EventKind::OfferExpired => "offer_expired",
            EventKind::OfferRescinded => "offer_rescinded",
            EventKind::Assigned => "assigned",
            EventKind::WrapUp { .. } => "wrap_up",
            EventKind::Closed => "closed",
            EventKind::Abandoned => "abandoned",
            EventKind::Transferred { .. } => "transferred",
            EventKind::CallbackRequested { .. } => "callback_requested",
            EventKind::Overflowed { .. } => "overflowed",
            EventKind::Presence { .. } => "presence",
        }
    }

    /// The stored and sent JSON: the kind's fields, its `type`, and the
    /// work item's id when there is one.
    pub fn data(&self, work_item_id: Option<&str>) -> Value {
        let mut v = serde_json::to_value(self).expect("events serialize");
        if let (Value::Object(m), Some(w)) = (&mut v, work_item_id) {
            m.entry("work_item_id")
                .or_insert_with(|| Value::String(w.to_owned()));
        }
        v
    }
}

impl RoutingEvent {
    /// Reads an event back from its stored columns.
    pub fn from_stored(
        seq: i64,
        at: String,
        work_item_id: Option<String>,
        agent_id: Option<String>,
        queue_id: Option<String>,
        data: &str,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            kind: serde_json::from_str(data)?,
            seq,
            at,
            work_item_id,
            agent_id,
            queue_id,
        })
    }

    /// The queues whose figures the event changes: its own, and for a
    /// transfer or an overflow the queue the item left as well.
    pub fn touched_queues(&self) -> Vec<String> {
        let mut out: Vec<String> = self.queue_id.iter().cloned().collect();
        let other = match &self.kind {
            EventKind::Transferred {
                from_queue_id,
                to_queue_id,
            } => vec![from_queue_id.clone(), to_queue_id.clone()],
            EventKind::Overflowed { queue_id, .. } => vec![queue_id.clone()],
            _ => Vec::new(),
        };
        for q in other {
            if !out.contains(&q) {
                out.push(q);
            }
        }
        out
    }

    /// The message clients receive: the data with `id`, `type`, `at`, the
    /// agent and (unless the kind names its own) the queue.
    pub fn message(&self) -> Value {
        let mut v = self.kind.data(self.work_item_id.as_deref());
        if let Value::Object(m) = &mut v {
            m.insert("id".into(), self.seq.into());
            m.insert("at".into(), self.at.clone().into());
            if let Some(a) = &self.agent_id {
                m.insert("agent_id".into(), a.clone().into());
            }
            if let Some(q) = &self.queue_id {
                m.entry("queue_id").or_insert_with(|| q.clone().into());
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn all() -> Vec<EventKind> {
        vec![
            EventKind::Classified {
                rule: Some("VIP".into()),
                queue_id: "q".into(),
            },
            EventKind::Classified {
                rule: None,
                queue_id: "q".into(),
            },
            EventKind::CallbackRequested {
                attributes: [("callback_number".to_owned(), "+33612345678".to_owned())].into(),
            },
            EventKind::Queued { position: Some(2) },
            EventKind::Queued { position: None },
            EventKind::Offered(Box::new(Offer {
                channel: "chat".into(),
                kind: "normal".into(),
                customer_name: Some("Ann".into()),
                contact_id: None,
                queue_id: "q".into(),
                queue_name: "Sales".into(),
                waited_seconds: 3,
                deadline: "2026-01-01T00:00:00Z".into(),
                reason: json!({"method": "least_active", "candidates": 2}),
                attributes: json!({"conversation_id": "c"}),
            })),
            EventKind::OfferDeclined,
            EventKind::OfferExpired,
            EventKind::OfferRescinded,
            EventKind::Assigned,
            EventKind::WrapUp {
                until: "2026-01-01T00:01:00Z".into(),
            },
            EventKind::Closed,
            EventKind::Abandoned,
            EventKind::Transferred {
                from_queue_id: "a".into(),
                to_queue_id: "b".into(),
            },
            EventKind::Overflowed {
                queue_id: "q".into(),
                condition: Condition::WorkItemsWaitingExceed(3),
                action: Action::DirectCallback,
            },
            EventKind::Presence {
                presence: Presence::Busy,
                automatic: true,
            },
        ]
    }

    #[test]
    fn every_kind_reads_back_from_what_is_stored() {
        for (i, kind) in all().into_iter().enumerate() {
            let data = kind.data(Some("item")).to_string();
            let back = RoutingEvent::from_stored(
                i as i64,
                "t".into(),
                Some("item".into()),
                None,
                None,
                &data,
            )
            .unwrap();
            assert_eq!(back.kind, kind, "{data}");
            assert_eq!(
                serde_json::from_str::<Value>(&data).unwrap()["type"],
                kind.name()
            );
        }
    }

    #[test]
    fn the_stored_text_is_what_clients_have_always_read() {
        // The shapes clients and the store already hold (sorted members).
        assert_eq!(
            EventKind::Assigned.data(Some("w")).to_string(),
            r#"{"type":"assigned","work_item_id":"w"}"#
        );
        assert_eq!(
            EventKind::Queued { position: Some(1) }
                .data(Some("w"))
                .to_string(),
            r#"{"position":1,"type":"queued","work_item_id":"w"}"#
        );
        assert_eq!(
            EventKind::Presence {
                presence: Presence::DoNotDisturb,
                automatic: false
            }
            .data(None)
            .to_string(),
            r#"{"automatic":false,"presence":"do_not_disturb","type":"presence"}"#
        );
        let overflow = EventKind::Overflowed {
            queue_id: "q".into(),
            condition: Condition::OutOfOperatingHours,
            action: Action::DirectCallback,
        };
        assert_eq!(
            overflow.data(Some("w"))["action"],
            json!({"action": "direct_callback"})
        );
    }

    #[test]
    fn a_message_carries_its_number_time_and_ids() {
        let e = RoutingEvent {
            seq: 7,
            at: "2026-01-01T00:00:00Z".into(),
            work_item_id: Some("w".into()),
            agent_id: Some("a".into()),
            queue_id: Some("q".into()),
            kind: EventKind::Assigned,
        };
        assert_eq!(
            e.message(),
            json!({"id": 7, "type": "assigned", "at": "2026-01-01T00:00:00Z",
                   "work_item_id": "w", "agent_id": "a", "queue_id": "q"})
        );
    }

    #[test]
    fn an_unknown_kind_is_an_error_not_a_guess() {
        assert!(RoutingEvent::from_stored(
            1,
            "t".into(),
            None,
            None,
            None,
            r#"{"type":"teleported"}"#
        )
        .is_err());
    }
}
