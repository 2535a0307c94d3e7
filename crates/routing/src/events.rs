//! The routing events as the store keeps them, and where a subscriber
//! that fell behind reads them back.

use futures::future::BoxFuture;
use switchboard_core::routing::events::RoutingEvent;
use switchboard_runtime::bus::Backlog;
use switchboard_store::routing::EventRow;
use switchboard_store::Db;

/// The rows one commit writes.
pub fn rows(events: &[RoutingEvent]) -> Vec<EventRow> {
    events
        .iter()
        .map(|e| EventRow {
            seq: e.seq,
            work_item_id: e.work_item_id.clone(),
            agent_id: e.agent_id.clone(),
            queue_id: e.queue_id.clone(),
            kind: e.kind.name().to_owned(),
            data: e.kind.data(e.work_item_id.as_deref()).to_string(),
            at: e.at.clone(),
        })
        .collect()
}

/// A stored row read back; `None` (logged) for one this version cannot
/// read, which only a downgrade can leave behind.
pub fn event(row: EventRow) -> Option<RoutingEvent> {
    match RoutingEvent::from_stored(
        row.seq,
        row.at,
        row.work_item_id,
        row.agent_id,
        row.queue_id,
        &row.data,
    ) {
        Ok(e) => Some(e),
        Err(error) => {
            tracing::error!(seq = row.seq, kind = row.kind, %error, "a stored routing event is unreadable");
            None
        }
    }
}

/// The store's event log as the bus's backlog.
pub struct Stored(pub Db);

impl Backlog<RoutingEvent> for Stored {
    fn after(&self, seq: i64, limit: usize) -> BoxFuture<'_, Result<Vec<RoutingEvent>, String>> {
        Box::pin(async move {
            let rows = self
                .0
                .routing_events_after(seq, None, limit as i64)
                .await
                .map_err(|e| e.to_string())?;
            Ok(rows.into_iter().filter_map(event).collect())
        })
    }
}
