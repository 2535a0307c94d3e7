use switchboard_core::booking::rules::Refused;
use switchboard_core::Invalid;

/// What can go wrong in the store, in terms the API can answer with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record named by the request does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The input refers to a record that does not exist, or breaks a rule
    /// only the database can check.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The change conflicts with the current state (a duplicate, a record
    /// still in use).
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<Refused> for StoreError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Conflict(why) => StoreError::Conflict(why),
            Refused::Invalid(invalid) => StoreError::Invalid(invalid),
        }
    }
}

impl StoreError {
    /// Maps unique violations raised by the database (a race lost between our
    /// own check and the insert) to a conflict.
    pub(crate) fn from_write(e: sqlx::Error, what: &str) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::Conflict(format!("{what} already exists"));
            }
            if db.is_foreign_key_violation() {
                return StoreError::Conflict(format!(
                    "{what} refers to a record that no longer exists"
                ));
            }
        }
        StoreError::Database(e)
    }
}
