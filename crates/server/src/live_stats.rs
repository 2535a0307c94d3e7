//! The queue figures (`queue_stats`) the live channel sends supervisors
//! after each routing event, computed once per event and queue for every
//! supervisor's socket instead of once per socket.
//!
//! The first socket that needs the figures of (event, queue) asks the
//! engine; sockets that need them meanwhile wait for that one answer, and
//! later ones reuse it. With 20 supervisors watching, the engine answers
//! one question per event instead of 20, which kept its actor busy enough
//! to delay the routing itself (docs/benchmarks.md, "dashboard").
//!
//! Figures asked for after a later event serve an earlier one too: the
//! engine answers with its state when asked, which is already after both.
//! So only each queue's newest figures are kept, and sockets whose bursts
//! end at different events, and the waiting-history sampler, share them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::json;
use switchboard_routing::engine::QueueStats;
use switchboard_routing::EngineHandle;
use tokio::sync::OnceCell;

/// A queue's figures after an event: the engine's numbers, and the
/// message made of them once for every socket.
pub struct QueueFigures {
    pub stats: QueueStats,
    pub message: Arc<str>,
}

type Cell = Arc<OnceCell<Option<Arc<QueueFigures>>>>;

pub struct SharedStats {
    engine: EngineHandle,
    /// Per queue: its newest figures, and the event they were asked after.
    cells: Mutex<HashMap<String, (i64, Cell)>>,
}

impl SharedStats {
    pub fn new(engine: EngineHandle) -> Self {
        Self {
            engine,
            cells: Mutex::default(),
        }
    }

    /// The figures of `queue` after event `seq` (with their `queue_stats`
    /// message), or `None` when the engine cannot say (an unknown queue, a
    /// stopping engine).
    pub async fn after(&self, seq: i64, queue: &str) -> Option<Arc<QueueFigures>> {
        let cell: Cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            match cells.get(queue) {
                Some((asked, cell)) if *asked >= seq => cell.clone(),
                _ => {
                    let cell = Cell::default();
                    cells.insert(queue.to_owned(), (seq, cell.clone()));
                    cell
                }
            }
        };
        cell.get_or_init(|| async {
            let stats = self.engine.stats(queue).await.ok()?;
            let mut v = serde_json::to_value(&stats).ok()?;
            v["type"] = json!("queue_stats");
            Some(Arc::new(QueueFigures {
                stats,
                message: Arc::from(v.to_string()),
            }))
        })
        .await
        .clone()
    }
}
