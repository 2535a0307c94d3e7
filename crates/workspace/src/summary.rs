//! Everything the session page shows, in one answer.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use switchboard_chat::conversation;
use switchboard_store::activities::{Scope, TimelineQuery};
use switchboard_store::cases::CaseFilter;

use crate::session::Session;
use crate::{Actor, Workspace, WorkspaceResult};

/// How many of the customer's cases and timeline entries come with it.
const RECENT_CASES: u32 = 5;
const TIMELINE_PAGE: u32 = 20;

impl Workspace {
    /// The work item, the customer (contact and account), the conversation
    /// (survey, journey, visitor, context), the linked case, recent cases,
    /// the first timeline page and the script with its progress.
    pub async fn summary(&self, who: &Actor, item_id: &str) -> WorkspaceResult<Value> {
        let db = &self.db;
        let item = self.reach_item(who, item_id).await?;
        let Session {
            conv,
            contact_id,
            contact,
            case_id: session_case,
        } = self.session(&item).await?;
        let account = match contact.as_ref().and_then(|c| c.account_id.clone()) {
            Some(a) => db.account(&a).await.ok(),
            None => None,
        };
        let conversation = match &conv {
            Some(c) => Some(conversation::agent_view(&self.chat, c).await?),
            None => None,
        };
        let case = match &session_case {
            Some(id) => Some(self.case_json(id).await?),
            None => None,
        };
        let (recent_cases, timeline) = match &contact_id {
            Some(c) => {
                let filter = CaseFilter {
                    contact_id: Some(c.clone()),
                    account_id: None,
                    status: None,
                };
                let cases = db.cases(&filter, None, RECENT_CASES).await?.items;
                let timeline = db
                    .timeline(&TimelineQuery {
                        contact_id: c.clone(),
                        scope: Scope::All,
                        case_id: None,
                        conversation_id: None,
                        cursor: None,
                        limit: TIMELINE_PAGE,
                    })
                    .await?;
                (json!(cases), json!(timeline))
            }
            None => (json!([]), json!({"items": [], "next_cursor": null})),
        };
        let script = match self.script_for(&item).await? {
            Some((sid, name, steps)) => {
                let mut by_script: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for (script, step) in db.work_item_progress(&item.id).await? {
                    by_script.entry(script).or_default().push(step);
                }
                let done = by_script.get(&sid).cloned().unwrap_or_default();
                json!({"script": {"id": sid, "name": name, "steps": steps},
                    "progress": {"script_id": sid, "done": done, "by_script": by_script}})
            }
            None => Value::Null,
        };
        Ok(json!({
            "work_item": item,
            "customer": {"contact": contact, "account": account},
            "conversation": conversation,
            "case": case,
            "recent_cases": recent_cases,
            "timeline": timeline,
            "script": script,
        }))
    }

    /// A case with its product's and owner's names.
    pub(crate) async fn case_json(&self, id: &str) -> WorkspaceResult<Value> {
        let case = self.db.case(id).await?;
        let product = match &case.product_id {
            Some(p) => self.db.product(p).await.ok().map(|p| p.name),
            None => None,
        };
        let owner = match &case.owner_id {
            Some(o) => self.db.agent(o).await.ok().map(|a| a.name),
            None => None,
        };
        let mut v = json!(case);
        v["product_name"] = json!(product);
        v["owner_name"] = json!(owner);
        Ok(v)
    }
}
