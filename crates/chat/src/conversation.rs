//! What happens to a conversation: it starts (a work item for the routing
//! engine), messages are sent both ways, it ends (a transcript on the
//! contact's timeline). Used by the visitor endpoints, the agent API and the
//! coordinator alike, so each rule lives in one place.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};
use switchboard_core::chat::proactive::INVITATION_SECONDS;
use switchboard_core::chat::survey::{check_answers, QuestionKind};
use switchboard_core::records::{ContactDraft, ContactInput};
use switchboard_core::time;
use switchboard_core::validation::Check;
use switchboard_store::chat::{ConversationRow, MessageRow, NewConversation, VisitorRow};
use switchboard_store::new_id;

use super::hub::{Audience, ChatEvent};
use super::settings::Widget;
use super::writer::NewMessage;
use switchboard_routing::engine::NewWorkItem;

use crate::error::{ChatError, ChatResult};
use crate::Chat;

/// Longest message, in characters.
pub const MESSAGE_MAX: usize = 4000;
/// Most context variables, and their sizes.
pub const CONTEXT_MAX: usize = 50;

/// A conversation as its visitor sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VisitorConversation {
    pub id: String,
    /// `waiting`, `active` or `ended`.
    pub status: String,
    pub position: Option<usize>,
    pub estimated_wait_seconds: Option<u64>,
    pub agent_name: Option<String>,
    pub started_at: String,
    pub ended_at: Option<String>,
    /// The visitor rated the chat (the widget asks once).
    pub rated: bool,
}

/// What the visitor asks for when starting a chat.
pub struct StartRequest {
    pub session_id: String,
    pub survey: BTreeMap<String, String>,
    pub context: BTreeMap<String, String>,
    pub invitation_id: Option<String>,
    pub url: Option<String>,
    pub language: String,
}

/// Checks a message body: 1 to 4,000 characters, kept as typed (it is text;
/// every screen shows it as text).
pub fn check_body(body: &str) -> ChatResult<String> {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return Err(switchboard_core::Invalid::one("body", "required", "is required").into());
    }
    // The length as sent, blanks included (as the schema counts it).
    if body.chars().count() > MESSAGE_MAX {
        return Err(switchboard_core::Invalid::one(
            "body",
            "too_long",
            format!("at most {MESSAGE_MAX} characters"),
        )
        .into());
    }
    Ok(trimmed.to_owned())
}

/// A client's id for a message (for resends): up to 64 plain characters.
pub fn check_client_id(id: Option<String>) -> ChatResult<Option<String>> {
    match id {
        Some(c)
            if c.is_empty()
                || c.len() > 64
                || !c
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') =>
        {
            Err(switchboard_core::Invalid::one(
                "client_id",
                "invalid",
                "1 to 64 letters, digits, - or _",
            )
            .into())
        }
        other => Ok(other),
    }
}

fn check_context(context: &BTreeMap<String, String>) -> ChatResult<()> {
    if context.len() > CONTEXT_MAX
        || context
            .iter()
            .any(|(k, v)| k.is_empty() || k.chars().count() > 100 || v.chars().count() > 1000)
    {
        return Err(switchboard_core::Invalid::one(
            "context",
            "too_long",
            "at most 50 variables, names 1 to 100 and values up to 1000 characters",
        )
        .into());
    }
    Ok(())
}

/// The visitor's contact: theirs already, or found by the survey's email,
/// or made from what the survey says.
async fn contact_for(
    s: &Chat,
    widget: &Widget,
    visitor: &VisitorRow,
    answers: &BTreeMap<String, String>,
) -> ChatResult<String> {
    if let Some(c) = &visitor.contact_id {
        return Ok(c.clone());
    }
    let answer_of = |kind: QuestionKind| {
        widget
            .settings
            .survey
            .iter()
            .find(|q| q.kind == kind && answers.contains_key(&q.id))
            .and_then(|q| answers.get(&q.id).cloned())
    };
    let email = answer_of(QuestionKind::Email);
    let phone = answer_of(QuestionKind::Phone);
    // A visitor the host site vouched for already has their contact (see
    // registration). This one is a stranger: what they typed is a claim.
    // An address that belongs to an existing customer never links the
    // stranger to that customer (the agent would read a real customer's
    // history to an impostor); the stranger gets a contact of their own,
    // without the claimed address, and the agent sees the claim marked
    // unverified (`identity` in the agent's view).
    let claims_someone = match &email {
        Some(e) => s.db.contact_id_by_email(e).await?.is_some(),
        None => false,
    };
    let (email, phone) = if claims_someone {
        (None, None)
    } else {
        (email, phone)
    };
    let name = answers.get("name").cloned();
    let (first, last) = match name.as_deref() {
        Some(n) => split_name(n),
        None if email.is_none() && phone.is_none() => (
            Some("Web visitor".to_owned()),
            Some(visitor.id.chars().rev().take(6).collect::<String>()),
        ),
        None => (None, None),
    };
    let draft = ContactDraft::parse(ContactInput {
        first_name: first,
        last_name: last,
        email,
        phone,
        locale: visitor.language.clone(),
        time_zone: visitor.time_zone.clone(),
        ..Default::default()
    })?;
    let contact = s.db.create_contact(&draft).await?;
    s.db.link_visitor(&visitor.id, &contact.id).await?;
    Ok(contact.id)
}

/// Starts a conversation: checks the survey and the invitation, records the
/// conversation, and hands a work item to the routing engine.
pub async fn start(
    s: &Chat,
    widget: &Widget,
    visitor: &VisitorRow,
    req: StartRequest,
) -> ChatResult<ConversationRow> {
    if s.db.open_conversation(&visitor.id).await?.is_some() {
        return Err(ChatError::Conflict(
            "this visitor already has a conversation open; resume it".into(),
        ));
    }
    let answers =
        check_answers(&widget.settings.survey, &req.survey).map_err(ChatError::Invalid)?;
    check_context(&req.context)?;
    let mut c = Check::new();
    let url = c.optional_text("url", req.url, 2000);
    c.finish(|| ())?;
    // A proactive start: the invitation must be this visitor's, undecided,
    // and still on screen (it closes itself after one minute).
    let rule = match &req.invitation_id {
        Some(id) => {
            let inv =
                s.db.invitation(id)
                    .await
                    .map_err(|_| ChatError::NotFound("invitation"))?;
            if inv.visitor_id != visitor.id {
                return Err(ChatError::NotFound("invitation"));
            }
            if inv.outcome.is_some() {
                return Err(ChatError::Conflict(format!(
                    "this invitation was already {}",
                    inv.outcome.unwrap_or_default()
                )));
            }
            // A little grace for the network, never a second minute.
            if time::seconds_since(&inv.shown_at) > i64::from(INVITATION_SECONDS) + 2 {
                return Err(ChatError::Conflict("this invitation has expired".into()));
            }
            let rule = widget.rules.iter().find(|r| r.id == inv.rule_id).cloned();
            Some((inv, rule))
        }
        None => None,
    };
    let contact_id = contact_for(s, widget, visitor, &answers).await?;
    let id = new_id();
    // The work item's id is chosen here and recorded on the conversation
    // before the item exists: the conversation is found by its own work
    // item from the item's first event on, never by an attribute.
    let item_id = new_id();
    let now = time::now();
    let mut context = req.context.clone();
    if let Some((inv, _)) = &rule {
        context.insert("proactive.page".into(), inv.url.clone());
        context.insert(
            "proactive.seconds_on_page".into(),
            inv.seconds_on_page.to_string(),
        );
    }
    s.db.create_conversation(&NewConversation {
        id: id.clone(),
        widget_id: widget.id.clone(),
        visitor_id: visitor.id.clone(),
        contact_id: Some(contact_id.clone()),
        work_item_id: item_id.clone(),
        // Set once the engine made the item (none: the start never finished).
        queue_id: None,
        skills: "[]".into(),
        survey: serde_json::to_string(&answers).expect("strings serialize"),
        context: serde_json::to_string(&context).expect("strings serialize"),
        url: url.clone(),
        invitation_id: rule.as_ref().map(|(i, _)| i.id.clone()),
        proactive_rule_id: rule.as_ref().map(|(i, _)| i.rule_id.clone()),
        started_at: now.clone(),
    })
    .await?;
    s.hub.open(&id, None);

    // What the routing rules see.
    let mut attributes = widget.settings.routing.attributes.clone();
    attributes.insert("conversation_id".into(), id.clone());
    attributes.insert("widget_id".into(), widget.id.clone());
    attributes.insert("language".into(), req.language.clone());
    if let Some(u) = &url {
        attributes.insert("page".into(), u.chars().take(1000).collect());
    }
    for (k, v) in &answers {
        attributes.insert(format!("survey.{k}"), v.clone());
    }
    for (k, v) in &context {
        attributes.insert(format!("context.{k}"), v.clone());
    }
    let proactive_rule = rule.as_ref().and_then(|(_, r)| r.clone());
    if let Some(r) = &proactive_rule {
        attributes.insert("proactive_rule".into(), r.spec.name.clone());
    }
    let queue_id = proactive_rule
        .as_ref()
        .and_then(|r| r.spec.queue_id.clone())
        .or_else(|| widget.settings.routing.queue_id.clone());
    let created = s
        .routing
        .create_as(
            item_id,
            NewWorkItem {
                channel: "chat".into(),
                kind: if rule.is_some() {
                    "proactive"
                } else {
                    "normal"
                }
                .into(),
                contact_id: Some(contact_id),
                attributes,
                queue_id,
                skills: None,
                skill_match: None,
                priority: None,
            },
        )
        .await;
    let item = match created {
        Ok(item) => item,
        Err(e) => {
            // Nothing half-started: the conversation is undone.
            s.hub.close(&id);
            let _ = s.db.discard_conversation(&id).await;
            return Err(e.into());
        }
    };
    let skills = item
        .reason
        .as_ref()
        .and_then(|r| r.get("skills"))
        .cloned()
        .unwrap_or_else(|| json!([]));
    if !s
        .db
        .set_conversation_work_item(&id, &item.id, &item.queue_id, &skills.to_string())
        .await?
    {
        // Ended while the engine was making its item (another tab, a
        // supervisor): the item must not wait for an agent.
        let _ = s.routing.abandon(&item.id).await;
        return Err(ChatError::Conflict(
            "the conversation ended as it started".into(),
        ));
    }
    s.coordinator.waiting(&item.id, &id);
    // An accepted invitation opens with the words that invited the visitor.
    if let Some((_, Some(r))) = &rule {
        let message = r.message(&req.language, widget.language()).to_owned();
        write_system(s, &id, &message).await?;
    }
    // The engine may already have ended the item (overflow: end conversation).
    if matches!(item.status.as_str(), "closed" | "abandoned") {
        end(s, &id, "system").await?;
    }
    Ok(s.db.conversation(&id).await?)
}

/// Writes a message from Switchboard itself.
pub async fn write_system(s: &Chat, conversation_id: &str, body: &str) -> ChatResult<MessageRow> {
    s.writer
        .write(NewMessage {
            conversation_id: conversation_id.to_owned(),
            sender: "system",
            agent_id: None,
            name: None,
            body: body.to_owned(),
            client_id: None,
        })
        .await
        .map_err(write_error)
}

/// A message from the visitor or the agent; the conversation must be open
/// (an agent's, active and theirs).
pub async fn send(
    s: &Chat,
    conv: &ConversationRow,
    sender: &'static str,
    agent: Option<(&str, &str)>,
    body: &str,
    client_id: Option<String>,
) -> ChatResult<MessageRow> {
    let body = check_body(body)?;
    let client_id = check_client_id(client_id)?;
    if conv.status == "ended" {
        return Err(ChatError::Conflict("this conversation has ended".into()));
    }
    if sender == "agent" && conv.status != "active" {
        return Err(ChatError::Conflict(
            "accept the conversation before writing in it".into(),
        ));
    }
    s.writer
        .write(NewMessage {
            conversation_id: conv.id.clone(),
            sender,
            agent_id: agent.map(|(id, _)| id.to_owned()),
            name: agent.map(|(_, n)| n.to_owned()),
            body,
            client_id,
        })
        .await
        .map_err(write_error)
}

fn write_error(e: std::sync::Arc<super::writer::WriteError>) -> ChatError {
    match e.as_ref() {
        super::writer::WriteError::Ended => {
            ChatError::Conflict("this conversation has ended".into())
        }
        other => ChatError::Internal(other.to_string()),
    }
}

/// Ends a conversation (harmless when it has ended): transcript on the
/// contact's timeline, work item closed or abandoned, everyone told.
pub async fn end(s: &Chat, conversation_id: &str, by: &str) -> ChatResult<bool> {
    let conv = s.db.conversation(conversation_id).await?;
    if conv.status == "ended" {
        return Ok(false);
    }
    let changed =
        s.db.end_conversation(conversation_id, by, &time::now())
            .await?;
    if !changed {
        return Ok(false);
    }
    if !conv.work_item_id.starts_with("pending:") {
        // The engine may have ended the item already (that is often why we are here).
        // Decided from the engine's state, not the row's: an agent may have
        // accepted a moment ago, before the coordinator recorded it. An item
        // already in wrap-up (or closed) is left alone: its wrap-up is the
        // agent's.
        let item = &conv.work_item_id;
        let status = s
            .routing
            .view(item)
            .await
            .map(|v| v.status)
            .unwrap_or_default();
        let assigned = match status.as_str() {
            "queued" | "offered" => {
                s.routing.abandon(item).await.is_err()
                    && s.routing
                        .view(item)
                        .await
                        .is_ok_and(|v| v.status == "assigned")
            }
            "assigned" => true,
            _ => false,
        };
        if assigned {
            let _ = s.routing.close(item, None).await;
        }
    }
    s.coordinator.done(&conv.work_item_id);
    s.hub.publish(
        conversation_id,
        ChatEvent::Ended { by: by.to_owned() },
        Audience::Both,
    );
    s.hub.close(conversation_id);
    Ok(true)
}

/// The visitor's view, with live queue figures while waiting.
pub async fn visitor_view(s: &Chat, conv: &ConversationRow) -> VisitorConversation {
    let (position, estimated_wait_seconds) = if conv.status == "waiting" {
        match s.routing.view(&conv.work_item_id).await {
            Ok(v) => (v.position, v.estimated_wait_seconds),
            Err(_) => (None, None),
        }
    } else {
        (None, None)
    };
    VisitorConversation {
        id: conv.id.clone(),
        status: conv.status.clone(),
        position,
        estimated_wait_seconds,
        agent_name: conv.agent_name.clone(),
        started_at: conv.started_at.clone(),
        ended_at: conv.ended_at.clone(),
        rated: conv.csat_score.is_some(),
    }
}

/// A conversation as agents see it: the record plus the survey with its
/// questions, the visitor's details and journey, and the proactive rule.
pub async fn agent_view(s: &Chat, conv: &ConversationRow) -> ChatResult<Value> {
    let widget = s.widget(&conv.widget_id).await.ok();
    let answers: BTreeMap<String, String> = serde_json::from_str(&conv.survey).unwrap_or_default();
    let survey: Vec<Value> = answers
        .iter()
        .map(|(id, answer)| {
            let label = widget
                .as_ref()
                .and_then(|w| {
                    w.settings.survey.iter().find(|q| &q.id == id).map(|q| {
                        q.label
                            .get(w.language())
                            .or_else(|| q.label.values().next())
                            .cloned()
                            .unwrap_or_default()
                    })
                })
                .unwrap_or_else(|| id.clone());
            json!({"id": id, "label": label, "answer": answer})
        })
        .collect();
    let visitor = s.db.visitor(&conv.visitor_id).await.ok();
    let journey = s.db.journey(&conv.visitor_id, 50).await.unwrap_or_default();
    let journey = journey_json(journey);
    let rule = conv.proactive_rule_id.as_ref().map(|id| {
        let r = widget
            .as_ref()
            .and_then(|w| w.rules.iter().find(|r| &r.id == id).map(|r| (w, r)));
        json!({"id": id,
            "name": r.map(|(_, r)| r.spec.name.clone()),
            "message": r.map(|(w, r)| r.message(w.language(), w.language()).to_owned())})
    });
    Ok(json!({
        "id": conv.id,
        "channel": conv.channel,
        "status": conv.status,
        "widget_id": conv.widget_id,
        "work_item_id": conv.work_item_id,
        "contact_id": conv.contact_id,
        "queue_id": conv.queue_id,
        "skills": serde_json::from_str::<Value>(&conv.skills).unwrap_or_else(|_| json!([])),
        "agent_id": conv.agent_id,
        "agent_name": conv.agent_name,
        "survey": survey,
        "context": serde_json::from_str::<Value>(&conv.context).unwrap_or_else(|_| json!({})),
        "url": conv.url,
        "proactive": conv.proactive_rule_id.is_some(),
        "proactive_rule": rule,
        "wait_seconds": conv.wait_seconds,
        "started_at": conv.started_at,
        "answered_at": conv.answered_at,
        "ended_at": conv.ended_at,
        "ended_by": conv.ended_by,
        "case_id": conv.case_id,
        "csat": conv.csat_score.map(|score| json!({
            "score": score, "comment": conv.csat_comment, "at": conv.csat_at,
        })),
        "identity": identity(widget.as_deref(), &answers, visitor.as_ref()),
        "visitor": visitor.map(visitor_json),
        "journey": journey,
    }))
}

/// Who the visitor is, as far as anyone can prove: `verified` when the host
/// site signed a token for them; otherwise the survey's email and phone are
/// only what a stranger claims (the workspace says "Not verified: claims to
/// be …").
fn identity(
    widget: Option<&Widget>,
    answers: &BTreeMap<String, String>,
    visitor: Option<&VisitorRow>,
) -> Value {
    let answer_of = |kind: QuestionKind| {
        widget.and_then(|w| {
            w.settings
                .survey
                .iter()
                .find(|q| q.kind == kind)
                .and_then(|q| answers.get(&q.id).cloned())
        })
    };
    json!({
        "verified": visitor.is_some_and(|v| v.authenticated != 0),
        "claimed_email": answer_of(QuestionKind::Email),
        "claimed_phone": answer_of(QuestionKind::Phone),
    })
}

/// "Zoé Anne Durand" → ("Zoé Anne", "Durand"): a contact's first and last
/// name from one typed name.
pub fn split_name(name: &str) -> (Option<String>, Option<String>) {
    match name.trim().rsplit_once(' ') {
        Some((f, l)) => (Some(f.to_owned()), Some(l.to_owned())),
        None => (Some(name.trim().to_owned()), None),
    }
}

/// Journey rows as agents read them (newest first, detail parsed).
pub fn journey_json(rows: Vec<switchboard_store::chat::JourneyRow>) -> Vec<Value> {
    rows.into_iter()
        .map(|j| {
            json!({"kind": j.kind, "url": j.url, "title": j.title, "at": j.at,
                "detail": j.detail.and_then(|d| serde_json::from_str::<Value>(&d).ok())})
        })
        .collect()
}

pub fn visitor_json(v: VisitorRow) -> Value {
    json!({
        "id": v.id,
        "contact_id": v.contact_id,
        "authenticated": v.authenticated != 0,
        "browser": v.browser,
        "browser_version": v.browser_version,
        "os": v.os,
        "device": v.device,
        "language": v.language,
        "time_zone": v.time_zone,
        "country": v.country,
        "city": v.city,
        "referrer": v.referrer,
        "sessions": v.sessions,
        "returning": v.sessions > 1,
        "first_seen_at": v.first_seen_at,
        "last_seen_at": v.last_seen_at,
    })
}
