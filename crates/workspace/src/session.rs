//! Which work items an actor may reach, and what a session is about.

use switchboard_routing::engine::WorkItemView;
use switchboard_store::chat::ConversationRow;
use switchboard_store::contacts::Contact;

use crate::{Actor, Workspace, WorkspaceError, WorkspaceResult};

/// What a session is about: its conversation, its customer, and the case
/// linked to it.
pub(crate) struct Session {
    pub conv: Option<ConversationRow>,
    pub contact_id: Option<String>,
    pub contact: Option<Contact>,
    /// The linked case, while it is still this customer's (a case moved to
    /// another customer since is not this session's).
    pub case_id: Option<String>,
}

impl Workspace {
    /// The work item if `who` may work it: in a queue they watch (admins:
    /// any; supervisors: theirs), or offered or assigned to them, or its
    /// conversation held by them. Others get "not found", revealing
    /// nothing (not even that the id exists).
    pub async fn reach_item(&self, who: &Actor, id: &str) -> WorkspaceResult<WorkItemView> {
        let item = self.routing.view(id).await?;
        if who.watch.queue(&item.queue_id) {
            return Ok(item);
        }
        let Some(me) = who.agent_id.as_deref() else {
            return Err(WorkspaceError::NotFound("work item"));
        };
        if item.agent_id.as_deref() == Some(me) {
            return Ok(item);
        }
        let holds = self
            .db
            .conversation_by_work_item(&item.id)
            .await?
            .is_some_and(|c| c.agent_id.as_deref() == Some(me));
        if holds {
            Ok(item)
        } else {
            Err(WorkspaceError::NotFound("work item"))
        }
    }

    /// Like [`Workspace::reach_item`], for changes: the item must be with
    /// its agent now (assigned or in wrap-up), not merely offered or
    /// already closed.
    pub(crate) async fn item_to_change(
        &self,
        who: &Actor,
        id: &str,
    ) -> WorkspaceResult<WorkItemView> {
        let item = self.reach_item(who, id).await?;
        if !matches!(item.status.as_str(), "assigned" | "wrap_up") {
            return Err(WorkspaceError::Conflict(format!(
                "this work item is {}; accept it first (or it has ended)",
                item.status
            )));
        }
        Ok(item)
    }

    pub(crate) async fn session(&self, item: &WorkItemView) -> WorkspaceResult<Session> {
        let db = &self.db;
        let conv = db.conversation_by_work_item(&item.id).await?;
        // A call's contact is its record's: the agent may have linked an
        // unknown caller (or another contact) since the call arrived.
        let call_contact = match (&conv, item.channel.as_str()) {
            (None, "voice" | "callback") => db.call(&item.id).await.ok().and_then(|c| c.contact_id),
            _ => None,
        };
        let contact_id = conv
            .as_ref()
            .and_then(|c| c.contact_id.clone())
            .or(call_contact)
            .or_else(|| item.contact_id.clone());
        let contact = match &contact_id {
            Some(c) => Some(db.contact(c).await?),
            None => None,
        };
        let case_id = match conv.as_ref().and_then(|c| c.case_id.clone()) {
            Some(id) => match db.case(&id).await {
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
}
