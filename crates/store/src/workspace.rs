//! The agent workspace's records: agent scripts and the rules choosing
//! them, each session's script progress, canned responses, and the links a
//! session makes (a conversation's case and contact).

use serde::Serialize;
use switchboard_core::time;

use crate::audit::{before_put, snapshot, Area, Of};
use crate::{new_id, Db, Result, StoreError};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ScriptRow {
    pub id: String,
    pub name: String,
    /// JSON list of steps (validated by the core before it is stored).
    pub steps: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ScriptRuleRow {
    pub position: i64,
    pub queue_id: Option<String>,
    pub channel: Option<String>,
    pub script_id: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CannedResponse {
    pub id: String,
    pub code: String,
    pub title: String,
    pub body: String,
    pub created_at: String,
}

impl Db {
    // ------------------------------------------------------------ scripts

    pub async fn scripts(&self) -> Result<Vec<ScriptRow>> {
        Ok(sqlx::query_as(
            "SELECT id, name, steps, created_at, updated_at FROM agent_scripts ORDER BY name, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn script(&self, id: &str) -> Result<ScriptRow> {
        sqlx::query_as(
            "SELECT id, name, steps, created_at, updated_at FROM agent_scripts WHERE id = $1",
        )
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("agent script"))
    }

    /// Creates (`id` None) or replaces a script. `subscripts` are the
    /// scripts its steps load: each must exist (checked in the transaction).
    pub async fn put_script(
        &self,
        id: Option<&str>,
        name: &str,
        steps: &str,
        subscripts: &[String],
    ) -> Result<ScriptRow> {
        let mut tx = self.write_tx().await?;
        let (id, exists) = match id {
            Some(id) => (id.to_owned(), true),
            None => (new_id(), false),
        };
        self.put_script_in(&mut tx, &id, exists, name, steps, subscripts)
            .await?;
        tx.commit().await?;
        self.script(&id).await
    }

    /// [`Db::put_script`]'s checks and writes in `tx`: replaces the script
    /// `id` when it `exists`, else creates it with this id.
    pub(crate) async fn put_script_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
        exists: bool,
        name: &str,
        steps: &str,
        subscripts: &[String],
    ) -> Result<()> {
        let mut errors = Vec::new();
        for (i, s) in subscripts.iter().enumerate() {
            if !crate::sql::exists(tx, "agent_scripts", s).await? || (exists && s == id) {
                errors.push(switchboard_core::FieldError::new(
                    format!("subscripts[{i}]"),
                    "unknown",
                    format!("no other script has the id {s}"),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(switchboard_core::Invalid(errors).into());
        }
        let of = exists.then_some(Of::Row("agent_scripts", id));
        let (before, action) = before_put(tx, "script", of).await?;
        let now = time::now();
        if exists {
            let done = sqlx::query(
                "UPDATE agent_scripts SET name = $1, steps = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(name.to_owned())
            .bind(steps.to_owned())
            .bind(now)
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("agent script"));
            }
        } else {
            sqlx::query(
                "INSERT INTO agent_scripts (id, name, steps, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(id.to_owned())
            .bind(name.to_owned())
            .bind(steps.to_owned())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let of = Of::Row("agent_scripts", id);
        self.audit_of(tx, Area::Workspace, &action, of, before)
            .await
    }

    /// Refused while a rule chooses it or another script loads it.
    pub async fn delete_script(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        self.delete_script_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Db::delete_script`]'s checks and writes in `tx`.
    pub(crate) async fn delete_script_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
    ) -> Result<()> {
        let ruled: Option<i64> = sqlx::query_scalar(
            "SELECT position FROM agent_script_rules WHERE script_id = $1 LIMIT 1",
        )
        .bind(id.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
        let loaded: Option<String> = sqlx::query_scalar(
            "SELECT id FROM agent_scripts WHERE steps LIKE $1 ESCAPE '\\' LIMIT 1",
        )
        .bind(format!(
            "%\"script_id\":\"{}\"%",
            crate::sql::like_escape(id)
        ))
        .fetch_optional(&mut *tx)
        .await?;
        if ruled.is_some() || loaded.is_some() {
            return Err(StoreError::Conflict(
                "a script rule or another script uses this script".into(),
            ));
        }
        let of = Of::Row("agent_scripts", id);
        let before = snapshot(tx, of).await?;
        crate::sql::delete_by_id(tx, "agent_scripts", id, "agent script").await?;
        self.audit_of(tx, Area::Workspace, "script.delete", of, before)
            .await
    }

    pub async fn script_rules(&self) -> Result<Vec<ScriptRuleRow>> {
        Ok(sqlx::query_as(
            "SELECT position, queue_id, channel, script_id FROM agent_script_rules ORDER BY position",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Replaces the ordered rules; each names an existing script and queue.
    pub async fn put_script_rules(
        &self,
        rules: &[(Option<String>, Option<String>, String)],
    ) -> Result<Vec<ScriptRuleRow>> {
        let mut tx = self.write_tx().await?;
        self.put_script_rules_in(&mut tx, rules).await?;
        tx.commit().await?;
        self.script_rules().await
    }

    /// [`Db::put_script_rules`]'s checks and writes in `tx`.
    pub(crate) async fn put_script_rules_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        rules: &[(Option<String>, Option<String>, String)],
    ) -> Result<()> {
        let mut errors = Vec::new();
        for (i, (queue, _, script)) in rules.iter().enumerate() {
            errors.extend(
                crate::sql::unknown_references(
                    &mut *tx,
                    &[
                        (&format!("rules[{i}].queue_id"), "queues", queue),
                        (
                            &format!("rules[{i}].script_id"),
                            "agent_scripts",
                            &Some(script.clone()),
                        ),
                    ],
                )
                .await?,
            );
        }
        if !errors.is_empty() {
            return Err(switchboard_core::Invalid(errors).into());
        }
        let of = Of::Table("agent_script_rules");
        let before = snapshot(tx, of).await?;
        sqlx::query("DELETE FROM agent_script_rules")
            .execute(&mut *tx)
            .await?;
        for (i, (queue, channel, script)) in rules.iter().enumerate() {
            sqlx::query(
                "INSERT INTO agent_script_rules (position, queue_id, channel, script_id) VALUES ($1, $2, $3, $4)",
            )
            .bind(i as i64)
            .bind(queue.clone())
            .bind(channel.clone())
            .bind(script.clone())
            .execute(&mut *tx)
            .await?;
        }
        self.audit_of(tx, Area::Workspace, "script_rules.update", of, before)
            .await
    }

    // ------------------------------------------------------------ progress

    pub async fn script_progress(
        &self,
        work_item_id: &str,
        script_id: &str,
    ) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT step_id FROM script_progress WHERE work_item_id = $1 AND script_id = $2 ORDER BY done_at, step_id",
        )
        .bind(work_item_id.to_owned())
        .bind(script_id.to_owned())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every script's done steps for a work item (sub-scripts included).
    pub async fn work_item_progress(&self, work_item_id: &str) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT script_id, step_id FROM script_progress WHERE work_item_id = $1 ORDER BY done_at, step_id",
        )
        .bind(work_item_id.to_owned())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Marks a step done (again is harmless) and returns the progress.
    pub async fn step_done(
        &self,
        work_item_id: &str,
        script_id: &str,
        step_id: &str,
        agent_id: Option<&str>,
    ) -> Result<Vec<String>> {
        sqlx::query(
            "INSERT INTO script_progress (work_item_id, script_id, step_id, agent_id, done_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (work_item_id, script_id, step_id) DO NOTHING",
        )
        .bind(work_item_id.to_owned())
        .bind(script_id.to_owned())
        .bind(step_id.to_owned())
        .bind(agent_id.map(str::to_owned))
        .bind(time::now())
        .execute(&self.pool)
        .await?;
        self.script_progress(work_item_id, script_id).await
    }

    // ------------------------------------------------------------ canned responses

    /// By code or title, case-insensitively; all when `q` is empty.
    pub async fn canned_responses(&self, q: Option<&str>) -> Result<Vec<CannedResponse>> {
        let pattern = format!(
            "%{}%",
            crate::sql::like_escape(&q.unwrap_or("").trim().to_lowercase())
        );
        Ok(sqlx::query_as(
            "SELECT id, code, title, body, created_at FROM canned_responses \
             WHERE LOWER(code) LIKE $1 ESCAPE '\\' OR LOWER(title) LIKE $1 ESCAPE '\\' ORDER BY code LIMIT 100",
        )
        .bind(pattern)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn create_canned_response(
        &self,
        code: &str,
        title: &str,
        body: &str,
    ) -> Result<CannedResponse> {
        let id = new_id();
        let mut tx = self.write_tx().await?;
        self.put_canned_response_in(&mut tx, &id, false, code, title, body)
            .await?;
        tx.commit().await?;
        Ok(sqlx::query_as(
            "SELECT id, code, title, body, created_at FROM canned_responses WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Replaces a canned response's code, title and text.
    pub async fn update_canned_response(
        &self,
        id: &str,
        code: &str,
        title: &str,
        body: &str,
    ) -> Result<CannedResponse> {
        let mut tx = self.write_tx().await?;
        self.put_canned_response_in(&mut tx, id, true, code, title, body)
            .await?;
        tx.commit().await?;
        Ok(sqlx::query_as(
            "SELECT id, code, title, body, created_at FROM canned_responses WHERE id = $1",
        )
        .bind(id.to_owned())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Writes a canned response in `tx`: replaces the one with this `id`
    /// when it `exists` (configuration files change them in place), else
    /// creates it with this id.
    pub(crate) async fn put_canned_response_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
        exists: bool,
        code: &str,
        title: &str,
        body: &str,
    ) -> Result<()> {
        let of = exists.then_some(Of::Row("canned_responses", id));
        let (before, action) = before_put(tx, "canned_response", of).await?;
        if exists {
            let done = sqlx::query(
                "UPDATE canned_responses SET code = $1, title = $2, body = $3 WHERE id = $4",
            )
            .bind(code.to_owned())
            .bind(title.to_owned())
            .bind(body.to_owned())
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "a canned response with this code"))?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("canned response"));
            }
        } else {
            sqlx::query(
                "INSERT INTO canned_responses (id, code, title, body, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id.to_owned())
            .bind(code.to_owned())
            .bind(title.to_owned())
            .bind(body.to_owned())
            .bind(time::now())
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "a canned response with this code"))?;
        }
        let of = Of::Row("canned_responses", id);
        self.audit_of(tx, Area::Workspace, &action, of, before)
            .await
    }

    pub async fn delete_canned_response(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        self.delete_canned_response_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Db::delete_canned_response`]'s writes in `tx`.
    pub(crate) async fn delete_canned_response_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
    ) -> Result<()> {
        let of = Of::Row("canned_responses", id);
        let before = snapshot(tx, of).await?;
        crate::sql::delete_by_id(tx, "canned_responses", id, "canned response").await?;
        self.audit_of(tx, Area::Workspace, "canned_response.delete", of, before)
            .await
    }

    // ------------------------------------------------------------ session links

    /// Links (or with None unlinks) the case a conversation is about; the
    /// case must be the conversation contact's.
    pub async fn set_conversation_case(
        &self,
        conversation_id: &str,
        case_id: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let contact: Option<Option<String>> =
            sqlx::query_scalar("SELECT contact_id FROM conversations WHERE id = $1")
                .bind(conversation_id.to_owned())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(contact) = contact else {
            return Err(StoreError::NotFound("conversation"));
        };
        if let Some(case) = case_id {
            let owner: Option<Option<String>> =
                sqlx::query_scalar("SELECT contact_id FROM cases WHERE id = $1")
                    .bind(case.to_owned())
                    .fetch_optional(&mut *tx)
                    .await?;
            match owner {
                None => {
                    return Err(switchboard_core::Invalid::one(
                        "case_id",
                        "unknown",
                        "no case has this id",
                    )
                    .into())
                }
                Some(owner) if owner != contact => {
                    return Err(switchboard_core::Invalid::one(
                        "case_id",
                        "mismatch",
                        "this case is not the conversation's customer's",
                    )
                    .into())
                }
                Some(_) => {}
            }
        }
        sqlx::query("UPDATE conversations SET case_id = $1 WHERE id = $2")
            .bind(case_id.map(str::to_owned))
            .bind(conversation_id.to_owned())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Links the conversation, and its visitor, to another contact; a
    /// linked case of the previous contact is unlinked.
    pub async fn set_conversation_contact(
        &self,
        conversation_id: &str,
        contact_id: &str,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        if !crate::sql::exists(&mut tx, "contacts", contact_id).await? {
            return Err(switchboard_core::Invalid::one(
                "contact_id",
                "unknown",
                "no contact has this id",
            )
            .into());
        }
        let visitor: Option<String> =
            sqlx::query_scalar("SELECT visitor_id FROM conversations WHERE id = $1")
                .bind(conversation_id.to_owned())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(visitor) = visitor else {
            return Err(StoreError::NotFound("conversation"));
        };
        sqlx::query(
            "UPDATE conversations SET contact_id = $1, \
             case_id = CASE WHEN contact_id = $1 THEN case_id ELSE NULL END WHERE id = $2",
        )
        .bind(contact_id.to_owned())
        .bind(conversation_id.to_owned())
        .execute(&mut *tx)
        .await?;
        // A visitor the host site signed in keeps the identity it proved.
        sqlx::query("UPDATE visitors SET contact_id = $1 WHERE id = $2 AND authenticated = 0")
            .bind(contact_id.to_owned())
            .bind(visitor)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
