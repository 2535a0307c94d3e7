//! `GET /api/v1/reports/activity`: the other channels' figures of the
//! historical reports, per day — proactive chat invitations, meetings,
//! meeting messages per channel and callbacks — counted from their own
//! tables (`switchboard_store::channel_activity`). Definitions:
//! `docs/reports.md`, "Other channels".

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use switchboard_core::validation::Check;
use switchboard_store::Db;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(activity))
}

const MAX_DAYS: i64 = 366;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActivityParams {
    /// First day (YYYY-MM-DD, in the report time zone).
    #[param(format = Date)]
    pub from: String,
    /// Last day, included; at most 366 days after `from`.
    #[param(format = Date)]
    pub to: String,
}

/// One day's (or the total's) counts.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct ActivityFigures {
    /// Proactive chat invitations shown to visitors.
    pub invitations_shown: i64,
    /// … accepted (a chat started).
    pub invitations_accepted: i64,
    /// … closed by the visitor.
    pub invitations_closed: i64,
    /// … left unanswered until they expired.
    pub invitations_expired: i64,
    /// Meetings booked (by staff, integrations or the booking page).
    pub meetings_booked: i64,
    pub meetings_cancelled: i64,
    /// Meetings that took place: scheduled (not cancelled), over, and not
    /// marked as a no-show; counted on their end.
    pub meetings_held: i64,
    /// Meetings staff marked as a no-show (the customer did not come),
    /// counted on their start.
    pub meetings_no_show: i64,
    pub emails_sent: i64,
    /// Not sent on purpose (switched off, no address, opted out…).
    pub emails_skipped: i64,
    pub emails_failed: i64,
    pub sms_sent: i64,
    pub sms_skipped: i64,
    pub sms_failed: i64,
    pub callbacks_requested: i64,
    pub callbacks_completed: i64,
    /// Failed, expired or missed (every window passed).
    pub callbacks_failed: i64,
}

impl ActivityFigures {
    fn add(&mut self, name: &str, n: i64) {
        let slot = match name {
            "invitations_shown" => &mut self.invitations_shown,
            "invitations_accepted" => &mut self.invitations_accepted,
            "invitations_closed" => &mut self.invitations_closed,
            "invitations_expired" => &mut self.invitations_expired,
            "meetings_booked" => &mut self.meetings_booked,
            "meetings_cancelled" => &mut self.meetings_cancelled,
            "meetings_held" => &mut self.meetings_held,
            "meetings_no_show" => &mut self.meetings_no_show,
            "emails_sent" => &mut self.emails_sent,
            "emails_skipped" => &mut self.emails_skipped,
            "emails_failed" => &mut self.emails_failed,
            "sms_sent" => &mut self.sms_sent,
            "sms_skipped" => &mut self.sms_skipped,
            "sms_failed" => &mut self.sms_failed,
            "callbacks_requested" => &mut self.callbacks_requested,
            "callbacks_completed" => &mut self.callbacks_completed,
            "callbacks_failed" => &mut self.callbacks_failed,
            _ => return,
        };
        *slot += n;
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityRow {
    /// The day (YYYY-MM-DD, report time zone).
    pub day: String,
    #[serde(flatten)]
    pub figures: ActivityFigures,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityReport {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    /// Days with anything to count, in order.
    pub rows: Vec<ActivityRow>,
    pub total: ActivityFigures,
}

/// Proactive invitations (shown, accepted, closed, expired), meetings
/// (booked, cancelled, held, no-shows), meeting messages per channel (sent, skipped,
/// failed) and callbacks (requested, completed, failed), per day. Each is
/// counted on the day of its own event. Definitions: docs/reports.md.
#[utoipa::path(get, path = "/api/v1/reports/activity", tag = "reports", params(ActivityParams),
    responses((status = 200, body = ActivityReport),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn activity(
    State(db): State<Db>,
    ApiQuery(p): ApiQuery<ActivityParams>,
) -> ApiResult<Json<ActivityReport>> {
    let mut c = Check::new();
    let days = c.day_range(&p.from, &p.to, MAX_DAYS, "a report");
    c.finish(|| ())?;
    let (from, to) = days.expect("checked");
    let zone_name = db.report_time_zone().await?;
    let zone = TimeZone::get(&zone_name).unwrap_or(TimeZone::UTC);
    let start = |d: Date| -> ApiResult<jiff::Timestamp> {
        d.to_zoned(zone.clone())
            .map(|z| z.timestamp())
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("a day's start: {e}")))
    };
    let after = to.tomorrow().map_err(|_| {
        ApiError::Invalid(switchboard_core::Invalid::one(
            "to",
            "too_far",
            "too far in the future",
        ))
    })?;
    let counts = db
        .activity_by_hour(
            &switchboard_core::time::format(start(from)?),
            &switchboard_core::time::format(start(after)?),
            &switchboard_core::time::now(),
        )
        .await?;
    let mut days: BTreeMap<String, ActivityFigures> = BTreeMap::new();
    let mut total = ActivityFigures::default();
    for (name, hours) in counts {
        for (hour, n) in hours {
            let Some(ts) = switchboard_core::time::parse(&format!("{hour}:00:00Z")) else {
                continue;
            };
            let day = ts.to_zoned(zone.clone()).date().to_string();
            days.entry(day).or_default().add(name, n);
            total.add(name, n);
        }
    }
    Ok(Json(ActivityReport {
        from: from.to_string(),
        to: to.to_string(),
        time_zone: zone_name,
        rows: days
            .into_iter()
            .map(|(day, figures)| ActivityRow { day, figures })
            .collect(),
        total,
    }))
}
