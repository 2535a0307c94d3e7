//! What the server needs to start.

use std::net::SocketAddr;

use switchboard_chat as chat;
use switchboard_notifications as communications;
use switchboard_voice as voice;

/// Everything the server needs to start; the CLI builds it from flags,
/// environment and the config file.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// How long a browser session lasts.
    pub session_hours: u32,
    /// Rate limits of the public chat endpoints.
    pub chat_limits: chat::ChatLimits,
    /// Base URL of the links in messages (cancel pages); default: the
    /// address the server listens on.
    pub public_url: Option<String>,
    /// Join link of online meetings; `{meeting_id}` is replaced.
    pub join_url_template: String,
    /// Where meeting messages go (SMTP, SMS provider, or the local outbox).
    pub delivery: communications::DeliveryConfig,
    pub voice: voice::VoiceConfig,
    /// Keep `/readyz` at 503 after start until the caller says setup is
    /// over with `AppState::mark_ready` (`serve --demo` loads its data
    /// after the listener opens).
    pub hold_readiness: bool,
    /// The operator's reverse proxies: their `Forwarded`/`X-Forwarded-For`
    /// name the client (for per-address limits); nobody else's are read.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How many routing events a subscriber (a channel, a socket) may fall
    /// behind before it reads the missed ones from the store instead.
    pub event_buffer: usize,
    /// How outbound webhooks are delivered (retries, timeouts).
    pub webhooks: switchboard_webhooks::WebhookConfig,
    /// IANA zone of the days in historical reports.
    pub report_time_zone: String,
}

/// Jitsi Meet rooms need no account; any video service with per-meeting
/// URLs fits the template.
pub const DEFAULT_JOIN_URL: &str = "https://meet.jit.si/switchboard-{meeting_id}";

impl Config {
    pub fn new(listen: SocketAddr, database_url: impl Into<String>) -> Self {
        Self {
            listen,
            database_url: database_url.into(),
            secure_cookies: false,
            session_hours: 12,
            chat_limits: chat::ChatLimits::default(),
            public_url: None,
            join_url_template: DEFAULT_JOIN_URL.into(),
            delivery: communications::DeliveryConfig::default(),
            voice: voice::VoiceConfig::default(),
            hold_readiness: false,
            trusted_proxies: Vec::new(),
            event_buffer: 4096,
            webhooks: switchboard_webhooks::WebhookConfig::default(),
            report_time_zone: "UTC".into(),
        }
    }
}
