//! The queue figures (`queue_stats`) the live channel sends supervisors
//! after each routing event, computed once per event and queue for every
//! supervisor's socket instead of once per socket.
//!
//! The first socket that needs the figures of (event, queue) asks the
//! engine; sockets that need them meanwhile wait for that one answer, and
//! later ones reuse it. With 20 supervisors watching, the engine answers
//! one question per event instead of 20, which kept its actor busy enough
//! to delay the routing itself (docs/benchmarks.md, "dashboard").

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::json;
use switchboard_routing::EngineHandle;
use tokio::sync::OnceCell;

/// How many events back the shared figures are kept: a socket further
/// behind than that asks the engine anew (and gets the figures of now).
const KEEP: i64 = 4_096;

type Cell = Arc<OnceCell<Option<Arc<str>>>>;

pub struct SharedStats {
    engine: EngineHandle,
    cells: Mutex<BTreeMap<(i64, String), Cell>>,
}

impl SharedStats {
    pub fn new(engine: EngineHandle) -> Self {
        Self {
            engine,
            cells: Mutex::default(),
        }
    }

    /// The `queue_stats` message for `queue` after event `seq`, or `None`
    /// when the engine cannot say (an unknown queue, a stopping engine).
    pub async fn after(&self, seq: i64, queue: &str) -> Option<Arc<str>> {
        let cell: Cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            while let Some((&(oldest, _), _)) = cells.first_key_value() {
                if oldest >= seq - KEEP {
                    break;
                }
                cells.pop_first();
            }
            cells.entry((seq, queue.to_owned())).or_default().clone()
        };
        cell.get_or_init(|| async {
            let stats = self.engine.stats(queue).await.ok()?;
            let mut v = serde_json::to_value(stats).ok()?;
            v["type"] = json!("queue_stats");
            Some(Arc::from(v.to_string()))
        })
        .await
        .clone()
    }
}
