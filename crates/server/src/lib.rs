//! Switchboard's server: the HTTP API, authentication, web pages, and the
//! wiring that starts and stops it all.

pub mod access;
pub mod auth;
mod charts;
pub mod client_addr;
mod config;
pub mod demo;
pub mod error;
pub mod extract;
mod http_metrics;
pub mod live_stats;
pub mod openapi;
pub mod planner;
pub mod routes;
mod security_headers;
pub mod site_config;
pub mod state;
mod strict_json;
pub mod waiting_history;
mod web;

// The services, under the names the routes (and tests) know them by.
pub use switchboard_chat as chat;
pub use switchboard_notifications as communications;
pub use switchboard_routing as routing;
pub use switchboard_runtime::metrics;
pub use switchboard_voice as voice;

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::Router;
use switchboard_core::validation::limits;
use switchboard_store::Db;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_http::trace::TraceLayer;

pub use crate::config::{Config, DEFAULT_JOIN_URL};
use crate::state::AppState;

/// Connects, migrates and builds the application without binding a socket.
pub async fn build(config: Config) -> anyhow::Result<(Router, AppState)> {
    let config_hold_ready = config.hold_readiness;
    let db = Db::connect(&config.database_url)
        .await
        .context("connecting to the database")?;
    db.migrate().await.context("migrating the database")?;
    db.start_checkpointer();
    auth::password::warm_up();
    let metrics: Arc<metrics::Metrics> = Arc::default();
    let engine = routing::Engine::start(db.clone(), metrics.clone(), config.event_buffer)
        .await
        .context("starting the routing engine")?;
    let chat = chat::Chat::start(db.clone(), engine.clone(), config.chat_limits)
        .await
        .context("starting the chat channel")?;
    // Like the visitor token key: made once, kept, so links in messages
    // sent before a restart keep working.
    db.meta_claim("meeting_link_key", &auth::secret::random_secret())
        .await?;
    let link_key = db
        .meta_get("meeting_link_key")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the meeting link key is missing"))?;
    let comms = communications::Comms::new(
        config.delivery.clone(),
        config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", config.listen)),
        &link_key,
    )
    .context("setting up message delivery")?;
    communications::worker::spawn(db.clone(), comms.clone());
    db.meta_claim("sip_nonce_key", &auth::secret::random_secret())
        .await?;
    let sip_key = db
        .meta_get("sip_nonce_key")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the SIP nonce key is missing"))?;
    let voice = voice::Voice::start(
        config.voice.clone(),
        db.clone(),
        engine.clone(),
        sip_key.as_bytes(),
    )
    .await
    .context("starting the voice channel")?;
    let meetings = communications::meetings::Meetings::new(
        db.clone(),
        comms.clone(),
        config.join_url_template.clone(),
    );
    let workspace = switchboard_workspace::Workspace::new(db.clone(), chat.clone(), engine.clone());
    if db.set_report_time_zone(&config.report_time_zone).await? {
        tracing::info!(zone = %config.report_time_zone, "report days now counted in this time zone; recounting");
    }
    routes::reports::spawn_roll_up(db.clone());
    let webhooks = switchboard_webhooks::Webhooks::start(db.clone(), config.webhooks.clone())
        .context("starting webhook delivery")?;
    let routing_changes = {
        let (tx, rx) = tokio::sync::watch::channel(0u64);
        db.changes().listen(move |c| {
            if *c == switchboard_core::changes::Change::Routing {
                tx.send_modify(|n| *n += 1);
            }
        });
        rx
    };
    let queue_stats = Arc::new(live_stats::SharedStats::new(engine.clone()));
    waiting_history::spawn(engine.clone(), queue_stats.clone(), db.clone());
    let state = AppState {
        queue_stats,
        routing_changes,
        webhooks,
        voice,
        workspace,
        meetings,
        comms,
        chat,
        engine,
        db,
        config: Arc::new(config),
        metrics,
        login_limiter: Arc::default(),
        ready: Arc::new(AtomicBool::new(!config_hold_ready)),
    };
    Ok((router(state.clone()), state))
}

/// All routes with their layers.
pub fn router(state: AppState) -> Router {
    let (api, doc) = openapi::api_router().split_for_parts();
    // The WebSocket is routed like the API (so the access layer covers it)
    // but described in the document by hand: OpenAPI has no upgrade verb.
    let api = api
        .merge(routes::ws::router())
        .merge(routes::widget_ws::router());
    let doc = Arc::new(openapi::finish(doc));
    api.route(
        "/api/v1/openapi.json",
        axum::routing::get(move || {
            let doc = doc.clone();
            async move { axum::Json(doc.as_ref().clone()) }
        }),
    )
    // route_layer: these run after routing, so they see the route template
    // (and a method no route serves is a 405 before any of them).
    .route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        routes::visitor::guard,
    ))
    .route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        access::enforce,
    ))
    .route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        http_metrics::track,
    ))
    .merge(web::router())
    .fallback(web::not_found)
    .method_not_allowed_fallback(|| async { error::ApiError::MethodNotAllowed })
    // Outside routing: the widget's CORS preflights (no route serves OPTIONS).
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        routes::visitor::preflight,
    ))
    .layer(DefaultBodyLimit::max(limits::BODY_BYTES))
    .layer(axum::middleware::from_fn(security_headers::add))
    .layer(TraceLayer::new_for_http())
    .with_state(state)
}

/// A server running in the background.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting connections, lets in-flight requests finish, then
    /// closes the database.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await??;
        if let Some(voice) = &self.state.voice {
            voice.sip.cancel.cancel();
        }
        // The engine's timers write: stop it before the pool closes.
        self.state.engine.shutdown().await;
        self.state.db.close().await;
        Ok(())
    }
}

/// Builds and starts serving on `config.listen` (port 0 picks a free port).
pub async fn start(config: Config) -> anyhow::Result<Running> {
    let listen = config.listen;
    let (app, state) = build(config).await?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    if state.config.public_url.is_none() {
        let d = &state.config.delivery;
        if d.smtp_url.is_some() || !matches!(d.sms, communications::sms::SmsConfig::Local) {
            tracing::warn!(
                "messages are sent to customers but --public-url is not set: their cancel links \
                 point at this listening address, and Twilio's signatures are checked against it"
            );
        }
        let host = if addr.ip().is_unspecified() {
            std::net::SocketAddr::from(([127, 0, 0, 1], addr.port()))
        } else {
            addr
        };
        state.comms.set_public_url(&format!("http://{host}"));
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        })
        .await
    });
    Ok(Running {
        addr,
        state,
        stop: Some(stop),
        task,
    })
}
