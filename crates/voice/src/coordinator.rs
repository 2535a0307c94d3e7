//! Follows the routing engine for voice: an overflow with direct callback
//! makes the waiting call offer one; an agent's acceptance connects a live
//! call or, for a callback, starts dialling (agent first, then customer);
//! an item ended elsewhere hangs its call up.

use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;

use super::{CallNote, Voice};

pub fn spawn(v: Arc<Voice>) {
    let mut events = v.engine.subscribe();
    tokio::spawn(async move {
        loop {
            let e = match events.recv().await {
                Ok(e) => e,
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(
                        missed = n,
                        "the voice channel fell behind the routing engine"
                    );
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            let Some(item) = e.work_item_id.clone() else {
                continue;
            };
            match e.kind.as_str() {
                "overflowed" => {
                    let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
                    // The core's action serializes tagged: {"action": "direct_callback"}.
                    if data["action"]["action"] == "direct_callback" {
                        v.tell(&item, CallNote::OfferCallback, true);
                    }
                }
                "assigned" => {
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
                "closed" | "wrap_up" => {
                    v.tell(&item, CallNote::End, false);
                }
                _ => {}
            }
        }
    });
}
