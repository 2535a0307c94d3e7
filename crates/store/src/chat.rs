//! Chat: widgets and their proactive rules, visitors and their journey,
//! invitations, conversations and messages.
//!
//! Settings and rule specs are validated JSON documents owned by the server
//! (the core parses them); the store keeps them as text. Messages are written
//! in batches by the server's single message writer, which also assigns
//! their `seq`.

use serde::Serialize;
use switchboard_core::changes::Change;
use switchboard_core::records::ActivityKind;
use switchboard_core::time;
use switchboard_core::webhooks::EventType;

use crate::activities::{insert_activity, Author, NewActivity};
use crate::audit::{before_put, snapshot, Area, Of};
use crate::{new_id, Db, Result, StoreError};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WidgetRow {
    pub id: String,
    pub name: String,
    /// JSON document, see the server's widget settings.
    pub settings: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RuleRow {
    pub id: String,
    pub position: i64,
    pub spec: String,
    pub shown: i64,
    pub accepted: i64,
    pub closed: i64,
    pub expired: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct VisitorRow {
    pub id: String,
    pub widget_id: String,
    pub contact_id: Option<String>,
    pub authenticated: i64,
    pub browser: Option<String>,
    pub browser_version: Option<String>,
    pub os: Option<String>,
    pub device: String,
    pub language: Option<String>,
    pub time_zone: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub referrer: Option<String>,
    pub sessions: i64,
    pub last_session_id: String,
    pub first_seen_at: String,
    pub last_seen_at: String,
}

const VISITOR_COLUMNS: &str =
    "id, widget_id, contact_id, authenticated, browser, browser_version, \
    os, device, language, time_zone, country, city, referrer, sessions, last_session_id, \
    first_seen_at, last_seen_at";

/// What a browser tells about itself when it registers.
#[derive(Debug, Clone, Default)]
pub struct VisitorDetails {
    pub contact_id: Option<String>,
    pub authenticated: bool,
    pub browser: Option<String>,
    pub browser_version: Option<String>,
    pub os: Option<String>,
    pub device: String,
    pub language: Option<String>,
    pub time_zone: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub referrer: Option<String>,
}

/// A registration's outcome.
#[derive(Debug, Clone)]
pub struct Registered {
    pub visitor: VisitorRow,
    pub session_id: String,
    /// Seen in an earlier session.
    pub returning: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct JourneyRow {
    pub id: String,
    pub session_id: String,
    pub kind: String,
    pub url: Option<String>,
    pub title: Option<String>,
    /// JSON: search query, article id, action name and data.
    pub detail: Option<String>,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub visitor_id: String,
    pub session_id: String,
    pub rule_id: String,
    pub url: String,
    pub seconds_on_page: i64,
    pub shown_at: String,
    pub outcome: Option<String>,
    pub decided_at: Option<String>,
}

const INVITATION_COLUMNS: &str =
    "id, visitor_id, session_id, rule_id, url, seconds_on_page, shown_at, outcome, decided_at";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ConversationRow {
    pub id: String,
    pub widget_id: String,
    pub visitor_id: String,
    pub contact_id: Option<String>,
    pub work_item_id: String,
    pub channel: String,
    /// `waiting`, `active` or `ended`.
    pub status: String,
    pub queue_id: Option<String>,
    /// JSON list of required skills.
    pub skills: String,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    /// JSON object of answers.
    pub survey: String,
    /// JSON object of context variables.
    pub context: String,
    pub url: Option<String>,
    pub invitation_id: Option<String>,
    pub proactive_rule_id: Option<String>,
    pub wait_seconds: Option<i64>,
    pub started_at: String,
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    pub ended_by: Option<String>,
    /// The case the conversation is about (linked in the workspace).
    pub case_id: Option<String>,
    /// The visitor's rating once it ended, 1 to 5 (absent: not rated).
    pub csat_score: Option<i64>,
    pub csat_comment: Option<String>,
    pub csat_at: Option<String>,
}

/// Written when a conversation starts.
const CONVERSATION_INSERT_COLUMNS: &str = "id, widget_id, visitor_id, contact_id, work_item_id, \
    channel, status, queue_id, skills, agent_id, agent_name, survey, context, url, invitation_id, \
    proactive_rule_id, wait_seconds, started_at, answered_at, ended_at, ended_by";
const CONVERSATION_COLUMNS: &str = "id, widget_id, visitor_id, contact_id, work_item_id, channel, \
    status, queue_id, skills, agent_id, agent_name, survey, context, url, invitation_id, \
    proactive_rule_id, wait_seconds, started_at, answered_at, ended_at, ended_by, case_id, \
    csat_score, csat_comment, csat_at";

/// A conversation about to start (its work item already created).
#[derive(Debug, Clone)]
pub struct NewConversation {
    pub id: String,
    pub widget_id: String,
    pub visitor_id: String,
    pub contact_id: Option<String>,
    pub work_item_id: String,
    pub queue_id: Option<String>,
    pub skills: String,
    pub survey: String,
    pub context: String,
    pub url: Option<String>,
    pub invitation_id: Option<String>,
    pub proactive_rule_id: Option<String>,
    pub started_at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageRow {
    pub seq: i64,
    pub conversation_id: String,
    /// `visitor`, `agent` or `system`.
    pub sender: String,
    pub agent_id: Option<String>,
    pub name: Option<String>,
    pub body: String,
    pub client_id: Option<String>,
    pub at: String,
}

const MESSAGE_COLUMNS: &str = "seq, conversation_id, sender, agent_id, name, body, client_id, at";

/// Rows per multi-row INSERT. Small on purpose: sqlx binds `$N` parameters
/// on SQLite by looking each name up among all of the statement's
/// parameters, so a statement's binding cost grows with the square of its
/// parameter count (measured: 500 rows × 8 parameters spent a third of the
/// CPU in `sqlite3_bind_parameter_name`). 16 rows keep that negligible while
/// still sharing one statement among many rows.
const MESSAGE_CHUNK: usize = 16;

impl Db {
    // ------------------------------------------------------------ widgets

    pub async fn widgets(&self) -> Result<Vec<WidgetRow>> {
        Ok(sqlx::query_as(
            "SELECT id, name, settings, created_at, updated_at FROM widgets ORDER BY name, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn widget(&self, id: &str) -> Result<WidgetRow> {
        sqlx::query_as(
            "SELECT id, name, settings, created_at, updated_at FROM widgets WHERE id = $1",
        )
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("widget"))
    }

    /// Creates (`id` None) or replaces a widget's settings.
    pub async fn put_widget(
        &self,
        id: Option<&str>,
        name: &str,
        settings: &str,
    ) -> Result<WidgetRow> {
        let mut tx = self.write_tx().await?;
        let (id, exists) = match id {
            Some(id) => (id.to_owned(), true),
            None => (new_id(), false),
        };
        self.put_widget_in(&mut tx, &id, exists, name, settings)
            .await?;
        tx.commit().await?;
        self.announce(Change::Widget { id: id.clone() });
        self.widget(&id).await
    }

    /// [`Db::put_widget`]'s writes in `tx`: replaces the widget `id` when
    /// it `exists`, else creates it with this id.
    pub(crate) async fn put_widget_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
        exists: bool,
        name: &str,
        settings: &str,
    ) -> Result<()> {
        let now = time::now();
        let of = exists.then_some(Of::Row("widgets", id));
        let (before, action) = before_put(tx, "widget", of).await?;
        if exists {
            let done = sqlx::query(
                "UPDATE widgets SET name = $1, settings = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(name.to_owned())
            .bind(settings.to_owned())
            .bind(now)
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("widget"));
            }
        } else {
            sqlx::query(
                "INSERT INTO widgets (id, name, settings, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(id.to_owned())
            .bind(name.to_owned())
            .bind(settings.to_owned())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        self.audit_of(tx, Area::Chat, &action, Of::Row("widgets", id), before)
            .await
    }

    /// Refused once visitors have used the widget: their history refers to it.
    pub async fn delete_widget(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        self.delete_widget_in(&mut tx, id).await?;
        tx.commit().await?;
        self.announce(Change::Widget { id: id.to_owned() });
        Ok(())
    }

    /// [`Db::delete_widget`]'s checks and writes in `tx`.
    pub(crate) async fn delete_widget_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
    ) -> Result<()> {
        let used: Option<String> =
            sqlx::query_scalar("SELECT id FROM visitors WHERE widget_id = $1 LIMIT 1")
                .bind(id.to_owned())
                .fetch_optional(&mut *tx)
                .await?;
        if used.is_some() {
            return Err(StoreError::Conflict(
                "visitors have used this widget; remove it from the site instead".into(),
            ));
        }
        let of = Of::Parts(&[("widgets", "id"), ("proactive_rules", "widget_id")], id);
        let before = snapshot(tx, of).await?;
        sqlx::query("DELETE FROM proactive_rules WHERE widget_id = $1")
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        crate::sql::delete_by_id(tx, "widgets", id, "widget").await?;
        self.audit_of(tx, Area::Chat, "widget.delete", of, before)
            .await
    }

    // ------------------------------------------------------------ proactive rules

    pub async fn proactive_rules(&self, widget_id: &str) -> Result<Vec<RuleRow>> {
        Ok(sqlx::query_as(
            "SELECT id, position, spec, shown, accepted, closed, expired FROM proactive_rules \
             WHERE widget_id = $1 ORDER BY position",
        )
        .bind(widget_id.to_owned())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Replaces the widget's ordered rule list; rules whose id is kept keep
    /// their counters.
    pub async fn put_proactive_rules(
        &self,
        widget_id: &str,
        rules: &[(String, String)],
    ) -> Result<Vec<RuleRow>> {
        let mut tx = self.write_tx().await?;
        self.put_proactive_rules_in(&mut tx, widget_id, rules)
            .await?;
        tx.commit().await?;
        self.announce(Change::Widget {
            id: widget_id.to_owned(),
        });
        self.proactive_rules(widget_id).await
    }

    /// [`Db::put_proactive_rules`]'s checks and writes in `tx`.
    pub(crate) async fn put_proactive_rules_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        widget_id: &str,
        rules: &[(String, String)],
    ) -> Result<()> {
        if !crate::sql::exists(tx, "widgets", widget_id).await? {
            return Err(StoreError::NotFound("widget"));
        }
        let of = Of::Parts(&[("proactive_rules", "widget_id")], widget_id);
        let before = snapshot(tx, of).await?;
        let existing: Vec<(String, String)> =
            sqlx::query_as("SELECT id, widget_id FROM proactive_rules WHERE widget_id = $1")
                .bind(widget_id.to_owned())
                .fetch_all(&mut *tx)
                .await?;
        for (id, _) in &existing {
            if !rules.iter().any(|(r, _)| r == id) {
                sqlx::query("DELETE FROM proactive_rules WHERE id = $1")
                    .bind(id.clone())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        for (position, (id, spec)) in rules.iter().enumerate() {
            if existing.iter().any(|(e, _)| e == id) {
                sqlx::query("UPDATE proactive_rules SET position = $1, spec = $2 WHERE id = $3")
                    .bind(position as i64)
                    .bind(spec.clone())
                    .bind(id.clone())
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query(
                    "INSERT INTO proactive_rules (id, widget_id, position, spec) VALUES ($1, $2, $3, $4)",
                )
                .bind(id.clone())
                .bind(widget_id.to_owned())
                .bind(position as i64)
                .bind(spec.clone())
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::from_write(e, "a rule with this id (in another widget)"))?;
            }
        }
        self.audit_of(tx, Area::Chat, "proactive_rules.update", of, before)
            .await
    }

    // ------------------------------------------------------------ visitors

    pub async fn visitor(&self, id: &str) -> Result<VisitorRow> {
        sqlx::query_as(&format!(
            "SELECT {VISITOR_COLUMNS} FROM visitors WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("visitor"))
    }

    /// Recognises a returning visitor of this widget (by the id its browser
    /// kept) or records a new one. A new `session_id` (or none) starts a new
    /// session. The first contact's details are kept; an authentication
    /// links the visitor to its contact.
    pub async fn register_visitor(
        &self,
        widget_id: &str,
        visitor_id: Option<&str>,
        session_id: Option<&str>,
        d: &VisitorDetails,
    ) -> Result<Registered> {
        let now = time::now();
        let mut tx = self.write_tx().await?;
        let known: Option<VisitorRow> = match visitor_id {
            Some(v) => {
                sqlx::query_as(&format!(
                    "SELECT {VISITOR_COLUMNS} FROM visitors WHERE id = $1 AND widget_id = $2{}",
                    self.for_update()
                ))
                .bind(v.to_owned())
                .bind(widget_id.to_owned())
                .fetch_optional(&mut *tx)
                .await?
            }
            None => None,
        };
        // A browser that kept a signed-in visitor's id is not that person
        // any more once it no longer proves it (signed out, or another user
        // signed in): it becomes a new visitor, and the previous one's
        // conversations stay theirs.
        let known = known.filter(|v| {
            let was_signed_in = v.authenticated != 0;
            let other_person =
                v.contact_id.is_some() && d.contact_id.is_some() && v.contact_id != d.contact_id;
            (!was_signed_in || d.authenticated) && !other_person
        });
        let registered = match known {
            Some(v) => {
                let same_session = session_id == Some(v.last_session_id.as_str());
                let session = if same_session {
                    v.last_session_id.clone()
                } else {
                    new_id()
                };
                let returning = v.sessions > 1 || !same_session;
                sqlx::query(
                    "UPDATE visitors SET sessions = sessions + $1, last_session_id = $2, last_seen_at = $3, \
                     contact_id = COALESCE($4, contact_id), \
                     authenticated = CASE WHEN $5 = 1 THEN 1 ELSE authenticated END WHERE id = $6",
                )
                .bind(if same_session { 0i64 } else { 1 })
                .bind(session.clone())
                .bind(now)
                .bind(d.contact_id.clone())
                .bind(d.authenticated as i64)
                .bind(v.id.clone())
                .execute(&mut *tx)
                .await?;
                (v.id, session, returning)
            }
            None => {
                let id = new_id();
                let session = new_id();
                sqlx::query(&format!(
                    "INSERT INTO visitors ({VISITOR_COLUMNS}) VALUES \
                     ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15, $15)"
                ))
                .bind(id.clone())
                .bind(widget_id.to_owned())
                .bind(d.contact_id.clone())
                .bind(d.authenticated as i64)
                .bind(d.browser.clone())
                .bind(d.browser_version.clone())
                .bind(d.os.clone())
                .bind(d.device.clone())
                .bind(d.language.clone())
                .bind(d.time_zone.clone())
                .bind(d.country.clone())
                .bind(d.city.clone())
                .bind(d.referrer.clone())
                .bind(session.clone())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                (id, session, false)
            }
        };
        tx.commit().await?;
        let (id, session_id, returning) = registered;
        Ok(Registered {
            visitor: self.visitor(&id).await?,
            session_id,
            returning,
        })
    }

    /// Links a visitor to a contact (found or created at its first chat).
    pub async fn link_visitor(&self, visitor_id: &str, contact_id: &str) -> Result<()> {
        sqlx::query("UPDATE visitors SET contact_id = $1 WHERE id = $2")
            .bind(contact_id.to_owned())
            .bind(visitor_id.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ------------------------------------------------------------ journey

    pub async fn add_journey(
        &self,
        visitor_id: &str,
        session_id: &str,
        kind: &str,
        url: Option<&str>,
        title: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO journey_events (id, visitor_id, session_id, kind, url, title, detail, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(visitor_id.to_owned())
        .bind(session_id.to_owned())
        .bind(kind.to_owned())
        .bind(url.map(str::to_owned))
        .bind(title.map(str::to_owned))
        .bind(detail.map(str::to_owned))
        .bind(time::now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Newest first.
    pub async fn journey(&self, visitor_id: &str, limit: u32) -> Result<Vec<JourneyRow>> {
        Ok(sqlx::query_as(
            "SELECT id, session_id, kind, url, title, detail, at FROM journey_events \
             WHERE visitor_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(visitor_id.to_owned())
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn pages_in_session(&self, visitor_id: &str, session_id: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM journey_events WHERE session_id = $1 AND visitor_id = $2 AND kind = 'page'",
        )
        .bind(session_id.to_owned())
        .bind(visitor_id.to_owned())
        .fetch_one(&self.pool)
        .await?)
    }

    // ------------------------------------------------------------ invitations

    /// Per rule: invited in this session, and when last invited.
    pub async fn invitation_history(
        &self,
        visitor_id: &str,
        session_id: &str,
    ) -> Result<Vec<(String, bool, String)>> {
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT rule_id, MAX(CASE WHEN session_id = $2 THEN 1 ELSE 0 END), MAX(shown_at) \
             FROM invitations WHERE visitor_id = $1 GROUP BY rule_id",
        )
        .bind(visitor_id.to_owned())
        .bind(session_id.to_owned())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(r, s, at)| (r, s == 1, at)).collect())
    }

    pub async fn create_invitation(
        &self,
        visitor_id: &str,
        session_id: &str,
        rule_id: &str,
        url: &str,
        seconds_on_page: u32,
    ) -> Result<InvitationRow> {
        let id = new_id();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO invitations (id, visitor_id, session_id, rule_id, url, seconds_on_page, shown_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.clone())
        .bind(visitor_id.to_owned())
        .bind(session_id.to_owned())
        .bind(rule_id.to_owned())
        .bind(url.to_owned())
        .bind(seconds_on_page as i64)
        .bind(time::now())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE proactive_rules SET shown = shown + 1 WHERE id = $1")
            .bind(rule_id.to_owned())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.invitation(&id).await
    }

    pub async fn invitation(&self, id: &str) -> Result<InvitationRow> {
        sqlx::query_as(&format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("invitation"))
    }

    /// Records how an invitation ended (`closed` or `expired`) and counts it
    /// on its rule; only the first outcome counts. Another visitor's
    /// invitation is not found.
    pub async fn decide_invitation(
        &self,
        id: &str,
        visitor_id: &str,
        outcome: &str,
    ) -> Result<InvitationRow> {
        let mut tx = self.write_tx().await?;
        decide(&mut tx, id, visitor_id, outcome).await?;
        tx.commit().await?;
        let row = self.invitation(id).await?;
        if row.visitor_id != visitor_id {
            return Err(StoreError::NotFound("invitation"));
        }
        Ok(row)
    }

    // ------------------------------------------------------------ conversations

    /// Records a started conversation; an accepted invitation is marked and
    /// counted in the same transaction.
    pub async fn create_conversation(&self, c: &NewConversation) -> Result<ConversationRow> {
        let mut tx = self.write_tx().await?;
        if let Some(inv) = &c.invitation_id {
            // Only an undecided invitation starts a chat (not one the widget
            // just reported expired, nor one already accepted).
            if decide(&mut tx, inv, &c.visitor_id, "accepted")
                .await?
                .is_none()
            {
                return Err(StoreError::Conflict(
                    "this invitation was already answered or has expired".into(),
                ));
            }
        }
        sqlx::query(&format!(
            "INSERT INTO conversations ({CONVERSATION_INSERT_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, 'chat', 'waiting', $6, $7, NULL, NULL, $8, $9, $10, $11, $12, NULL, $13, NULL, NULL, NULL)"
        ))
        .bind(c.id.clone())
        .bind(c.widget_id.clone())
        .bind(c.visitor_id.clone())
        .bind(c.contact_id.clone())
        .bind(c.work_item_id.clone())
        .bind(c.queue_id.clone())
        .bind(c.skills.clone())
        .bind(c.survey.clone())
        .bind(c.context.clone())
        .bind(c.url.clone())
        .bind(c.invitation_id.clone())
        .bind(c.proactive_rule_id.clone())
        .bind(c.started_at.clone())
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_write(e, "an open conversation of this visitor"))?;
        self.emit(
            &mut tx,
            EventType::ConversationStarted,
            serde_json::json!({
                "conversation_id": c.id, "channel": "chat", "widget_id": c.widget_id,
                "visitor_id": c.visitor_id, "contact_id": c.contact_id,
                "work_item_id": c.work_item_id, "queue_id": c.queue_id,
                "proactive_rule_id": c.proactive_rule_id, "started_at": c.started_at,
            }),
        )
        .await?;
        tx.commit().await?;
        self.conversation(&c.id).await
    }

    /// Undoes a conversation whose start failed before it was routed: the
    /// row goes, and an invitation it accepted is undecided again.
    pub async fn discard_conversation(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let inv: Option<Option<String>> =
            sqlx::query_scalar("SELECT invitation_id FROM conversations WHERE id = $1")
                .bind(id.to_owned())
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(Some(inv)) = inv {
            let rule: Option<String> = sqlx::query_scalar(
                "UPDATE invitations SET outcome = NULL, decided_at = NULL \
                 WHERE id = $1 AND outcome = 'accepted' RETURNING rule_id",
            )
            .bind(inv)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(rule) = rule {
                sqlx::query("UPDATE proactive_rules SET accepted = accepted - 1 WHERE id = $1")
                    .bind(rule)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("DELETE FROM chat_messages WHERE conversation_id = $1")
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM conversations WHERE id = $1")
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn conversation(&self, id: &str) -> Result<ConversationRow> {
        sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("conversation"))
    }

    pub async fn conversation_by_work_item(
        &self,
        work_item_id: &str,
    ) -> Result<Option<ConversationRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE work_item_id = $1"
        ))
        .bind(work_item_id.to_owned())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The visitor's conversation that has not ended, if any.
    pub async fn open_conversation(&self, visitor_id: &str) -> Result<Option<ConversationRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations \
             WHERE visitor_id = $1 AND status <> 'ended' ORDER BY started_at DESC LIMIT 1"
        ))
        .bind(visitor_id.to_owned())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Whether one of the visitor's conversations is within `w`: held by
    /// its agent, or (a supervisor's) of a work item in one of its queues.
    pub async fn visitor_served_within(&self, visitor_id: &str, w: &crate::Within) -> Result<bool> {
        let mut sql =
            crate::sql::Sql::new("SELECT COUNT(*) FROM conversations c WHERE c.visitor_id = ");
        sql.bind(visitor_id.to_owned());
        w.push(&mut sql, "c.work_item_id", None, Some("c.agent_id"));
        let n: i64 = sqlx::query_scalar_with(&sql.text, sql.args)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Conversations not ended (for the coordinator after a restart).
    pub async fn open_conversations(&self) -> Result<Vec<ConversationRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE status <> 'ended'"
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Newest first; `agent` limits to one agent's conversations.
    pub async fn conversations(
        &self,
        status: Option<&str>,
        agent: Option<&str>,
        before: Option<(&str, &str)>,
        limit: u32,
    ) -> Result<Vec<ConversationRow>> {
        let mut sql = crate::sql::Sql::new(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE 1 = 1"
        ));
        if let Some(s) = status {
            sql.push(" AND status = ").bind(s.to_owned());
        }
        if let Some(a) = agent {
            sql.push(" AND agent_id = ").bind(a.to_owned());
        }
        if let Some((at, id)) = before {
            sql.push(" AND (started_at < ")
                .bind(at.to_owned())
                .push(" OR (started_at = ")
                .bind(at.to_owned())
                .push(" AND id < ")
                .bind(id.to_owned())
                .push("))");
        }
        sql.push(" ORDER BY started_at DESC, id DESC LIMIT ")
            .bind(limit as i64 + 1);
        Ok(sqlx::query_as_with(&sql.text, sql.args)
            .fetch_all(&self.pool)
            .await?)
    }

    /// An agent accepted `work_item`: the conversation becomes active with
    /// that agent (true when this call changed it; an ended one never
    /// changes). Only the conversation's own work item moves it: an
    /// assignment of any other item changes nothing.
    pub async fn assign_conversation(
        &self,
        id: &str,
        work_item_id: &str,
        agent_id: &str,
        agent_name: &str,
        at: &str,
        wait_seconds: i64,
    ) -> Result<bool> {
        // A transfer assigns an active conversation to its next agent; the
        // first answer's time and wait are kept.
        let done = sqlx::query(
            "UPDATE conversations SET status = 'active', agent_id = $1, agent_name = $2, \
             answered_at = COALESCE(answered_at, $3), wait_seconds = COALESCE(wait_seconds, $4) \
             WHERE id = $5 AND work_item_id = $6 AND status <> 'ended' \
             AND (agent_id IS NULL OR agent_id <> $1)",
        )
        .bind(agent_id.to_owned())
        .bind(agent_name.to_owned())
        .bind(at.to_owned())
        .bind(wait_seconds)
        .bind(id.to_owned())
        .bind(work_item_id.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends the conversation and writes its transcript on the contact's
    /// timeline in the same transaction, read after the row is locked so no
    /// message committed before the end is missing from it (the message
    /// writer refuses messages for ended conversations). Returns false when
    /// it had already ended (ending twice is harmless).
    /// Records the visitor's rating of an ended conversation, once, with an
    /// entry on the contact's timeline in the same transaction.
    pub async fn rate_conversation(
        &self,
        id: &str,
        score: i64,
        comment: Option<&str>,
        at: &str,
    ) -> Result<ConversationRow> {
        let mut tx = self.write_tx().await?;
        let row: Option<ConversationRow> = sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = $1{}",
            self.for_update()
        ))
        .bind(id.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound("conversation"));
        };
        if row.status != "ended" {
            return Err(StoreError::Conflict(
                "a chat is rated once it has ended".into(),
            ));
        }
        if row.csat_score.is_some() {
            return Err(StoreError::Conflict("this chat was already rated".into()));
        }
        sqlx::query(
            "UPDATE conversations SET csat_score = $1, csat_comment = $2, csat_at = $3 WHERE id = $4",
        )
        .bind(score)
        .bind(comment.map(str::to_owned))
        .bind(at.to_owned())
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
        crate::reports::add_rating_in(
            &mut tx,
            at,
            score,
            row.queue_id.as_deref().unwrap_or(""),
            row.agent_id.as_deref().unwrap_or(""),
            &row.channel,
        )
        .await?;
        if let Some(contact) = &row.contact_id {
            insert_activity(
                &mut tx,
                &NewActivity {
                    kind: ActivityKind::Conversation,
                    contact_id: Some(contact.clone()),
                    case_id: row.case_id.clone(),
                    conversation_id: Some(id.to_owned()),
                    subject: Some(switchboard_core::chat::rating::subject(score)),
                    body: comment.map(str::to_owned),
                    occurred_at: at.to_owned(),
                },
                &Author {
                    agent_id: None,
                    name: "Visitor".into(),
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.conversation(id).await
    }

    pub async fn end_conversation(&self, id: &str, by: &str, at: &str) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let row: Option<ConversationRow> = sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = $1{}",
            self.for_update()
        ))
        .bind(id.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound("conversation"));
        };
        if row.status == "ended" {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE conversations SET status = 'ended', ended_at = $1, ended_by = $2 WHERE id = $3",
        )
        .bind(at.to_owned())
        .bind(by.to_owned())
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
        self.emit(
            &mut tx,
            EventType::ConversationEnded,
            serde_json::json!({
                "conversation_id": row.id, "channel": row.channel, "widget_id": row.widget_id,
                "visitor_id": row.visitor_id, "contact_id": row.contact_id,
                "work_item_id": row.work_item_id, "queue_id": row.queue_id,
                "agent_id": row.agent_id, "started_at": row.started_at,
                "answered_at": row.answered_at, "ended_at": at, "ended_by": by,
            }),
        )
        .await?;
        if row.contact_id.is_some() {
            let messages: Vec<MessageRow> = sqlx::query_as(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM chat_messages WHERE conversation_id = $1 ORDER BY seq LIMIT 10000"
            ))
            .bind(id.to_owned())
            .fetch_all(&mut *tx)
            .await?;
            let lines: Vec<(String, String, String)> = messages
                .into_iter()
                .map(|m| {
                    let who = match m.sender.as_str() {
                        "visitor" => "Visitor".to_owned(),
                        "agent" => m.name.unwrap_or_else(|| "Agent".into()),
                        _ => "Switchboard".to_owned(),
                    };
                    (m.at, who, m.body)
                })
                .collect();
            let transcript = switchboard_core::chat::transcript(&lines);
            let author = Author {
                agent_id: row.agent_id.clone(),
                name: row
                    .agent_name
                    .clone()
                    .unwrap_or_else(|| "Switchboard".into()),
            };
            let subject = match &row.agent_name {
                Some(a) => format!("Chat with {a}"),
                None => "Chat (not answered)".to_owned(),
            };
            insert_activity(
                &mut tx,
                &NewActivity {
                    kind: ActivityKind::Conversation,
                    contact_id: row.contact_id.clone(),
                    case_id: None,
                    conversation_id: Some(id.to_owned()),
                    subject: Some(subject),
                    body: Some(transcript),
                    // At the end, where a newest-first timeline shows
                    // it on top (the body keeps each message's time).
                    occurred_at: at.to_owned(),
                },
                &author,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    // ------------------------------------------------------------ messages

    /// The highest message seq written so far (0 when none).
    pub async fn last_message_seq(&self) -> Result<i64> {
        let max: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM chat_messages")
            .fetch_one(&self.pool)
            .await?;
        Ok(max.unwrap_or(0))
    }

    /// A connection kept apart for the message writer: its page cache stays
    /// warm between batches instead of following the pool's rotation.
    pub async fn message_connection(&self) -> Result<MessageConnection> {
        Ok(MessageConnection {
            conn: self.pool.acquire().await?,
            backend: self.backend(),
        })
    }

    pub async fn message_by_client_id(
        &self,
        conversation_id: &str,
        sender: &str,
        client_id: &str,
    ) -> Result<Option<MessageRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM chat_messages WHERE conversation_id = $1 AND sender = $2 AND client_id = $3"
        ))
        .bind(conversation_id.to_owned())
        .bind(sender.to_owned())
        .bind(client_id.to_owned())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Oldest first.
    pub async fn messages_after(
        &self,
        conversation_id: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<MessageRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM chat_messages WHERE conversation_id = $1 AND seq > $2 \
             ORDER BY seq LIMIT $3"
        ))
        .bind(conversation_id.to_owned())
        .bind(after)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Sets an invitation's outcome if it has none, counting it on the rule.
async fn decide(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    visitor_id: &str,
    outcome: &str,
) -> Result<Option<String>> {
    let rule: Option<String> = sqlx::query_scalar(
        "UPDATE invitations SET outcome = $1, decided_at = $2 \
         WHERE id = $3 AND visitor_id = $4 AND outcome IS NULL RETURNING rule_id",
    )
    .bind(outcome.to_owned())
    .bind(time::now())
    .bind(id.to_owned())
    .bind(visitor_id.to_owned())
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(rule) = &rule {
        let column = match outcome {
            "accepted" => "accepted",
            "closed" => "closed",
            _ => "expired",
        };
        sqlx::query(&format!(
            "UPDATE proactive_rules SET {column} = {column} + 1 WHERE id = $1"
        ))
        .bind(rule.clone())
        .execute(&mut **tx)
        .await?;
    }
    Ok(rule)
}

impl Db {
    /// The contact whose `external_id` is the host site's user id.
    pub async fn contact_id_by_external_id(&self, external_id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM contacts WHERE external_id = $1")
                .bind(external_id.to_owned())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The oldest contact with this email (emails are stored as given, so
    /// compare case-insensitively).
    pub async fn contact_id_by_email(&self, email: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM contacts WHERE LOWER(email) = LOWER($1) ORDER BY created_at, id LIMIT 1",
        )
        .bind(email.to_owned())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Records the work item the engine made for a conversation; false when
    /// the conversation ended meanwhile.
    pub async fn set_conversation_work_item(
        &self,
        id: &str,
        work_item_id: &str,
        queue_id: &str,
        skills: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE conversations SET work_item_id = $1, queue_id = $2, skills = $3 \
             WHERE id = $4 AND status <> 'ended'",
        )
        .bind(work_item_id.to_owned())
        .bind(queue_id.to_owned())
        .bind(skills.to_owned())
        .bind(id.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Db {
    /// An invitation of this visitor still on screen (undecided and younger
    /// than `seconds`), if any.
    pub async fn undecided_invitation(
        &self,
        visitor_id: &str,
        seconds: u32,
    ) -> Result<Option<String>> {
        let since = time::format(
            jiff::Timestamp::now() - jiff::SignedDuration::from_secs(i64::from(seconds)),
        );
        Ok(sqlx::query_scalar(
            "SELECT id FROM invitations WHERE visitor_id = $1 AND outcome IS NULL AND shown_at > $2 LIMIT 1",
        )
        .bind(visitor_id.to_owned())
        .bind(since)
        .fetch_optional(&self.pool)
        .await?)
    }
}

/// The message writer's own connection (see [`Db::message_connection`]).
pub struct MessageConnection {
    conn: sqlx::pool::PoolConnection<sqlx::Any>,
    backend: crate::Backend,
}

impl MessageConnection {
    /// Writes a batch in one transaction. A `(conversation, client_id)`
    /// already stored is skipped (a resent message), and reported back.
    pub async fn insert(&mut self, batch: &[MessageRow]) -> Result<Inserted> {
        use sqlx::Connection;
        let mut tx = match self.backend {
            crate::Backend::Sqlite => self.conn.begin_with("BEGIN IMMEDIATE").await?,
            crate::Backend::Postgres => self.conn.begin().await?,
        };
        // Messages for a conversation that has ended are refused. The open
        // ones are share-locked (PostgreSQL; SQLite's write lock already
        // serializes), so an end waits for this batch and its transcript
        // includes it.
        let mut ids: Vec<&str> = batch.iter().map(|m| m.conversation_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut open = std::collections::HashSet::new();
        for chunk in ids.chunks(200) {
            let mut sql = crate::sql::Sql::new(
                "SELECT id FROM conversations WHERE status <> 'ended' AND id IN (",
            );
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(id.to_string());
            }
            sql.push(")");
            if self.backend == crate::Backend::Postgres {
                sql.push(" FOR SHARE");
            }
            let found: Vec<String> = sqlx::query_scalar_with(&sql.text, sql.args)
                .fetch_all(&mut *tx)
                .await?;
            open.extend(found);
        }
        let (batch, ended): (Vec<&MessageRow>, Vec<&MessageRow>) = batch
            .iter()
            .partition(|m| open.contains(&m.conversation_id));
        let mut skipped = Vec::new();
        for chunk in batch.chunks(MESSAGE_CHUNK) {
            let mut sql = crate::sql::Sql::new(&format!(
                "INSERT INTO chat_messages ({MESSAGE_COLUMNS}) VALUES "
            ));
            for (i, m) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push("(")
                    .bind(m.seq)
                    .push(", ")
                    .bind(m.conversation_id.clone())
                    .push(", ")
                    .bind(m.sender.clone())
                    .push(", ")
                    .bind(m.agent_id.clone())
                    .push(", ")
                    .bind(m.name.clone())
                    .push(", ")
                    .bind(m.body.clone())
                    .push(", ")
                    .bind(m.client_id.clone())
                    .push(", ")
                    .bind(m.at.clone())
                    .push(")");
            }
            sql.push(" ON CONFLICT (conversation_id, sender, client_id) DO NOTHING RETURNING seq");
            let written: Vec<i64> = sqlx::query_scalar_with(&sql.text, sql.args)
                .fetch_all(&mut *tx)
                .await?;
            if written.len() < chunk.len() {
                let written: std::collections::HashSet<i64> = written.into_iter().collect();
                skipped.extend(chunk.iter().map(|m| m.seq).filter(|s| !written.contains(s)));
            }
        }
        tx.commit().await?;
        Ok(Inserted {
            duplicates: skipped,
            ended: ended.iter().map(|m| m.seq).collect(),
        })
    }
}

/// What a batch insert did not write.
#[derive(Debug, Default)]
pub struct Inserted {
    /// Resent messages already stored (same conversation, sender, client id).
    pub duplicates: Vec<i64>,
    /// Messages for conversations that had ended.
    pub ended: Vec<i64>,
}
