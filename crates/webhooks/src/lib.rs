//! Outbound webhooks: the service that delivers what integrators
//! subscribed to.
//!
//! The store queues a delivery in the transaction of each change a
//! registration wants (`switchboard_store::webhooks`). This service claims
//! due deliveries with a lease, posts each to its registration's address,
//! signed ([`sign`]), and records the attempt; a failure is tried again
//! later ([`switchboard_core::webhooks::retry_delay`]) until
//! [`switchboard_core::webhooks::MAX_ATTEMPTS`].
//!
//! Delivery is at least once: a crash between the receiver's answer and
//! the record sends the delivery again when its lease lapses, with the same
//! `webhook-id`, which receivers use to drop the copy.
//!
//! Deliveries go to the address the admin registered and nowhere else:
//! redirects are not followed (a 3xx is a failed attempt).

mod sign;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use switchboard_core::changes::Change;
use switchboard_store::Db;
use tokio::sync::Notify;

pub use sign::{new_secret, sign, verify};

/// How the service works; the defaults suit production.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// How often to look for due deliveries when nothing wakes the worker.
    pub poll: Duration,
    /// How long a claimed delivery stays with its sender before another
    /// may take it (longer than `timeout`).
    pub lease: Duration,
    /// The first retry's delay; later ones grow from it.
    pub retry_base: Duration,
    /// How long a receiver has to answer.
    pub timeout: Duration,
    /// Deliveries posted at once.
    pub concurrency: usize,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            retry_base: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
            concurrency: 4,
        }
    }
}

/// The webhooks service's handle.
pub struct Webhooks {
    db: Db,
    config: WebhookConfig,
    http: reqwest::Client,
    wake: Notify,
}

impl Webhooks {
    /// Starts the delivery worker; it runs until the database closes.
    pub fn start(db: Db, config: WebhookConfig) -> anyhow::Result<Arc<Self>> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .user_agent(concat!("Switchboard-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let service = Arc::new(Self {
            db,
            config,
            http,
            wake: Notify::new(),
        });
        // A registration switched on (or a test event) may have work now.
        let woken = Arc::downgrade(&service);
        service.db.changes().listen(move |c| {
            if *c == Change::Webhooks {
                if let Some(s) = woken.upgrade() {
                    s.wake();
                }
            }
        });
        worker::spawn(service.clone());
        Ok(service)
    }

    /// Looks for due deliveries now rather than at the next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}
