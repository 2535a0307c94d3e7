//! Prometheus metrics, one registry per server (so tests can run many).
//!
//! The registry only: the HTTP layer that counts requests lives in the
//! server, and services record into the families they own.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueueLabels {
    pub queue: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SubscriberLabels {
    pub subscriber: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: String,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub durations: Family<RouteLabels, Histogram>,
    /// Work items waiting per queue.
    pub queue_waiting: Family<QueueLabels, Gauge>,
    /// Seconds the longest-waiting item of each queue has waited.
    pub queue_longest_wait: Family<QueueLabels, Gauge>,
    /// Routing events committed, by kind (offered, assigned, abandoned…).
    pub routing_events: Family<KindLabels, Counter>,
    /// Seconds for one routing engine step: decide, persist, announce.
    pub routing_step: Histogram,
    /// Times a subscriber (voice, chat, a socket) fell behind the routing
    /// events and read what it missed from the store.
    pub event_catch_ups: Family<SubscriberLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("switchboard");
        let requests = Family::<RequestLabels, Counter>::default();
        let durations = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ])
        });
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests",
            durations.clone(),
        );
        let queue_waiting = Family::<QueueLabels, Gauge>::default();
        let queue_longest_wait = Family::<QueueLabels, Gauge>::default();
        let routing_events = Family::<KindLabels, Counter>::default();
        let routing_step = Histogram::new([
            0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
        ]);
        registry.register(
            "routing_queue_waiting",
            "Work items waiting in the queue",
            queue_waiting.clone(),
        );
        registry.register(
            "routing_queue_longest_wait_seconds",
            "How long the queue's longest-waiting item has waited",
            queue_longest_wait.clone(),
        );
        registry.register(
            "routing_events",
            "Routing events committed, by kind",
            routing_events.clone(),
        );
        registry.register(
            "routing_step_duration_seconds",
            "Time for one routing engine step (decide, persist, announce)",
            routing_step.clone(),
        );
        let event_catch_ups = Family::<SubscriberLabels, Counter>::default();
        registry.register(
            "event_catch_ups",
            "Times a subscriber fell behind the routing events and read the missed ones from the store",
            event_catch_ups.clone(),
        );
        Self {
            registry,
            event_catch_ups,
            requests,
            durations,
            queue_waiting,
            queue_longest_wait,
            routing_events,
            routing_step,
        }
    }
}

impl Metrics {
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String");
        out
    }
}
