//! Scheduling: branches, topics, advisors (hours, time off) and meetings.
//!
//! Booking, moving and cancelling a meeting each run in one transaction that
//! also writes the timeline entry and the outbox rows of the messages the
//! change causes, so a meeting and what the customer is told of it never
//! disagree. Double booking is prevented by locking the candidate advisors'
//! rows (PostgreSQL `FOR UPDATE`; SQLite's `BEGIN IMMEDIATE` already
//! serializes writers) and re-checking their availability inside the lock
//! with the same rule the slot search uses (`scheduling::is_free`).
//!
//! What a booking, a move or a cancellation decides (is the request valid,
//! which advisor takes the meeting, what the timeline says) is decided by
//! `switchboard_core::booking::rules`; this module reads the facts those
//! rules need and writes their answer.

use std::collections::BTreeMap;
use switchboard_core::webhooks::EventType;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use switchboard_core::booking::rules::{self, Next};
use switchboard_core::booking::{
    AdvisorDraft, BookingDraft, BranchDraft, MeetingType, TimeOffDraft, TopicDraft,
    TopicTranslation,
};
use switchboard_core::communications::{Channel, Kind, Settings};
use switchboard_core::records::ActivityKind;
use switchboard_core::scheduling::{self, AdvisorAvailability, Interval, RangeSpec};
use switchboard_core::{time, Invalid};

use crate::activities::{insert_activity, Author, NewActivity};
use crate::audit::{before_put, snapshot, Area, Of};
use crate::{new_id, Db, Result, StoreError};
use serde_json::Value;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Branch {
    pub id: String,
    pub name: String,
    pub address: String,
    pub time_zone: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Topic {
    pub id: String,
    pub name: String,
    pub description: String,
    pub duration_minutes: i64,
    pub meeting_types: Vec<MeetingType>,
    pub skills: Vec<String>,
    pub instructions: String,
    /// The customer-facing texts by language (`fr`, `es`, `en`); what a
    /// language leaves out falls back to the texts above.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub translations: BTreeMap<String, TopicTranslation>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(sqlx::FromRow)]
struct TopicRow {
    id: String,
    name: String,
    description: String,
    duration_minutes: i64,
    meeting_types: String,
    skills: String,
    instructions: String,
    translations: String,
    created_at: String,
    updated_at: String,
}

impl From<TopicRow> for Topic {
    fn from(r: TopicRow) -> Self {
        Topic {
            id: r.id,
            name: r.name,
            description: r.description,
            duration_minutes: r.duration_minutes,
            meeting_types: serde_json::from_str(&r.meeting_types).unwrap_or_default(),
            skills: serde_json::from_str(&r.skills).unwrap_or_default(),
            instructions: r.instructions,
            translations: serde_json::from_str(&r.translations).unwrap_or_default(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl Topic {
    pub fn duration(&self) -> SignedDuration {
        SignedDuration::from_mins(self.duration_minutes)
    }

    /// Name, description and instructions in `language`, falling back to
    /// the topic's own texts.
    pub fn localized(&self, language: &str) -> (&str, &str, &str) {
        switchboard_core::booking::localized(
            (&self.name, &self.description, &self.instructions),
            &self.translations,
            language,
        )
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Advisor {
    pub agent_id: String,
    pub name: String,
    pub bookable: bool,
    pub time_zone: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub hours: Vec<RangeSpec>,
    pub branch_ids: Vec<String>,
    /// The agent's routing skills (managed with the agent's routing profile).
    pub skills: Vec<String>,
    pub updated_at: String,
}

#[derive(sqlx::FromRow)]
struct AdvisorRow {
    agent_id: String,
    name: String,
    active: i64,
    bookable: i64,
    time_zone: String,
    hours: String,
    branch_ids: String,
    updated_at: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeOff {
    pub id: String,
    pub agent_id: String,
    pub starts_at: String,
    pub ends_at: String,
    pub reason: String,
}

/// A meeting as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Meeting {
    pub id: String,
    pub contact_id: String,
    pub topic_id: String,
    pub meeting_type: String,
    pub branch_id: Option<String>,
    pub join_url: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
    pub time_zone: String,
    pub language: String,
    pub state: String,
    pub customer_notes: String,
    pub sequence: i64,
    pub booked_by: String,
    /// `api` or `page` (the public booking page; the address is unproven).
    pub booked_via: String,
    pub cancelled_at: Option<String>,
    pub cancelled_by: Option<String>,
    pub cancel_path: Option<String>,
    pub email_reminder_sent_at: Option<String>,
    pub sms_reminder_sent_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// A `pending` booking from the page holds its advisors until then,
    /// waiting for the owner of the address to confirm it.
    pub hold_until: Option<String>,
    /// When the owner of the address confirmed a page booking.
    pub address_confirmed_at: Option<String>,
    /// When staff marked that the customer did not come (a no-show).
    pub no_show_at: Option<String>,
    /// The agent who marked it (none for a token bound to no agent).
    pub no_show_by: Option<String>,
}

impl Meeting {
    /// Booked on the public page and never confirmed by the owner of the
    /// address: nothing may be delivered about it but the request to
    /// confirm.
    pub fn unconfirmed_page_booking(&self) -> bool {
        self.booked_via == "page" && self.address_confirmed_at.is_none()
    }
}

const MEETING_COLUMNS: &str = "id, contact_id, topic_id, meeting_type, branch_id, join_url, \
    starts_at, ends_at, time_zone, language, state, customer_notes, sequence, booked_by, \
    booked_via, cancelled_at, cancelled_by, cancel_path, email_reminder_sent_at, sms_reminder_sent_at, \
    created_at, updated_at, hold_until, address_confirmed_at, no_show_at, no_show_by";

pub use switchboard_core::booking::rules::CancelPath;

/// A booking's outcome.
#[derive(Debug, Clone)]
pub struct Booked {
    pub meeting: Meeting,
    /// The Idempotency-Key was seen before: this is the earlier booking.
    pub replayed: bool,
}

/// What a booking needs beyond the request.
#[derive(Debug, Clone)]
pub struct BookingContext<'a> {
    pub booked_by: &'a Author,
    pub idempotency_key: Option<&'a str>,
    /// Hash of the request body, to refuse a reused key with another body.
    pub request_hash: &'a str,
    /// `{meeting_id}` is replaced for online meetings.
    pub join_url_template: &'a str,
    /// Booked on the public page (`page`) or through the API (`api`).
    pub via: &'a str,
    pub now: Timestamp,
    /// A page booking waiting for the owner of the address: held (state
    /// `pending`) until then, with one request to confirm and no
    /// confirmation until the link is followed.
    pub hold: Option<Hold<'a>>,
}

/// A held booking from the public page, within the daily limits.
#[derive(Debug, Clone)]
pub struct Hold<'a> {
    pub until: Timestamp,
    /// The address the request to confirm goes to (lower case).
    pub email: &'a str,
    /// The client's address bucket (IPv4 address or IPv6 /64).
    pub bucket: &'a str,
    pub limits: DailyLimits,
}

/// At most this many held bookings (so requests to confirm) a day.
#[derive(Debug, Clone, Copy)]
pub struct DailyLimits {
    pub per_email: i64,
    pub per_phone: i64,
    pub per_bucket: i64,
}

/// The daily-limit rule name in a refusal (`customer.email: daily_limit`).
pub const DAILY_LIMIT: &str = "daily_limit";

/// The outbox kind of the request to confirm a page booking (not a
/// meeting communication: no settings switch, no editable template).
pub const ADDRESS_CHECK: &str = "address_check";

/// The advisors of a meeting with their names.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingAdvisor {
    pub id: String,
    pub name: String,
}

impl Db {
    // ---------------------------------------------------------------- branches

    pub async fn branches(&self) -> Result<Vec<Branch>> {
        Ok(sqlx::query_as("SELECT * FROM branches ORDER BY name, id")
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn branch(&self, id: &str) -> Result<Branch> {
        sqlx::query_as("SELECT * FROM branches WHERE id = $1")
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("branch"))
    }

    pub async fn save_branch(&self, id: Option<&str>, d: &BranchDraft) -> Result<Branch> {
        let mut tx = self.write_tx().await?;
        let (id, exists) = match id {
            Some(id) => (id.to_owned(), true),
            None => (new_id(), false),
        };
        self.save_branch_in(&mut tx, &id, exists, d).await?;
        tx.commit().await?;
        self.branch(&id).await
    }

    /// [`Db::save_branch`]'s writes in `tx`: replaces the branch `id` when
    /// it `exists`, else creates it with this id.
    pub(crate) async fn save_branch_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
        exists: bool,
        d: &BranchDraft,
    ) -> Result<()> {
        let now = time::now();
        let of = exists.then_some(Of::Row("branches", id));
        let (before, action) = before_put(tx, "branch", of).await?;
        if exists {
            let done = sqlx::query(
                "UPDATE branches SET name = $1, address = $2, time_zone = $3, updated_at = $4 WHERE id = $5",
            )
            .bind(d.name.clone())
            .bind(d.address.clone())
            .bind(d.time_zone.clone())
            .bind(now)
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("branch"));
            }
        } else {
            sqlx::query("INSERT INTO branches (id, name, address, time_zone, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
                .bind(id.to_owned())
                .bind(d.name.clone())
                .bind(d.address.clone())
                .bind(d.time_zone.clone())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        let of = Of::Row("branches", id);
        self.audit_of(tx, Area::Scheduling, &action, of, before)
            .await
    }

    /// Deletes a branch no meeting and no advisor refers to.
    pub async fn delete_branch(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        self.delete_branch_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Db::delete_branch`]'s checks and writes in `tx`.
    pub(crate) async fn delete_branch_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
    ) -> Result<()> {
        let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meetings WHERE branch_id = $1")
            .bind(id.to_owned())
            .fetch_one(&mut *tx)
            .await?;
        let pattern = format!("%\"{}\"%", crate::sql::like_escape(id));
        let advisors: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM advisors WHERE branch_ids LIKE $1 ESCAPE '\\'",
        )
        .bind(pattern)
        .fetch_one(&mut *tx)
        .await?;
        if used > 0 || advisors > 0 {
            return Err(StoreError::Conflict(
                "the branch has meetings or advisors; remove them from it first".into(),
            ));
        }
        let of = Of::Row("branches", id);
        let before = snapshot(tx, of).await?;
        crate::sql::delete_by_id(tx, "branches", id, "branch").await?;
        self.audit_of(tx, Area::Scheduling, "branch.delete", of, before)
            .await
    }

    // ------------------------------------------------------------------ topics

    pub async fn topics(&self) -> Result<Vec<Topic>> {
        let rows: Vec<TopicRow> = sqlx::query_as("SELECT * FROM topics ORDER BY name, id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Topic::from).collect())
    }

    pub async fn topic(&self, id: &str) -> Result<Topic> {
        let row: Option<TopicRow> = sqlx::query_as("SELECT * FROM topics WHERE id = $1")
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.map(Topic::from).ok_or(StoreError::NotFound("topic"))
    }

    pub async fn save_topic(&self, id: Option<&str>, d: &TopicDraft) -> Result<Topic> {
        let mut tx = self.write_tx().await?;
        let (id, exists) = match id {
            Some(id) => (id.to_owned(), true),
            None => (new_id(), false),
        };
        self.save_topic_in(&mut tx, &id, exists, d).await?;
        tx.commit().await?;
        self.topic(&id).await
    }

    /// [`Db::save_topic`]'s checks and writes in `tx`: replaces the topic
    /// `id` when it `exists`, else creates it with this id.
    pub(crate) async fn save_topic_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
        exists: bool,
        d: &TopicDraft,
    ) -> Result<()> {
        unknown_in_list(tx, "skills", ("skills", "skill"), &d.skills).await?;
        let now = time::now();
        let types = serde_json::to_string(&d.meeting_types).expect("serializes");
        let skills = serde_json::to_string(&d.skills).expect("serializes");
        let translations = serde_json::to_string(&d.translations).expect("serializes");
        let of = exists.then_some(Of::Row("topics", id));
        let (before, action) = before_put(tx, "topic", of).await?;
        if exists {
            let done = sqlx::query(
                "UPDATE topics SET name = $1, description = $2, duration_minutes = $3, meeting_types = $4, \
                 skills = $5, instructions = $6, updated_at = $7, translations = $9 WHERE id = $8",
            )
            .bind(d.name.clone())
            .bind(d.description.clone())
            .bind(i64::from(d.duration_minutes))
            .bind(types)
            .bind(skills)
            .bind(d.instructions.clone())
            .bind(now)
            .bind(id.to_owned())
            .bind(translations.clone())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("topic"));
            }
        } else {
            sqlx::query(
                "INSERT INTO topics (id, name, description, duration_minutes, meeting_types, skills, \
                 instructions, created_at, updated_at, translations) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)",
            )
            .bind(id.to_owned())
            .bind(d.name.clone())
            .bind(d.description.clone())
            .bind(i64::from(d.duration_minutes))
            .bind(types)
            .bind(skills)
            .bind(d.instructions.clone())
            .bind(now)
            .bind(translations.clone())
            .execute(&mut *tx)
            .await?;
        }
        let of = Of::Row("topics", id);
        self.audit_of(tx, Area::Scheduling, &action, of, before)
            .await
    }

    pub async fn delete_topic(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        self.delete_topic_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Db::delete_topic`]'s checks and writes in `tx`.
    pub(crate) async fn delete_topic_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
    ) -> Result<()> {
        let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meetings WHERE topic_id = $1")
            .bind(id.to_owned())
            .fetch_one(&mut *tx)
            .await?;
        if used > 0 {
            return Err(StoreError::Conflict("the topic has meetings".into()));
        }
        let of = Of::Row("topics", id);
        let before = snapshot(tx, of).await?;
        crate::sql::delete_by_id(tx, "topics", id, "topic").await?;
        self.audit_of(tx, Area::Scheduling, "topic.delete", of, before)
            .await
    }

    // ---------------------------------------------------------------- advisors

    pub async fn advisors(&self) -> Result<Vec<Advisor>> {
        let rows: Vec<AdvisorRow> = sqlx::query_as(
            "SELECT a.agent_id, g.name, g.active, a.bookable, a.time_zone, a.hours, a.branch_ids, a.updated_at \
             FROM advisors a JOIN agents g ON g.id = a.agent_id ORDER BY g.name, a.agent_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let skills = self.all_agent_skills().await?;
        Ok(rows.into_iter().map(|r| advisor_from(r, &skills)).collect())
    }

    pub async fn advisor(&self, agent_id: &str) -> Result<Advisor> {
        self.advisors()
            .await?
            .into_iter()
            .find(|a| a.agent_id == agent_id)
            .ok_or(StoreError::NotFound("advisor"))
    }

    async fn all_agent_skills(&self) -> Result<BTreeMap<String, Vec<String>>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT agent_id, skill_id FROM agent_skills ORDER BY skill_id")
                .fetch_all(&self.pool)
                .await?;
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (agent, skill) in rows {
            out.entry(agent).or_default().push(skill);
        }
        Ok(out)
    }

    /// Makes an agent bookable (or changes their profile).
    pub async fn put_advisor(&self, agent_id: &str, d: &AdvisorDraft) -> Result<Advisor> {
        let mut tx = self.write_tx().await?;
        if !crate::sql::exists(&mut tx, "agents", agent_id).await? {
            return Err(StoreError::NotFound("agent"));
        }
        unknown_in_list(&mut tx, "branch_ids", ("branches", "branch"), &d.branch_ids).await?;
        let hours = serde_json::to_string(&d.hours.to_specs()).expect("serializes");
        let branches = serde_json::to_string(&d.branch_ids).expect("serializes");
        let of = Of::Parts(&[("advisors", "agent_id")], agent_id);
        let before = snapshot(&mut tx, of).await?;
        sqlx::query(
            "INSERT INTO advisors (agent_id, bookable, time_zone, hours, branch_ids, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (agent_id) DO UPDATE SET \
             bookable = $2, time_zone = $3, hours = $4, branch_ids = $5, updated_at = $6",
        )
        .bind(agent_id.to_owned())
        .bind(i64::from(d.bookable))
        .bind(d.time_zone.clone())
        .bind(hours)
        .bind(branches)
        .bind(time::now())
        .execute(&mut *tx)
        .await?;
        self.audit_of(&mut tx, Area::Scheduling, "advisor.update", of, before)
            .await?;
        tx.commit().await?;
        self.advisor(agent_id).await
    }

    pub async fn time_off(&self, agent_id: &str) -> Result<Vec<TimeOff>> {
        self.advisor(agent_id).await?;
        Ok(sqlx::query_as(
            "SELECT id, agent_id, starts_at, ends_at, reason FROM advisor_time_off \
             WHERE agent_id = $1 ORDER BY starts_at, id",
        )
        .bind(agent_id.to_owned())
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn add_time_off(&self, agent_id: &str, d: &TimeOffDraft) -> Result<TimeOff> {
        self.advisor(agent_id).await?;
        let id = new_id();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO advisor_time_off (id, agent_id, starts_at, ends_at, reason) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.clone())
        .bind(agent_id.to_owned())
        .bind(time::format(d.starts_at))
        .bind(time::format(d.ends_at))
        .bind(d.reason.clone())
        .execute(&mut *tx)
        .await?;
        let of = Of::Row("advisor_time_off", &id);
        self.audit_of(
            &mut tx,
            Area::Scheduling,
            "time_off.create",
            of,
            Value::Null,
        )
        .await?;
        tx.commit().await?;
        Ok(TimeOff {
            id,
            agent_id: agent_id.to_owned(),
            starts_at: time::format(d.starts_at),
            ends_at: time::format(d.ends_at),
            reason: d.reason.clone(),
        })
    }

    pub async fn delete_time_off(&self, agent_id: &str, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let of = Of::Row("advisor_time_off", id);
        let before = snapshot(&mut tx, of).await?;
        let done = sqlx::query("DELETE FROM advisor_time_off WHERE id = $1 AND agent_id = $2")
            .bind(id.to_owned())
            .bind(agent_id.to_owned())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("time off"));
        }
        self.audit_of(&mut tx, Area::Scheduling, "time_off.delete", of, before)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ availability

    /// The advisors who could take `topic` as `meeting_type` (at `branch`),
    /// with their time off and meetings overlapping `[from, to)`.
    pub async fn availability(
        &self,
        topic: &Topic,
        branch_id: Option<&str>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<AdvisorAvailability>> {
        self.expire_due_holds(Timestamp::now()).await?;
        let mut conn = self.pool.acquire().await?;
        let candidates = fitting_advisors(&mut conn, topic, branch_id, None).await?;
        let mut out = Vec::with_capacity(candidates.len());
        for a in candidates {
            out.push(load_availability(&mut conn, a, from, to, None).await?);
        }
        Ok(out)
    }

    // ---------------------------------------------------------------- meetings

    pub async fn meeting(&self, id: &str) -> Result<Meeting> {
        sqlx::query_as(&format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("meeting"))
    }

    pub async fn meeting_advisors(&self, id: &str) -> Result<Vec<MeetingAdvisor>> {
        Ok(sqlx::query_as(
            "SELECT g.id, g.name FROM meeting_advisors m JOIN agents g ON g.id = m.agent_id \
             WHERE m.meeting_id = $1 ORDER BY g.name, g.id",
        )
        .bind(id.to_owned())
        .fetch_all(&self.pool)
        .await?)
    }

    /// The oldest contact with this (lower-case) email address.
    pub async fn contact_by_email(&self, email: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM contacts WHERE email = $1 ORDER BY created_at, id LIMIT 1",
        )
        .bind(email.to_owned())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A contact's meetings, soonest first.
    pub async fn contact_meetings(&self, contact_id: &str) -> Result<Vec<Meeting>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE contact_id = $1 ORDER BY starts_at, id LIMIT 200"
        ))
        .bind(contact_id.to_owned())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Books a meeting: checks every reference, locks the candidate
    /// advisors, re-checks they are free, and writes the meeting, its
    /// advisors, the timeline entry and the confirmation messages together.
    ///
    /// A request repeating an Idempotency-Key answers the first booking,
    /// also when it raced the first one (on PostgreSQL it then waits for
    /// the advisors' lock and loses the re-check, or hits the key's unique
    /// index): a conflict is re-read by key before it is reported.
    pub async fn book_meeting(&self, d: &BookingDraft, ctx: &BookingContext<'_>) -> Result<Booked> {
        match self.book_once(d, ctx).await {
            Err(StoreError::Conflict(why)) => {
                if let Some(key) = ctx.idempotency_key {
                    let seen: Option<(String, Option<String>)> = sqlx::query_as(
                        "SELECT id, request_hash FROM meetings WHERE idempotency_key = $1",
                    )
                    .bind(key.to_owned())
                    .fetch_optional(&self.pool)
                    .await?;
                    if let Some((id, hash)) = seen {
                        if hash.as_deref() == Some(ctx.request_hash) {
                            return Ok(Booked {
                                meeting: self.meeting(&id).await?,
                                replayed: true,
                            });
                        }
                    }
                }
                Err(StoreError::Conflict(why))
            }
            other => other,
        }
    }

    async fn book_once(&self, d: &BookingDraft, ctx: &BookingContext<'_>) -> Result<Booked> {
        let mut tx = self.write_tx().await?;
        if let Some(key) = ctx.idempotency_key {
            let seen: Option<(String, Option<String>)> =
                sqlx::query_as("SELECT id, request_hash FROM meetings WHERE idempotency_key = $1")
                    .bind(key.to_owned())
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((id, hash)) = seen {
                if hash.as_deref() != Some(ctx.request_hash) {
                    return Err(StoreError::Conflict(
                        "this Idempotency-Key was used for a different request".into(),
                    ));
                }
                drop(tx);
                return Ok(Booked {
                    meeting: self.meeting(&id).await?,
                    replayed: true,
                });
            }
        }
        // Locked: two bookings for one customer are serialized, so the
        // customer's own overlap check below holds on PostgreSQL too.
        expire_holds(&mut tx, ctx.now).await?;
        let contact: Option<(Option<String>, Option<String>, Option<String>)> =
            sqlx::query_as(&format!(
                "SELECT time_zone, locale, phone FROM contacts WHERE id = $1{}",
                self.for_update()
            ))
            .bind(d.contact_id.clone())
            .fetch_optional(&mut *tx)
            .await?;
        let topic: Option<TopicRow> = sqlx::query_as("SELECT * FROM topics WHERE id = $1")
            .bind(d.topic_id.clone())
            .fetch_optional(&mut *tx)
            .await?;
        let branch: Option<Branch> = match &d.branch_id {
            Some(b) => {
                sqlx::query_as("SELECT * FROM branches WHERE id = $1")
                    .bind(b.clone())
                    .fetch_optional(&mut *tx)
                    .await?
            }
            None => None,
        };
        let topic = topic.map(Topic::from);
        rules::validate(
            d,
            rules::Found {
                contact: contact.is_some(),
                topic_meeting_types: topic.as_ref().map(|t| t.meeting_types.as_slice()),
                branch: branch.is_some(),
            },
            ctx.now,
        )?;
        let (topic, (contact_tz, contact_locale, contact_phone)) =
            (topic.expect("checked"), contact.expect("checked"));
        if let Some(hold) = &ctx.hold {
            within_daily_limits(&mut tx, hold, contact_phone.as_deref(), ctx.now).await?;
        }
        let end = rules::meeting_end(d.start, topic.duration())?;
        customer_free(&mut tx, &d.contact_id, d.start, end, None).await?;

        // Candidates, locked in id order so two bookings cannot deadlock.
        let wanted = (!d.advisor_ids.is_empty()).then_some(d.advisor_ids.as_slice());
        let candidates = fitting_advisors(&mut tx, &topic, d.branch_id.as_deref(), wanted).await?;
        if let Some(wanted) = wanted {
            let fitting: Vec<&str> = candidates.iter().map(|c| c.agent_id.as_str()).collect();
            rules::check_asked_for(wanted, &fitting)?;
        }
        if !self.for_update().is_empty() && !candidates.is_empty() {
            let mut ids: Vec<&str> = candidates.iter().map(|c| c.agent_id.as_str()).collect();
            ids.sort_unstable();
            let mut q = crate::sql::Sql::new("SELECT agent_id FROM advisors WHERE agent_id IN (");
            for (n, id) in ids.iter().enumerate() {
                if n > 0 {
                    q.push(", ");
                }
                q.bind(id.to_string());
            }
            q.push(") ORDER BY agent_id FOR UPDATE");
            sqlx::query_with(&q.text, q.args)
                .fetch_all(&mut *tx)
                .await?;
        }
        let (win_from, win_to) = rules::calendar_window(d.start, end);
        let mut calendars = Vec::with_capacity(candidates.len());
        for c in candidates {
            calendars.push(load_availability(&mut tx, c, win_from, win_to, None).await?);
        }
        let chosen =
            rules::choose_advisors(&calendars, wanted.is_some(), d.start, topic.duration())?;

        let id = new_id();
        let now = time::format(ctx.now);
        let time_zone = rules::meeting_time_zone(
            d.time_zone.as_deref(),
            contact_tz.as_deref(),
            branch.as_ref().map(|b| b.time_zone.as_str()),
        );
        let language = rules::meeting_language(d.language.as_deref(), contact_locale.as_deref());
        let join_url = rules::join_url(d.meeting_type, ctx.join_url_template, &id);
        sqlx::query(
            "INSERT INTO meetings (id, contact_id, topic_id, meeting_type, branch_id, join_url, starts_at, ends_at, \
             time_zone, language, state, customer_notes, sequence, booked_by, idempotency_key, request_hash, \
             created_at, updated_at, booked_via, hold_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $17, $11, 0, \
             $12, $13, $14, $15, $15, $16, $18)",
        )
        .bind(id.clone())
        .bind(d.contact_id.clone())
        .bind(d.topic_id.clone())
        .bind(d.meeting_type.as_str())
        .bind(d.branch_id.clone())
        .bind(join_url)
        .bind(time::format(d.start))
        .bind(time::format(end))
        .bind(time_zone)
        .bind(language)
        .bind(d.customer_notes.clone())
        .bind(ctx.booked_by.name.clone())
        .bind(ctx.idempotency_key.map(str::to_owned))
        .bind(ctx.request_hash.to_owned())
        .bind(now.clone())
        .bind(ctx.via.to_owned())
        .bind(rules::initial_state(ctx.hold.is_some()))
        .bind(ctx.hold.as_ref().map(|h| time::format(h.until)))
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_write(e, "a meeting with this Idempotency-Key"))?;
        for advisor in &chosen {
            sqlx::query(
                "INSERT INTO meeting_advisors (meeting_id, agent_id, starts_at, ends_at, active) VALUES ($1, $2, $3, $4, 1)",
            )
            .bind(id.clone())
            .bind(advisor.clone())
            .bind(time::format(d.start))
            .bind(time::format(end))
            .execute(&mut *tx)
            .await?;
        }
        let entry = rules::booked_entry(&rules::BookingEntry {
            topic: &topic.name,
            meeting_type: d.meeting_type,
            branch: branch.as_ref().map(|b| b.name.as_str()),
            start: d.start,
            end,
            customer_notes: &d.customer_notes,
            held: ctx.hold.is_some(),
        });
        let activity = insert_activity(
            &mut tx,
            &meeting_activity(&d.contact_id, entry, now.clone()),
            ctx.booked_by,
        )
        .await?;
        sqlx::query("UPDATE meetings SET activity_id = $1 WHERE id = $2")
            .bind(activity)
            .bind(id.clone())
            .execute(&mut *tx)
            .await?;
        match &ctx.hold {
            Some(hold) => {
                sqlx::query(
                    "INSERT INTO booking_requests (id, meeting_id, email, phone, bucket, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(new_id())
                .bind(id.clone())
                .bind(hold.email.to_owned())
                .bind(contact_phone.clone())
                .bind(hold.bucket.to_owned())
                .bind(now.clone())
                .execute(&mut *tx)
                .await?;
                // The one message a held booking gets: the request to
                // confirm, to the address typed (whatever the settings say:
                // without it the page cannot book).
                sqlx::query(
                    "INSERT INTO outbox (id, idempotency_key, meeting_id, kind, channel, sequence, state, attempts, \
                     next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'email', 0, 'queued', 0, $5, $5)",
                )
                .bind(new_id())
                .bind(format!("{id}.{ADDRESS_CHECK}.email.0"))
                .bind(id.clone())
                .bind(ADDRESS_CHECK)
                .bind(now.clone())
                .execute(&mut *tx)
                .await?;
            }
            None => {
                let settings = read_settings(&mut tx).await?;
                enqueue(&mut tx, &settings, &id, Kind::Confirmation, 0, &now).await?;
                self.emit_meeting(&mut tx, EventType::MeetingBooked, &id)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(Booked {
            meeting: self.meeting(&id).await?,
            replayed: false,
        })
    }

    /// A meeting read inside a writing transaction, its row locked on
    /// PostgreSQL (SQLite's write transaction already excludes writers).
    async fn locked_meeting(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: &str,
    ) -> Result<Option<Meeting>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE id = $1{}",
            self.for_update()
        ))
        .bind(id.to_owned())
        .fetch_optional(&mut **tx)
        .await?)
    }

    /// Cancels a meeting. Through [`CancelPath::Customer`] the contact must
    /// be the meeting's (else "not found", revealing nothing) and a
    /// cancellation notice is queued; a second cancel changes nothing.
    pub async fn cancel_meeting(
        &self,
        id: &str,
        path: CancelPath,
        contact_id: Option<&str>,
        by: &Author,
        now: Timestamp,
    ) -> Result<Meeting> {
        let mut tx = self.write_tx().await?;
        let m = self.locked_meeting(&mut tx, id).await?;
        let m = match m {
            Some(m) if path == CancelPath::Staff || Some(m.contact_id.as_str()) == contact_id => m,
            _ => return Err(StoreError::NotFound("meeting")),
        };
        if rules::cancel(&m.state, &m.starts_at, now)? == Next::Unchanged {
            return Ok(m);
        }
        let stamp = time::format(now);
        let sequence = m.sequence + 1;
        sqlx::query(
            "UPDATE meetings SET state = 'cancelled', cancelled_at = $1, cancelled_by = $2, cancel_path = $3, \
             sequence = $4, updated_at = $1 WHERE id = $5",
        )
        .bind(stamp.clone())
        .bind(by.name.clone())
        .bind(path.as_str())
        .bind(sequence)
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE meeting_advisors SET active = 0 WHERE meeting_id = $1")
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        let topic = topic_name(&mut tx, &m.topic_id).await?;
        let entry = rules::cancelled_entry(&topic, path, &by.name, &m.starts_at);
        insert_activity(
            &mut tx,
            &meeting_activity(&m.contact_id, entry, stamp.clone()),
            by,
        )
        .await?;
        if path.notifies_customer() {
            let settings = read_settings(&mut tx).await?;
            enqueue(&mut tx, &settings, id, Kind::Cancellation, sequence, &stamp).await?;
        }
        self.emit_meeting(&mut tx, EventType::MeetingCancelled, id)
            .await?;
        tx.commit().await?;
        self.meeting(id).await
    }

    /// Marks a meeting as a no-show (the customer did not come), or with
    /// `undo` clears a mark made by mistake, with its timeline entry and
    /// its webhook in one transaction. With `advisor` the meeting must be
    /// theirs (one of its advisors), else "not found", revealing nothing;
    /// without, anyone's (supervisors and admins).
    pub async fn set_no_show(
        &self,
        id: &str,
        undo: bool,
        advisor: Option<&str>,
        by: &Author,
        now: Timestamp,
    ) -> Result<Meeting> {
        let mut tx = self.write_tx().await?;
        let m = self.locked_meeting(&mut tx, id).await?;
        let m = m.ok_or(StoreError::NotFound("meeting"))?;
        if let Some(agent) = advisor {
            let theirs: Option<String> = sqlx::query_scalar(
                "SELECT agent_id FROM meeting_advisors WHERE meeting_id = $1 AND agent_id = $2",
            )
            .bind(id.to_owned())
            .bind(agent.to_owned())
            .fetch_optional(&mut *tx)
            .await?;
            if theirs.is_none() {
                return Err(StoreError::NotFound("meeting"));
            }
        }
        let stamp = time::format(now);
        let topic = topic_name(&mut tx, &m.topic_id).await?;
        let (entry, event) = if undo {
            rules::undo_no_show(m.no_show_at.as_deref())?;
            sqlx::query(
                "UPDATE meetings SET no_show_at = NULL, no_show_by = NULL, updated_at = $1 WHERE id = $2",
            )
            .bind(stamp.clone())
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
            (
                rules::no_show_undone_entry(&topic, &by.name, &m.starts_at),
                EventType::MeetingNoShowUndone,
            )
        } else {
            rules::mark_no_show(&m.state, &m.starts_at, m.no_show_at.as_deref(), now)?;
            sqlx::query(
                "UPDATE meetings SET no_show_at = $1, no_show_by = $2, updated_at = $1 WHERE id = $3",
            )
            .bind(stamp.clone())
            .bind(by.agent_id.clone())
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
            (
                rules::no_show_entry(&topic, &by.name, &m.starts_at),
                EventType::MeetingNoShow,
            )
        };
        insert_activity(&mut tx, &meeting_activity(&m.contact_id, entry, stamp), by).await?;
        self.emit_meeting(&mut tx, event, id).await?;
        tx.commit().await?;
        self.meeting(id).await
    }

    /// Moves a scheduled meeting to another start with the same advisors,
    /// re-checked inside the lock; the customer gets an updated
    /// confirmation (a REQUEST with a higher SEQUENCE) and the reminder is
    /// scheduled again for the new time.
    pub async fn move_meeting(
        &self,
        id: &str,
        start: Timestamp,
        by: &Author,
        now: Timestamp,
    ) -> Result<Meeting> {
        let mut tx = self.write_tx().await?;
        let m = self
            .locked_meeting(&mut tx, id)
            .await?
            .ok_or(StoreError::NotFound("meeting"))?;
        rules::movable(m.no_show_at.as_deref())?;
        let end = rules::move_end(&m.state, (&m.starts_at, &m.ends_at), start, now)?;
        customer_free(&mut tx, &m.contact_id, start, end, Some(id)).await?;
        let advisors: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT agent_id FROM advisors WHERE agent_id IN \
             (SELECT agent_id FROM meeting_advisors WHERE meeting_id = $1) ORDER BY agent_id{}",
            self.for_update()
        ))
        .bind(id.to_owned())
        .fetch_all(&mut *tx)
        .await?;
        let (win_from, win_to) = rules::calendar_window(start, end);
        let mut calendars = Vec::with_capacity(advisors.len());
        for agent in &advisors {
            let row = advisor_row(&mut tx, agent).await?;
            calendars.push(load_availability(&mut tx, row, win_from, win_to, Some(id)).await?);
        }
        rules::check_free_to_move(&calendars, start, end)?;
        let stamp = time::format(now);
        let sequence = m.sequence + 1;
        sqlx::query(
            "UPDATE meetings SET starts_at = $1, ends_at = $2, sequence = $3, reminder_queued_at = NULL, \
             email_reminder_sent_at = NULL, sms_reminder_sent_at = NULL, updated_at = $4 WHERE id = $5",
        )
        .bind(time::format(start))
        .bind(time::format(end))
        .bind(sequence)
        .bind(stamp.clone())
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE meeting_advisors SET starts_at = $1, ends_at = $2 WHERE meeting_id = $3",
        )
        .bind(time::format(start))
        .bind(time::format(end))
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
        insert_activity(
            &mut tx,
            &meeting_activity(
                &m.contact_id,
                rules::moved_entry(&m.starts_at, start),
                stamp.clone(),
            ),
            by,
        )
        .await?;
        let settings = read_settings(&mut tx).await?;
        enqueue(&mut tx, &settings, id, Kind::Confirmation, sequence, &stamp).await?;
        tx.commit().await?;
        self.meeting(id).await
    }
}

/// The customer has no other scheduled meeting overlapping `[start, end)`
/// (a double submit, two tabs, two agents booking for them at once).
async fn customer_free(
    conn: &mut sqlx::AnyConnection,
    contact_id: &str,
    start: Timestamp,
    end: Timestamp,
    except: Option<&str>,
) -> Result<()> {
    let clash: Option<String> = sqlx::query_scalar(
        "SELECT id FROM meetings WHERE contact_id = $1 AND state IN ('scheduled', 'pending') \
         AND starts_at < $2 AND ends_at > $3 AND id <> $4 LIMIT 1",
    )
    .bind(contact_id.to_owned())
    .bind(time::format(end))
    .bind(time::format(start))
    .bind(except.unwrap_or("").to_owned())
    .fetch_optional(&mut *conn)
    .await?;
    match clash {
        Some(_) => Err(StoreError::Conflict(
            "the customer already has a meeting at this time".into(),
        )),
        None => Ok(()),
    }
}

/// Every id of a list field naming no row of `table`, as field errors
/// (`skills[1]: no skill has this id`).
async fn unknown_in_list(
    tx: &mut sqlx::AnyConnection,
    field: &str,
    (table, noun): (&str, &str),
    ids: &[String],
) -> Result<()> {
    let mut errors = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        if !crate::sql::exists(tx, table, id).await? {
            errors.push(fe(
                &format!("{field}[{n}]"),
                "unknown",
                format!("no {noun} has this id"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid(errors).into())
    }
}

/// A meeting's timeline entry, on its contact's timeline.
fn meeting_activity(contact_id: &str, entry: rules::Entry, occurred_at: String) -> NewActivity {
    NewActivity {
        kind: ActivityKind::Meeting,
        contact_id: Some(contact_id.to_owned()),
        case_id: None,
        conversation_id: None,
        subject: Some(entry.subject),
        body: Some(entry.body),
        occurred_at,
    }
}

fn fe(field: &str, code: &str, message: impl Into<String>) -> switchboard_core::FieldError {
    switchboard_core::FieldError::new(field, code, message)
}

fn advisor_from(r: AdvisorRow, skills: &BTreeMap<String, Vec<String>>) -> Advisor {
    Advisor {
        skills: skills.get(&r.agent_id).cloned().unwrap_or_default(),
        agent_id: r.agent_id,
        name: r.name,
        bookable: r.bookable != 0 && r.active != 0,
        time_zone: r.time_zone,
        hours: serde_json::from_str(&r.hours).unwrap_or_default(),
        branch_ids: serde_json::from_str(&r.branch_ids).unwrap_or_default(),
        updated_at: r.updated_at,
    }
}

async fn advisor_row(conn: &mut sqlx::AnyConnection, agent_id: &str) -> Result<AdvisorRow> {
    Ok(sqlx::query_as(
        "SELECT a.agent_id, g.name, g.active, a.bookable, a.time_zone, a.hours, a.branch_ids, a.updated_at \
         FROM advisors a JOIN agents g ON g.id = a.agent_id WHERE a.agent_id = $1",
    )
    .bind(agent_id.to_owned())
    .fetch_one(conn)
    .await?)
}

/// Active, bookable advisors with every skill the topic needs, receiving at
/// `branch_id` when given; only those in `only` when given.
async fn fitting_advisors(
    conn: &mut sqlx::AnyConnection,
    topic: &Topic,
    branch_id: Option<&str>,
    only: Option<&[String]>,
) -> Result<Vec<AdvisorRow>> {
    let rows: Vec<AdvisorRow> = sqlx::query_as(
        "SELECT a.agent_id, g.name, g.active, a.bookable, a.time_zone, a.hours, a.branch_ids, a.updated_at \
         FROM advisors a JOIN agents g ON g.id = a.agent_id \
         WHERE a.bookable = 1 AND g.active = 1 ORDER BY a.agent_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        if only.is_some_and(|ids| !ids.contains(&r.agent_id)) {
            continue;
        }
        let branches: Vec<String> = serde_json::from_str(&r.branch_ids).unwrap_or_default();
        // Skills are read only when the topic needs some.
        let skills: Vec<String> = if topic.skills.is_empty() {
            Vec::new()
        } else {
            sqlx::query_scalar("SELECT skill_id FROM agent_skills WHERE agent_id = $1")
                .bind(r.agent_id.clone())
                .fetch_all(&mut *conn)
                .await?
        };
        if rules::advisor_fits(&branches, &skills, &topic.skills, branch_id) {
            out.push(r);
        }
    }
    Ok(out)
}

/// An advisor's hours, time off and active meetings overlapping
/// `[from, to)`, leaving out the meeting `except` (the one being moved).
async fn load_availability(
    conn: &mut sqlx::AnyConnection,
    r: AdvisorRow,
    from: Timestamp,
    to: Timestamp,
    except: Option<&str>,
) -> Result<AdvisorAvailability> {
    let specs: Vec<RangeSpec> = serde_json::from_str(&r.hours).unwrap_or_default();
    let hours = scheduling::parse_hours(&r.time_zone, &specs).map_err(|_| {
        StoreError::Conflict(format!("advisor {} has unreadable hours", r.agent_id))
    })?;
    let (from_s, to_s) = (time::format(from), time::format(to));
    let off: Vec<(String, String)> = sqlx::query_as(
        "SELECT starts_at, ends_at FROM advisor_time_off WHERE agent_id = $1 AND starts_at < $2 AND ends_at > $3",
    )
    .bind(r.agent_id.clone())
    .bind(to_s.clone())
    .bind(from_s.clone())
    .fetch_all(&mut *conn)
    .await?;
    // A meeting lasts at most the longest topic duration, so one that
    // overlaps `from` starts at most that much earlier: the index range on
    // starts_at can begin there.
    let longest = SignedDuration::from_mins(i64::from(
        *switchboard_core::booking::DURATION_MINUTES.end(),
    ));
    let earliest = time::format(from.checked_sub(longest).unwrap_or(from));
    let busy: Vec<(String, String)> = sqlx::query_as(
        "SELECT starts_at, ends_at FROM meeting_advisors WHERE agent_id = $1 AND active = 1 \
         AND starts_at >= $2 AND starts_at < $3 AND ends_at > $4 AND meeting_id <> $5",
    )
    .bind(r.agent_id.clone())
    .bind(earliest)
    .bind(to_s)
    .bind(from_s)
    .bind(except.unwrap_or("").to_owned())
    .fetch_all(&mut *conn)
    .await?;
    let intervals = |rows: Vec<(String, String)>| -> Vec<Interval> {
        rows.into_iter()
            .filter_map(|(s, e)| {
                Some(Interval {
                    start: time::parse(&s)?,
                    end: time::parse(&e)?,
                })
            })
            .collect()
    };
    Ok(AdvisorAvailability {
        advisor_id: r.agent_id,
        hours,
        time_off: intervals(off),
        busy: intervals(busy),
    })
}

/// The communications settings as stored (defaults when never saved).
/// A topic's name, for the timeline entries of its meetings.
async fn topic_name(conn: &mut sqlx::AnyConnection, topic_id: &str) -> Result<String> {
    Ok(sqlx::query_scalar("SELECT name FROM topics WHERE id = $1")
        .bind(topic_id.to_owned())
        .fetch_one(conn)
        .await?)
}

pub(crate) async fn read_settings(conn: &mut sqlx::AnyConnection) -> Result<Settings> {
    let doc: Option<String> =
        sqlx::query_scalar("SELECT settings FROM communication_settings WHERE id = 1")
            .fetch_optional(conn)
            .await?;
    Ok(doc
        .and_then(|d| serde_json::from_str(&d).ok())
        .unwrap_or_default())
}

/// Queues the messages of `kind` about a meeting on every channel the
/// settings allow, one row per meaning (a repeat is ignored). A channel the
/// settings turn off gets its row too, recorded at once as `skipped` with
/// the switch that stopped it: nothing is dropped silently.
pub(crate) async fn enqueue(
    conn: &mut sqlx::AnyConnection,
    settings: &Settings,
    meeting_id: &str,
    kind: Kind,
    sequence: i64,
    now: &str,
) -> Result<usize> {
    let mut n = 0;
    for channel in Channel::ALL {
        let refusal = settings.refusal(kind, channel);
        let key = format!(
            "{meeting_id}.{}.{}.{sequence}",
            kind.as_str(),
            channel.as_str()
        );
        let done = sqlx::query(
            "INSERT INTO outbox (id, idempotency_key, meeting_id, kind, channel, sequence, state, attempts, \
             next_attempt_at, created_at, last_error) VALUES ($1, $2, $3, $4, $5, $6, $8, 0, $7, $7, $9) \
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(new_id())
        .bind(key)
        .bind(meeting_id.to_owned())
        .bind(kind.as_str())
        .bind(channel.as_str())
        .bind(sequence)
        .bind(now.to_owned())
        .bind(if refusal.is_some() { "skipped" } else { "queued" })
        .bind(refusal.clone())
        .execute(&mut *conn)
        .await?;
        if refusal.is_none() {
            n += done.rows_affected() as usize;
        }
    }
    Ok(n)
}

/// Unconfirmed holds whose time has passed become `expired` and free their
/// advisors.
async fn expire_holds(conn: &mut sqlx::AnyConnection, now: Timestamp) -> Result<u64> {
    let now = time::format(now);
    sqlx::query(
        "UPDATE meeting_advisors SET active = 0 WHERE active = 1 AND meeting_id IN \
         (SELECT id FROM meetings WHERE state = 'pending' AND hold_until <= $1)",
    )
    .bind(now.clone())
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query(
        "UPDATE meetings SET state = 'expired', updated_at = $1 WHERE state = 'pending' AND hold_until <= $1",
    )
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Refuses a held booking over a daily limit, naming the field.
async fn within_daily_limits(
    conn: &mut sqlx::AnyConnection,
    hold: &Hold<'_>,
    phone: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    let since = time::format(
        now.checked_sub(SignedDuration::from_hours(24))
            .unwrap_or(now),
    );
    sqlx::query("DELETE FROM booking_requests WHERE created_at < $1")
        .bind(since.clone())
        .execute(&mut *conn)
        .await?;
    let mut checks = vec![
        (
            "customer.email",
            "email",
            hold.email.to_owned(),
            hold.limits.per_email,
            "this email address",
        ),
        (
            "client",
            "bucket",
            hold.bucket.to_owned(),
            hold.limits.per_bucket,
            "your network address",
        ),
    ];
    if let Some(p) = phone.filter(|p| !p.is_empty()) {
        checks.insert(
            1,
            (
                "customer.phone",
                "phone",
                p.to_owned(),
                hold.limits.per_phone,
                "this phone number",
            ),
        );
    }
    let mut errors = Vec::new();
    for (field, column, value, limit, what) in checks {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM booking_requests WHERE {column} = $1 AND created_at >= $2"
        ))
        .bind(value)
        .bind(since.clone())
        .fetch_one(&mut *conn)
        .await?;
        if n >= limit {
            errors.push(fe(
                field,
                DAILY_LIMIT,
                format!("{what} has asked for {limit} bookings in the last 24 hours; try again tomorrow"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid(errors).into())
    }
}

impl Db {
    /// Frees the advisors of unconfirmed holds whose time has passed.
    pub async fn expire_due_holds(&self, now: Timestamp) -> Result<u64> {
        // Read first: most rounds have nothing to expire and need no write.
        let due: Option<String> = sqlx::query_scalar(
            "SELECT id FROM meetings WHERE state = 'pending' AND hold_until <= $1 LIMIT 1",
        )
        .bind(time::format(now))
        .fetch_optional(&self.pool)
        .await?;
        if due.is_none() {
            return Ok(0);
        }
        let mut tx = self.write_tx().await?;
        let n = expire_holds(&mut tx, now).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The owner of the address followed the confirmation link: the held
    /// booking is scheduled and its confirmation queued per the settings.
    /// Confirming twice changes nothing; an expired hold is a conflict.
    pub async fn confirm_meeting(&self, id: &str, now: Timestamp) -> Result<Meeting> {
        let mut tx = self.write_tx().await?;
        expire_holds(&mut tx, now).await?;
        let m = self.locked_meeting(&mut tx, id).await?;
        let m = m.ok_or(StoreError::NotFound("meeting"))?;
        if rules::confirm(&m.state)? == Next::Unchanged {
            return Ok(m);
        }
        let stamp = time::format(now);
        sqlx::query(
            "UPDATE meetings SET state = 'scheduled', hold_until = NULL, address_confirmed_at = $1, \
             updated_at = $1 WHERE id = $2",
        )
        .bind(stamp.clone())
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
        let topic = topic_name(&mut tx, &m.topic_id).await?;
        insert_activity(
            &mut tx,
            &meeting_activity(
                &m.contact_id,
                rules::confirmed_entry(&topic, &m.starts_at),
                stamp.clone(),
            ),
            &Author {
                agent_id: None,
                name: "Booking page".into(),
            },
        )
        .await?;
        let settings = read_settings(&mut tx).await?;
        enqueue(
            &mut tx,
            &settings,
            id,
            Kind::Confirmation,
            m.sequence,
            &stamp,
        )
        .await?;
        // A booking from the page is booked once its address is confirmed.
        self.emit_meeting(&mut tx, EventType::MeetingBooked, id)
            .await?;
        tx.commit().await?;
        self.meeting(id).await
    }

    /// Queues a meeting webhook with the meeting as it is in `tx`.
    async fn emit_meeting(
        &self,
        tx: &mut sqlx::AnyConnection,
        event: EventType,
        id: &str,
    ) -> Result<()> {
        let m: Meeting = sqlx::query_as(&format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_one(&mut *tx)
        .await?;
        let data = serde_json::json!({
            "meeting_id": m.id, "contact_id": m.contact_id, "topic_id": m.topic_id,
            "meeting_type": m.meeting_type, "branch_id": m.branch_id,
            "starts_at": m.starts_at, "ends_at": m.ends_at, "time_zone": m.time_zone,
            "language": m.language, "state": m.state, "booked_via": m.booked_via,
            "cancelled_by": m.cancelled_by, "cancel_path": m.cancel_path,
            "no_show_at": m.no_show_at, "no_show_by": m.no_show_by,
        });
        self.emit(tx, event, data).await
    }
}
