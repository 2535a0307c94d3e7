//! `/api/v1/reports/…`: historical reports for supervisors and admins.
//!
//! Figures come from the running sums the store keeps per hour and day
//! (`switchboard_store::reports`), computed by
//! [`switchboard_core::reports::figures`]; the definitions are in
//! `docs/reports.md`. The same rows are answered as JSON, as CSV (a
//! download with exactly the JSON's numbers) and as an SVG chart drawn by
//! the server with plotters (the page shows the table beside it).

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use switchboard_core::reports::{
    figures, Counts, Figures, DEFAULT_SERVICE_LEVEL_SECONDS, DEFAULT_SHORT_ABANDON_SECONDS,
};
use switchboard_core::validation::Check;
use switchboard_store::reports::{ReportBy, ReportQuery};
use switchboard_store::Db;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{watch::require_queue, Principal};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(work_items))
        .routes(routes!(chart))
}

/// Keeps the report sums current between reports, so that a report only
/// counts the last few seconds' events itself.
pub fn spawn_roll_up(db: Db) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if db.is_closed() {
                return;
            }
            if let Err(e) = db.catch_up_reports().await {
                if db.is_closed() {
                    return;
                }
                tracing::warn!(error = %e, "counting routing events for reports");
            }
        }
    });
}

/// The longest span of one report: a year of days, a month of hours.
const MAX_DAYS: i64 = 366;
const MAX_HOUR_DAYS: i64 = 31;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// First day (YYYY-MM-DD, in the report time zone).
    #[param(format = Date)]
    pub from: String,
    /// Last day, included; at most 366 days after `from` (31 by hour).
    #[param(format = Date)]
    pub to: String,
    /// One row per `queue`, `agent`, `channel`, `day` or `hour`.
    #[param(pattern = "^(queue|agent|channel|day|hour)$")]
    pub by: String,
    /// Only this queue.
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    pub queue_id: Option<String>,
    /// Only this agent (not with `by=hour`: hours are kept per queue).
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    pub agent_id: Option<String>,
    /// Only this channel (`chat`, `voice`, `callback`…).
    #[param(pattern = "^[a-z_]{0,32}$")]
    pub channel: Option<String>,
    /// Service level threshold [default: 20].
    #[param(value_type = Option<switchboard_core::api_schema::ReportThreshold>)]
    pub service_level_seconds: Option<u32>,
    /// Abandons within this many seconds are short [default: 10].
    #[param(value_type = Option<switchboard_core::api_schema::ReportThreshold>)]
    pub short_abandon_seconds: Option<u32>,
    /// `json` (default) or `csv` (a download).
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// The report a chart draws (as [`ReportParams`], with `chart` and `lang`
/// instead of `format`).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChartParams {
    #[param(format = Date)]
    pub from: String,
    #[param(format = Date)]
    pub to: String,
    #[param(pattern = "^(queue|agent|channel|day|hour)$")]
    pub by: String,
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    pub queue_id: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    pub agent_id: Option<String>,
    #[param(pattern = "^[a-z_]{0,32}$")]
    pub channel: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::ReportThreshold>)]
    pub service_level_seconds: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::ReportThreshold>)]
    pub short_abandon_seconds: Option<u32>,
    /// `volume` (offered, answered, abandoned) or `service_level`.
    #[param(pattern = "^(volume|service_level)$")]
    pub chart: Option<String>,
    /// Language of the chart's text: en, fr or es [default: en].
    #[param(pattern = "^(en|fr|es)$")]
    pub lang: Option<String>,
}

/// One row: what it is about, and its figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportRowOut {
    /// The queue or agent id, the channel, the day (YYYY-MM-DD) or the
    /// hour's start in UTC (RFC 3339).
    pub key: String,
    /// The queue's or agent's name, the channel, the day, or the hour in
    /// the report time zone (`2026-12-06 09:00`).
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkItemReport {
    pub from: String,
    pub to: String,
    pub by: String,
    /// The zone days and hours are shown in (`serve --report-time-zone`).
    pub time_zone: String,
    pub service_level_seconds: u32,
    pub short_abandon_seconds: u32,
    pub rows: Vec<ReportRowOut>,
    /// All rows together.
    pub total: Figures,
}

struct Asked {
    query: ReportQuery,
    zone: TimeZone,
    zone_name: String,
    by: String,
    service_level: u32,
    short_abandon: u32,
}

fn by_of(s: &str) -> Option<ReportBy> {
    Some(match s {
        "queue" => ReportBy::Queue,
        "agent" => ReportBy::Agent,
        "channel" => ReportBy::Channel,
        "day" => ReportBy::Day,
        "hour" => ReportBy::Hour,
        _ => return None,
    })
}

#[allow(clippy::too_many_arguments)]
async fn ask(
    db: &Db,
    from: &str,
    to: &str,
    by: &str,
    queue_id: Option<String>,
    agent_id: Option<String>,
    channel: Option<String>,
    service_level: Option<u32>,
    short_abandon: Option<u32>,
) -> ApiResult<Asked> {
    let mut c = Check::new();
    let grouping = by_of(by);
    // Hours are kept for a shorter range than days.
    let most_days = if grouping == Some(ReportBy::Hour) {
        MAX_HOUR_DAYS
    } else {
        MAX_DAYS
    };
    let days = c.day_range(from, to, most_days, "a report");
    if grouping.is_none() {
        c.fail(
            "by",
            "invalid",
            "must be queue, agent, channel, day or hour",
        );
    }
    let threshold = |c: &mut Check, field: &str, v: Option<u32>, default: u32| {
        let v = v.unwrap_or(default);
        if switchboard_core::reports::threshold_index(v).is_none() {
            c.fail(
                field,
                "invalid",
                "must be 5, 10, 15, 20, 30, 45, 60, 90, 120, 180 or 300",
            );
        }
        v
    };
    let service_level = threshold(
        &mut c,
        "service_level_seconds",
        service_level,
        DEFAULT_SERVICE_LEVEL_SECONDS,
    );
    let short_abandon = threshold(
        &mut c,
        "short_abandon_seconds",
        short_abandon,
        DEFAULT_SHORT_ABANDON_SECONDS,
    );
    let queue_id = c.optional_id("queue_id", queue_id.filter(|v| !v.is_empty()));
    let agent_id = c.optional_id("agent_id", agent_id.filter(|v| !v.is_empty()));
    if grouping == Some(ReportBy::Hour) && agent_id.is_some() {
        // Hours are kept per queue and channel only (the sums stay small).
        c.fail(
            "agent_id",
            "inconsistent",
            "reports by hour are per queue and channel: leave the agent out, or ask by day",
        );
    }
    let channel = channel.filter(|v| !v.is_empty());
    if let Some(ch) = &channel {
        if ch.len() > 32 || !ch.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            c.fail("channel", "invalid", "not a channel name");
        }
    }
    c.finish(|| ())?;
    let ((from_day, to_day), by) = (days.expect("checked"), grouping.expect("checked"));
    let zone_name = db.report_time_zone().await?;
    let zone = TimeZone::get(&zone_name).unwrap_or(TimeZone::UTC);
    // Hours of the asked days in the report zone, as UTC hour keys.
    let hour_key = |d: Date| -> ApiResult<String> {
        let ts = d
            .to_zoned(zone.clone())
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("a day's start: {e}")))?
            .timestamp();
        Ok(ts.strftime("%Y-%m-%dT%H:00:00Z").to_string())
    };
    let after_last = to_day.tomorrow().map_err(|_| {
        ApiError::Invalid(switchboard_core::Invalid::one(
            "to",
            "too_far",
            "too far in the future",
        ))
    })?;
    let hours = Some((hour_key(from_day)?, hour_key(after_last)?));
    Ok(Asked {
        query: ReportQuery {
            by,
            from_day: from_day.to_string(),
            to_day: to_day.to_string(),
            hours,
            queue_id,
            agent_id,
            channel,
            within: None,
        },
        zone,
        zone_name,
        by: by_name(by).to_owned(),
        service_level,
        short_abandon,
    })
}

/// Limits a report to the queues the caller watches (`auth::watch`): a
/// supervisor asking for a queue they do not supervise gets 403; without a
/// queue, the report counts only their queues' work (for `by=agent` and
/// `by=channel` too: the agent-in-queue and queue rows of their queues).
async fn limit(db: &Db, who: &Principal, a: &mut Asked) -> ApiResult<()> {
    let watch = who.watch(db).await?;
    if let Some(q) = &a.query.queue_id {
        require_queue(&watch, q)?;
    }
    a.query.within = watch.queue_ids();
    Ok(())
}

fn by_name(by: ReportBy) -> &'static str {
    match by {
        ReportBy::Queue => "queue",
        ReportBy::Agent => "agent",
        ReportBy::Channel => "channel",
        ReportBy::Day => "day",
        ReportBy::Hour => "hour",
    }
}

async fn build(db: &Db, a: &Asked) -> ApiResult<WorkItemReport> {
    let rows = db.report(&a.query).await?;
    let names: HashMap<String, String> = match a.query.by {
        ReportBy::Queue => db
            .queues()
            .await?
            .into_iter()
            .map(|q| (q.id, q.name))
            .collect(),
        ReportBy::Agent => {
            let ids: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
            db.agent_names(&ids).await?
        }
        _ => HashMap::new(),
    };
    let mut total = Counts::default();
    let mut out = Vec::with_capacity(rows.len());
    let figures_of = |c: &Counts| {
        figures(c, a.service_level, a.short_abandon)
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("thresholds were checked")))
    };
    for r in rows {
        total.add(&r.counts);
        let name = match a.query.by {
            ReportBy::Hour => switchboard_core::time::parse(&r.key)
                .map(|ts| {
                    ts.to_zoned(a.zone.clone())
                        .strftime("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_else(|| r.key.clone()),
            // A queue or agent since deleted keeps its id as its name.
            _ => names.get(&r.key).cloned().unwrap_or_else(|| r.key.clone()),
        };
        out.push(ReportRowOut {
            figures: figures_of(&r.counts)?,
            key: r.key,
            name,
        });
    }
    Ok(WorkItemReport {
        from: a.query.from_day.clone(),
        to: a.query.to_day.clone(),
        by: a.by.clone(),
        time_zone: a.zone_name.clone(),
        service_level_seconds: a.service_level,
        short_abandon_seconds: a.short_abandon,
        rows: out,
        total: figures_of(&total)?,
    })
}

/// Every figure of [`Figures`], in the order the CSV gives them.
const FIGURE_COLUMNS: [&str; 21] = [
    "offered",
    "answered",
    "answered_in_threshold",
    "abandoned",
    "short_abandoned",
    "service_level",
    "abandon_rate",
    "average_speed_of_answer_seconds",
    "average_abandon_seconds",
    "handled",
    "average_handle_seconds",
    "average_talk_seconds",
    "average_wrap_up_seconds",
    "transferred_in",
    "transferred_out",
    "declined",
    "timed_out",
    "callbacks_requested",
    "csat_responses",
    "csat_average",
    "csat_satisfied_rate",
];

/// The CSV columns: `key`, `name`, then every figure as in the JSON.
fn csv_of(report: &WorkItemReport) -> ApiResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let value = |f: &Figures| serde_json::to_value(f).unwrap_or_default();
    let columns = FIGURE_COLUMNS;
    let internal = |e: csv::Error| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}"));
    let mut header = vec!["key".to_owned(), "name".to_owned()];
    header.extend(columns.iter().map(|c| c.to_string()));
    w.write_record(&header).map_err(internal)?;
    let cell = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    for r in &report.rows {
        let v = value(&r.figures);
        let mut record = vec![r.key.clone(), r.name.clone()];
        record.extend(columns.iter().map(|c| cell(&v[*c])));
        w.write_record(&record).map_err(internal)?;
    }
    let v = value(&report.total);
    let mut record = vec!["total".to_owned(), String::new()];
    record.extend(columns.iter().map(|c| cell(&v[*c])));
    w.write_record(&record).map_err(internal)?;
    w.into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))
}

/// Work items over a span of days, one row per queue, agent, channel, day
/// or hour: offered, answered, abandoned (short ones apart), service level,
/// speed of answer, handle time, transfers, declines, callbacks, CSAT.
/// Definitions: docs/reports.md. `format=csv` answers the same numbers as a
/// CSV download with a `total` row. Admins read every queue; a supervisor
/// the queues they supervise: a `queue_id` of another queue is 403, and
/// without one the report counts their queues' work only.
#[utoipa::path(get, path = "/api/v1/reports/work-items", tag = "reports", params(ReportParams),
    responses((status = 200, description = "The report: JSON, or with `format=csv` a CSV download",
            content((WorkItemReport = "application/json"), (String = "text/csv"))),
        (status = 403, body = crate::error::Problem, description = "an agent, or a queue_id the supervisor does not supervise"),
        (status = 422, body = crate::error::Problem)))]
async fn work_items(
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    ApiQuery(p): ApiQuery<ReportParams>,
) -> ApiResult<Response> {
    let csv = match p.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            return Err(ApiError::Invalid(switchboard_core::Invalid::one(
                "format",
                "invalid",
                "must be json or csv",
            )))
        }
    };
    let asked = ask(
        &db,
        &p.from,
        &p.to,
        &p.by,
        p.queue_id,
        p.agent_id,
        p.channel,
        p.service_level_seconds,
        p.short_abandon_seconds,
    )
    .await?;
    let mut asked = asked;
    limit(&db, &who, &mut asked).await?;
    let report = build(&db, &asked).await?;
    if !csv {
        return Ok(Json(report).into_response());
    }
    let file = format!(
        "attachment; filename=\"work-items-by-{}-{}-{}.csv\"",
        report.by, report.from, report.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, file),
        ],
        csv_of(&report)?,
    )
        .into_response())
}

/// The report drawn as an SVG line chart: `volume` (offered, answered,
/// abandoned per row) or `service_level` (per row). The same rows as
/// `/reports/work-items`, whose table is the chart's text equivalent.
#[utoipa::path(get, path = "/api/v1/reports/work-items/chart", tag = "reports", params(ChartParams),
    responses((status = 200, content_type = "image/svg+xml", body = String),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn chart(
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    ApiQuery(p): ApiQuery<ChartParams>,
) -> ApiResult<Response> {
    let r = &p;
    let asked = ask(
        &db,
        &r.from,
        &r.to,
        &r.by,
        r.queue_id.clone(),
        r.agent_id.clone(),
        r.channel.clone(),
        r.service_level_seconds,
        r.short_abandon_seconds,
    )
    .await?;
    let mut asked = asked;
    limit(&db, &who, &mut asked).await?;
    let report = build(&db, &asked).await?;
    let lang = p.lang.as_deref().unwrap_or("en");
    let labels: Vec<String> = report.rows.iter().map(|r| r.name.clone()).collect();
    let words = crate::charts::words(lang);
    let shape = match asked.query.by {
        ReportBy::Day | ReportBy::Hour => crate::charts::Shape::Lines,
        _ => crate::charts::Shape::Bars,
    };
    let svg = match p.chart.as_deref().unwrap_or("volume") {
        "service_level" => crate::charts::chart(
            words.service_level,
            &labels,
            &[crate::charts::Series {
                name: words.service_level,
                values: report
                    .rows
                    .iter()
                    .map(|r| r.figures.service_level.map(|v| v * 100.0))
                    .collect(),
            }],
            Some(100.0),
            shape,
        ),
        "volume" => crate::charts::chart(
            words.volume,
            &labels,
            &[
                crate::charts::Series {
                    name: words.offered,
                    values: report
                        .rows
                        .iter()
                        .map(|r| Some(r.figures.offered as f64))
                        .collect(),
                },
                crate::charts::Series {
                    name: words.answered,
                    values: report
                        .rows
                        .iter()
                        .map(|r| Some(r.figures.answered as f64))
                        .collect(),
                },
                crate::charts::Series {
                    name: words.abandoned,
                    values: report
                        .rows
                        .iter()
                        .map(|r| Some(r.figures.abandoned as f64))
                        .collect(),
                },
            ],
            None,
            shape,
        ),
        _ => {
            return Err(ApiError::Invalid(switchboard_core::Invalid::one(
                "chart",
                "invalid",
                "must be volume or service_level",
            )))
        }
    }
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("drawing a chart: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_has_a_column_for_every_figure() {
        let f = figures(&Counts::default(), 20, 10).unwrap();
        let serde_json::Value::Object(m) = serde_json::to_value(f).unwrap() else {
            panic!("an object")
        };
        let mut keys: Vec<&str> = m.keys().map(String::as_str).collect();
        let mut columns = FIGURE_COLUMNS.to_vec();
        keys.sort();
        columns.sort();
        assert_eq!(keys, columns);
    }
}
