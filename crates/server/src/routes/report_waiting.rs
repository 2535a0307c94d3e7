//! `GET /api/v1/reports/waiting`: how many items waited over the last
//! hours, step by step, from the samples the server keeps per queue and
//! minute (`waiting_history`); `…/waiting/chart` draws it as SVG for the
//! live dashboard. A supervisor sees the queues they supervise
//! (`auth::watch`); definitions in `docs/reports.md`, "Waiting items".

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_core::reports::waiting::{self, MOST_HOURS};
use switchboard_core::validation::Check;
use switchboard_core::Invalid;
use switchboard_routing::EngineHandle;
use switchboard_store::{Db, StoreError};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{watch::require_queue, Principal};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::live_stats::SharedStats;
use crate::state::AppState;
use crate::waiting_history::minute_of;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(waiting_items))
        .routes(routes!(waiting_chart))
}

const DEFAULT_HOURS: i64 = 8;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WaitingParams {
    /// How many hours back, 1 to 24 [default: 8].
    #[param(minimum = 1, maximum = 24)]
    pub hours: Option<i64>,
    /// Only this queue (else every queue the reader sees).
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    pub queue_id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WaitingChartParams {
    /// How many hours back, 1 to 24 [default: 8].
    #[param(minimum = 1, maximum = 24)]
    pub hours: Option<i64>,
    /// Only this queue (else every queue the reader sees).
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    pub queue_id: Option<String>,
    /// Language of the chart's text: en, fr or es [default: en].
    #[param(pattern = "^(en|fr|es)$")]
    pub lang: Option<String>,
}

/// One step of the line.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WaitingStep {
    /// The step's start (RFC 3339, UTC).
    pub at: String,
    /// The step's start in the report time zone (`09:15`).
    pub label: String,
    /// The most items waiting at once during the step (over several
    /// queues: each queue's most, added).
    pub peak: i64,
    /// Items waiting at the step's end (the current step: now).
    pub last: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WaitingItems {
    /// The first step's start and the last one's end (RFC 3339, UTC).
    pub from: String,
    pub to: String,
    pub step_minutes: i64,
    /// The zone of the labels (`serve --report-time-zone`).
    pub time_zone: String,
    /// The queue asked for, if one was.
    pub queue_id: Option<String>,
    pub steps: Vec<WaitingStep>,
}

async fn line(
    db: &Db,
    engine: &EngineHandle,
    shared: &SharedStats,
    who: &Principal,
    hours: Option<i64>,
    queue_id: Option<String>,
) -> ApiResult<WaitingItems> {
    let mut c = Check::new();
    let hours = hours.unwrap_or(DEFAULT_HOURS);
    if !(1..=MOST_HOURS).contains(&hours) {
        c.fail("hours", "range", format!("must be from 1 to {MOST_HOURS}"));
    }
    // Empty is no filter, as in every report.
    let queue_id = c.optional_id("queue_id", queue_id.filter(|q| !q.is_empty()));
    c.finish(|| ())?;
    let watch = who.watch(db).await?;
    let queues = match &queue_id {
        Some(q) => {
            // Another's queue is 403 for a supervisor, before anything
            // tells whether it exists.
            require_queue(&watch, q)?;
            db.queue(q).await.map_err(|e| match e {
                StoreError::NotFound(_) => {
                    ApiError::Invalid(Invalid::one("queue_id", "unknown", "no such queue"))
                }
                e => e.into(),
            })?;
            vec![q.clone()]
        }
        None => match watch.queue_ids() {
            Some(mine) => mine,
            None => db.queues().await?.into_iter().map(|q| q.id).collect(),
        },
    };
    let now = minute_of(Timestamp::now());
    let (from, step, steps) = waiting::span(now, hours);
    let to = from + step * steps as i64;
    let (before, during) = db.queue_samples(from, to, &queues).await?;
    let zone_name = db.report_time_zone().await?;
    let zone = TimeZone::get(&zone_name).unwrap_or(TimeZone::UTC);
    let at = |minute: i64| Timestamp::from_second(minute * 60).unwrap_or(Timestamp::UNIX_EPOCH);
    let mut line = waiting::series(&before, &during, from, step, steps);
    // The current step ends now, as the engine says: the samples are
    // written once a second, and a page reading the line after a
    // `queue_stats` on its socket must see at least that figure. The
    // figures after the newest event are the ones the live channel shares
    // (`live_stats`): many readers of many queues ask the engine at most
    // once per queue and event, not once per queue and request.
    if let Some(current) = line.last_mut() {
        let mut now = 0;
        let seq = engine.last_seq();
        for q in &queues {
            if let Some(f) = shared.after(seq, q).await {
                now += f.stats.waiting as i64;
            }
        }
        current.last = now;
        current.peak = current.peak.max(now);
    }
    let steps = line
        .into_iter()
        .map(|p| WaitingStep {
            at: at(p.minute).to_string(),
            label: at(p.minute)
                .to_zoned(zone.clone())
                .strftime("%H:%M")
                .to_string(),
            peak: p.peak,
            last: p.last,
        })
        .collect();
    Ok(WaitingItems {
        from: at(from).to_string(),
        to: at(to).to_string(),
        step_minutes: step,
        time_zone: zone_name,
        queue_id,
        steps,
    })
}

/// Items waiting over the last hours, in steps of whole minutes (5 over 8
/// hours, 1 up to 2 hours): each step's peak and its last value.
#[utoipa::path(get, path = "/api/v1/reports/waiting", tag = "reports", params(WaitingParams),
    responses((status = 200, body = WaitingItems),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn waiting_items(
    State(db): State<Db>,
    State(engine): State<EngineHandle>,
    State(shared): State<Arc<SharedStats>>,
    Extension(who): Extension<Principal>,
    ApiQuery(p): ApiQuery<WaitingParams>,
) -> ApiResult<Json<WaitingItems>> {
    Ok(Json(
        line(&db, &engine, &shared, &who, p.hours, p.queue_id).await?,
    ))
}

/// The same line as an SVG chart (its text equivalent: the JSON above).
#[utoipa::path(get, path = "/api/v1/reports/waiting/chart", tag = "reports", params(WaitingChartParams),
    responses((status = 200, content_type = "image/svg+xml", body = String),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn waiting_chart(
    State(db): State<Db>,
    State(engine): State<EngineHandle>,
    State(shared): State<Arc<SharedStats>>,
    Extension(who): Extension<Principal>,
    ApiQuery(p): ApiQuery<WaitingChartParams>,
) -> ApiResult<Response> {
    let lang = match p.lang.as_deref() {
        None => "en",
        Some(l @ ("en" | "fr" | "es")) => l,
        Some(_) => return Err(Invalid::one("lang", "invalid", "must be en, fr or es").into()),
    };
    let line = line(&db, &engine, &shared, &who, p.hours, p.queue_id).await?;
    let words = crate::charts::words(lang);
    let labels: Vec<String> = line.steps.iter().map(|s| s.label.clone()).collect();
    let svg = crate::charts::chart(
        words.waiting_title,
        &labels,
        &[crate::charts::Series {
            name: words.waiting_peak,
            values: line.steps.iter().map(|s| Some(s.peak as f64)).collect(),
        }],
        None,
        crate::charts::Shape::Lines,
    )
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
