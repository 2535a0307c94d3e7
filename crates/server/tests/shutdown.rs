//! Stopping the server (what SIGTERM does) leaves nothing writing to a
//! closed database: the routing engine's timers stop before the pool closes.

#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use switchboard_core::access::Role;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

// Its own binary: the global subscriber sees this test's server only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_shutdown_the_routing_timers_write_nothing() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let app = support::spawn_sqlite().await;
    let admin = app.token(Role::Admin).await;
    // A while-waiting overflow rule makes the engine check every second,
    // and an item waits in that queue.
    let backup = admin
        .create(
            "/api/v1/queues",
            json!({"name": "backup", "channel": "messaging"}),
        )
        .await;
    let slow = admin
        .create(
            "/api/v1/queues",
            json!({"name": "slow", "channel": "messaging",
                   "overflow": {"waiting_time_exceeds": {"seconds": 2, "action": "transfer_to_queue", "queue_id": backup["id"]}}}),
        )
        .await;
    admin
        .create(
            "/api/v1/work-items",
            json!({"channel": "chat", "queue_id": slow["id"]}),
        )
        .await;
    let engine = app.running.state.engine.clone();
    app.stop().await;
    // The item overflows 2 s after it arrived: after the stop.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    for bad in ["closed pool", "routing timer step failed", "ERROR"] {
        assert!(!text.contains(bad), "{bad} in the log:\n{text}");
    }
    assert!(text.contains("routing engine stopped"), "{text}");
    assert!(
        engine.held("nobody").await.is_err(),
        "the engine answers nothing after shutdown"
    );
}
