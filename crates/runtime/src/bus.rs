//! The event bus: numbered events fanned out to subscribers, who never
//! miss one.
//!
//! Events are numbered by their publisher and kept somewhere before they
//! are published (the routing engine writes them to the store first). Live
//! delivery goes through a bounded broadcast; a subscriber that falls more
//! than its capacity behind is told so by the channel and reads what it
//! missed from that [`Backlog`], then goes on live, skipping what it has
//! already handled. A subscriber resuming after a number it handled (a
//! reconnecting client) starts the same way.
//!
//! [`InProcessBus`] is the one implementation today: one process, one
//! publisher. Several nodes will publish into the same trait (the
//! publisher's node writes, the others hear of it from the database and
//! republish locally), so subscribers do not change.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use crate::metrics::SubscriberLabels;
use tokio::sync::broadcast::{self, error::RecvError};

/// Something with a place in its log.
pub trait Numbered {
    fn seq(&self) -> i64;
}

impl Numbered for switchboard_core::routing::events::RoutingEvent {
    fn seq(&self) -> i64 {
        self.seq
    }
}

/// Where events are kept: those after `seq`, oldest first, at most `limit`.
pub trait Backlog<E>: Send + Sync + 'static {
    fn after(&self, seq: i64, limit: usize) -> BoxFuture<'_, Result<Vec<E>, String>>;
}

/// Publishing and subscribing, whatever carries the events.
pub trait EventBus<E>: Send + Sync {
    /// Announces committed events, in order.
    fn publish(&self, events: Vec<E>);
    /// Events after the last one published when this is called; `who`
    /// names the subscriber in the catch-up counts.
    fn subscribe(&self, who: &str) -> Subscription<E>;
    /// Events after `seq`, the earlier ones read from the backlog.
    fn subscribe_after(&self, who: &str, seq: i64) -> Subscription<E>;
    /// The number of the last event published.
    fn last_seq(&self) -> i64;
}

/// How many events a backlog read asks for at once.
const BATCH: usize = 500;

/// Fan-out inside this process.
pub struct InProcessBus<E> {
    live: broadcast::Sender<Arc<E>>,
    backlog: Arc<dyn Backlog<E>>,
    last: AtomicI64,
    /// Counts every catch-up from the backlog, by subscriber
    /// (`switchboard_event_catch_ups`).
    catch_ups: Family<SubscriberLabels, Counter>,
}

impl<E: Numbered + Send + Sync + 'static> InProcessBus<E> {
    /// `capacity`: how far (in events) a subscriber may fall behind before
    /// it reads from the backlog instead.
    pub fn new(
        capacity: usize,
        last_seq: i64,
        backlog: Arc<dyn Backlog<E>>,
        catch_ups: Family<SubscriberLabels, Counter>,
    ) -> Self {
        Self {
            live: broadcast::channel(capacity.max(1)).0,
            backlog,
            last: AtomicI64::new(last_seq),
            catch_ups,
        }
    }

    fn subscription(
        &self,
        who: &str,
        live: broadcast::Receiver<Arc<E>>,
        after: i64,
        read_first: bool,
    ) -> Subscription<E> {
        let label = SubscriberLabels {
            subscriber: who.to_owned(),
        };
        Subscription {
            live,
            backlog: self.backlog.clone(),
            last: after,
            missed: VecDeque::new(),
            behind: read_first,
            catch_ups: self.catch_ups.get_or_create(&label).clone(),
        }
    }
}

impl<E: Numbered + Send + Sync + 'static> EventBus<E> for InProcessBus<E> {
    fn publish(&self, events: Vec<E>) {
        for e in events {
            // The number first: a subscriber that reads it after
            // subscribing has the event either live or behind it.
            self.last.store(e.seq(), Ordering::Release);
            let _ = self.live.send(Arc::new(e));
        }
    }

    fn subscribe(&self, who: &str) -> Subscription<E> {
        // Subscribe before reading the number, so nothing falls between.
        let live = self.live.subscribe();
        let after = self.last.load(Ordering::Acquire);
        self.subscription(who, live, after, false)
    }

    fn subscribe_after(&self, who: &str, seq: i64) -> Subscription<E> {
        let live = self.live.subscribe();
        self.subscription(who, live, seq, true)
    }

    fn last_seq(&self) -> i64 {
        self.last.load(Ordering::Acquire)
    }
}

/// One subscriber's place in the stream.
pub struct Subscription<E> {
    live: broadcast::Receiver<Arc<E>>,
    backlog: Arc<dyn Backlog<E>>,
    /// The last event handed out.
    last: i64,
    /// Read from the backlog, not yet handed out.
    missed: VecDeque<Arc<E>>,
    /// The backlog must be read before the live channel: set when started
    /// after a given number or told of a lag, cleared only once a read has
    /// finished. Kept here, not in the future, so that a `next` dropped
    /// half-way (the losing branch of a `select!`) loses nothing: the
    /// channel's lag notice is given once.
    behind: bool,
    catch_ups: Counter,
}

impl<E: Numbered + Send + Sync + 'static> Subscription<E> {
    /// The next event; `None` once the publisher has stopped.
    ///
    /// Cancel-safe: dropping the future before it finishes (as `select!`
    /// does) loses no event; the next call resumes where this one stopped.
    pub async fn next(&mut self) -> Option<Arc<E>> {
        loop {
            if self.behind {
                self.read_backlog().await;
                self.behind = false;
            }
            if let Some(e) = self.missed.pop_front() {
                if e.seq() > self.last {
                    self.last = e.seq();
                    return Some(e);
                }
                continue;
            }
            match self.live.recv().await {
                Ok(e) if e.seq() <= self.last => continue,
                Ok(e) => {
                    self.last = e.seq();
                    return Some(e);
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(
                        missed,
                        after = self.last,
                        "a subscriber fell behind; reading the backlog"
                    );
                    self.catch_ups.inc();
                    self.behind = true;
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// The next event if one is already here, without waiting: `None`
    /// when there is none yet, or when the subscriber fell behind (the
    /// next [`Subscription::next`] reads the backlog first). Lets a
    /// consumer take a burst at once.
    pub fn try_next(&mut self) -> Option<Arc<E>> {
        if self.behind {
            return None;
        }
        while let Some(e) = self.missed.pop_front() {
            if e.seq() > self.last {
                self.last = e.seq();
                return Some(e);
            }
        }
        loop {
            match self.live.try_recv() {
                Ok(e) if e.seq() <= self.last => continue,
                Ok(e) => {
                    self.last = e.seq();
                    return Some(e);
                }
                Err(broadcast::error::TryRecvError::Lagged(_)) => {
                    self.catch_ups.inc();
                    self.behind = true;
                    return None;
                }
                Err(_) => return None,
            }
        }
    }

    /// Everything after the last event handed out, up to now, from the
    /// backlog (a resuming client gets these before being told it is live).
    pub async fn replay(&mut self) -> Vec<Arc<E>> {
        self.read_backlog().await;
        self.behind = false;
        let mut out = Vec::new();
        while let Some(e) = self.missed.pop_front() {
            if e.seq() > self.last {
                self.last = e.seq();
                out.push(e);
            }
        }
        out
    }

    /// The number of the last event handed out.
    pub fn last(&self) -> i64 {
        self.last
    }

    /// Queues every kept event after the last one handed out. A failing
    /// backlog is retried, never skipped: the subscriber waits instead.
    async fn read_backlog(&mut self) {
        let mut from = self
            .missed
            .back()
            .map_or(self.last, |e| e.seq().max(self.last));
        let mut wait = Duration::from_millis(50);
        loop {
            match self.backlog.after(from, BATCH).await {
                // Until a read finds nothing more: a backlog may leave out
                // what it cannot read, so a short batch proves nothing.
                Ok(batch) if batch.is_empty() => return,
                Ok(batch) => {
                    for e in batch {
                        from = from.max(e.seq());
                        self.missed.push_back(Arc::new(e));
                    }
                }
                Err(error) => {
                    tracing::error!(%error, after = from, "reading missed events failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Debug, Clone, PartialEq)]
    struct Ev(i64);

    impl Numbered for Ev {
        fn seq(&self) -> i64 {
            self.0
        }
    }

    /// A log kept in memory, with a count of reads.
    #[derive(Default)]
    struct Log {
        events: Mutex<Vec<Ev>>,
        reads: Mutex<usize>,
    }

    impl Backlog<Ev> for Log {
        fn after(&self, seq: i64, limit: usize) -> BoxFuture<'_, Result<Vec<Ev>, String>> {
            *self.reads.lock().unwrap() += 1;
            let out: Vec<Ev> = self
                .events
                .lock()
                .unwrap()
                .iter()
                .filter(|e| e.0 > seq)
                .take(limit)
                .cloned()
                .collect();
            Box::pin(async move { Ok(out) })
        }
    }

    fn bus(capacity: usize) -> (InProcessBus<Ev>, Arc<Log>) {
        let log = Arc::new(Log::default());
        (
            InProcessBus::new(capacity, 0, log.clone(), Family::default()),
            log,
        )
    }

    /// Keeps then publishes, as the engine does.
    fn commit(bus: &InProcessBus<Ev>, log: &Log, range: std::ops::RangeInclusive<i64>) {
        let events: Vec<Ev> = range.map(Ev).collect();
        log.events.lock().unwrap().extend(events.iter().cloned());
        bus.publish(events);
    }

    async fn take(sub: &mut Subscription<Ev>, n: usize) -> Vec<i64> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(sub.next().await.unwrap().0);
        }
        out
    }

    #[tokio::test]
    async fn a_subscriber_far_behind_catches_up_from_the_backlog_in_order() {
        let (bus, log) = bus(4);
        let mut sub = bus.subscribe("test");
        // A burst far beyond the channel: the subscriber is not reading.
        commit(&bus, &log, 1..=1200);
        let got = take(&mut sub, 1200).await;
        assert_eq!(got, (1..=1200).collect::<Vec<_>>());
        assert!(
            *log.reads.lock().unwrap() >= 3,
            "read in batches of {BATCH}"
        );
        let label = SubscriberLabels {
            subscriber: "test".into(),
        };
        assert_eq!(bus.catch_ups.get_or_create(&label).get(), 1);
        // Then live again.
        commit(&bus, &log, 1201..=1202);
        assert_eq!(take(&mut sub, 2).await, vec![1201, 1202]);
    }

    #[tokio::test]
    async fn a_burst_is_taken_without_waiting_and_a_lag_goes_through_the_backlog() {
        let (bus, log) = bus(4);
        let mut sub = bus.subscribe("test");
        assert!(sub.try_next().is_none(), "nothing yet");
        commit(&bus, &log, 1..=3);
        let burst: Vec<i64> = std::iter::from_fn(|| sub.try_next()).map(|e| e.0).collect();
        assert_eq!(burst, vec![1, 2, 3]);
        // Beyond the channel's room: try_next stops at the lag, and next
        // reads the backlog, in order, with nothing lost or repeated.
        commit(&bus, &log, 4..=20);
        let mut got: Vec<i64> = std::iter::from_fn(|| sub.try_next()).map(|e| e.0).collect();
        assert!(got.is_empty(), "{got:?}");
        got.extend(take(&mut sub, 17).await);
        assert_eq!(got, (4..=20).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_subscriber_starts_after_what_was_published_before_it() {
        let (bus, log) = bus(16);
        commit(&bus, &log, 1..=3);
        let mut sub = bus.subscribe("test");
        commit(&bus, &log, 4..=5);
        assert_eq!(take(&mut sub, 2).await, vec![4, 5]);
    }

    #[tokio::test]
    async fn a_resuming_subscriber_reads_what_it_missed_then_goes_live() {
        let (bus, log) = bus(16);
        commit(&bus, &log, 1..=10);
        let mut sub = bus.subscribe_after("test", 6);
        let replayed: Vec<i64> = sub.replay().await.iter().map(|e| e.0).collect();
        assert_eq!(replayed, vec![7, 8, 9, 10]);
        assert_eq!(sub.last(), 10);
        commit(&bus, &log, 11..=11);
        assert_eq!(take(&mut sub, 1).await, vec![11]);
        let mut lazy = bus.subscribe_after("test", 8);
        assert_eq!(take(&mut lazy, 3).await, vec![9, 10, 11]);
    }

    #[tokio::test]
    async fn events_both_replayed_and_live_are_handed_out_once() {
        let (bus, log) = bus(2);
        let mut sub = bus.subscribe("test");
        commit(&bus, &log, 1..=5); // lagged: 4 and 5 stay in the channel
        assert_eq!(take(&mut sub, 5).await, vec![1, 2, 3, 4, 5]);
        commit(&bus, &log, 6..=6);
        assert_eq!(take(&mut sub, 1).await, vec![6]);
    }

    #[tokio::test]
    async fn a_failing_backlog_is_retried_not_skipped() {
        struct Flaky(Mutex<u32>, Arc<Log>);
        impl Backlog<Ev> for Flaky {
            fn after(&self, seq: i64, limit: usize) -> BoxFuture<'_, Result<Vec<Ev>, String>> {
                let mut failures = self.0.lock().unwrap();
                if *failures > 0 {
                    *failures -= 1;
                    return Box::pin(async { Err("database is gone".to_owned()) });
                }
                self.1.after(seq, limit)
            }
        }
        let log = Arc::new(Log::default());
        let bus = InProcessBus::new(
            1,
            0,
            Arc::new(Flaky(Mutex::new(2), log.clone())),
            Family::default(),
        );
        let mut sub = bus.subscribe("test");
        commit(&bus, &log, 1..=3);
        assert_eq!(take(&mut sub, 3).await, vec![1, 2, 3]);
    }

    /// A backlog that answers only after a while, as a database does.
    struct Slow(Arc<Log>);
    impl Backlog<Ev> for Slow {
        fn after(&self, seq: i64, limit: usize) -> BoxFuture<'_, Result<Vec<Ev>, String>> {
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                self.0.after(seq, limit).await
            })
        }
    }

    #[tokio::test]
    async fn a_next_dropped_while_reading_the_backlog_loses_nothing() {
        // A subscriber in a `select!` whose other branch wins while it
        // reads what it missed: the lag was announced once, so the read
        // must resume on the next call rather than go live past the gap.
        let log = Arc::new(Log::default());
        let bus = InProcessBus::new(1, 0, Arc::new(Slow(log.clone())), Family::default());
        let mut sub = bus.subscribe("test");
        commit(&bus, &log, 1..=5);
        for _ in 0..3 {
            let dropped = tokio::time::timeout(Duration::from_millis(10), sub.next()).await;
            assert!(dropped.is_err(), "the backlog read takes longer");
        }
        assert_eq!(take(&mut sub, 5).await, vec![1, 2, 3, 4, 5]);
        let mut resuming = bus.subscribe_after("test", 2);
        let dropped = tokio::time::timeout(Duration::from_millis(10), resuming.next()).await;
        assert!(dropped.is_err());
        assert_eq!(take(&mut resuming, 3).await, vec![3, 4, 5]);
    }
}
