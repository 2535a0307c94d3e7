//! Macros: a script step that acts for the agent, with the agent's own
//! rights. The action happens, an activity on the customer's timeline
//! records it, and the step counts as done.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use switchboard_chat::conversation;
use switchboard_core::records::CaseInput;
use switchboard_core::records::{ActivityDraft, ActivityKind, CaseDraft, CaseStatus, Priority};
use switchboard_core::scripts::{render, MacroAction, Step};
use switchboard_core::{time, Invalid};
use switchboard_store::chat::ConversationRow;
use switchboard_store::contacts::Contact;

use crate::session::Session;
use crate::{Actor, StepRef, Workspace, WorkspaceError, WorkspaceResult};

/// The longest title a macro gives a case it creates.
const CASE_TITLE_CHARS: usize = 200;

impl Workspace {
    /// Runs the macro step `r` of work item `item_id`'s script. The answer
    /// names the action, what it made (case, message, URL) and the
    /// script's progress.
    pub async fn run_macro(
        &self,
        who: &Actor,
        item_id: &str,
        r: &StepRef,
    ) -> WorkspaceResult<Value> {
        let item = self.item_to_change(who, item_id).await?;
        let Step::Macro { title, action, .. } = self.find_step(&item, r).await? else {
            return Err(Invalid::one("step_id", "invalid", "not a macro step").into());
        };
        let session = self.session(&item).await?;
        let vars = template_vars(session.conv.as_ref(), session.contact.as_ref(), who);
        let mut out = json!({"action": action_name(&action)});
        let (what, case_id) = self.act(who, &action, &session, &vars, &mut out).await?;
        if session.contact_id.is_some() {
            self.db
                .create_activity(
                    &ActivityDraft {
                        kind: ActivityKind::Note,
                        contact_id: session.contact_id.clone(),
                        case_id,
                        conversation_id: session.conv.as_ref().map(|c| c.id.clone()),
                        subject: Some(format!("Macro: {title}")),
                        body: Some(format!("{} {what}.", who.name)),
                        occurred_at: time::now(),
                    },
                    &who.author(),
                )
                .await?;
        }
        let done = self
            .db
            .step_done(&item.id, &r.script_id, &r.step_id, who.agent_id.as_deref())
            .await?;
        out["progress"] = json!({"script_id": r.script_id, "done": done});
        Ok(out)
    }

    /// Does what `action` says; returns what was done (for the timeline)
    /// and the case it concerns, and adds what it made to `out`.
    async fn act(
        &self,
        who: &Actor,
        action: &MacroAction,
        session: &Session,
        vars: &BTreeMap<String, String>,
        out: &mut Value,
    ) -> WorkspaceResult<(String, Option<String>)> {
        let author = who.author();
        let need_case =
            || WorkspaceError::Conflict("link or create the session's case first".into());
        Ok(match action {
            MacroAction::CreateCase { title, priority } => {
                let draft = CaseDraft::parse(CaseInput {
                    title: Some(
                        render(title, vars, false)
                            .chars()
                            .take(CASE_TITLE_CHARS)
                            .collect(),
                    ),
                    priority: priority.as_deref().and_then(Priority::parse),
                    contact_id: session.contact_id.clone(),
                    owner_id: who.agent_id.clone(),
                    ..Default::default()
                })?;
                let case = self.db.create_case(&draft, &author).await?;
                if let Some(c) = &session.conv {
                    self.db.set_conversation_case(&c.id, Some(&case.id)).await?;
                }
                out["case"] = self.case_json(&case.id).await?;
                (format!("created the case {}", case.title), Some(case.id))
            }
            MacroAction::SendMessage { body } => {
                let conv = session.conv.as_ref().ok_or_else(|| {
                    WorkspaceError::Conflict("this session has no conversation".into())
                })?;
                let agent = who.agent_id.clone().ok_or_else(|| {
                    WorkspaceError::Forbidden("only an agent writes to a visitor".into())
                })?;
                if conv.agent_id.as_deref() != Some(agent.as_str()) {
                    return Err(WorkspaceError::Conflict(
                        "only the agent holding the conversation writes in it".into(),
                    ));
                }
                let name = conv.agent_name.clone().unwrap_or_else(|| who.name.clone());
                let body = render(body, vars, false);
                let m = conversation::send(
                    &self.chat,
                    conv,
                    "agent",
                    Some((&agent, &name)),
                    &body,
                    None,
                )
                .await?;
                out["message"] = json!(m);
                ("sent a message".to_owned(), session.case_id.clone())
            }
            MacroAction::SetCaseField { field, value } => {
                let case_id = session.case_id.clone().ok_or_else(need_case)?;
                let case = self
                    .db
                    .update_case_with(&case_id, &author, |current| {
                        let mut input = current.to_input();
                        match field.as_str() {
                            "priority" => input.priority = Priority::parse(value),
                            _ => input.status = CaseStatus::parse(value),
                        }
                        Ok(CaseDraft::parse(input)?)
                    })
                    .await?;
                out["case"] = self.case_json(&case.id).await?;
                (format!("set the case's {field} to {value}"), Some(case_id))
            }
            MacroAction::LinkContact => {
                let case_id = session.case_id.clone().ok_or_else(need_case)?;
                let contact = session.contact_id.clone().ok_or_else(|| {
                    WorkspaceError::Conflict("the conversation has no contact".into())
                })?;
                let case = self
                    .db
                    .update_case_with(&case_id, &author, |current| {
                        let mut input = current.to_input();
                        input.contact_id = Some(contact.clone());
                        Ok(CaseDraft::parse(input)?)
                    })
                    .await?;
                out["case"] = self.case_json(&case.id).await?;
                (
                    "linked the conversation's contact to the case".to_owned(),
                    Some(case_id),
                )
            }
            MacroAction::OpenUrl { url } => {
                let url = render(url, vars, true);
                out["url"] = json!(url);
                (format!("opened {url}"), session.case_id.clone())
            }
        })
    }
}

/// The values templates may use.
fn template_vars(
    conv: Option<&ConversationRow>,
    customer: Option<&Contact>,
    who: &Actor,
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

fn action_name(a: &MacroAction) -> &'static str {
    match a {
        MacroAction::CreateCase { .. } => "create_case",
        MacroAction::SendMessage { .. } => "send_message",
        MacroAction::SetCaseField { .. } => "set_case_field",
        MacroAction::LinkContact => "link_contact",
        MacroAction::OpenUrl { .. } => "open_url",
    }
}
