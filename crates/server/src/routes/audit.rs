//! `/api/v1/audit-log`: who changed which setting, when, from what to what
//! (admins). Rows are written by the store in the transaction of each
//! configuration change, whoever made it: a person in the browser, an
//! integration with a token, the command line.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::cursor::{page_limit, Cursor};
use switchboard_core::validation::Check;
use switchboard_store::audit::{Area, AuditEntry, AuditFilter};
use switchboard_store::Db;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Changes made by this agent (blank: anyone's).
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    pub agent_id: Option<String>,
    /// `people`, `routing`, `chat`, `workspace`, `scheduling`,
    /// `communications`, `voice`, `integrations` or `work_items`
    /// (supervisors' actions on live work).
    #[param(
        pattern = "^(people|routing|chat|workspace|scheduling|communications|voice|integrations|work_items)$"
    )]
    pub area: Option<String>,
    /// From this instant on (RFC 3339).
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Before this instant (RFC 3339).
    #[param(format = DateTime)]
    pub to: Option<String>,
    /// 1 to 200 [default: 50].
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// Recorded configuration changes, newest first; filter by person, area
/// and time.
#[utoipa::path(get, path = "/api/v1/audit-log", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn list(
    State(db): State<Db>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let mut c = Check::new();
    let area = match q.area.as_deref() {
        None => None,
        Some(a) => {
            let area = Area::parse(a);
            if area.is_none() {
                c.fail("area", "invalid", "not an area of the configuration");
            }
            area
        }
    };
    let mut instant = |field: &str, v: &Option<String>| {
        v.as_deref()
            .and_then(|t| match switchboard_core::time::parse(t) {
                Some(ts) => Some(switchboard_core::time::format(ts)),
                None => {
                    c.fail(field, "invalid", "must be an RFC 3339 date and time");
                    None
                }
            })
    };
    let from = instant("from", &q.from);
    let to = instant("to", &q.to);
    let agent_id = c.optional_id("agent_id", q.agent_id.filter(|a| !a.is_empty()));
    c.finish(|| ())?;
    let limit = page_limit(q.limit)?;
    let cursor = match &q.cursor {
        Some(c) => Some(Cursor::decode(c, 2)?),
        None => None,
    };
    let filter = AuditFilter {
        agent_id,
        area,
        from,
        to,
    };
    let page = db.audit_log(&filter, cursor.as_ref(), limit).await?;
    Ok(Json(AuditPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
