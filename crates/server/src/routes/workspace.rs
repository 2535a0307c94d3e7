//! What the agent workspace calls for a session: the one-call summary, the
//! agent script's progress and macros, and the links a session makes
//! (contract in `docs/workspace.md`). An agent reaches the work items
//! offered or assigned to them; supervisors and admins any.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_core::access::Permission;
use switchboard_core::records::{
    ActivityDraft, ActivityKind, CaseDraft, CaseInput, CaseStatus, Priority,
};
use switchboard_core::scripts::{render, MacroAction, Step};
use switchboard_core::time;
use switchboard_store::activities::{Scope, TimelineQuery};
use switchboard_store::cases::CaseFilter;
use switchboard_store::chat::ConversationRow;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Principal;
use crate::chat::conversation;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::routing::engine::WorkItemView;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(summary))
        .routes(routes!(step_done))
        .routes(routes!(run_macro))
        .routes(routes!(link_case))
        .routes(routes!(link_contact))
}

/// The work item if `who` may work it: offered or assigned to them, its
/// conversation held by them, or a supervisor. Others get 404, revealing
/// nothing (not even that the id exists).
pub async fn reach_item(s: &AppState, who: &Principal, id: &str) -> ApiResult<WorkItemView> {
    let item = s.engine.view(id).await?;
    if who.may(Permission::SuperviseRecords) {
        return Ok(item);
    }
    let Some(me) = who.agent_id.as_deref() else {
        return Err(ApiError::NotFound("work item"));
    };
    if item.agent_id.as_deref() == Some(me) {
        return Ok(item);
    }
    let holds =
        s.db.conversation_by_work_item(&item.id)
            .await?
            .is_some_and(|c| c.agent_id.as_deref() == Some(me));
    if holds {
        Ok(item)
    } else {
        Err(ApiError::NotFound("work item"))
    }
}

/// What a session is about: its conversation, its customer, and the case
/// linked to it.
struct Session {
    conv: Option<ConversationRow>,
    contact_id: Option<String>,
    contact: Option<switchboard_store::contacts::Contact>,
    /// The linked case, while it is still this customer's (a case moved to
    /// another customer since is not this session's).
    case_id: Option<String>,
}

async fn session(s: &AppState, item: &WorkItemView) -> ApiResult<Session> {
    let conv = s.db.conversation_by_work_item(&item.id).await?;
    // A call's contact is its record's: the agent may have linked an
    // unknown caller (or another contact) since the call arrived.
    let call_contact = match (&conv, item.channel.as_str()) {
        (None, "voice" | "callback") => s.db.call(&item.id).await.ok().and_then(|c| c.contact_id),
        _ => None,
    };
    let contact_id = conv
        .as_ref()
        .and_then(|c| c.contact_id.clone())
        .or(call_contact)
        .or_else(|| item.contact_id.clone());
    let contact = match &contact_id {
        Some(c) => Some(s.db.contact(c).await?),
        None => None,
    };
    let case_id = match conv.as_ref().and_then(|c| c.case_id.clone()) {
        Some(id) => match s.db.case(&id).await {
            Ok(c) if c.contact_id == contact_id => Some(id),
            _ => None,
        },
        None => None,
    };
    Ok(Session {
        conv,
        contact_id,
        contact,
        case_id,
    })
}

/// Like [`reach_item`], for changes: the item must be with its agent now
/// (assigned or in wrap-up), not merely offered or already closed.
async fn work_item_to_change(s: &AppState, who: &Principal, id: &str) -> ApiResult<WorkItemView> {
    let item = reach_item(s, who, id).await?;
    if !matches!(item.status.as_str(), "assigned" | "wrap_up") {
        return Err(ApiError::Conflict(format!(
            "this work item is {}; accept it first (or it has ended)",
            item.status
        )));
    }
    Ok(item)
}

/// The script chosen for a work item: the first rule for its queue, or
/// for its channel, or for everything.
async fn script_for(
    s: &AppState,
    item: &WorkItemView,
) -> ApiResult<Option<(String, String, Vec<Step>)>> {
    for rule in s.db.script_rules().await? {
        let fits = match (&rule.queue_id, &rule.channel) {
            (Some(q), _) => *q == item.queue_id,
            (None, Some(c)) => *c == item.channel,
            (None, None) => true,
        };
        if fits {
            let script = s.db.script(&rule.script_id).await?;
            let steps: Vec<Step> =
                serde_json::from_str(&script.steps).map_err(|e| ApiError::Internal(e.into()))?;
            return Ok(Some((script.id, script.name, steps)));
        }
    }
    Ok(None)
}

/// Everything the session page shows, in one answer: work item, customer
/// (contact and account), conversation (survey, journey, visitor, context),
/// the linked case, recent cases, the first timeline page and the script
/// with its progress.
#[utoipa::path(get, path = "/api/v1/work-items/{id}/summary", tag = "workspace", params(("id" = String, Path)),
    responses((status = 200, body = Object)))]
async fn summary(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let item = reach_item(&s, &who, &id).await?;
    let Session {
        conv,
        contact_id,
        contact,
        case_id: session_case,
    } = session(&s, &item).await?;
    let account = match contact.as_ref().and_then(|c| c.account_id.clone()) {
        Some(a) => s.db.account(&a).await.ok(),
        None => None,
    };
    let conversation = match &conv {
        Some(c) => Some(conversation::agent_view(&s.chat, c).await?),
        None => None,
    };
    let case = match &session_case {
        Some(id) => Some(case_json(&s, id).await?),
        None => None,
    };
    let (recent_cases, timeline) = match &contact_id {
        Some(c) => {
            let cases =
                s.db.cases(
                    &CaseFilter {
                        contact_id: Some(c.clone()),
                        account_id: None,
                        status: None,
                    },
                    None,
                    5,
                )
                .await?
                .items;
            let timeline =
                s.db.timeline(&TimelineQuery {
                    contact_id: c.clone(),
                    scope: Scope::All,
                    case_id: None,
                    conversation_id: None,
                    cursor: None,
                    limit: 20,
                })
                .await?;
            (json!(cases), json!(timeline))
        }
        None => (json!([]), json!({"items": [], "next_cursor": null})),
    };
    let script = match script_for(&s, &item).await? {
        Some((sid, name, steps)) => {
            let mut by_script: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (script, step) in s.db.work_item_progress(&item.id).await? {
                by_script.entry(script).or_default().push(step);
            }
            let done = by_script.get(&sid).cloned().unwrap_or_default();
            json!({"script": {"id": sid, "name": name, "steps": steps},
                "progress": {"script_id": sid, "done": done, "by_script": by_script}})
        }
        None => Value::Null,
    };
    Ok(Json(json!({
        "work_item": item,
        "customer": {"contact": contact, "account": account},
        "conversation": conversation,
        "case": case,
        "recent_cases": recent_cases,
        "timeline": timeline,
        "script": script,
    })))
}

/// A case with its product's and owner's names.
async fn case_json(s: &AppState, id: &str) -> ApiResult<Value> {
    let case = s.db.case(id).await?;
    let product = match &case.product_id {
        Some(p) => s.db.product(p).await.ok().map(|p| p.name),
        None => None,
    };
    let owner = match &case.owner_id {
        Some(o) => s.db.agent(o).await.ok().map(|a| a.name),
        None => None,
    };
    let mut v = json!(case);
    v["product_name"] = json!(product);
    v["owner_name"] = json!(owner);
    Ok(v)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRef {
    script_id: String,
    step_id: String,
}

/// A step of the session's script (or of a sub-script it loads).
async fn find_step(s: &AppState, item: &WorkItemView, r: &StepRef) -> ApiResult<Step> {
    // The script must be the session's or one reachable from it.
    let Some((root, _, root_steps)) = script_for(s, item).await? else {
        return Err(ApiError::Conflict(
            "no agent script applies to this work item".into(),
        ));
    };
    let mut reachable = vec![root.clone()];
    let mut frontier = vec![(root, root_steps)];
    let mut found = None;
    while let Some((script, steps)) = frontier.pop() {
        for step in steps {
            if script == r.script_id && step.id() == r.step_id {
                found = Some(step.clone());
            }
            if let Step::Subscript { script_id, .. } = &step {
                if !reachable.contains(script_id) && reachable.len() < 50 {
                    reachable.push(script_id.clone());
                    if let Ok(sub) = s.db.script(script_id).await {
                        if let Ok(sub_steps) = serde_json::from_str::<Vec<Step>>(&sub.steps) {
                            frontier.push((script_id.clone(), sub_steps));
                        }
                    }
                }
            }
        }
    }
    if !reachable.contains(&r.script_id) {
        return Err(switchboard_core::Invalid::one(
            "script_id",
            "unknown",
            "not this session's script",
        )
        .into());
    }
    found.ok_or_else(|| {
        switchboard_core::Invalid::one("step_id", "unknown", "no such step in this script").into()
    })
}

/// Mark an instruction step done; the answer is the script's progress.
#[utoipa::path(post, path = "/api/v1/work-items/{id}/script-steps", tag = "workspace", params(("id" = String, Path)),
    request_body = StepRef, responses((status = 200, body = Object)))]
async fn step_done(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<StepRef>,
) -> ApiResult<Json<Value>> {
    let item = work_item_to_change(&s, &who, &id).await?;
    let step = find_step(&s, &item, &r).await?;
    if matches!(step, Step::Macro { .. }) {
        return Err(ApiError::Conflict(
            "a macro step is done by running it".into(),
        ));
    }
    let done =
        s.db.step_done(&item.id, &r.script_id, &r.step_id, who.agent_id.as_deref())
            .await?;
    Ok(Json(json!({"script_id": r.script_id, "done": done})))
}

/// The values templates may use.
fn template_vars(
    conv: Option<&ConversationRow>,
    customer: Option<&switchboard_store::contacts::Contact>,
    who: &Principal,
) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    if let Some(c) = conv {
        let survey: BTreeMap<String, String> = serde_json::from_str(&c.survey).unwrap_or_default();
        for (k, v) in survey {
            vars.insert(format!("survey.{k}"), v);
        }
        let context: BTreeMap<String, String> =
            serde_json::from_str(&c.context).unwrap_or_default();
        for (k, v) in context {
            vars.insert(format!("context.{k}"), v);
        }
        if let Some(u) = &c.url {
            vars.insert("conversation.url".into(), u.clone());
        }
    }
    if let Some(c) = customer {
        let name = [c.first_name.as_deref(), c.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        vars.insert("customer.name".into(), name);
        if let Some(e) = &c.email {
            vars.insert("customer.email".into(), e.clone());
        }
    }
    vars.insert("agent.name".into(), who.name.clone());
    vars
}

/// Run a macro step with your own rights: the action happens, an activity
/// records it, and the step counts as done.
#[utoipa::path(post, path = "/api/v1/work-items/{id}/macros", tag = "workspace", params(("id" = String, Path)),
    request_body = StepRef, responses((status = 200, body = Object)))]
async fn run_macro(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<StepRef>,
) -> ApiResult<Json<Value>> {
    let item = work_item_to_change(&s, &who, &id).await?;
    let Step::Macro { title, action, .. } = find_step(&s, &item, &r).await? else {
        return Err(
            switchboard_core::Invalid::one("step_id", "invalid", "not a macro step").into(),
        );
    };
    let Session {
        conv,
        contact_id,
        contact,
        case_id: session_case,
    } = session(&s, &item).await?;
    let vars = template_vars(conv.as_ref(), contact.as_ref(), &who);
    let author = who.author();
    let need_case = || ApiError::Conflict("link or create the session's case first".into());
    let mut out = json!({"action": action_name(&action)});
    let (what, case_id) = match &action {
        MacroAction::CreateCase { title: t, priority } => {
            let draft = CaseDraft::parse(CaseInput {
                title: Some(render(t, &vars, false).chars().take(200).collect()),
                priority: priority.as_deref().and_then(Priority::parse),
                contact_id: contact_id.clone(),
                owner_id: who.agent_id.clone(),
                ..Default::default()
            })?;
            let case = s.db.create_case(&draft, &author).await?;
            if let Some(c) = &conv {
                s.db.set_conversation_case(&c.id, Some(&case.id)).await?;
            }
            out["case"] = case_json(&s, &case.id).await?;
            (format!("created the case {}", case.title), Some(case.id))
        }
        MacroAction::SendMessage { body } => {
            let conv = conv
                .as_ref()
                .ok_or_else(|| ApiError::Conflict("this session has no conversation".into()))?;
            let agent = who
                .agent_id
                .clone()
                .ok_or_else(|| ApiError::Forbidden("only an agent writes to a visitor".into()))?;
            if conv.agent_id.as_deref() != Some(agent.as_str()) {
                return Err(ApiError::Conflict(
                    "only the agent holding the conversation writes in it".into(),
                ));
            }
            let name = conv.agent_name.clone().unwrap_or_else(|| who.name.clone());
            let m = conversation::send(
                &s.chat,
                conv,
                "agent",
                Some((&agent, &name)),
                &render(body, &vars, false),
                None,
            )
            .await?;
            out["message"] = json!(m);
            ("sent a message".to_owned(), session_case.clone())
        }
        MacroAction::SetCaseField { field, value } => {
            let case_id = session_case.clone().ok_or_else(need_case)?;
            let case =
                s.db.update_case_with(&case_id, &author, |current| {
                    let mut input = current.to_input();
                    match field.as_str() {
                        "priority" => input.priority = Priority::parse(value),
                        _ => input.status = CaseStatus::parse(value),
                    }
                    Ok(CaseDraft::parse(input)?)
                })
                .await?;
            out["case"] = case_json(&s, &case.id).await?;
            (format!("set the case's {field} to {value}"), Some(case_id))
        }
        MacroAction::LinkContact => {
            let case_id = session_case.clone().ok_or_else(need_case)?;
            let contact = contact_id
                .clone()
                .ok_or_else(|| ApiError::Conflict("the conversation has no contact".into()))?;
            let case =
                s.db.update_case_with(&case_id, &author, |current| {
                    let mut input = current.to_input();
                    input.contact_id = Some(contact.clone());
                    Ok(CaseDraft::parse(input)?)
                })
                .await?;
            out["case"] = case_json(&s, &case.id).await?;
            (
                "linked the conversation's contact to the case".to_owned(),
                Some(case_id),
            )
        }
        MacroAction::OpenUrl { url } => {
            let url = render(url, &vars, true);
            out["url"] = json!(url);
            (format!("opened {url}"), session_case.clone())
        }
    };
    if contact_id.is_some() {
        s.db.create_activity(
            &ActivityDraft {
                kind: ActivityKind::Note,
                contact_id: contact_id.clone(),
                case_id,
                conversation_id: conv.as_ref().map(|c| c.id.clone()),
                subject: Some(format!("Macro: {title}")),
                body: Some(format!("{} {what}.", who.name)),
                occurred_at: time::now(),
            },
            &author,
        )
        .await?;
    }
    let done =
        s.db.step_done(&item.id, &r.script_id, &r.step_id, who.agent_id.as_deref())
            .await?;
    out["progress"] = json!({"script_id": r.script_id, "done": done});
    Ok(Json(out))
}

fn action_name(a: &MacroAction) -> &'static str {
    match a {
        MacroAction::CreateCase { .. } => "create_case",
        MacroAction::SendMessage { .. } => "send_message",
        MacroAction::SetCaseField { .. } => "set_case_field",
        MacroAction::LinkContact => "link_contact",
        MacroAction::OpenUrl { .. } => "open_url",
    }
}

/// The conversation if `who` holds it (or supervises).
async fn held(s: &AppState, who: &Principal, id: &str) -> ApiResult<ConversationRow> {
    let conv = crate::routes::conversations::reach(s, who, id).await?;
    if conv.status == "ended" {
        return Err(ApiError::Conflict("this conversation has ended".into()));
    }
    let holds = conv.status == "active" && who.agent_id.is_some() && who.agent_id == conv.agent_id;
    if holds || who.may(Permission::SuperviseRecords) {
        Ok(conv)
    } else {
        Err(ApiError::Conflict("accept the conversation first".into()))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseLink {
    /// `null` unlinks.
    case_id: Option<String>,
}

/// Link the case the conversation is about (one of its customer's cases).
#[utoipa::path(put, path = "/api/v1/conversations/{id}/case", tag = "workspace", params(("id" = String, Path)),
    request_body = CaseLink, responses((status = 200, body = Object)))]
async fn link_case(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CaseLink>,
) -> ApiResult<Json<Value>> {
    let conv = held(&s, &who, &id).await?;
    s.db.set_conversation_case(&conv.id, b.case_id.as_deref())
        .await?;
    Ok(Json(json!({"id": conv.id, "case_id": b.case_id})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactLink {
    contact_id: String,
}

/// Link the conversation (and its visitor) to another contact.
#[utoipa::path(put, path = "/api/v1/conversations/{id}/contact", tag = "workspace", params(("id" = String, Path)),
    request_body = ContactLink, responses((status = 200, body = Object)))]
async fn link_contact(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ContactLink>,
) -> ApiResult<Json<Value>> {
    let conv = held(&s, &who, &id).await?;
    s.db.set_conversation_contact(&conv.id, &b.contact_id)
        .await?;
    Ok(Json(json!({"id": conv.id, "contact_id": b.contact_id})))
}
