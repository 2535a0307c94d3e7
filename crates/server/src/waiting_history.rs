//! How many items waited in each queue over the last hours, for the live
//! dashboard's chart (`/api/v1/reports/waiting`).
//!
//! After each burst of routing events the sampler reads the figures of the
//! queues the burst touched — from [`SharedStats`], the same answer the
//! supervisors' sockets get, so sampling costs the engine nothing more
//! while someone watches — and notes, per queue and UTC minute, the most
//! items waiting and the number after the minute's last change. Notes go
//! to `queue_samples` once a second (a minute still going on is written
//! again; the store keeps the larger peak), and minutes older than eight
//! days are forgotten every hour. A minute without a note changed
//! nothing: readers carry the last value forward
//! ([`switchboard_core::reports::waiting`]).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use switchboard_core::reports::waiting::Sample;
use switchboard_routing::EngineHandle;
use switchboard_store::Db;

use crate::live_stats::SharedStats;

/// How long samples are kept, in minutes.
const KEEP_MINUTES: i64 = 8 * 24 * 60;

/// The minute `at` falls in, counted from the epoch.
pub fn minute_of(at: Timestamp) -> i64 {
    at.as_second().div_euclid(60)
}

/// Readings not yet written, per (queue, minute).
#[derive(Default)]
struct Notes(BTreeMap<(String, i64), Sample>);

impl Notes {
    fn note(&mut self, queue: &str, minute: i64, waiting: i64) {
        self.0
            .entry((queue.to_owned(), minute))
            .and_modify(|s| {
                s.waiting_max = s.waiting_max.max(waiting);
                s.waiting_last = waiting;
            })
            .or_insert_with(|| Sample {
                queue_id: queue.to_owned(),
                minute,
                waiting_max: waiting,
                waiting_last: waiting,
            });
    }

    /// Puts back readings a failed write did not keep, under any taken
    /// since (which are newer).
    fn restore(&mut self, old: Vec<Sample>) {
        for s in old {
            let key = (s.queue_id.clone(), s.minute);
            match self.0.get_mut(&key) {
                Some(newer) => newer.waiting_max = newer.waiting_max.max(s.waiting_max),
                None => {
                    self.0.insert(key, s);
                }
            }
        }
    }
}

/// Starts the sampler.
pub fn spawn(engine: EngineHandle, stats: Arc<SharedStats>, db: Db) {
    tokio::spawn(async move {
        let mut live = engine.subscribe("waiting history");
        let mut notes = Notes::default();
        // The line starts from what waits now, not from the first event.
        if let Ok(o) = engine.overview().await {
            let minute = minute_of(Timestamp::now());
            for q in &o.queues {
                notes.note(&q.stats.queue_id, minute, q.stats.waiting as i64);
            }
        }
        let mut write = tokio::time::interval(Duration::from_secs(1));
        write.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut prune = tokio::time::interval(Duration::from_secs(3600));
        prune.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                event = live.next() => {
                    let Some(first) = event else { return };
                    let mut last_seq = first.seq;
                    let mut touched = first.touched_queues();
                    while let Some(e) = live.try_next() {
                        last_seq = e.seq;
                        for q in e.touched_queues() {
                            if !touched.contains(&q) {
                                touched.push(q);
                            }
                        }
                    }
                    let minute = minute_of(Timestamp::now());
                    for q in &touched {
                        if let Some(f) = stats.after(last_seq, q).await {
                            notes.note(q, minute, f.stats.waiting as i64);
                        }
                    }
                }
                _ = write.tick() => {
                    // The server stopped: nothing more to keep.
                    if db.is_closed() {
                        return;
                    }
                    if notes.0.is_empty() {
                        continue;
                    }
                    let batch: Vec<Sample> = std::mem::take(&mut notes.0).into_values().collect();
                    if let Err(e) = db.record_queue_samples(&batch).await {
                        if db.is_closed() {
                            return;
                        }
                        tracing::warn!(error = %e, "writing waiting samples; trying again");
                        notes.restore(batch);
                    }
                }
                _ = prune.tick() => {
                    if db.is_closed() {
                        return;
                    }
                    let before = minute_of(Timestamp::now()) - KEEP_MINUTES;
                    if let Err(e) = db.prune_queue_samples(before).await {
                        if db.is_closed() {
                            return;
                        }
                        tracing::warn!(error = %e, "forgetting old waiting samples");
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_keeps_its_peak_and_its_last_reading() {
        let mut n = Notes::default();
        n.note("q", 5, 2);
        n.note("q", 5, 7);
        n.note("q", 5, 3);
        n.note("q", 6, 1);
        let s: Vec<(i64, i64, i64)> =
            n.0.values()
                .map(|s| (s.minute, s.waiting_max, s.waiting_last))
                .collect();
        assert_eq!(s, vec![(5, 7, 3), (6, 1, 1)]);
    }

    #[test]
    fn a_failed_write_is_kept_under_newer_readings() {
        let mut n = Notes::default();
        n.note("q", 5, 9);
        let failed: Vec<Sample> = std::mem::take(&mut n.0).into_values().collect();
        n.note("q", 5, 4);
        n.restore(failed);
        let s = &n.0[&("q".to_owned(), 5)];
        assert_eq!((s.waiting_max, s.waiting_last), (9, 4));
    }
}
