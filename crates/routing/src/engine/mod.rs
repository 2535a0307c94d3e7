//! The routing engine: one task that owns the live routing state.
//!
//! Every command runs the core's state machine, turns the decisions into
//! work-item rows and numbered events, writes them in one transaction, and
//! only then answers and broadcasts them. On start (and after any
//! configuration change) it rebuilds itself from the store: open items keep
//! their place, assigned ones their agent, and pending offers are offered
//! again. Talk to it only through its [`EngineHandle`].
//!
//! This module starts the task and runs its loop (commands, configuration
//! changes, timers, recovery after a failed write). The parts:
//! `api` (what callers send and get back), `handle` (the handle and its
//! commands), `live` (the state the task owns), `build` (that state from a
//! store snapshot), `create` (classifying and creating an item),
//! `commands` (the other commands), `trial` (the rule tester: where an
//! item would go and why), `commit` (decisions into rows and
//! events, written then published), `view` (items and queue figures as
//! shown), `clock` (the core's milliseconds and the store's text).

mod api;
mod build;
mod clock;
mod commands;
mod commit;
mod create;
mod handle;
mod live;
mod trial;
mod view;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use switchboard_runtime::bus::InProcessBus;
use switchboard_store::Db;
use tokio::sync::mpsc;

pub use api::{
    AgentOverview, EngineError, FailedTest, LiveItem, NewWorkItem, Overview, QueueOverview,
    QueueRef, QueueStats, Refusal, RouteAnswer, RouteQuestion, RuleRef, RuleVerdict, SkillNeeded,
    WorkItemView,
};
pub use handle::{EngineHandle, Publisher};

use clock::now_ms;
use handle::Command;
use live::{Live, Step};

pub struct Engine;

impl Engine {
    /// Loads the state from the store and starts the engine task.
    /// `event_capacity`: how many events a subscriber may fall behind
    /// before it reads the missed ones from the store.
    pub async fn start(
        db: Db,
        metrics: Arc<switchboard_runtime::metrics::Metrics>,
        event_capacity: usize,
    ) -> Result<EngineHandle, EngineError> {
        let mut live = Live::load(db.clone()).await?;
        live.metrics = metrics;
        // A configuration change is taken before any command sent after
        // it: the store calls this before its write returns, and the loop
        // looks at this flag before its commands (see `run`).
        let changed = Arc::new(tokio::sync::Notify::new());
        let flag = changed.clone();
        db.changes().listen(move |c| {
            if matches!(c, switchboard_core::changes::Change::Routing) {
                flag.notify_one();
            }
        });
        let (tx, rx) = mpsc::channel(1024);
        let events: Arc<Publisher> = Arc::new(InProcessBus::new(
            event_capacity,
            live.seq,
            Arc::new(crate::events::Stored(db)),
            live.metrics.event_catch_ups.clone(),
        ));
        let handle = EngineHandle {
            tx,
            events: events.clone(),
        };
        tokio::spawn(live.run(rx, changed, events));
        Ok(handle)
    }
}

impl Live {
    /// Rebuilds from the store keeping the live state (configuration
    /// changed, or an agent appeared), then routes what can be routed.
    async fn reload(&mut self, events: &Publisher) -> Result<(), EngineError> {
        let carry = self.carry();
        let snapshot = self.db.routing_snapshot().await?;
        self.build(snapshot, Some(carry));
        let decisions = self.core.route_all(now_ms());
        self.commit(decisions, Step::default(), events).await
    }

    async fn run(
        mut self,
        mut rx: mpsc::Receiver<Command>,
        changed: Arc<tokio::sync::Notify>,
        events: Arc<Publisher>,
    ) {
        // Items restored as waiting, and agents available after a restart.
        let decisions = self.core.route_all(now_ms());
        if let Err(e) = self.commit(decisions, Step::default(), &*events).await {
            tracing::error!(error = %e, "routing after restart failed");
        }
        let mut next_check = tokio::time::Instant::now();
        loop {
            // An absolute deadline: commands arriving meanwhile do not push
            // the timers back.
            let deadline = self.next_deadline(next_check);
            tokio::select! {
                // Changes first: a command sent after a change must see it.
                biased;
                _ = changed.notified() => {
                    if let Err(e) = self.reload(&*events).await {
                        tracing::error!(error = %e, "rebuilding the routing state after a configuration change failed");
                    }
                }
                c = rx.recv() => match c {
                    Some(Command::Shutdown(reply)) => {
                        rx.close();
                        let _ = reply.send(Ok(()));
                        tracing::debug!("routing engine stopped");
                        return;
                    }
                    Some(c) => self.handle(c, &*events).await,
                    None => return,
                },
                _ = tokio::time::sleep_until(deadline) => {}
            }
            if tokio::time::Instant::now() >= deadline {
                if self.broken {
                    if let Err(e) = self.recover(&*events).await {
                        tracing::error!(error = %e, "routing engine cannot rebuild from the store");
                    }
                }
                let decisions = self.core.tick(now_ms());
                if let Err(e) = self.commit(decisions, Step::default(), &*events).await {
                    tracing::error!(error = %e, "routing timer step failed");
                }
                next_check = tokio::time::Instant::now() + Duration::from_secs(1);
            }
        }
    }

    /// When the next offer expires or wrap-up ends, or (with while-waiting
    /// overflow rules) the next once-a-second check is due.
    fn next_deadline(&self, next_check: tokio::time::Instant) -> tokio::time::Instant {
        let now = tokio::time::Instant::now();
        let timer = match self.core.next_timer() {
            Some(t) => now + Duration::from_millis(t.saturating_sub(now_ms())),
            None => now + Duration::from_secs(60),
        };
        if self.waiting_rules {
            timer.min(next_check)
        } else {
            timer
        }
    }

    /// After a failed write: rebuild from the store (a few tries), then
    /// route what waits. Until it succeeds, commands are answered with the
    /// store's error rather than served from memory that ran ahead.
    async fn recover(&mut self, events: &Publisher) -> Result<(), EngineError> {
        let mut last = None;
        for attempt in 0..3 {
            match self.db.routing_snapshot().await {
                Ok(snapshot) => {
                    self.seq = snapshot.last_seq;
                    self.build(snapshot, None);
                    self.broken = false;
                    let decisions = self.core.route_all(now_ms());
                    return Box::pin(self.commit(decisions, Step::default(), events)).await;
                }
                Err(e) => {
                    last = Some(e);
                    tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                }
            }
        }
        Err(last.expect("three attempts").into())
    }
}
