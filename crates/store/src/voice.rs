//! Voice: agents' SIP accounts and callbacks.
//!
//! A callback row is the durable side of a callback; its work item (when
//! one waits in line) lives in the routing engine. Each change of a
//! callback that the customer's history should show writes a `callback`
//! activity on the contact's timeline in the same transaction.

use serde::Serialize;
use switchboard_core::records::ActivityKind;
use switchboard_core::time;
use switchboard_core::webhooks::EventType;

use crate::activities::{insert_activity, Author, NewActivity};
use crate::audit::{snapshot, Area, Of};
use crate::{new_id, Db, Result, StoreError};
use serde_json::Value;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SipAccount {
    pub agent_id: String,
    pub username: String,
    pub ha1: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Callback {
    pub id: String,
    /// `direct` (a caller pressed 1 in an overflowing queue) or `api`.
    pub origin: String,
    pub phone: String,
    pub contact_id: Option<String>,
    pub queue_id: Option<String>,
    /// JSON object of routing attributes.
    #[serde(skip)]
    pub attributes: String,
    /// JSON array of `{start, end}`.
    #[serde(skip)]
    pub windows: String,
    /// `scheduled`, `queued`, `dialling`, `completed`, `failed`, `expired`,
    /// `missed` or `cancelled`.
    pub status: String,
    pub work_item_id: Option<String>,
    pub attempts: i64,
    pub max_attempts: i64,
    pub retry_minutes: i64,
    pub next_attempt_at: Option<String>,
    pub last_result: Option<String>,
    pub closed_reason: Option<String>,
    pub expires_at: String,
    #[serde(skip)]
    pub idempotency_key: Option<String>,
    #[serde(skip)]
    pub request_hash: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
}

impl Callback {
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "scheduled" | "queued" | "dialling")
    }
}

const COLUMNS: &str = "id, origin, phone, contact_id, queue_id, attributes, windows, status, \
    work_item_id, attempts, max_attempts, retry_minutes, next_attempt_at, last_result, \
    closed_reason, expires_at, idempotency_key, request_hash, created_by, created_at, \
    updated_at, closed_at";

/// A callback to record.
#[derive(Debug, Clone)]
pub struct NewCallback {
    pub origin: String,
    pub phone: String,
    pub contact_id: Option<String>,
    pub queue_id: Option<String>,
    pub attributes: String,
    pub windows: String,
    pub status: String,
    pub work_item_id: Option<String>,
    pub max_attempts: i64,
    pub retry_minutes: i64,
    pub next_attempt_at: Option<String>,
    pub expires_at: String,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    pub created_by: String,
}

/// The result of recording a callback with an idempotency key.
pub enum Recorded {
    Created(Callback),
    /// The same key was used before: the earlier callback.
    Replayed(Callback),
}

impl Db {
    pub async fn sip_account_by_username(&self, username: &str) -> Result<Option<SipAccount>> {
        Ok(
            sqlx::query_as("SELECT agent_id, username, ha1 FROM sip_accounts WHERE username = $1")
                .bind(username.to_owned())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Sets (or replaces) an agent's SIP account. A username another agent
    /// holds is a conflict.
    pub async fn set_sip_account(&self, agent_id: &str, username: &str, ha1: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let agent: Option<String> = sqlx::query_scalar("SELECT id FROM agents WHERE id = $1")
            .bind(agent_id.to_owned())
            .fetch_optional(&mut *tx)
            .await?;
        if agent.is_none() {
            return Err(StoreError::NotFound("agent"));
        }
        let holder: Option<String> =
            sqlx::query_scalar("SELECT agent_id FROM sip_accounts WHERE username = $1")
                .bind(username.to_owned())
                .fetch_optional(&mut *tx)
                .await?;
        if holder.as_deref().is_some_and(|h| h != agent_id) {
            return Err(StoreError::Conflict(
                "another agent has this SIP username".into(),
            ));
        }
        let of = Of::Parts(&[("sip_accounts", "agent_id")], agent_id);
        let before = snapshot(&mut tx, of).await?;
        let now = time::now();
        sqlx::query("DELETE FROM sip_accounts WHERE agent_id = $1")
            .bind(agent_id.to_owned())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sip_accounts (agent_id, username, ha1, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(agent_id.to_owned())
        .bind(username.to_owned())
        .bind(ha1.to_owned())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.audit_of(&mut tx, Area::People, "sip_account.update", of, before)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn callback(&self, id: &str) -> Result<Callback> {
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM callbacks WHERE id = $1"))
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("callback"))
    }

    /// The queue a callback is in: its work item's (the latest attempt's,
    /// where a transfer may have moved it), else the queue it was scheduled
    /// for; `None` before the routing rules placed it. The same rule as
    /// [`crate::Within`] for lists.
    pub async fn callback_queue(&self, c: &Callback) -> Result<Option<String>> {
        if let Some(item) = &c.work_item_id {
            let q: Option<String> =
                sqlx::query_scalar("SELECT queue_id FROM work_items WHERE id = $1")
                    .bind(item.clone())
                    .fetch_optional(&self.pool)
                    .await?;
            return Ok(q);
        }
        Ok(c.queue_id.clone())
    }

    /// Writes callbacks as they were, closed ones included, with their own
    /// times: the demo's history (`server::demo::traffic`), which the
    /// reports count like any others. Nothing is dialled or audited.
    pub async fn import_callbacks(&self, rows: &[Callback]) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for c in rows {
            sqlx::query(&format!(
                "INSERT INTO callbacks ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                 $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
            ))
            .bind(c.id.clone())
            .bind(c.origin.clone())
            .bind(c.phone.clone())
            .bind(c.contact_id.clone())
            .bind(c.queue_id.clone())
            .bind(c.attributes.clone())
            .bind(c.windows.clone())
            .bind(c.status.clone())
            .bind(c.work_item_id.clone())
            .bind(c.attempts)
            .bind(c.max_attempts)
            .bind(c.retry_minutes)
            .bind(c.next_attempt_at.clone())
            .bind(c.last_result.clone())
            .bind(c.closed_reason.clone())
            .bind(c.expires_at.clone())
            .bind(c.idempotency_key.clone())
            .bind(c.request_hash.clone())
            .bind(c.created_by.clone())
            .bind(c.created_at.clone())
            .bind(c.updated_at.clone())
            .bind(c.closed_at.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether an agent works this callback: it is in a queue they answer
    /// (`callback_queue`), or its work item is theirs.
    pub async fn callback_worked_by(&self, c: &Callback, agent_id: &str) -> Result<bool> {
        if let Some(q) = self.callback_queue(c).await? {
            let member: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM queue_members WHERE queue_id = $1 AND agent_id = $2",
            )
            .bind(q)
            .bind(agent_id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
            if member.is_some() {
                return Ok(true);
            }
        }
        if let Some(item) = &c.work_item_id {
            let holder: Option<Option<String>> =
                sqlx::query_scalar("SELECT agent_id FROM work_items WHERE id = $1")
                    .bind(item.clone())
                    .fetch_optional(&self.pool)
                    .await?;
            return Ok(holder.flatten().as_deref() == Some(agent_id));
        }
        Ok(false)
    }

    pub async fn callback_by_work_item(&self, item: &str) -> Result<Option<Callback>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM callbacks WHERE work_item_id = $1 ORDER BY created_at DESC LIMIT 1"
        ))
        .bind(item.to_owned())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Callbacks, newest first, optionally of one status, optionally a
    /// supervisor's part (`within`: see [`Db::callback_queue`]).
    pub async fn callbacks(
        &self,
        status: Option<&str>,
        within: Option<&crate::Within>,
        cursor: Option<&switchboard_core::cursor::Cursor>,
        limit: u32,
    ) -> Result<crate::Page<Callback>> {
        let mut sql = crate::sql::Sql::new(&format!("SELECT {COLUMNS} FROM callbacks WHERE 1 = 1"));
        if let Some(st) = status {
            sql.push(" AND status = ").bind(st.to_owned());
        }
        if let Some(w) = within {
            // A callback has no agent of its own: its calls are the work.
            w.push(
                &mut sql,
                "callbacks.work_item_id",
                Some("callbacks.queue_id"),
                None,
            );
        }
        if let Some(c) = cursor {
            sql.push(" AND (created_at < ")
                .bind(c.0[0].clone())
                .push(" OR (created_at = ")
                .bind(c.0[0].clone())
                .push(" AND id < ")
                .bind(c.0[1].clone())
                .push("))");
        }
        sql.push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .bind(i64::from(limit) + 1);
        let rows: Vec<Callback> = sqlx::query_as_with(&sql.text, sql.args)
            .fetch_all(&self.pool)
            .await?;
        Ok(crate::page(rows, limit, |c| {
            vec![c.created_at.clone(), c.id.clone()]
        }))
    }

    /// Open callbacks (scheduled, queued or dialling), oldest first.
    pub async fn open_callbacks(&self) -> Result<Vec<Callback>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM callbacks WHERE status IN ('scheduled', 'queued', 'dialling') \
             ORDER BY created_at, id LIMIT 10000"
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records a callback and its timeline entry. With an idempotency key
    /// seen before, returns the earlier callback, or a conflict when the
    /// request differed.
    pub async fn create_callback(&self, n: &NewCallback, author: &Author) -> Result<Recorded> {
        let mut tx = self.write_tx().await?;
        if let Some(key) = &n.idempotency_key {
            let earlier: Option<Callback> = sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM callbacks WHERE idempotency_key = $1"
            ))
            .bind(key.clone())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(earlier) = earlier {
                if earlier.request_hash != n.request_hash {
                    return Err(StoreError::Conflict(
                        "this Idempotency-Key was used with another request".into(),
                    ));
                }
                return Ok(Recorded::Replayed(earlier));
            }
        }
        if let Some(contact) = &n.contact_id {
            let found: Option<String> = sqlx::query_scalar("SELECT id FROM contacts WHERE id = $1")
                .bind(contact.clone())
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(
                    switchboard_core::Invalid(vec![switchboard_core::FieldError::new(
                        "contact_id",
                        "unknown",
                        "no contact has this id",
                    )])
                    .into(),
                );
            }
        }
        let id = new_id();
        let now = time::now();
        sqlx::query(&format!(
            "INSERT INTO callbacks ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, \
             $11, $12, NULL, NULL, $13, $14, $15, $16, $17, $17, NULL)"
        ))
        .bind(id.clone())
        .bind(n.origin.clone())
        .bind(n.phone.clone())
        .bind(n.contact_id.clone())
        .bind(n.queue_id.clone())
        .bind(n.attributes.clone())
        .bind(n.windows.clone())
        .bind(n.status.clone())
        .bind(n.work_item_id.clone())
        .bind(n.max_attempts)
        .bind(n.retry_minutes)
        .bind(n.next_attempt_at.clone())
        .bind(n.expires_at.clone())
        .bind(n.idempotency_key.clone())
        .bind(n.request_hash.clone())
        .bind(n.created_by.clone())
        .bind(now.clone())
        .execute(&mut *tx)
        .await?;
        if n.contact_id.is_some() {
            let subject = match n.origin.as_str() {
                "direct" => format!("Callback requested by the caller ({})", n.phone),
                _ => format!("Callback scheduled to {}", n.phone),
            };
            insert_activity(
                &mut tx,
                &NewActivity {
                    kind: ActivityKind::Callback,
                    contact_id: n.contact_id.clone(),
                    case_id: None,
                    conversation_id: None,
                    subject: Some(subject),
                    body: None,
                    occurred_at: now,
                },
                author,
            )
            .await?;
        }
        self.emit(
            &mut tx,
            EventType::CallbackRequested,
            serde_json::json!({
                "callback_id": id, "origin": n.origin, "phone": n.phone,
                "contact_id": n.contact_id, "queue_id": n.queue_id,
                "work_item_id": n.work_item_id, "status": n.status,
                "next_attempt_at": n.next_attempt_at, "expires_at": n.expires_at,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(Recorded::Created(self.callback(&id).await?))
    }

    /// Moves a callback on. `note` (when the callback has a contact) goes on
    /// the timeline in the same transaction. Returns false when the
    /// callback was no longer in `from` (another path got there first).
    #[allow(clippy::too_many_arguments)]
    pub async fn update_callback(
        &self,
        id: &str,
        from: &[&str],
        u: &CallbackUpdate,
        note: Option<&str>,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let row: Option<Callback> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM callbacks WHERE id = $1{}",
            self.for_update()
        ))
        .bind(id.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound("callback"));
        };
        if !from.contains(&row.status.as_str()) {
            return Ok(false);
        }
        let now = time::now();
        let closed = matches!(
            u.status.as_str(),
            "completed" | "failed" | "expired" | "missed" | "cancelled"
        );
        sqlx::query(
            "UPDATE callbacks SET status = $2, work_item_id = $3, attempts = $4, \
             next_attempt_at = $5, last_result = $6, closed_reason = $7, updated_at = $8, \
             closed_at = $9 WHERE id = $1",
        )
        .bind(id.to_owned())
        .bind(u.status.clone())
        .bind(u.work_item_id.clone().or(row.work_item_id.clone()))
        .bind(u.attempts.unwrap_or(row.attempts))
        .bind(u.next_attempt_at.clone())
        .bind(u.last_result.clone().or(row.last_result.clone()))
        .bind(u.closed_reason.clone())
        .bind(now.clone())
        .bind(closed.then(|| now.clone()))
        .execute(&mut *tx)
        .await?;
        if let (Some(note), Some(contact)) = (note, &row.contact_id) {
            insert_activity(
                &mut tx,
                &NewActivity {
                    kind: ActivityKind::Callback,
                    contact_id: Some(contact.clone()),
                    case_id: None,
                    conversation_id: None,
                    subject: Some(note.to_owned()),
                    body: None,
                    occurred_at: now.clone(),
                },
                &Author {
                    agent_id: None,
                    name: "Switchboard".into(),
                },
            )
            .await?;
        }
        if closed {
            // Over, whichever way: `status` says how.
            self.emit(
                &mut tx,
                EventType::CallbackCompleted,
                serde_json::json!({
                    "callback_id": id, "origin": row.origin, "phone": row.phone,
                    "contact_id": row.contact_id, "queue_id": row.queue_id,
                    "work_item_id": u.work_item_id.clone().or(row.work_item_id.clone()),
                    "status": u.status, "closed_reason": u.closed_reason,
                    "attempts": u.attempts.unwrap_or(row.attempts), "closed_at": now,
                }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// The new state of a callback.
#[derive(Debug, Clone, Default)]
pub struct CallbackUpdate {
    pub status: String,
    /// None keeps the current one.
    pub work_item_id: Option<String>,
    pub attempts: Option<i64>,
    pub next_attempt_at: Option<String>,
    pub last_result: Option<String>,
    pub closed_reason: Option<String>,
}

impl Db {
    /// The oldest contact with this phone number (as stored, E.164).
    pub async fn contact_by_phone(&self, phone: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM contacts WHERE phone = $1 ORDER BY created_at, id LIMIT 1",
        )
        .bind(phone.to_owned())
        .fetch_optional(&self.pool)
        .await?)
    }
}

/// An admin's version of a prompt: text to speak, or recorded audio.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PromptOverride {
    pub queue_id: String,
    pub prompt: String,
    pub language: String,
    pub text: Option<String>,
    /// 8 kHz µ-law, base64.
    pub audio: Option<String>,
    pub updated_at: String,
}

impl Db {
    pub async fn prompt_override(
        &self,
        queue_id: &str,
        prompt: &str,
        language: &str,
    ) -> Result<Option<PromptOverride>> {
        Ok(sqlx::query_as(
            "SELECT queue_id, prompt, language, text, audio, updated_at FROM voice_prompts \
             WHERE queue_id = $1 AND prompt = $2 AND language = $3",
        )
        .bind(queue_id.to_owned())
        .bind(prompt.to_owned())
        .bind(language.to_owned())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A queue's overrides, without their audio.
    pub async fn prompt_overrides(&self, queue_id: &str) -> Result<Vec<PromptOverride>> {
        Ok(sqlx::query_as(
            "SELECT queue_id, prompt, language, text, NULL AS audio, updated_at FROM voice_prompts \
             WHERE queue_id = $1 ORDER BY prompt, language",
        )
        .bind(queue_id.to_owned())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Sets text or audio (exactly one) for a prompt of a queue.
    pub async fn set_prompt_override(
        &self,
        queue_id: &str,
        prompt: &str,
        language: &str,
        text: Option<&str>,
        audio: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        self.set_prompt_override_in(&mut tx, (queue_id, prompt, language), text, audio)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Db::set_prompt_override`]'s checks and writes in `tx`.
    pub(crate) async fn set_prompt_override_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        key: (&str, &str, &str),
        text: Option<&str>,
        audio: Option<&str>,
    ) -> Result<()> {
        let (queue_id, prompt, language) = key;
        let found: Option<String> = sqlx::query_scalar("SELECT id FROM queues WHERE id = $1")
            .bind(queue_id.to_owned())
            .fetch_optional(&mut *tx)
            .await?;
        if found.is_none() {
            return Err(StoreError::NotFound("queue"));
        }
        let before = prompt_json(tx, key).await?;
        sqlx::query(
            "INSERT INTO voice_prompts (queue_id, prompt, language, text, audio, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (queue_id, prompt, language) \
             DO UPDATE SET text = $4, audio = $5, updated_at = $6",
        )
        .bind(queue_id.to_owned())
        .bind(prompt.to_owned())
        .bind(language.to_owned())
        .bind(text.map(str::to_owned))
        .bind(audio.map(str::to_owned))
        .bind(time::now())
        .execute(&mut *tx)
        .await?;
        self.audit_prompt(tx, "prompt.update", key, before).await
    }

    /// Back to the default; true when there was an override.
    pub async fn delete_prompt_override(
        &self,
        queue_id: &str,
        prompt: &str,
        language: &str,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let found = self
            .delete_prompt_override_in(&mut tx, (queue_id, prompt, language))
            .await?;
        tx.commit().await?;
        Ok(found)
    }

    /// [`Db::delete_prompt_override`]'s writes in `tx`.
    pub(crate) async fn delete_prompt_override_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        key: (&str, &str, &str),
    ) -> Result<bool> {
        let (queue_id, prompt, language) = key;
        let before = prompt_json(tx, key).await?;
        let r = sqlx::query(
            "DELETE FROM voice_prompts WHERE queue_id = $1 AND prompt = $2 AND language = $3",
        )
        .bind(queue_id.to_owned())
        .bind(prompt.to_owned())
        .bind(language.to_owned())
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() > 0 {
            self.audit_prompt(tx, "prompt.reset", key, before).await?;
        }
        Ok(r.rows_affected() > 0)
    }

    async fn audit_prompt(
        &self,
        tx: &mut sqlx::AnyConnection,
        action: &str,
        key: (&str, &str, &str),
        before: Value,
    ) -> Result<()> {
        let after = prompt_json(tx, key).await?;
        let target = format!("{}/{}/{}", key.0, key.1, key.2);
        let change = crate::audit::Change {
            area: Area::Voice,
            action,
            target_id: Some(&target),
            before,
            after,
        };
        self.audit(tx, change).await
    }
}

/// A call work item's record: an inbound call, or a callback's dial. Kept
/// after the call ends; its timeline entry (kind `call`) is written when a
/// bridged call ends and its contact is known (or later linked).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallRecord {
    pub work_item_id: String,
    /// `inbound` or `callback`.
    pub kind: String,
    /// The caller's number, or the number dialled for a callback (E.164).
    pub number: String,
    pub contact_id: Option<String>,
    /// `waiting`, `ringing_agent` (for a callback: until the customer
    /// answers), `connected` or `ended`.
    pub state: String,
    pub started_at: String,
    /// When caller and agent were bridged.
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    /// `customer`, `agent` or `system`.
    pub ended_by: Option<String>,
    /// Talk time in seconds, once a bridged call ended.
    pub duration_seconds: Option<i64>,
    pub agent_id: Option<String>,
    #[serde(skip)]
    pub activity_id: Option<String>,
    /// The caller's rating of the call (1–5), when their queue asked for
    /// one after the agent hung up and they pressed a key.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5))]
    pub csat_score: Option<i64>,
    /// When the caller rated the call.
    pub csat_at: Option<String>,
}

const CALL_COLUMNS: &str = "work_item_id, kind, number, contact_id, state, started_at, \
    answered_at, ended_at, ended_by, duration_seconds, agent_id, activity_id, csat_score, csat_at";

/// Which calls to list.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    pub contact_id: Option<String>,
    pub agent_id: Option<String>,
    /// `(started_at, work_item_id)` of the last call of the previous page.
    pub cursor: Option<switchboard_core::cursor::Cursor>,
    pub limit: u32,
    /// A supervisor's part (their queues' calls and their own); `None`:
    /// all.
    pub within: Option<crate::Within>,
}

/// "1 min 23 s", "45 s", "1 h 2 min 3 s".
fn spoken_duration(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, _) => format!("{m} min {s} s"),
        _ => format!("{h} h {m} min {s} s"),
    }
}

/// Writes the timeline entry of an ended, bridged call on its contact.
async fn insert_call_activity(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    c: &CallRecord,
) -> Result<Option<String>> {
    let (Some(contact), Some(answered)) = (&c.contact_id, &c.answered_at) else {
        return Ok(None);
    };
    let agent_name: Option<String> = match &c.agent_id {
        Some(a) => {
            sqlx::query_scalar("SELECT name FROM agents WHERE id = $1")
                .bind(a.clone())
                .fetch_optional(&mut **tx)
                .await?
        }
        None => None,
    };
    let subject = match c.kind.as_str() {
        "callback" => format!("Callback to {}", c.number),
        _ => format!("Inbound call from {}", c.number),
    };
    let who = match c.ended_by.as_deref() {
        Some("customer") => "the customer",
        Some("agent") => "the agent",
        _ => "Switchboard",
    };
    let body = format!(
        "Agent: {}\nAnswered: {answered}\nEnded: {}\nDuration: {}\nHung up by: {who}",
        agent_name.as_deref().unwrap_or("unknown"),
        c.ended_at.as_deref().unwrap_or("-"),
        spoken_duration(c.duration_seconds.unwrap_or(0)),
    );
    let id = insert_activity(
        tx,
        &NewActivity {
            kind: ActivityKind::Call,
            contact_id: Some(contact.clone()),
            case_id: None,
            conversation_id: None,
            subject: Some(subject),
            body: Some(body),
            occurred_at: c.started_at.clone(),
        },
        &Author {
            agent_id: None,
            name: "Switchboard".into(),
        },
    )
    .await?;
    Ok(Some(id))
}

impl Db {
    /// Starts the record of a call work item (`waiting`), replacing an
    /// earlier one of another kind (a caller's call whose item became a
    /// callback); one of the same kind is kept.
    pub async fn start_call(
        &self,
        work_item_id: &str,
        kind: &str,
        number: &str,
        contact_id: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let earlier: Option<String> =
            sqlx::query_scalar("SELECT kind FROM calls WHERE work_item_id = $1")
                .bind(work_item_id.to_owned())
                .fetch_optional(&mut *tx)
                .await?;
        if earlier.as_deref() == Some(kind) {
            // Already recorded (the workspace read the call first).
            return Ok(());
        }
        sqlx::query("DELETE FROM calls WHERE work_item_id = $1")
            .bind(work_item_id.to_owned())
            .execute(&mut *tx)
            .await?;
        let now = time::now();
        // The call task and a workspace read may both record a new call at
        // once: on PostgreSQL neither sees the other's row before its
        // commit, so the second waits on the key and then leaves the first's.
        sqlx::query(
            "INSERT INTO calls (work_item_id, kind, number, contact_id, state, started_at, \
             updated_at) VALUES ($1, $2, $3, \
             (SELECT id FROM contacts WHERE id = $4), 'waiting', $5, $5) \
             ON CONFLICT (work_item_id) DO NOTHING",
        )
        .bind(work_item_id.to_owned())
        .bind(kind.to_owned())
        .bind(number.to_owned())
        .bind(contact_id.map(str::to_owned))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves a call that has not ended to `state`: `ringing_agent` (with
    /// the agent), `waiting` (back in line: no agent) or `connected` (the
    /// answer time is now).
    pub async fn set_call_state(
        &self,
        work_item_id: &str,
        state: &str,
        agent_id: Option<&str>,
    ) -> Result<()> {
        let now = time::now();
        let sql = match state {
            "connected" => {
                "UPDATE calls SET state = $2, agent_id = COALESCE($3, agent_id), \
                 answered_at = $4, updated_at = $4 WHERE work_item_id = $1 AND state <> 'ended'"
            }
            _ => {
                "UPDATE calls SET state = $2, agent_id = $3, updated_at = $4 \
                 WHERE work_item_id = $1 AND state <> 'ended'"
            }
        };
        sqlx::query(sql)
            .bind(work_item_id.to_owned())
            .bind(state.to_owned())
            .bind(agent_id.map(str::to_owned))
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends a call (once: a call already ended is left as it is) and, when
    /// it was bridged and its contact is known, writes its timeline entry
    /// in the same transaction.
    pub async fn end_call(&self, work_item_id: &str, ended_by: &str) -> Result<Option<CallRecord>> {
        let mut tx = self.write_tx().await?;
        let row: Option<CallRecord> = sqlx::query_as(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE work_item_id = $1{}",
            self.for_update()
        ))
        .bind(work_item_id.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(mut c) = row else {
            return Ok(None);
        };
        if c.state == "ended" {
            return Ok(Some(c));
        }
        let now = jiff::Timestamp::now();
        c.state = "ended".into();
        c.ended_at = Some(time::format(now));
        c.ended_by = Some(ended_by.to_owned());
        c.duration_seconds = c
            .answered_at
            .as_deref()
            .and_then(time::parse)
            .map(|a| now.duration_since(a).as_secs().max(0));
        c.activity_id = insert_call_activity(&mut tx, &c).await?;
        sqlx::query(
            "UPDATE calls SET state = 'ended', ended_at = $2, ended_by = $3, \
             duration_seconds = $4, activity_id = $5, updated_at = $2 WHERE work_item_id = $1",
        )
        .bind(work_item_id.to_owned())
        .bind(c.ended_at.clone())
        .bind(c.ended_by.clone())
        .bind(c.duration_seconds)
        .bind(c.activity_id.clone())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(c))
    }

    /// Records the caller's rating of a call (1–5) once: on the call's
    /// record, in the report sums (for the work item's queue, agent and
    /// channel) and on the contact's timeline, in one transaction — as
    /// [`Db::rate_conversation`] does for a chat.
    pub async fn rate_call(&self, work_item_id: &str, score: i64, at: &str) -> Result<CallRecord> {
        if !(1..=5).contains(&score) {
            return Err(
                switchboard_core::Invalid(vec![switchboard_core::FieldError::new(
                    "score",
                    "out_of_range",
                    "must be between 1 and 5",
                )])
                .into(),
            );
        }
        let mut tx = self.write_tx().await?;
        let row: Option<CallRecord> = sqlx::query_as(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE work_item_id = $1{}",
            self.for_update()
        ))
        .bind(work_item_id.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(call) = row else {
            return Err(StoreError::NotFound("call"));
        };
        if call.csat_score.is_some() {
            return Err(StoreError::Conflict("this call was already rated".into()));
        }
        let item: Option<(String, Option<String>, String)> =
            sqlx::query_as("SELECT queue_id, agent_id, channel FROM work_items WHERE id = $1")
                .bind(work_item_id.to_owned())
                .fetch_optional(&mut *tx)
                .await?;
        let (queue, item_agent, channel) = item.ok_or(StoreError::NotFound("work item"))?;
        sqlx::query("UPDATE calls SET csat_score = $1, csat_at = $2, updated_at = $2 WHERE work_item_id = $3")
            .bind(score)
            .bind(at.to_owned())
            .bind(work_item_id.to_owned())
            .execute(&mut *tx)
            .await?;
        let agent = call.agent_id.clone().or(item_agent);
        crate::reports::add_rating_in(
            &mut tx,
            at,
            score,
            &queue,
            agent.as_deref().unwrap_or(""),
            &channel,
        )
        .await?;
        if let Some(contact) = &call.contact_id {
            insert_activity(
                &mut tx,
                &NewActivity {
                    kind: ActivityKind::Call,
                    contact_id: Some(contact.clone()),
                    case_id: None,
                    conversation_id: None,
                    subject: Some(switchboard_core::voice::csat::subject(score)),
                    body: None,
                    occurred_at: at.to_owned(),
                },
                &Author {
                    agent_id: None,
                    name: "Caller".into(),
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.call(work_item_id).await
    }

    pub async fn call(&self, work_item_id: &str) -> Result<CallRecord> {
        sqlx::query_as(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE work_item_id = $1"
        ))
        .bind(work_item_id.to_owned())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("call"))
    }

    /// Links a call to a contact (an unknown caller the agent found or
    /// created): its timeline entry moves to that contact, or is written
    /// there when the bridged call has already ended.
    pub async fn link_call_contact(
        &self,
        work_item_id: &str,
        contact_id: &str,
    ) -> Result<CallRecord> {
        let mut tx = self.write_tx().await?;
        if !crate::sql::exists(&mut tx, "contacts", contact_id).await? {
            return Err(
                switchboard_core::Invalid(vec![switchboard_core::FieldError::new(
                    "contact_id",
                    "unknown",
                    "no contact has this id",
                )])
                .into(),
            );
        }
        let row: Option<CallRecord> = sqlx::query_as(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE work_item_id = $1{}",
            self.for_update()
        ))
        .bind(work_item_id.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(mut c) = row else {
            return Err(StoreError::NotFound("call"));
        };
        c.contact_id = Some(contact_id.to_owned());
        let now = time::now();
        match &c.activity_id {
            Some(a) => {
                sqlx::query("UPDATE activities SET contact_id = $2, updated_at = $3 WHERE id = $1")
                    .bind(a.clone())
                    .bind(contact_id.to_owned())
                    .bind(now.clone())
                    .execute(&mut *tx)
                    .await?;
            }
            None if c.state == "ended" => {
                c.activity_id = insert_call_activity(&mut tx, &c).await?;
            }
            None => {}
        }
        sqlx::query(
            "UPDATE calls SET contact_id = $2, activity_id = $3, updated_at = $4 \
             WHERE work_item_id = $1",
        )
        .bind(work_item_id.to_owned())
        .bind(contact_id.to_owned())
        .bind(c.activity_id.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Calls, newest first.
    pub async fn calls(&self, f: &CallFilter) -> Result<crate::Page<CallRecord>> {
        let mut sql =
            crate::sql::Sql::new(&format!("SELECT {CALL_COLUMNS} FROM calls WHERE 1 = 1"));
        if let Some(c) = &f.contact_id {
            sql.push(" AND contact_id = ").bind(c.clone());
        }
        if let Some(a) = &f.agent_id {
            sql.push(" AND agent_id = ").bind(a.clone());
        }
        if let Some(w) = &f.within {
            w.push(&mut sql, "calls.work_item_id", None, Some("calls.agent_id"));
        }
        if let Some(c) = &f.cursor {
            sql.push(" AND (started_at < ")
                .bind(c.0[0].clone())
                .push(" OR (started_at = ")
                .bind(c.0[0].clone())
                .push(" AND work_item_id < ")
                .bind(c.0[1].clone())
                .push("))");
        }
        sql.push(" ORDER BY started_at DESC, work_item_id DESC LIMIT ")
            .bind(i64::from(f.limit) + 1);
        let rows: Vec<CallRecord> = sqlx::query_as_with(&sql.text, sql.args)
            .fetch_all(&self.pool)
            .await?;
        Ok(crate::page(rows, f.limit, |c| {
            vec![c.started_at.clone(), c.work_item_id.clone()]
        }))
    }
}

#[cfg(test)]
mod call_tests {
    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(super::spoken_duration(45), "45 s");
        assert_eq!(super::spoken_duration(83), "1 min 23 s");
        assert_eq!(super::spoken_duration(3723), "1 h 2 min 3 s");
    }
}

/// One audit row of the outbound dialling policy (issue 13).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DialRecord {
    pub id: String,
    /// The number, E.164 as dialled (or as given, when refused).
    pub number: String,
    pub work_item_id: Option<String>,
    pub callback_id: Option<String>,
    pub agent_id: Option<String>,
    /// `dialled` or `refused`.
    pub decision: String,
    /// The policy's rule when refused: `invalid`, `number_type`,
    /// `international_network`, `not_allowed`, `daily_cap`.
    pub rule: Option<String>,
    pub reason: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Default)]
pub struct NewDial {
    pub number: String,
    pub work_item_id: Option<String>,
    pub callback_id: Option<String>,
    pub agent_id: Option<String>,
    pub decision: String,
    pub rule: Option<String>,
    pub reason: Option<String>,
}

const DIAL_COLUMNS: &str =
    "id, number, work_item_id, callback_id, agent_id, decision, rule, reason, created_at";

impl Db {
    /// Writes a dial's audit row.
    pub async fn record_dial(&self, d: &NewDial) -> Result<DialRecord> {
        let r = DialRecord {
            id: new_id(),
            number: d.number.clone(),
            work_item_id: d.work_item_id.clone(),
            callback_id: d.callback_id.clone(),
            agent_id: d.agent_id.clone(),
            decision: d.decision.clone(),
            rule: d.rule.clone(),
            reason: d.reason.clone(),
            created_at: time::now(),
        };
        sqlx::query(&format!(
            "INSERT INTO voice_dials ({DIAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(r.id.clone())
        .bind(r.number.clone())
        .bind(r.work_item_id.clone())
        .bind(r.callback_id.clone())
        .bind(r.agent_id.clone())
        .bind(r.decision.clone())
        .bind(r.rule.clone())
        .bind(r.reason.clone())
        .bind(r.created_at.clone())
        .execute(&self.pool)
        .await?;
        Ok(r)
    }

    /// Dials that happened to this number since `since` (RFC 3339).
    pub async fn dials_since(&self, number: &str, since: &str) -> Result<u32> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM voice_dials WHERE number = $1 AND decision = 'dialled' \
             AND created_at >= $2",
        )
        .bind(number.to_owned())
        .bind(since.to_owned())
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Dial audit rows, newest first.
    pub async fn dials(
        &self,
        cursor: Option<&switchboard_core::cursor::Cursor>,
        limit: u32,
    ) -> Result<crate::Page<DialRecord>> {
        let mut sql = crate::sql::Sql::new(&format!(
            "SELECT {DIAL_COLUMNS} FROM voice_dials WHERE 1 = 1"
        ));
        if let Some(c) = cursor {
            sql.push(" AND (created_at < ")
                .bind(c.0[0].clone())
                .push(" OR (created_at = ")
                .bind(c.0[0].clone())
                .push(" AND id < ")
                .bind(c.0[1].clone())
                .push("))");
        }
        sql.push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .bind(i64::from(limit) + 1);
        let rows: Vec<DialRecord> = sqlx::query_as_with(&sql.text, sql.args)
            .fetch_all(&self.pool)
            .await?;
        Ok(crate::page(rows, limit, |d| {
            vec![d.created_at.clone(), d.id.clone()]
        }))
    }
}

/// A queue's prompt override as JSON: its text, or the size of its
/// recording (the audio itself is too large for the log); `null` while the
/// default is in force.
async fn prompt_json(tx: &mut sqlx::AnyConnection, key: (&str, &str, &str)) -> Result<Value> {
    let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT text, audio FROM voice_prompts WHERE queue_id = $1 AND prompt = $2 AND language = $3",
    )
    .bind(key.0.to_owned())
    .bind(key.1.to_owned())
    .bind(key.2.to_owned())
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map_or(Value::Null, |(text, audio)| {
        serde_json::json!({"text": text, "audio_base64_chars": audio.map(|a| a.len())})
    }))
}
