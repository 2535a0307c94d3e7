use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use switchboard_store::Db;

use crate::auth::limiter::LoginLimiter;
use crate::config::Config;
use switchboard_routing::EngineHandle;
use switchboard_runtime::metrics::Metrics;

/// What the handlers can reach; cheap to clone. A handler takes the part
/// it uses (`State<Arc<Meetings>>`, `State<Db>`…): each field is a
/// sub-state (`FromRef`).
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub login_limiter: Arc<LoginLimiter>,
    pub engine: EngineHandle,
    pub chat: Arc<switchboard_chat::Chat>,
    pub comms: Arc<switchboard_notifications::Comms>,
    /// The scheduling service: booking, moving, cancelling, slots.
    pub meetings: Arc<switchboard_notifications::meetings::Meetings>,
    /// The agent workspace: session summaries, scripts and macros.
    pub workspace: Arc<switchboard_workspace::Workspace>,
    /// Outbound webhooks' delivery service.
    pub webhooks: Arc<switchboard_webhooks::Webhooks>,
    /// None unless `serve --sip-listen` is given.
    pub voice: Option<Arc<switchboard_voice::Voice>>,
    /// False while the process is still setting itself up (for example
    /// loading `--demo` data after the listener opened): `/readyz` answers
    /// 503 until then, so a client waiting for readiness sees a whole site.
    pub ready: Arc<AtomicBool>,
    /// Bumped after every routing configuration change (queues, their
    /// members and supervisors): open sockets re-read what their supervisor
    /// watches.
    pub routing_changes: tokio::sync::watch::Receiver<u64>,
    /// The queue figures sent to supervisors after each event, computed
    /// once for all their sockets.
    pub queue_stats: Arc<crate::live_stats::SharedStats>,
}

impl AppState {
    /// Setup is over: `/readyz` may answer 200 (when the database does).
    pub fn mark_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}
