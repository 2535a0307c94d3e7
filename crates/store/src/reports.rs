//! Historical reports: the running sums per hour, day and month
//! (`report_hours`, `report_days`, `report_months`), kept from the routing
//! events, and the queries that add them up.
//!
//! The roll-up ([`Db::roll_up_reports`]) reads the routing events after the
//! last one it counted, in the order of their numbers, asks
//! [`switchboard_core::reports::tally`] what each adds, and adds it to its
//! hour and day in one transaction with the new watermark: an event is
//! counted exactly once, and a report is never half-updated. A chat's
//! rating is added by [`Db::rate_conversation`], a call's by
//! [`Db::rate_call`], each in its own transaction ([`add_rating_in`]).
//! Reports call the roll-up first, so they include everything committed
//! before them; the server also runs it every few seconds so that work
//! stays small.

use std::collections::HashMap;

use jiff::tz::TimeZone;
use jiff::Timestamp;
use switchboard_core::reports::{self, column_names, Counts, Happened};
use switchboard_core::time;
use switchboard_core::Invalid;

use crate::{Db, Result, StoreError};

/// How a report groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportBy {
    Queue,
    Agent,
    Channel,
    Day,
    Hour,
}

/// Which sums a report adds.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    pub by: ReportBy,
    /// Days in the report time zone, both included (`2026-12-01`).
    pub from_day: String,
    pub to_day: String,
    /// For [`ReportBy::Hour`]: UTC hours from (included) and to (excluded),
    /// the caller's translation of the days above.
    pub hours: Option<(String, String)>,
    pub queue_id: Option<String>,
    pub agent_id: Option<String>,
    pub channel: Option<String>,
    /// The queues the reader may see (a supervisor's own), `None` for all.
    /// Without `queue_id`, the report then adds the rows of these queues
    /// (their queue and agent-in-queue levels) instead of the totals: an
    /// unfiltered report counts only their work. Empty: nothing.
    pub within: Option<Vec<String>>,
}

/// One row of a report: its key (queue id, agent id, channel, day or UTC
/// hour) and its sums.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub key: String,
    pub counts: Counts,
}

#[derive(sqlx::FromRow)]
struct EventFacts {
    seq: i64,
    work_item_id: Option<String>,
    agent_id: Option<String>,
    queue_id: Option<String>,
    kind: String,
    data: String,
    at: String,
    channel: Option<String>,
    arrived_at: Option<String>,
}

type Key = (String, String, String, String);

/// The watermark before any event: imported history (the demo's) is
/// numbered below zero, the engine's own events from one up.
const BEFORE_EVERY_EVENT: i64 = i64::MIN + 1;

/// Sums waiting to be written: per (interval, queue, agent, channel).
#[derive(Default)]
struct Pending {
    hours: HashMap<Key, Counts>,
    days: HashMap<Key, Counts>,
    months: HashMap<Key, Counts>,
}

impl Pending {
    /// Adds a tally at each level of detail it has: the total (queue and
    /// agent ''), its queue (agent ''), and when it has an agent, the agent
    /// in that queue and the agent over all queues (queue ''). A report
    /// reads only the rows of its own level: a year by queue is a row per
    /// queue, channel and month; a year by day, a row per day and channel.
    /// Hours keep the total and queue levels: hourly reports are per queue.
    fn add(&mut self, at: Timestamp, zone: &TimeZone, t: &reports::Tally) {
        let (hour, day) = reports::interval(at, zone);
        let month = day[..7].to_owned();
        let ch = &t.channel;
        let mut levels = vec![
            (String::new(), String::new()),
            (t.queue_id.clone(), String::new()),
        ];
        for (queue, agent) in &levels {
            self.hours
                .entry((hour.clone(), queue.clone(), agent.clone(), ch.clone()))
                .or_default()
                .add(&t.counts);
        }
        if !t.agent_id.is_empty() {
            levels.push((t.queue_id.clone(), t.agent_id.clone()));
            levels.push((String::new(), t.agent_id.clone()));
        }
        for (queue, agent) in levels {
            for (map, interval) in [(&mut self.days, &day), (&mut self.months, &month)] {
                map.entry((interval.clone(), queue.clone(), agent.clone(), ch.clone()))
                    .or_default()
                    .add(&t.counts);
            }
        }
    }
}

/// The first day of the first whole month in `from..=to` and the last day
/// of the last one (`2026-01-01`, `2026-11-30`), if the span holds any.
fn whole_months(from: &str, to: &str) -> Option<(String, String)> {
    let (from, to): (jiff::civil::Date, jiff::civil::Date) = (from.parse().ok()?, to.parse().ok()?);
    let first = if from.day() == 1 {
        from
    } else {
        from.last_of_month().tomorrow().ok()?
    };
    let last = if to == to.last_of_month() {
        to
    } else {
        to.first_of_month().yesterday().ok()?
    };
    (first < last).then(|| (first.to_string(), last.to_string()))
}

impl Pending {
    async fn write(self, tx: &mut sqlx::Transaction<'static, sqlx::Any>) -> Result<()> {
        upsert(tx, "report_hours", "hour", self.hours).await?;
        upsert(tx, "report_days", "day", self.days).await?;
        upsert(tx, "report_months", "month", self.months).await
    }
}

fn zone_of(name: &str) -> Result<TimeZone> {
    TimeZone::get(name).map_err(|_| {
        StoreError::Invalid(Invalid::one(
            "time_zone",
            "unknown",
            format!("unknown time zone {name:?}"),
        ))
    })
}

async fn upsert(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    table: &str,
    interval_column: &str,
    rows: HashMap<Key, Counts>,
) -> Result<()> {
    // Several rows per statement: a batch of events touches hundreds of
    // intervals, and one statement per row would cost more than the sums.
    // Not too many: the SQLite driver looks each parameter's name up in a
    // list (quadratic in the parameters of a statement), so 16 rows × 43
    // values is where it stops paying.
    const ROWS: usize = 16;
    let columns = column_names();
    let width = 4 + columns.len();
    let names = columns.join(", ");
    let sets: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect();
    let rows: Vec<(Key, Counts)> = rows.into_iter().collect();
    for chunk in rows.chunks(ROWS) {
        let tuples: Vec<String> = (0..chunk.len())
            .map(|r| {
                let binds: Vec<String> =
                    (1..=width).map(|c| format!("${}", r * width + c)).collect();
                format!("({})", binds.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({interval_column}, queue_id, agent_id, channel, {names}) \
             VALUES {} ON CONFLICT ({interval_column}, queue_id, agent_id, channel) \
             DO UPDATE SET {}",
            tuples.join(", "),
            sets.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for ((interval, queue, agent, channel), counts) in chunk {
            q = q
                .bind(interval.clone())
                .bind(queue.clone())
                .bind(agent.clone())
                .bind(channel.clone());
            for v in counts.values() {
                q = q.bind(v);
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Adds a chat's or a call's rating to its interval, inside the rating's
/// transaction.
pub(crate) async fn add_rating_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    at: &str,
    score: i64,
    queue_id: &str,
    agent_id: &str,
    channel: &str,
) -> Result<()> {
    let zone: String = sqlx::query_scalar("SELECT time_zone FROM report_state WHERE id = 1")
        .fetch_one(&mut **tx)
        .await?;
    let (Some(at), Ok(zone)) = (time::parse(at), zone_of(&zone)) else {
        return Ok(());
    };
    let mut pending = Pending::default();
    let tally = reports::Tally {
        queue_id: queue_id.to_owned(),
        agent_id: agent_id.to_owned(),
        channel: channel.to_owned(),
        counts: reports::rating(score),
    };
    pending.add(at, &zone, &tally);
    pending.write(tx).await
}

impl Db {
    /// Counts days in `zone` from now on. When it differs from the zone the
    /// sums were kept in, they are emptied and counted again from the first
    /// routing event (ratings included), in one transaction.
    pub async fn set_report_time_zone(&self, zone: &str) -> Result<bool> {
        zone_of(zone)?;
        let mut tx = self.write_tx().await?;
        let current: String = sqlx::query_scalar(&format!(
            "SELECT time_zone FROM report_state WHERE id = 1{}",
            self.for_update()
        ))
        .fetch_one(&mut *tx)
        .await?;
        if current == zone {
            return Ok(false);
        }
        sqlx::query("DELETE FROM report_hours")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM report_days")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM report_months")
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE report_state SET time_zone = $1, last_seq = $2 WHERE id = 1")
            .bind(zone.to_owned())
            .bind(BEFORE_EVERY_EVENT)
            .execute(&mut *tx)
            .await?;
        // When, score, queue, agent, channel.
        type Rating = (String, i64, Option<String>, Option<String>, String);
        let mut ratings: Vec<Rating> = sqlx::query_as(
            "SELECT csat_at, csat_score, queue_id, agent_id, channel FROM conversations \
             WHERE csat_score IS NOT NULL AND csat_at IS NOT NULL",
        )
        .fetch_all(&mut *tx)
        .await?;
        // Callers' ratings of calls (kept on the call's record).
        ratings.extend(
            sqlx::query_as::<_, Rating>(
                "SELECT c.csat_at, c.csat_score, w.queue_id, COALESCE(c.agent_id, w.agent_id), \
                 w.channel FROM calls c JOIN work_items w ON w.id = c.work_item_id \
                 WHERE c.csat_score IS NOT NULL AND c.csat_at IS NOT NULL",
            )
            .fetch_all(&mut *tx)
            .await?,
        );
        for (at, score, queue, agent, channel) in ratings {
            add_rating_in(
                &mut tx,
                &at,
                score,
                queue.as_deref().unwrap_or(""),
                agent.as_deref().unwrap_or(""),
                &channel,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Counts up to `batch` routing events not yet counted; returns how
    /// many it read (fewer than `batch`: caught up).
    pub async fn roll_up_reports(&self, batch: i64) -> Result<usize> {
        let mut tx = self.write_tx().await?;
        // Locks the watermark: on PostgreSQL two nodes never count the same
        // events (the second waits and then reads the new watermark).
        let (zone, last): (String, i64) = sqlx::query_as(&format!(
            "SELECT time_zone, last_seq FROM report_state WHERE id = 1{}",
            self.for_update()
        ))
        .fetch_one(&mut *tx)
        .await?;
        let zone = zone_of(&zone)?;
        let events: Vec<EventFacts> = sqlx::query_as(
            "SELECT e.seq, e.work_item_id, e.agent_id, e.queue_id, e.kind, e.data, e.at, \
             w.channel, w.arrived_at FROM routing_events e \
             LEFT JOIN work_items w ON w.id = e.work_item_id \
             WHERE e.seq > $1 ORDER BY e.seq LIMIT $2",
        )
        .bind(last)
        .bind(batch)
        .fetch_all(&mut *tx)
        .await?;
        let Some(newest) = events.last().map(|e| e.seq) else {
            return Ok(0);
        };
        // An item's last assignment and the wrap-up after it, as the batch
        // goes; a close whose assignment came in an earlier batch asks the
        // store.
        let mut handling: HashMap<String, (Timestamp, Option<Timestamp>)> = HashMap::new();
        let mut pending = Pending::default();
        for e in &events {
            let (Some(item), Some(channel), Some(arrived), Some(at)) = (
                e.work_item_id.as_deref(),
                e.channel.as_deref(),
                e.arrived_at.as_deref().and_then(time::parse),
                time::parse(&e.at),
            ) else {
                continue;
            };
            let mut happened = Happened {
                kind: &e.kind,
                at,
                queue_id: e.queue_id.as_deref().unwrap_or(""),
                agent_id: e.agent_id.as_deref(),
                channel,
                arrived_at: arrived,
                assigned_at: None,
                wrap_up_at: None,
                transfer: None,
            };
            let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
            match e.kind.as_str() {
                "assigned" => {
                    handling.insert(item.to_owned(), (at, None));
                }
                "wrap_up" => {
                    if let Some(h) = handling.get_mut(item) {
                        h.1 = Some(at);
                    } else if let Some((assigned, _)) = self.handling(&mut tx, item, e.seq).await? {
                        handling.insert(item.to_owned(), (assigned, Some(at)));
                    }
                }
                "closed" => {
                    let known = match handling.remove(item) {
                        Some(h) => Some(h),
                        None => self.handling(&mut tx, item, e.seq).await?,
                    };
                    if let Some((assigned, wrap)) = known {
                        happened.assigned_at = Some(assigned);
                        happened.wrap_up_at = wrap;
                    }
                }
                _ => {}
            }
            if e.kind == "transferred" {
                if let (Some(from), Some(to)) = (
                    data.get("from_queue_id").and_then(|v| v.as_str()),
                    data.get("to_queue_id").and_then(|v| v.as_str()),
                ) {
                    happened.transfer = Some((from, to));
                    for t in reports::tally(&happened) {
                        pending.add(at, &zone, &t);
                    }
                }
                continue;
            }
            for t in reports::tally(&happened) {
                pending.add(at, &zone, &t);
            }
        }
        pending.write(&mut tx).await?;
        sqlx::query("UPDATE report_state SET last_seq = $1 WHERE id = 1")
            .bind(newest)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(events.len())
    }

    /// Counts every routing event not yet counted.
    pub async fn catch_up_reports(&self) -> Result<()> {
        // Small transactions: on SQLite each one holds the only write lock,
        // and the routing engine writes every decision. 20,000 events at a
        // time held it for about a second and delayed offers by as much
        // (bench routing-e2e); 1,000 hold it for tens of milliseconds.
        const BATCH: i64 = 1_000;
        while self.roll_up_reports(BATCH).await? as i64 == BATCH {
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    /// The last assignment of an item before event `before`, and the
    /// wrap-up that followed it, if any.
    async fn handling(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        item: &str,
        before: i64,
    ) -> Result<Option<(Timestamp, Option<Timestamp>)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT kind, at FROM routing_events WHERE work_item_id = $1 AND seq < $2 \
             AND kind IN ('assigned', 'wrap_up') ORDER BY seq DESC LIMIT 8",
        )
        .bind(item.to_owned())
        .bind(before)
        .fetch_all(&mut **tx)
        .await?;
        let mut wrap = None;
        for (kind, at) in rows {
            let Some(at) = time::parse(&at) else { continue };
            if kind == "wrap_up" {
                wrap.get_or_insert(at);
            } else {
                return Ok(Some((at, wrap)));
            }
        }
        Ok(None)
    }

    /// The report time zone (days are counted in it).
    pub async fn report_time_zone(&self) -> Result<String> {
        Ok(
            sqlx::query_scalar("SELECT time_zone FROM report_state WHERE id = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Adds up the sums a report asks for, one row per key, in key order.
    /// Rows with nothing to show are left out.
    pub async fn report(&self, q: &ReportQuery) -> Result<Vec<ReportRow>> {
        self.catch_up_reports().await?;
        let columns = column_names();
        let key = match q.by {
            ReportBy::Queue => "queue_id",
            ReportBy::Agent => "agent_id",
            ReportBy::Channel => "channel",
            ReportBy::Day => "day",
            ReportBy::Hour => "hour",
        };
        let mut binds: Vec<String> = Vec::new();
        let mut bind = |v: &str| {
            binds.push(v.to_owned());
            format!("${}", binds.len())
        };
        // Which level's rows (see `Pending::add`): per dimension, the asked
        // value, every value when grouped by it, else the total over it ('').
        // A reader limited to some queues reads, instead of the totals over
        // queues, the rows of each of their queues.
        let mut filter = Vec::new();
        for (column, value, grouped) in [
            ("queue_id", &q.queue_id, q.by == ReportBy::Queue),
            ("agent_id", &q.agent_id, q.by == ReportBy::Agent),
        ] {
            filter.push(match (value, &q.within) {
                (Some(v), _) => format!("{column} = {}", bind(v)),
                (None, Some(set)) if column == "queue_id" => {
                    if set.is_empty() {
                        "1 = 0".to_owned()
                    } else {
                        let list: Vec<String> = set.iter().map(|v| bind(v)).collect();
                        format!("queue_id IN ({})", list.join(", "))
                    }
                }
                (None, _) if grouped => format!("{column} <> ''"),
                (None, _) => format!("{column} = ''"),
            });
        }
        if let Some(v) = &q.channel {
            filter.push(format!("channel = {}", bind(v)));
        }
        let filter = filter.join(" AND ");
        let selected = format!("{key}, {}", columns.join(", "));
        // The rows to add: hours, days, or whole months and the days at
        // either end of the span (a year by queue: a row per queue, channel
        // and month).
        let parts: Vec<String> = match (q.by, &q.hours) {
            (ReportBy::Hour, Some((from, to))) => vec![format!(
                "SELECT {selected} FROM report_hours WHERE {filter} AND hour >= {} AND hour < {}",
                bind(from),
                bind(to)
            )],
            (ReportBy::Hour, None) => {
                return Err(StoreError::Invalid(Invalid::one(
                    "by",
                    "invalid",
                    "an hourly report needs its hours",
                )))
            }
            (ReportBy::Day, _) => vec![format!(
                "SELECT {selected} FROM report_days WHERE {filter} AND day >= {} AND day <= {}",
                bind(&q.from_day),
                bind(&q.to_day)
            )],
            _ => match whole_months(&q.from_day, &q.to_day) {
                None => vec![format!(
                    "SELECT {selected} FROM report_days WHERE {filter} AND day >= {} AND day <= {}",
                    bind(&q.from_day),
                    bind(&q.to_day)
                )],
                Some((first, last)) => vec![
                    format!(
                        "SELECT {selected} FROM report_months WHERE {filter} AND month >= {} AND month <= {}",
                        bind(&first[..7]),
                        bind(&last[..7])
                    ),
                    format!(
                        "SELECT {selected} FROM report_days WHERE {filter} AND ((day >= {} AND day < {}) OR (day > {} AND day <= {}))",
                        bind(&q.from_day),
                        bind(&first),
                        bind(&last),
                        bind(&q.to_day)
                    ),
                ],
            },
        };
        let sums: Vec<String> = columns
            .iter()
            .map(|c| format!("CAST(SUM({c}) AS BIGINT)"))
            .collect();
        let sql = format!(
            "SELECT {key}, {} FROM ({}) AS rows GROUP BY {key} ORDER BY {key}",
            sums.join(", "),
            parts.join(" UNION ALL ")
        );
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(&self.pool).await?;
        use sqlx::Row;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let key: String = row.try_get(0)?;
            let mut values = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                values.push(row.try_get::<Option<i64>, _>(i + 1)?.unwrap_or(0));
            }
            let counts = Counts::from_values(&values).expect("one value per column");
            if !counts.is_empty() {
                out.push(ReportRow { key, counts });
            }
        }
        Ok(out)
    }
}
