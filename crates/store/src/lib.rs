//! Persistence for Switchboard: one SQL layer over SQLite and PostgreSQL.
//!
//! Every query is written once, in SQL both engines accept, and runs through
//! sqlx's `Any` driver; the backend is chosen by the database URL at run
//! time. Each module holds the queries of one kind of record.

pub mod changes;
pub mod channel_activity;
mod db;
mod error;
mod locked;
mod sql;

pub mod accounts;
pub mod activities;
pub mod agents;
pub mod audit;
pub mod browse;
pub mod cases;
pub mod chat;
pub mod communications;
pub mod contacts;
pub mod credentials;
pub mod meta;
pub mod products;
pub mod queue_samples;
pub mod reports;
pub mod routing;
pub mod scheduling;
pub mod site_config;
pub mod voice;
pub mod webhooks;
pub mod workspace;

pub use db::{Backend, Db};
pub use error::StoreError;

use serde::Serialize;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// One page of a list, with the cursor of the next page when there is one.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A supervisor's part of a list of work (conversations, calls,
/// callbacks): the records of work items in these queues, and the
/// caller's own as an agent. The server decides it (`auth::watch`); no
/// `Within` means everything (admins). Applied in the query, so pages are
/// full.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Within {
    pub queues: Vec<String>,
    pub agent_id: Option<String>,
}

impl Within {
    /// Appends ` AND (…)`: the work item in `item` (a qualified column) is
    /// in one of the queues; or, with no work item yet, `queue` (a record
    /// that names its queue before it has an item: a callback) is one of
    /// them; or `agent` is the caller. The columns come from this crate's
    /// code, never from input.
    pub(crate) fn push(
        &self,
        sql: &mut sql::Sql,
        item: &str,
        queue: Option<&str>,
        agent: Option<&str>,
    ) {
        sql.push(" AND (1 = 0");
        if !self.queues.is_empty() {
            sql.push(&format!(
                " OR EXISTS (SELECT 1 FROM work_items wq WHERE wq.id = {item} AND wq.queue_id IN ("
            ));
            self.bind_queues(sql);
            sql.push("))");
            if let Some(q) = queue {
                sql.push(&format!(" OR ({item} IS NULL AND {q} IN ("));
                self.bind_queues(sql);
                sql.push("))");
            }
        }
        if let (Some(column), Some(me)) = (agent, &self.agent_id) {
            sql.push(&format!(" OR {column} = ")).bind(me.clone());
        }
        sql.push(")");
    }

    fn bind_queues(&self, sql: &mut sql::Sql) {
        for (i, q) in self.queues.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(q.clone());
        }
    }
}

/// A new opaque identifier: UUIDv7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub(crate) fn parse_custom(s: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str(s).unwrap_or_default()
}

/// Cuts a fetched `limit + 1` rows down to a page and its next cursor.
pub(crate) fn page<T>(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> Vec<String>) -> Page<T> {
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items
            .last()
            .map(|last| switchboard_core::cursor::Cursor(key(last)).encode())
    } else {
        None
    };
    Page { items, next_cursor }
}
