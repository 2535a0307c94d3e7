//! What the agent workspace browses besides its live work: past
//! conversations (with their customer's name, newest first) and the names
//! of the people a list mentions.

use std::collections::HashMap;

use serde::Serialize;

use crate::sql::Sql;
use crate::{Db, Result};

/// A conversation as the "Past conversations" list shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PastConversation {
    pub id: String,
    pub channel: String,
    /// `waiting`, `active` or `ended`.
    pub status: String,
    pub contact_id: Option<String>,
    /// The contact's name (or email, or phone) when the conversation has one.
    pub contact_name: Option<String>,
    pub visitor_id: String,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub queue_id: Option<String>,
    pub work_item_id: String,
    pub case_id: Option<String>,
    pub proactive: bool,
    pub started_at: String,
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    pub ended_by: Option<String>,
    /// Seconds from the agent's answer (or the start) to the end, once ended.
    pub duration_seconds: Option<i64>,
    /// The visitor's rating after the chat (1–5), and their comment.
    pub csat_score: Option<i64>,
    pub csat_comment: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    channel: String,
    status: String,
    contact_id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    visitor_id: String,
    agent_id: Option<String>,
    agent_name: Option<String>,
    queue_id: Option<String>,
    work_item_id: String,
    case_id: Option<String>,
    proactive_rule_id: Option<String>,
    started_at: String,
    answered_at: Option<String>,
    ended_at: Option<String>,
    ended_by: Option<String>,
    csat_score: Option<i64>,
    csat_comment: Option<String>,
}

/// "First Last", else the email, else the phone.
fn person(
    first: &Option<String>,
    last: &Option<String>,
    email: &Option<String>,
    phone: &Option<String>,
) -> Option<String> {
    let name = [first, last]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !name.is_empty() {
        return Some(name);
    }
    email.clone().or_else(|| phone.clone())
}

impl From<Row> for PastConversation {
    fn from(r: Row) -> Self {
        let contact_name = r
            .contact_id
            .as_ref()
            .and_then(|_| person(&r.first_name, &r.last_name, &r.email, &r.phone));
        let duration_seconds = r
            .ended_at
            .as_deref()
            .and_then(switchboard_core::time::parse)
            .and_then(|end| {
                let from = r
                    .answered_at
                    .as_deref()
                    .or(Some(r.started_at.as_str()))
                    .and_then(switchboard_core::time::parse)?;
                Some((end.as_second() - from.as_second()).max(0))
            });
        PastConversation {
            id: r.id,
            channel: r.channel,
            status: r.status,
            contact_id: r.contact_id,
            contact_name,
            visitor_id: r.visitor_id,
            agent_id: r.agent_id,
            agent_name: r.agent_name,
            queue_id: r.queue_id,
            work_item_id: r.work_item_id,
            case_id: r.case_id,
            proactive: r.proactive_rule_id.is_some(),
            started_at: r.started_at,
            answered_at: r.answered_at,
            ended_at: r.ended_at,
            ended_by: r.ended_by,
            duration_seconds,
            csat_score: r.csat_score,
            csat_comment: r.csat_comment,
        }
    }
}

/// Filters for [`Db::past_conversations`].
#[derive(Debug, Default)]
pub struct ConversationFilter {
    /// `waiting`, `active` or `ended`.
    pub status: Option<String>,
    pub agent_id: Option<String>,
    pub contact_id: Option<String>,
    /// `(started_at, id)` of the last row of the previous page.
    pub before: Option<(String, String)>,
    /// A supervisor's part (their queues' conversations and their own);
    /// `None`: all.
    pub within: Option<crate::Within>,
}

impl Db {
    /// Conversations newest first (one more than `limit`, to tell whether a
    /// next page exists).
    pub async fn past_conversations(
        &self,
        f: &ConversationFilter,
        limit: u32,
    ) -> Result<Vec<PastConversation>> {
        let mut sql = Sql::new(
            "SELECT c.id, c.channel, c.status, c.contact_id, k.first_name, k.last_name, k.email, k.phone, \
             c.visitor_id, c.agent_id, c.agent_name, c.queue_id, c.work_item_id, c.case_id, c.proactive_rule_id, \
             c.started_at, c.answered_at, c.ended_at, c.ended_by, c.csat_score, c.csat_comment \
             FROM conversations c LEFT JOIN contacts k ON k.id = c.contact_id WHERE 1 = 1",
        );
        if let Some(s) = &f.status {
            sql.push(" AND c.status = ").bind(s.clone());
        }
        if let Some(a) = &f.agent_id {
            sql.push(" AND c.agent_id = ").bind(a.clone());
        }
        if let Some(k) = &f.contact_id {
            sql.push(" AND c.contact_id = ").bind(k.clone());
        }
        if let Some(w) = &f.within {
            w.push(&mut sql, "c.work_item_id", None, Some("c.agent_id"));
        }
        if let Some((at, id)) = &f.before {
            sql.push(" AND (c.started_at < ")
                .bind(at.clone())
                .push(" OR (c.started_at = ")
                .bind(at.clone())
                .push(" AND c.id < ")
                .bind(id.clone())
                .push("))");
        }
        sql.push(" ORDER BY c.started_at DESC, c.id DESC LIMIT ")
            .bind(i64::from(limit) + 1);
        let rows: Vec<Row> = sqlx::query_as_with(&sql.text, sql.args)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(PastConversation::from).collect())
    }

    /// The display names of these contacts (those that exist).
    pub async fn contact_names(&self, ids: &[String]) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        let mut ids: Vec<&String> = ids.iter().collect();
        ids.sort();
        ids.dedup();
        for chunk in ids.chunks(100) {
            let mut sql = Sql::new(
                "SELECT id, first_name, last_name, email, phone FROM contacts WHERE id IN (",
            );
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind((*id).clone());
            }
            sql.push(")");
            let rows: Vec<NameRow> = sqlx::query_as_with(&sql.text, sql.args)
                .fetch_all(&self.pool)
                .await?;
            for r in rows {
                if let Some(n) = person(&r.first_name, &r.last_name, &r.email, &r.phone) {
                    out.insert(r.id, n);
                }
            }
        }
        Ok(out)
    }

    /// The names of these agents (those that exist).
    pub async fn agent_names(&self, ids: &[String]) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        let mut ids: Vec<&String> = ids.iter().collect();
        ids.sort();
        ids.dedup();
        for chunk in ids.chunks(100) {
            let mut sql = Sql::new("SELECT id, name FROM agents WHERE id IN (");
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind((*id).clone());
            }
            sql.push(")");
            let rows: Vec<(String, String)> = sqlx::query_as_with(&sql.text, sql.args)
                .fetch_all(&self.pool)
                .await?;
            out.extend(rows);
        }
        Ok(out)
    }
}

#[derive(sqlx::FromRow)]
struct NameRow {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}
