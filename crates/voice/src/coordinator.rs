//! Follows the routing engine for voice: an overflow with direct callback
//! makes the waiting call offer one; an agent's acceptance connects a live
//! call or, for a callback, starts dialling (agent first, then customer);
//! an item ended elsewhere hangs its call up.
//!
//! A missed `assigned` would leave a caller on hold for good: the
//! subscription reads whatever it fell behind on from the store.

use std::sync::Arc;

use switchboard_core::routing::events::EventKind;
use switchboard_core::routing::overflow::Action;

use super::{CallNote, Voice};

pub fn spawn(v: Arc<Voice>) {
    let mut events = v.engine.subscribe("voice");
    tokio::spawn(async move {
        while let Some(e) = events.next().await {
            let Some(item) = e.work_item_id.clone() else {
                continue;
            };
            match &e.kind {
                EventKind::Overflowed {
                    action: Action::DirectCallback,
                    ..
                } => {
                    v.tell(&item, CallNote::OfferCallback, true);
                }
                EventKind::Assigned => {
                    let Some(agent_id) = e.agent_id.clone() else {
                        continue;
                    };
                    if v.has_call(&item) {
                        v.tell(&item, CallNote::Connect { agent_id }, false);
                    } else {
                        let v = v.clone();
                        tokio::spawn(async move {
                            super::callbacks::on_assigned(&v, &item, &agent_id).await
                        });
                    }
                }
                EventKind::Closed | EventKind::WrapUp { .. } => {
                    v.tell(&item, CallNote::End, false);
                }
                _ => {}
            }
        }
    });
}
