//! `/api/v1/planner/…`: the staffing planner for supervisors and admins
//! (the service is `crate::planner`; definitions in `docs/planner.md`).
//!
//! `GET /planner/traffic` drafts a plan from a queue's configuration and a
//! past period's traffic; `POST /planner/runs` runs a plan — as drafted or
//! changed — through the routing core's simulator and answers, hour by
//! hour, the planned day's figures and the fewest agents reaching the
//! target.

use axum::extract::State;
use axum::{Extension, Json};
use serde::Deserialize;
use switchboard_core::validation::Check;
use switchboard_store::Db;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{watch::require_queue, Principal};
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::planner::{self, Draft, Outcome, PlanInput, TrafficQuery, MAX_DAYS};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(traffic))
        .routes(routes!(runs))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TrafficParams {
    /// The queue to plan.
    #[param(value_type = switchboard_core::api_schema::RecordId)]
    pub queue_id: String,
    /// First day of the past period (YYYY-MM-DD, report time zone).
    #[param(format = Date)]
    pub from: String,
    /// Last day, included; at most 92 days after `from`.
    #[param(format = Date)]
    pub to: String,
    /// Only these days of the week, e.g. `mon,tue,wed` or `mon-fri`
    /// [default: every day].
    #[param(
        pattern = "^((mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?(,(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?)*)?$"
    )]
    pub weekdays: Option<String>,
}

/// Drafts a staffing plan for a queue (one the caller supervises) from its configuration (members,
/// their capacity, operating hours) and the traffic of a past period: per
/// hour of the day, arrivals, handle time and customers' patience
/// measured from the stored work items.
#[utoipa::path(get, path = "/api/v1/planner/traffic", tag = "planner", params(TrafficParams),
    responses((status = 200, body = Draft),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn traffic(
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    ApiQuery(p): ApiQuery<TrafficParams>,
) -> ApiResult<Json<Draft>> {
    let mut c = Check::new();
    let days = c.day_range(&p.from, &p.to, MAX_DAYS, "a plan");
    let queue_id = c.optional_id("queue_id", Some(p.queue_id));
    let weekdays = planner::parse_weekdays(&mut c, "weekdays", p.weekdays.as_deref().unwrap_or(""));
    c.finish(|| ())?;
    // A supervisor plans the queues they supervise (auth::watch).
    require_queue(
        &who.watch(&db).await?,
        queue_id.as_deref().unwrap_or_default(),
    )?;
    let query = TrafficQuery {
        queue_id: queue_id.expect("checked"),
        from: days.expect("checked").0,
        to: days.expect("checked").1,
        weekdays,
    };
    Ok(Json(planner::draft(&db, &query).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RunParams {
    /// Also draw the outcome's charts, with the words of this language.
    #[param(pattern = "^(en|fr|es)$")]
    pub lang: Option<String>,
}

/// Runs a staffing plan through the routing core in virtual time: the
/// planned day (service level, speed of answer, abandonment, occupancy per
/// hour) and, per open hour, the fewest agents reaching the target. Takes
/// up to a few seconds; one plan runs at a time.
#[utoipa::path(post, path = "/api/v1/planner/runs", tag = "planner", request_body = PlanInput,
    params(RunParams),
    responses((status = 200, body = Outcome),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn runs(
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<RunParams>,
    ApiJson(plan): ApiJson<PlanInput>,
) -> ApiResult<Json<Outcome>> {
    let lang = match q.lang.as_deref() {
        None => None,
        Some(l @ ("en" | "fr" | "es")) => Some(l.to_owned()),
        Some(_) => {
            return Err(
                switchboard_core::Invalid::one("lang", "invalid", "must be en, fr or es").into(),
            )
        }
    };
    planner::check(&plan)?;
    require_queue(&who.watch(&db).await?, &plan.queue_id)?;
    let mut outcome = planner::run(&db, &plan).await?;
    if let Some(lang) = lang {
        outcome.charts = Some(planner::draw(&outcome, &lang)?);
    }
    Ok(Json(outcome))
}
