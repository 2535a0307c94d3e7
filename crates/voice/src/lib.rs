//! The voice channel: a SIP endpoint inside the binary (rsipstack for
//! transport, transactions and dialogs), a registrar for agents' phones,
//! the media plane (RTP, prompts, DTMF, bridging), inbound calls as work
//! items, direct callbacks, and callbacks scheduled through the API.
//!
//! ```text
//! trunk ─INVITE─▶ sip (allow-list) ─▶ call::inbound ── work item ─▶ routing engine
//!                                       │ prompts, DTMF ◀─ media ─▶ RTP
//!   engine events ─▶ coordinator ─▶ call (overflow offer, connect agent)
//!                                └▶ outbound::callback (agent first, then customer)
//! callbacks table ─▶ scheduler (windows, retries, expiry) ─▶ engine
//! ```

pub mod call;
pub mod callbacks;
pub mod coordinator;
pub mod media;
pub mod outbound;
pub mod prompts;
pub mod registrar;
pub mod sip;
pub mod transaction;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use switchboard_core::voice::callback::{OfferTiming, RetryPolicy};
use switchboard_core::voice::prompts::{default_text, Prompt};
use switchboard_store::Db;
use tokio::sync::mpsc;

use switchboard_routing::EngineHandle;

/// A store write whose failure is logged, not fatal to the call.
pub(crate) fn logged<T>(r: switchboard_store::Result<T>, what: &str) {
    if let Err(e) = r {
        tracing::warn!(error = %e, "{what}");
    }
}

/// How the voice channel is set up (`serve --sip-listen …`).
#[derive(Debug, Clone)]
pub struct VoiceConfig {
    /// Where SIP listens (UDP). None: no voice channel.
    pub sip_listen: Option<SocketAddr>,
    /// Source addresses trusted as trunks: INVITEs from them are taken.
    pub trunks: Vec<IpAddr>,
    /// Digest credentials a trunk may use instead (user, password).
    pub trunk_credentials: Option<(String, String)>,
    /// Where calls to customers go: `sip:host:port` of the gateway.
    pub outbound_trunk: Option<String>,
    /// Credentials the gateway asks Switchboard for, if any.
    pub outbound_credentials: Option<(String, String)>,
    /// The queue every inbound call enters; None: the routing rules decide.
    pub inbound_queue: Option<String>,
    /// Prompts' language when the caller is not a known contact.
    pub language: String,
    pub rtp_ports: (u16, u16),
    /// A call without RTP this long is over (the far end vanished).
    pub rtp_timeout: Duration,
    pub prompt_cache: PathBuf,
    pub offer: OfferTiming,
    pub retry: RetryPolicy,
    /// Which numbers Switchboard may dial (issue 13).
    pub dial: switchboard_core::voice::dial::DialPolicy,
    /// How long an agent's phone or a customer may ring.
    pub ring_timeout: Duration,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        Self {
            sip_listen: None,
            trunks: Vec::new(),
            trunk_credentials: None,
            outbound_trunk: None,
            outbound_credentials: None,
            inbound_queue: None,
            language: "en".into(),
            rtp_ports: (20000, 29998),
            rtp_timeout: Duration::from_secs(60),
            prompt_cache: std::env::temp_dir().join("switchboard-prompts"),
            offer: OfferTiming::default(),
            retry: RetryPolicy::default(),
            dial: switchboard_core::voice::dial::DialPolicy::default(),
            ring_timeout: Duration::from_secs(30),
        }
    }
}

/// What the call task hears from the rest of Switchboard.
#[derive(Debug, Clone)]
pub enum CallNote {
    /// The queue overflowed with direct callback: offer it.
    OfferCallback,
    /// An agent accepted: ring their phone and bridge.
    Connect { agent_id: String },
    /// The work item ended elsewhere (supervisor, transfer away): hang up.
    End,
}

enum CallSlot {
    Live(mpsc::UnboundedSender<CallNote>),
    /// Notes that arrived before the call registered (the engine's events
    /// can overtake the reply to its create).
    Early(Vec<CallNote>, Instant),
}

/// Live figures: `GET /api/v1/voice/status`.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VoiceStatus {
    pub sip_listen: String,
    pub calls: usize,
    pub media_legs: usize,
    pub registered_phones: usize,
    pub sip_dialogs: usize,
    pub jitter_samples: u64,
    pub jitter_p50_us: u64,
    pub jitter_p99_us: u64,
    pub jitter_max_us: u64,
    pub digits_detected: u64,
    /// RTP packets relayed from customers to agents since start (counted
    /// as they are relayed, calls in progress included).
    pub relayed_from_customers: u64,
    /// RTP packets relayed from agents to customers since start (live).
    pub relayed_from_agents: u64,
    /// RTP packets dropped since start: they came from neither the address
    /// the far end's SDP named nor its SIP address (live; each leg logs
    /// its drops, at most once per 10 s).
    pub rtp_dropped: u64,
    pub calls_total: u64,
    pub refused_requests: u64,
    /// Callback offers played to waiting callers.
    pub callback_offers: u64,
    /// Callers who pressed 1 after an offer.
    pub callbacks_requested: u64,
    /// How the channel is configured (from the command line or the
    /// configuration file; read-only here): secrets only as whether set.
    pub setup: VoiceSetup,
}

/// The voice channel's configuration as admins may read it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VoiceSetup {
    /// Addresses whose INVITEs are trusted as the carrier's.
    pub trunks: Vec<String>,
    /// Whether the trunk must authenticate (digest); the credentials are
    /// never shown.
    pub trunk_authenticated: bool,
    /// Where callbacks and outbound calls are sent (a SIP URI).
    pub outbound_gateway: Option<String>,
    pub outbound_authenticated: bool,
    /// The queue calls from the trunk go to (its name or id as given).
    pub inbound_queue: Option<String>,
    /// The prompts' default language.
    pub language: String,
    /// The UDP ports media uses, first and last.
    pub rtp_ports: [u16; 2],
}

pub struct Voice {
    pub config: VoiceConfig,
    pub db: Db,
    pub engine: EngineHandle,
    pub sip: sip::Sip,
    pub media: Arc<media::Media>,
    pub prompts: prompts::Prompts,
    pub registrar: registrar::Registrar,
    calls: Mutex<HashMap<String, CallSlot>>,
    pub counters: Counters,
    inbound_queue: std::sync::RwLock<Option<String>>,
}

#[derive(Default)]
pub struct Counters {
    pub calls_total: std::sync::atomic::AtomicU64,
    pub refused: std::sync::atomic::AtomicU64,
    pub digits: std::sync::atomic::AtomicU64,
    /// RTP packets relayed from customers' legs to agents' legs (the legs
    /// count into it as they relay).
    pub relayed_from_customers: Arc<std::sync::atomic::AtomicU64>,
    /// … and from agents' legs to customers' legs.
    pub relayed_from_agents: Arc<std::sync::atomic::AtomicU64>,
    pub offers: std::sync::atomic::AtomicU64,
    pub callbacks_requested: std::sync::atomic::AtomicU64,
}

impl Voice {
    /// Starts the SIP endpoint, the media plane and the tasks that follow
    /// the routing engine and the callbacks.
    pub async fn start(
        config: VoiceConfig,
        db: Db,
        engine: EngineHandle,
        key: &[u8],
    ) -> anyhow::Result<Option<Arc<Self>>> {
        let Some(listen) = config.sip_listen else {
            return Ok(None);
        };
        let sip = sip::Sip::bind(listen).await?;
        let media = media::Media::start(sip.addr.ip(), config.rtp_ports, config.rtp_timeout);
        let voice = Arc::new(Self {
            prompts: prompts::Prompts::new(config.prompt_cache.clone()),
            registrar: registrar::Registrar::new(key),
            inbound_queue: std::sync::RwLock::new(config.inbound_queue.clone()),
            config,
            db,
            engine,
            sip,
            media,
            calls: Mutex::new(HashMap::new()),
            counters: Counters::default(),
        });
        sip::spawn(voice.clone());
        coordinator::spawn(voice.clone());
        callbacks::spawn_scheduler(voice.clone());
        tracing::info!(sip = %voice.sip.addr, "voice channel listening (SIP over UDP)");
        Ok(Some(voice))
    }

    /// The queue inbound calls enter (None: the routing rules decide).
    pub fn inbound_queue(&self) -> Option<String> {
        self.inbound_queue.read().expect("inbound queue").clone()
    }

    /// Set at start-up by the demo, whose queue exists only after it loads.
    pub fn set_inbound_queue(&self, queue: Option<String>) {
        *self.inbound_queue.write().expect("inbound queue") = queue;
    }

    /// The audio of a prompt for a caller in `queue`: the admin's recording
    /// or text for that queue and language, else the default text.
    pub async fn prompt(
        &self,
        prompt: Prompt,
        language: &str,
        queue: Option<&str>,
        position: Option<usize>,
    ) -> media::Audio {
        let custom = match queue {
            Some(q) => self
                .db
                .prompt_override(q, prompt.name(), language)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "reading a prompt failed; using the default");
                    None
                }),
            None => None,
        };
        if let Some(audio) = custom.as_ref().and_then(|c| c.audio.as_deref()) {
            use base64::Engine;
            if let Ok(ulaw) = base64::engine::general_purpose::STANDARD.decode(audio) {
                let linear = switchboard_core::voice::g711::decode(&ulaw, false);
                return media::Audio {
                    ulaw: ulaw.into(),
                    alaw: switchboard_core::voice::g711::encode(&linear, true).into(),
                };
            }
        }
        let mut text = custom
            .and_then(|c| c.text)
            .unwrap_or_else(|| default_text(prompt, language).to_owned());
        if let Some(p) = position {
            text = text.replace("{position}", &p.to_string());
        }
        match self.prompts.speak(&text, language).await {
            Ok(a) => a,
            Err(e) => {
                // A caller still hears the call going on (silence) rather
                // than the call failing; the log says what to fix.
                tracing::error!(error = %e, "a prompt could not be synthesised");
                media::Audio::silence(1000)
            }
        }
    }

    /// A call announces itself; notes that came early are delivered.
    fn register_call(&self, item: &str, tx: mpsc::UnboundedSender<CallNote>) {
        let mut calls = self.calls.lock().expect("calls");
        if let Some(CallSlot::Early(notes, _)) = calls.remove(item) {
            for n in notes {
                let _ = tx.send(n);
            }
        }
        calls.insert(item.to_owned(), CallSlot::Live(tx));
    }

    fn unregister_call(&self, item: &str) {
        self.calls.lock().expect("calls").remove(item);
    }

    /// Tells a live call; with `keep`, keeps the note for a call about to
    /// register. Returns whether a live call took it.
    fn tell(&self, item: &str, note: CallNote, keep: bool) -> bool {
        let mut calls = self.calls.lock().expect("calls");
        match calls.get_mut(item) {
            Some(CallSlot::Live(tx)) => tx.send(note).is_ok(),
            Some(CallSlot::Early(notes, _)) => {
                notes.push(note);
                false
            }
            None => {
                if keep {
                    let now = Instant::now();
                    calls.retain(|_, s| match s {
                        CallSlot::Early(_, at) => now.duration_since(*at) < Duration::from_secs(60),
                        CallSlot::Live(_) => true,
                    });
                    calls.insert(item.to_owned(), CallSlot::Early(vec![note], now));
                }
                false
            }
        }
    }

    fn has_call(&self, item: &str) -> bool {
        matches!(
            self.calls.lock().expect("calls").get(item),
            Some(CallSlot::Live(_))
        )
    }

    pub fn status(&self) -> VoiceStatus {
        use std::sync::atomic::Ordering::Relaxed;
        let j = self.media.jitter.figures();
        VoiceStatus {
            sip_listen: self.sip.addr.to_string(),
            calls: self
                .calls
                .lock()
                .expect("calls")
                .values()
                .filter(|s| matches!(s, CallSlot::Live(_)))
                .count(),
            media_legs: self.media.active_legs(),
            registered_phones: self.registrar.registered(),
            sip_dialogs: self.sip.dialogs.len(),
            jitter_samples: j.samples,
            jitter_p50_us: j.p50_us,
            jitter_p99_us: j.p99_us,
            jitter_max_us: j.max_us,
            digits_detected: self.counters.digits.load(Relaxed),
            relayed_from_customers: self.counters.relayed_from_customers.load(Relaxed),
            relayed_from_agents: self.counters.relayed_from_agents.load(Relaxed),
            rtp_dropped: self.media.dropped.load(Relaxed),
            calls_total: self.counters.calls_total.load(Relaxed),
            refused_requests: self.counters.refused.load(Relaxed),
            callback_offers: self.counters.offers.load(Relaxed),
            callbacks_requested: self.counters.callbacks_requested.load(Relaxed),
            setup: VoiceSetup {
                trunks: self.config.trunks.iter().map(|a| a.to_string()).collect(),
                trunk_authenticated: self.config.trunk_credentials.is_some(),
                outbound_gateway: self.config.outbound_trunk.clone(),
                outbound_authenticated: self.config.outbound_credentials.is_some(),
                inbound_queue: self.config.inbound_queue.clone(),
                language: self.config.language.clone(),
                rtp_ports: [self.config.rtp_ports.0, self.config.rtp_ports.1],
            },
        }
    }
}
