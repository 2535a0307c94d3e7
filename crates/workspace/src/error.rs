//! The workspace's one error type; the server answers it as problem+json.

use switchboard_chat::error::ChatError;
use switchboard_core::Invalid;
use switchboard_routing::EngineError;
use switchboard_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// Also what a caller gets for a work item they may not reach: its
    /// existence is not revealed.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The session is not in a state that allows this.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Routing(#[from] EngineError),
    #[error(transparent)]
    Chat(#[from] ChatError),
    #[error("{0}")]
    Internal(String),
}

pub type WorkspaceResult<T> = Result<T, WorkspaceError>;
