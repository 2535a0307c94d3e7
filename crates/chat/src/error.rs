//! The chat channel's one error type; the server answers it as problem+json.

use switchboard_core::Invalid;
use switchboard_routing::EngineError;
use switchboard_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The conversation is not in a state that allows this.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Routing(#[from] EngineError),
    #[error("{0}")]
    Internal(String),
}

pub type ChatResult<T> = Result<T, ChatError>;
