//! The agent workspace's use cases: what a session shows in one answer,
//! the agent script chosen for it and its progress, and the macros an
//! agent runs from a script (contract in `docs/workspace.md`).
//!
//! The service holds what it uses (the store, the chat channel, the
//! routing engine's handle) and acts for an [`Actor`], a plain value the
//! server makes from whoever signed the request.

pub mod error;
mod macros;
mod script;
mod session;
mod summary;

use std::sync::Arc;

use switchboard_chat::Chat;
use switchboard_core::access::Watch;
use switchboard_routing::EngineHandle;
use switchboard_store::activities::Author;
use switchboard_store::Db;

pub use error::{WorkspaceError, WorkspaceResult};
pub use script::StepRef;

/// Who acts: an agent (sessions always; tokens when bound) or an
/// integration, and the queues they watch (admins all, supervisors theirs:
/// they reach those queues' work items; see the server's `auth::watch`).
#[derive(Debug, Clone)]
pub struct Actor {
    pub agent_id: Option<String>,
    /// Shown as the author of what they write.
    pub name: String,
    pub watch: Watch,
}

impl Actor {
    pub fn author(&self) -> Author {
        Author {
            agent_id: self.agent_id.clone(),
            name: self.name.clone(),
        }
    }
}

pub struct Workspace {
    db: Db,
    chat: Arc<Chat>,
    routing: EngineHandle,
}

impl Workspace {
    pub fn new(db: Db, chat: Arc<Chat>, routing: EngineHandle) -> Arc<Self> {
        Arc::new(Self { db, chat, routing })
    }
}
