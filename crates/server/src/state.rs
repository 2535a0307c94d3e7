use std::sync::Arc;

use switchboard_store::Db;

use crate::auth::limiter::LoginLimiter;
use crate::metrics::Metrics;
use crate::routing::EngineHandle;
use crate::Config;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub login_limiter: Arc<LoginLimiter>,
    pub engine: EngineHandle,
    pub chat: Arc<crate::chat::Chat>,
    pub comms: Arc<crate::communications::Comms>,
    /// None unless `serve --sip-listen` is given.
    pub voice: Option<Arc<crate::voice::Voice>>,
}
