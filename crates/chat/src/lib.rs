//! The chat channel: widgets, visitors, conversations and their live
//! messages. The routing of a conversation is the routing engine's; this
//! module turns conversations into work items and follows what the engine
//! decides (see `coordinator`).

pub mod conversation;
pub mod coordinator;
pub mod error;
pub mod host_auth;
pub mod hub;
pub mod limits;
pub mod settings;
pub mod token;
pub mod writer;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use switchboard_routing::EngineHandle;
use switchboard_store::{Db, StoreError};

use self::hub::Hub;
use self::limits::{RateLimiter, SocketCaps};
use self::settings::Widget;
use self::token::TokenKey;
use self::writer::MessageWriter;

/// How hard the public endpoints may be used.
#[derive(Debug, Clone, Copy)]
pub struct ChatLimits {
    /// HTTP requests per minute from one IP address to the visitor endpoints.
    pub requests_per_ip_per_minute: u32,
    /// Messages and events per minute from one visitor.
    pub per_visitor_per_minute: u32,
    /// Visitor sockets open at once per visitor (a few tabs).
    pub sockets_per_visitor: usize,
    /// Visitor sockets open at once per client address (IPv4, IPv6 /64).
    pub sockets_per_address: usize,
}

impl Default for ChatLimits {
    fn default() -> Self {
        Self {
            requests_per_ip_per_minute: 600,
            per_visitor_per_minute: 120,
            sockets_per_visitor: 5,
            sockets_per_address: 50,
        }
    }
}

/// Everything the chat channel keeps while the server runs: its handle.
pub struct Chat {
    pub db: Db,
    /// How the channel reaches the routing engine.
    pub routing: EngineHandle,
    pub hub: Arc<Hub>,
    pub writer: MessageWriter,
    pub key: TokenKey,
    pub per_ip: RateLimiter,
    pub per_visitor: RateLimiter,
    /// Open visitor sockets, capped per visitor and per address.
    pub sockets: SocketCaps,
    pub coordinator: coordinator::CoordinatorHandle,
    widgets: RwLock<HashMap<String, Arc<Widget>>>,
    /// Bumped by every `forget_widget`.
    generation: std::sync::atomic::AtomicU64,
}

impl Chat {
    /// Starts the message writer and the coordinator that follows the
    /// routing engine for chats.
    pub async fn start(
        db: Db,
        routing: EngineHandle,
        limits: ChatLimits,
    ) -> anyhow::Result<Arc<Self>> {
        // The token key is made once per installation and kept, so visitor
        // tokens survive restarts.
        db.meta_claim(
            "visitor_token_key",
            &switchboard_runtime::secret::random_secret(),
        )
        .await?;
        let key = db
            .meta_get("visitor_token_key")
            .await?
            .ok_or_else(|| anyhow::anyhow!("the visitor token key is missing"))?;
        let hub = Arc::new(Hub::default());
        let writer = MessageWriter::start(db.clone(), hub.clone()).await?;
        let per_ip = RateLimiter::per_minute(
            limits.requests_per_ip_per_minute,
            limits.requests_per_ip_per_minute.max(4) / 4,
        );
        let per_visitor = RateLimiter::per_minute(
            limits.per_visitor_per_minute,
            limits.per_visitor_per_minute.max(4) / 4,
        );
        let (coordinator, notes) = coordinator::channel();
        let chat = Arc::new(Self {
            db,
            routing,
            hub,
            writer,
            key: TokenKey::new(&key),
            per_ip,
            per_visitor,
            sockets: SocketCaps::new(limits.sockets_per_visitor, limits.sockets_per_address),
            coordinator,
            widgets: RwLock::default(),
            generation: Default::default(),
        });
        // An admin's change to a widget reaches the cache from the store,
        // whoever made it (weak: the store must not keep the channel alive).
        let cache = Arc::downgrade(&chat);
        chat.db.changes().listen(move |c| {
            if let (switchboard_core::changes::Change::Widget { id }, Some(chat)) =
                (c, cache.upgrade())
            {
                chat.forget_widget(id);
            }
        });
        coordinator::spawn(chat.clone(), notes).await?;
        Ok(chat)
    }

    /// The widget with its parsed rules, from memory after the first read.
    pub async fn widget(&self, id: &str) -> Result<Arc<Widget>, StoreError> {
        if let Some(w) = self.widgets.read().expect("widget cache").get(id) {
            return Ok(w.clone());
        }
        // An admin's change landing while this reads must not be cached
        // over by the older read: only cache if nothing was forgotten since.
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let row = self.db.widget(id).await?;
        let rules: Vec<(String, String)> = self
            .db
            .proactive_rules(id)
            .await?
            .into_iter()
            .map(|r| (r.id, r.spec))
            .collect();
        let widget = Arc::new(settings::load(id, &row.settings, &rules).map_err(|e| {
            tracing::error!(widget = id, error = %e, "stored widget settings are unreadable");
            StoreError::NotFound("widget")
        })?);
        let mut cache = self.widgets.write().expect("widget cache");
        if self.generation.load(std::sync::atomic::Ordering::SeqCst) == generation {
            cache.insert(id.to_owned(), widget.clone());
        }
        Ok(widget)
    }

    /// Drops the cached widget after an admin changed it.
    fn forget_widget(&self, id: &str) {
        let mut cache = self.widgets.write().expect("widget cache");
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        cache.remove(id);
    }
}
