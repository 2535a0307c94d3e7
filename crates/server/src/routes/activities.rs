//! `/api/v1/activities`: timeline entries, quick notes among them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use switchboard_core::access::Permission;
use switchboard_core::records::{ActivityDraft, ActivityInput, ActivityKind, ActivityPatch};
use switchboard_core::validation::{limits, Check};
use switchboard_store::activities::Activity;
use switchboard_store::Db;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(get, update, delete))
}

/// Add a timeline entry a person writes (`note`, `email` or `sms`; other
/// kinds are Switchboard's own records, refused with 422 on `kind`); a
/// quick note is `{"kind": "note", "contact_id": …, "body": …}`. The author
/// is the caller.
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = ActivityInput,
    responses((status = 201, body = Activity)))]
async fn create(
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    ApiJson(input): ApiJson<ActivityInput>,
) -> ApiResult<impl IntoResponse> {
    let draft = ActivityDraft::parse(input, &switchboard_core::time::now())?;
    let activity = db.create_activity(&draft, &who.author()).await?;
    Ok(created(
        format!("/api/v1/activities/{}", activity.id),
        activity,
    ))
}

/// Read one timeline entry.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = String, Path)),
    responses((status = 200, body = Activity)))]
async fn get(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<Json<Activity>> {
    Ok(Json(db.activity(&id).await?))
}

/// Only the author changes their entry, or a supervisor/admin; what
/// Switchboard wrote itself (transcripts, calls, callbacks, meetings, case
/// events) is history and never changes, for anyone.
fn may_change(who: &Principal, a: &Activity) -> ApiResult<()> {
    if !a.kind.0.authored() {
        return Err(ApiError::Forbidden(format!(
            "{} activities are written by Switchboard and cannot be changed or deleted",
            a.kind.0.as_str()
        )));
    }
    let own = who.agent_id.is_some() && who.agent_id == a.author_id;
    if own || who.may(Permission::SuperviseRecords) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the author, a supervisor or an admin may change this entry".into(),
        ))
    }
}

/// Change the subject or body of an entry (merge patch semantics); 403 for
/// system-written entries.
#[utoipa::path(patch, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = String, Path)),
    request_body = ActivityPatch, responses((status = 200, body = Activity)))]
async fn update(
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Json<Activity>> {
    let current = db.activity(&id).await?;
    may_change(&who, &current)?;
    let base = ActivityPatch {
        subject: current.subject.clone(),
        body: current.body.clone(),
    };
    let merged: ActivityPatch = super::merge(&base, &patch)?;
    let mut c = Check::new();
    let subject = c.optional_text("subject", merged.subject, limits::SHORT_TEXT);
    let body = c.optional_multiline("body", merged.body, limits::BODY);
    if current.kind.0 == ActivityKind::Note && subject.is_none() && body.is_none() && c.is_ok() {
        c.fail("body", "required", "a note needs a body");
    }
    c.finish(|| ())?;
    Ok(Json(db.update_activity_text(&id, subject, body).await?))
}

/// Delete an entry (the author's, or any as supervisor/admin); 403 for
/// system-written entries.
#[utoipa::path(delete, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = String, Path)),
    responses((status = 204)))]
async fn delete(
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let current = db.activity(&id).await?;
    may_change(&who, &current)?;
    db.delete_activity(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
