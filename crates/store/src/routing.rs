//! Routing configuration, work items and the routing event log.
//!
//! The routing engine is the only writer of work items and events; admins
//! write configuration through the API, and the store announces each change
//! (`changes.rs`), on which the engine reloads.

use std::collections::HashMap;
use switchboard_core::records::AgentRoutingInput;
use switchboard_core::webhooks::EventType;

use serde::Serialize;
use serde_json::Value;
use switchboard_core::changes::Change;
use switchboard_core::time;

use crate::audit::{before_put, snapshot, Area, Of};
use crate::{new_id, Db, Result, StoreError};

/// Where a queue is stored: its row, its members and its supervisors.
const QUEUE_PARTS: &[(&str, &str)] = &[
    ("queues", "id"),
    ("queue_members", "queue_id"),
    ("queue_supervisors", "queue_id"),
];

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Skill {
    pub id: String,
    pub name: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapacityProfile {
    pub id: String,
    pub name: String,
    pub chat_units: i64,
    pub voice_units: i64,
    pub voice_blocks_others: bool,
    pub wrap_up_seconds: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    id: String,
    name: String,
    chat_units: i64,
    voice_units: i64,
    voice_blocks_others: i64,
    wrap_up_seconds: i64,
    created_at: String,
    updated_at: String,
}

impl From<ProfileRow> for CapacityProfile {
    fn from(r: ProfileRow) -> Self {
        CapacityProfile {
            id: r.id,
            name: r.name,
            chat_units: r.chat_units,
            voice_units: r.voice_units,
            voice_blocks_others: r.voice_blocks_others != 0,
            wrap_up_seconds: r.wrap_up_seconds,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A profile as written (validated by the caller).
#[derive(Debug, Clone)]
pub struct ProfileDraft {
    pub name: String,
    pub chat_units: i64,
    pub voice_units: i64,
    pub voice_blocks_others: bool,
    pub wrap_up_seconds: i64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Queue {
    pub id: String,
    pub name: String,
    /// `messaging` or `voice`.
    pub channel: String,
    pub priority: i64,
    pub method: String,
    pub offer_timeout_seconds: i64,
    pub declines_allowed: i64,
    /// Items no routing rule matches go to the default queue.
    pub is_default: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub operating_hours: Option<Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub overflow: Value,
    /// Voice queues: after the agent hangs up, the caller is asked to rate
    /// the call (press 1 to 5). Always false for messaging queues.
    pub csat_survey: bool,
    /// Agent ids.
    pub members: Vec<String>,
    /// The supervisors who watch this queue (agent ids, each holding the
    /// supervisor role): they see its work on the live dashboard, the
    /// socket and the reports, and act on it. Admins see every queue.
    pub supervisor_ids: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(sqlx::FromRow)]
struct QueueRow {
    id: String,
    name: String,
    channel: String,
    priority: i64,
    method: String,
    offer_timeout_seconds: i64,
    declines_allowed: i64,
    is_default: i64,
    operating_hours: Option<String>,
    overflow: String,
    csat_survey: i64,
    created_at: String,
    updated_at: String,
}

/// A queue as written (validated by the caller).
#[derive(Debug, Clone)]
pub struct QueueDraft {
    pub name: String,
    pub channel: String,
    pub priority: i64,
    pub method: String,
    pub offer_timeout_seconds: i64,
    pub declines_allowed: i64,
    pub is_default: bool,
    pub operating_hours: Option<Value>,
    pub overflow: Value,
    /// Ask callers to rate the call after the agent hangs up (voice only).
    pub csat_survey: bool,
    pub members: Vec<String>,
    /// Agent ids of supervisors (checked: each must hold the role).
    pub supervisor_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoutingRule {
    pub id: String,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub tests: Value,
    pub queue_id: String,
    /// `[{"skill_id": …, "min": 1–10}]`
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub skills: Value,
    pub skill_match: String,
    pub priority: i64,
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: String,
    name: String,
    tests: String,
    queue_id: String,
    skills: String,
    skill_match: String,
    priority: i64,
}

/// An agent's routing settings.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentRouting {
    pub agent_id: String,
    pub capacity_profile_id: Option<String>,
    pub presence: String,
    /// `(skill_id, proficiency)`
    pub skills: Vec<AgentSkill>,
    /// The queues the agent serves.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<switchboard_core::api_schema::RecordId>))]
    pub queue_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentSkill {
    #[cfg_attr(feature = "openapi", schema(value_type = switchboard_core::api_schema::RecordId))]
    pub skill_id: String,
    /// 1–10.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10))]
    pub proficiency: i64,
}

/// A work item as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WorkItemRow {
    pub id: String,
    pub channel: String,
    pub kind: String,
    pub contact_id: Option<String>,
    pub customer_name: Option<String>,
    pub attributes: String,
    pub queue_id: String,
    pub priority: i64,
    pub needs: String,
    pub skill_match: String,
    pub status: String,
    pub agent_id: Option<String>,
    pub offer_deadline: Option<String>,
    pub declines: String,
    pub reason: Option<String>,
    pub arrived_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
}

/// One routing transition as stored and sent to clients.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EventRow {
    pub seq: i64,
    pub work_item_id: Option<String>,
    pub agent_id: Option<String>,
    pub queue_id: Option<String>,
    pub kind: String,
    pub data: String,
    pub at: String,
}

/// Everything the engine needs to rebuild its state.
#[derive(Debug, Clone, Default)]
pub struct RoutingSnapshot {
    /// Active agents: id, routing settings (if any).
    pub agents: Vec<(String, Option<AgentRouting>)>,
    pub profiles: Vec<CapacityProfile>,
    pub skills: Vec<Skill>,
    pub queues: Vec<Queue>,
    pub rules: Vec<RoutingRule>,
    /// Work items not closed, oldest first.
    pub open_items: Vec<WorkItemRow>,
    pub last_seq: i64,
}

const QUEUE_COLUMNS: &str =
    "id, name, channel, priority, method, offer_timeout_seconds, declines_allowed, \
    is_default, operating_hours, overflow, csat_survey, created_at, updated_at";
const PROFILE_COLUMNS: &str =
    "id, name, chat_units, voice_units, voice_blocks_others, wrap_up_seconds, created_at, updated_at";
const ITEM_COLUMNS: &str = "id, channel, kind, contact_id, customer_name, attributes, queue_id, priority, needs, \
    skill_match, status, agent_id, offer_deadline, declines, reason, arrived_at, updated_at, closed_at";

fn rule_from(r: RuleRow) -> RoutingRule {
    RoutingRule {
        id: r.id,
        name: r.name,
        tests: json(&r.tests),
        queue_id: r.queue_id,
        skills: json(&r.skills),
        skill_match: r.skill_match,
        priority: r.priority,
    }
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Null)
}

impl Db {
    // ------------------------------------------------------------ skills

    pub async fn skills(&self) -> Result<Vec<Skill>> {
        Ok(
            sqlx::query_as("SELECT id, name, created_at FROM skills ORDER BY name")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn create_skill(&self, name: &str) -> Result<Skill> {
        let id = new_id();
        let mut tx = self.write_tx().await?;
        self.create_skill_in(&mut tx, &id, name).await?;
        tx.commit().await?;
        Ok(
            sqlx::query_as("SELECT id, name, created_at FROM skills WHERE id = $1")
                .bind(id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// [`Db::create_skill`]'s writes in `tx`, with the id chosen by the caller.
    pub(crate) async fn create_skill_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
        name: &str,
    ) -> Result<()> {
        sqlx::query("INSERT INTO skills (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id.to_owned())
            .bind(name.to_owned())
            .bind(time::now())
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "a skill with this name"))?;
        let of = Of::Row("skills", id);
        self.audit_of(tx, Area::People, "skill.create", of, Value::Null)
            .await
    }

    /// Refused while a routing rule needs the skill; agents lose it.
    pub async fn delete_skill(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        self.delete_skill_in(&mut tx, id).await?;
        tx.commit().await?;
        self.announce(Change::Routing);
        Ok(())
    }

    /// [`Db::delete_skill`]'s checks and writes in `tx`.
    pub(crate) async fn delete_skill_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
    ) -> Result<()> {
        let used: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM routing_rules WHERE skills LIKE $1 ESCAPE '\\'",
        )
        .bind(format!("%\"{}\"%", crate::sql::like_escape(id)))
        .fetch_one(&mut *tx)
        .await?;
        if used > 0 {
            return Err(StoreError::Conflict(
                "a routing rule requires this skill; change the rule first".into(),
            ));
        }
        let topics: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM topics WHERE skills LIKE $1 ESCAPE '\\'")
                .bind(format!("%\"{}\"%", crate::sql::like_escape(id)))
                .fetch_one(&mut *tx)
                .await?;
        if topics > 0 {
            return Err(StoreError::Conflict(
                "a meeting topic requires this skill; change the topic first".into(),
            ));
        }
        let of = Of::Parts(&[("skills", "id"), ("agent_skills", "skill_id")], id);
        let before = snapshot(tx, of).await?;
        sqlx::query("DELETE FROM agent_skills WHERE skill_id = $1")
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        crate::sql::delete_by_id(tx, "skills", id, "skill").await?;
        self.audit_of(tx, Area::People, "skill.delete", of, before)
            .await
    }

    // ------------------------------------------------------------ capacity profiles

    pub async fn capacity_profiles(&self) -> Result<Vec<CapacityProfile>> {
        let rows: Vec<ProfileRow> = sqlx::query_as(&format!(
            "SELECT {PROFILE_COLUMNS} FROM capacity_profiles ORDER BY name"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn capacity_profile(&self, id: &str) -> Result<CapacityProfile> {
        let row: Option<ProfileRow> = sqlx::query_as(&format!(
            "SELECT {PROFILE_COLUMNS} FROM capacity_profiles WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.map(Into::into)
            .ok_or(StoreError::NotFound("capacity profile"))
    }

    /// Creates (`id` None) or replaces a profile.
    pub async fn put_capacity_profile(
        &self,
        id: Option<&str>,
        d: &ProfileDraft,
    ) -> Result<CapacityProfile> {
        let mut tx = self.write_tx().await?;
        let (id, exists) = match id {
            Some(id) => (id.to_owned(), true),
            None => (new_id(), false),
        };
        self.put_capacity_profile_in(&mut tx, &id, exists, d)
            .await?;
        tx.commit().await?;
        self.announce(Change::Routing);
        self.capacity_profile(&id).await
    }

    /// [`Db::put_capacity_profile`]'s writes in `tx`: replaces the profile
    /// `id` when it `exists`, else creates it with this id.
    pub(crate) async fn put_capacity_profile_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
        exists: bool,
        d: &ProfileDraft,
    ) -> Result<()> {
        let now = time::now();
        let of = exists.then_some(Of::Row("capacity_profiles", id));
        let (before, action) = before_put(tx, "capacity_profile", of).await?;
        if exists {
            let done = sqlx::query(
                "UPDATE capacity_profiles SET name = $1, chat_units = $2, voice_units = $3, \
                 voice_blocks_others = $4, wrap_up_seconds = $5, updated_at = $6 WHERE id = $7",
            )
            .bind(d.name.clone())
            .bind(d.chat_units)
            .bind(d.voice_units)
            .bind(i64::from(d.voice_blocks_others))
            .bind(d.wrap_up_seconds)
            .bind(now)
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "a capacity profile with this name"))?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("capacity profile"));
            }
        } else {
            sqlx::query(
                "INSERT INTO capacity_profiles (id, name, chat_units, voice_units, voice_blocks_others, \
                 wrap_up_seconds, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            )
            .bind(id.to_owned())
            .bind(d.name.clone())
            .bind(d.chat_units)
            .bind(d.voice_units)
            .bind(i64::from(d.voice_blocks_others))
            .bind(d.wrap_up_seconds)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "a capacity profile with this name"))?;
        }
        let of = Of::Row("capacity_profiles", id);
        self.audit_of(tx, Area::People, &action, of, before).await
    }

    pub async fn delete_capacity_profile(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        self.delete_capacity_profile_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Db::delete_capacity_profile`]'s checks and writes in `tx`.
    pub(crate) async fn delete_capacity_profile_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
    ) -> Result<()> {
        let used: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM agent_routing WHERE capacity_profile_id = $1")
                .bind(id.to_owned())
                .fetch_one(&mut *tx)
                .await?;
        if used > 0 {
            return Err(StoreError::Conflict(format!(
                "{used} agent(s) use this profile"
            )));
        }
        let of = Of::Row("capacity_profiles", id);
        let before = snapshot(tx, of).await?;
        crate::sql::delete_by_id(tx, "capacity_profiles", id, "capacity profile").await?;
        self.audit_of(tx, Area::People, "capacity_profile.delete", of, before)
            .await
    }

    // ------------------------------------------------------------ agents' routing settings

    pub async fn agent_routing(&self, agent_id: &str) -> Result<AgentRouting> {
        self.agent(agent_id).await?;
        let row: Option<(Option<String>, String)> = sqlx::query_as(
            "SELECT capacity_profile_id, presence FROM agent_routing WHERE agent_id = $1",
        )
        .bind(agent_id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        let skills: Vec<AgentSkill> = sqlx::query_as(
            "SELECT skill_id, proficiency FROM agent_skills WHERE agent_id = $1 ORDER BY skill_id",
        )
        .bind(agent_id.to_owned())
        .fetch_all(&self.pool)
        .await?;
        let queue_ids: Vec<String> = sqlx::query_scalar(
            "SELECT queue_id FROM queue_members WHERE agent_id = $1 ORDER BY queue_id",
        )
        .bind(agent_id.to_owned())
        .fetch_all(&self.pool)
        .await?;
        let (capacity_profile_id, presence) = row.unwrap_or((None, "offline".into()));
        Ok(AgentRouting {
            agent_id: agent_id.to_owned(),
            capacity_profile_id,
            presence,
            skills,
            queue_ids,
        })
    }

    /// Replaces an agent's capacity profile, skills and (when given) queues;
    /// the ids are checked here.
    pub async fn put_agent_routing(
        &self,
        agent_id: &str,
        r: &AgentRoutingInput,
    ) -> Result<AgentRouting> {
        let mut tx = self.write_tx().await?;
        if !crate::sql::exists(&mut tx, "agents", agent_id).await? {
            return Err(StoreError::NotFound("agent"));
        }
        self.put_agent_routing_in(&mut tx, agent_id, r, "").await?;
        tx.commit().await?;
        self.announce(Change::Routing);
        self.agent_routing(agent_id).await
    }

    /// [`Db::put_agent_routing`] inside the caller's transaction (creating
    /// or changing an agent with its routing in one), errors named under
    /// `prefix`. Audited as `agent_routing.update`, and `agent_queues.update`
    /// when the queues are given.
    pub(crate) async fn put_agent_routing_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        agent_id: &str,
        r: &AgentRoutingInput,
        prefix: &str,
    ) -> Result<()> {
        let mut errors = Vec::new();
        if let Some(p) = &r.capacity_profile_id {
            if !crate::sql::exists(tx, "capacity_profiles", p).await? {
                errors.push(switchboard_core::FieldError::new(
                    format!("{prefix}capacity_profile_id"),
                    "unknown",
                    "no capacity profile has this id",
                ));
            }
        }
        for (i, s) in r.skills.iter().enumerate() {
            if !crate::sql::exists(tx, "skills", &s.skill_id).await? {
                errors.push(switchboard_core::FieldError::new(
                    format!("{prefix}skills[{i}].skill_id"),
                    "unknown",
                    "no skill has this id",
                ));
            }
        }
        for (i, q) in r.queue_ids.iter().flatten().enumerate() {
            if !crate::sql::exists(tx, "queues", q).await? {
                errors.push(switchboard_core::FieldError::new(
                    format!("{prefix}queue_ids[{i}]"),
                    "unknown",
                    "no queue has this id",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(switchboard_core::Invalid(errors).into());
        }
        let of = Of::Parts(
            &[("agent_routing", "agent_id"), ("agent_skills", "agent_id")],
            agent_id,
        );
        let before = snapshot(tx, of).await?;
        let now = time::now();
        sqlx::query(
            "INSERT INTO agent_routing (agent_id, capacity_profile_id, presence, updated_at) VALUES ($1, $2, 'offline', $3) \
             ON CONFLICT (agent_id) DO UPDATE SET capacity_profile_id = $2, updated_at = $3",
        )
        .bind(agent_id.to_owned())
        .bind(r.capacity_profile_id.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM agent_skills WHERE agent_id = $1")
            .bind(agent_id.to_owned())
            .execute(&mut *tx)
            .await?;
        for s in &r.skills {
            sqlx::query(
                "INSERT INTO agent_skills (agent_id, skill_id, proficiency) VALUES ($1, $2, $3)",
            )
            .bind(agent_id.to_owned())
            .bind(s.skill_id.clone())
            .bind(s.proficiency)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "this skill for this agent"))?;
        }
        self.audit_of(tx, Area::People, "agent_routing.update", of, before)
            .await?;
        if let Some(queues) = &r.queue_ids {
            let of = Of::Parts(&[("queue_members", "agent_id")], agent_id);
            let before = snapshot(tx, of).await?;
            sqlx::query("DELETE FROM queue_members WHERE agent_id = $1")
                .bind(agent_id.to_owned())
                .execute(&mut *tx)
                .await?;
            let mut queues = queues.clone();
            queues.sort();
            queues.dedup();
            for q in queues {
                sqlx::query("INSERT INTO queue_members (queue_id, agent_id) VALUES ($1, $2)")
                    .bind(q)
                    .bind(agent_id.to_owned())
                    .execute(&mut *tx)
                    .await?;
            }
            self.audit_of(tx, Area::Routing, "agent_queues.update", of, before)
                .await?;
        }
        Ok(())
    }

    // ------------------------------------------------------------ queues

    async fn queue_members(&self, queue_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT agent_id FROM queue_members WHERE queue_id = $1 ORDER BY agent_id",
        )
        .bind(queue_id.to_owned())
        .fetch_all(&self.pool)
        .await?)
    }

    async fn supervisors_of(&self, queue_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT agent_id FROM queue_supervisors WHERE queue_id = $1 ORDER BY agent_id",
        )
        .bind(queue_id.to_owned())
        .fetch_all(&self.pool)
        .await?)
    }

    /// The queues an agent supervises, sorted. The server decides from
    /// this who sees what (`auth::watch`).
    pub async fn supervised_queues(&self, agent_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT queue_id FROM queue_supervisors WHERE agent_id = $1 ORDER BY queue_id",
        )
        .bind(agent_id.to_owned())
        .fetch_all(&self.pool)
        .await?)
    }

    fn queue_from(r: QueueRow, members: Vec<String>, supervisor_ids: Vec<String>) -> Queue {
        Queue {
            id: r.id,
            name: r.name,
            channel: r.channel,
            priority: r.priority,
            method: r.method,
            offer_timeout_seconds: r.offer_timeout_seconds,
            declines_allowed: r.declines_allowed,
            is_default: r.is_default != 0,
            operating_hours: r.operating_hours.as_deref().map(json),
            overflow: json(&r.overflow),
            csat_survey: r.csat_survey != 0,
            members,
            supervisor_ids,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }

    pub async fn queues(&self) -> Result<Vec<Queue>> {
        let mut tx = self.pool.begin().await?;
        let rows: Vec<QueueRow> =
            sqlx::query_as(&format!("SELECT {QUEUE_COLUMNS} FROM queues ORDER BY name"))
                .fetch_all(&mut *tx)
                .await?;
        let mut members = self.all_queue_members(&mut tx).await?;
        let mut supervisors = self.all_queue_supervisors(&mut tx).await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let m = members.remove(&r.id).unwrap_or_default();
                let s = supervisors.remove(&r.id).unwrap_or_default();
                Self::queue_from(r, m, s)
            })
            .collect())
    }

    pub async fn queue(&self, id: &str) -> Result<Queue> {
        let row: Option<QueueRow> =
            sqlx::query_as(&format!("SELECT {QUEUE_COLUMNS} FROM queues WHERE id = $1"))
                .bind(id.to_owned())
                .fetch_optional(&self.pool)
                .await?;
        let row = row.ok_or(StoreError::NotFound("queue"))?;
        let members = self.queue_members(&row.id).await?;
        let supervisors = self.supervisors_of(&row.id).await?;
        Ok(Self::queue_from(row, members, supervisors))
    }

    /// Creates (`id` None) or replaces a queue and its members. Making a
    /// queue the default unmarks the previous default.
    pub async fn put_queue(&self, id: Option<&str>, d: &QueueDraft) -> Result<Queue> {
        let mut tx = self.write_tx().await?;
        let (id, exists) = match id {
            Some(id) => (id.to_owned(), true),
            None => (new_id(), false),
        };
        self.put_queue_in(&mut tx, &id, exists, d).await?;
        tx.commit().await?;
        self.announce(Change::Routing);
        self.queue(&id).await
    }

    /// [`Db::put_queue`]'s checks and writes in `tx`: replaces the queue
    /// `id` when it `exists`, else creates it with this id.
    pub(crate) async fn put_queue_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
        exists: bool,
        d: &QueueDraft,
    ) -> Result<()> {
        let mut errors = Vec::new();
        for (i, m) in d.members.iter().enumerate() {
            if !crate::sql::exists(tx, "agents", m).await? {
                errors.push(switchboard_core::FieldError::new(
                    format!("members[{i}]"),
                    "unknown",
                    "no agent has this id",
                ));
            }
        }
        for (i, s) in d.supervisor_ids.iter().enumerate() {
            let roles: Option<String> =
                sqlx::query_scalar("SELECT roles FROM agents WHERE id = $1")
                    .bind(s.clone())
                    .fetch_optional(&mut *tx)
                    .await?;
            match roles.map(|r| switchboard_core::access::parse_roles(&r)) {
                None => errors.push(switchboard_core::FieldError::new(
                    format!("supervisor_ids[{i}]"),
                    "unknown",
                    "no agent has this id",
                )),
                Some(r) if !r.contains(&switchboard_core::access::Role::Supervisor) => {
                    errors.push(switchboard_core::FieldError::new(
                        format!("supervisor_ids[{i}]"),
                        "not_supervisor",
                        "this agent does not hold the supervisor role (admins see every queue)",
                    ))
                }
                Some(_) => {}
            }
        }
        if !errors.is_empty() {
            return Err(switchboard_core::Invalid(errors).into());
        }
        let of = exists.then_some(Of::Parts(QUEUE_PARTS, id));
        let (before, action) = before_put(tx, "queue", of).await?;
        let now = time::now();
        if d.is_default {
            sqlx::query("UPDATE queues SET is_default = 0")
                .execute(&mut *tx)
                .await?;
        }
        if exists {
            let done = sqlx::query(
                "UPDATE queues SET name = $1, channel = $2, priority = $3, method = $4, offer_timeout_seconds = $5, \
                 declines_allowed = $6, is_default = $7, operating_hours = $8, overflow = $9, updated_at = $10, \
                 csat_survey = $12 WHERE id = $11",
            )
            .bind(d.name.clone())
            .bind(d.channel.clone())
            .bind(d.priority)
            .bind(d.method.clone())
            .bind(d.offer_timeout_seconds)
            .bind(d.declines_allowed)
            .bind(i64::from(d.is_default))
            .bind(d.operating_hours.as_ref().map(|v| v.to_string()))
            .bind(d.overflow.to_string())
            .bind(now)
            .bind(id.to_owned())
            .bind(i64::from(d.csat_survey))
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "a queue with this name"))?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("queue"));
            }
        } else {
            sqlx::query(&format!(
                "INSERT INTO queues ({QUEUE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"
            ))
            .bind(id.to_owned())
            .bind(d.name.clone())
            .bind(d.channel.clone())
            .bind(d.priority)
            .bind(d.method.clone())
            .bind(d.offer_timeout_seconds)
            .bind(d.declines_allowed)
            .bind(i64::from(d.is_default))
            .bind(d.operating_hours.as_ref().map(|v| v.to_string()))
            .bind(d.overflow.to_string())
            .bind(i64::from(d.csat_survey))
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "a queue with this name"))?;
        }
        sqlx::query("DELETE FROM queue_members WHERE queue_id = $1")
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        let mut members = d.members.clone();
        members.sort();
        members.dedup();
        for m in members {
            sqlx::query("INSERT INTO queue_members (queue_id, agent_id) VALUES ($1, $2)")
                .bind(id.to_owned())
                .bind(m)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM queue_supervisors WHERE queue_id = $1")
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        let mut supervisors = d.supervisor_ids.clone();
        supervisors.sort();
        supervisors.dedup();
        for s in supervisors {
            sqlx::query("INSERT INTO queue_supervisors (queue_id, agent_id) VALUES ($1, $2)")
                .bind(id.to_owned())
                .bind(s)
                .execute(&mut *tx)
                .await?;
        }
        self.audit_of(
            tx,
            Area::Routing,
            &action,
            Of::Parts(QUEUE_PARTS, id),
            before,
        )
        .await
    }

    /// Refused while work items are open in the queue or rules send work to it.
    pub async fn delete_queue(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        self.delete_queue_in(&mut tx, id).await?;
        tx.commit().await?;
        self.announce(Change::Routing);
        Ok(())
    }

    /// [`Db::delete_queue`]'s checks and writes in `tx`.
    pub(crate) async fn delete_queue_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: &str,
    ) -> Result<()> {
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM work_items WHERE queue_id = $1 AND closed_at IS NULL",
        )
        .bind(id.to_owned())
        .fetch_one(&mut *tx)
        .await?;
        let rules: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM routing_rules WHERE queue_id = $1) \
             + (SELECT COUNT(*) FROM agent_script_rules WHERE queue_id = $1)",
        )
        .bind(id.to_owned())
        .fetch_one(&mut *tx)
        .await?;
        let history: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM work_items WHERE queue_id = $1")
                .bind(id.to_owned())
                .fetch_one(&mut *tx)
                .await?;
        if open + rules > 0 {
            return Err(StoreError::Conflict(format!(
                "the queue has {open} open work item(s) and {rules} routing or script rule(s) naming it"
            )));
        }
        if history > 0 {
            return Err(StoreError::Conflict(
                "the queue has handled work items; keep it for history".into(),
            ));
        }
        let before = snapshot(tx, Of::Parts(QUEUE_PARTS, id)).await?;
        for table in ["queue_members", "queue_supervisors", "voice_prompts"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE queue_id = $1"))
                .bind(id.to_owned())
                .execute(&mut *tx)
                .await?;
        }
        crate::sql::delete_by_id(tx, "queues", id, "queue").await?;
        self.audit_of(
            tx,
            Area::Routing,
            "queue.delete",
            Of::Parts(QUEUE_PARTS, id),
            before,
        )
        .await
    }

    // ------------------------------------------------------------ rules

    pub async fn routing_rules(&self) -> Result<Vec<RoutingRule>> {
        let rows: Vec<RuleRow> = sqlx::query_as(
            "SELECT id, name, tests, queue_id, skills, skill_match, priority FROM routing_rules ORDER BY position",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(rule_from).collect())
    }

    /// Replaces the whole ordered list (validated by the caller, queue ids
    /// checked here).
    pub async fn put_routing_rules(&self, rules: &[RoutingRule]) -> Result<Vec<RoutingRule>> {
        let mut tx = self.write_tx().await?;
        self.put_routing_rules_in(&mut tx, rules).await?;
        tx.commit().await?;
        self.announce(Change::Routing);
        self.routing_rules().await
    }

    /// [`Db::put_routing_rules`]'s checks and writes in `tx`.
    pub(crate) async fn put_routing_rules_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        rules: &[RoutingRule],
    ) -> Result<()> {
        let mut errors = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if !crate::sql::exists(tx, "queues", &r.queue_id).await? {
                errors.push(switchboard_core::FieldError::new(
                    format!("rules[{i}].queue_id"),
                    "unknown",
                    "no queue has this id",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(switchboard_core::Invalid(errors).into());
        }
        let before = snapshot(tx, Of::Table("routing_rules")).await?;
        sqlx::query("DELETE FROM routing_rules")
            .execute(&mut *tx)
            .await?;
        for (i, r) in rules.iter().enumerate() {
            sqlx::query(
                "INSERT INTO routing_rules (id, position, name, tests, queue_id, skills, skill_match, priority) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(new_id())
            .bind(i as i64)
            .bind(r.name.clone())
            .bind(r.tests.to_string())
            .bind(r.queue_id.clone())
            .bind(r.skills.to_string())
            .bind(r.skill_match.clone())
            .bind(r.priority)
            .execute(&mut *tx)
            .await?;
        }
        let of = Of::Table("routing_rules");
        self.audit_of(tx, Area::Routing, "routing_rules.update", of, before)
            .await
    }

    // ------------------------------------------------------------ the engine's reads and writes

    /// Everything the engine rebuilds from, read as one consistent snapshot
    /// in a fixed number of queries (not a few per agent), so reloads stay
    /// quick with thousands of agents.
    pub async fn routing_snapshot(&self) -> Result<RoutingSnapshot> {
        let mut tx = match self.backend() {
            // A deferred read transaction reads one snapshot of a WAL database.
            crate::Backend::Sqlite => self.pool.begin().await?,
            crate::Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        };
        let agents: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT a.id, r.capacity_profile_id, r.presence FROM agents a \
             LEFT JOIN agent_routing r ON r.agent_id = a.id WHERE a.active = 1 ORDER BY a.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let skills: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT s.agent_id, s.skill_id, s.proficiency FROM agent_skills s \
             JOIN agents a ON a.id = s.agent_id WHERE a.active = 1 ORDER BY s.agent_id, s.skill_id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut by_agent: HashMap<String, Vec<AgentSkill>> = HashMap::new();
        for (agent_id, skill_id, proficiency) in skills {
            by_agent.entry(agent_id).or_default().push(AgentSkill {
                skill_id,
                proficiency,
            });
        }
        let agents = agents
            .into_iter()
            .map(|(id, profile, presence)| {
                let routing = AgentRouting {
                    agent_id: id.clone(),
                    capacity_profile_id: profile,
                    presence: presence.unwrap_or_else(|| "offline".into()),
                    skills: by_agent.remove(&id).unwrap_or_default(),
                    // The engine takes membership from the queues below.
                    queue_ids: Vec::new(),
                };
                (id, Some(routing))
            })
            .collect();
        let rows: Vec<QueueRow> =
            sqlx::query_as(&format!("SELECT {QUEUE_COLUMNS} FROM queues ORDER BY name"))
                .fetch_all(&mut *tx)
                .await?;
        let mut members = self.all_queue_members(&mut tx).await?;
        let queues = rows
            .into_iter()
            .map(|r| {
                let m = members.remove(&r.id).unwrap_or_default();
                // The engine routes; who watches is the server's business.
                Self::queue_from(r, m, Vec::new())
            })
            .collect();
        let profiles: Vec<ProfileRow> = sqlx::query_as(&format!(
            "SELECT {PROFILE_COLUMNS} FROM capacity_profiles ORDER BY name"
        ))
        .fetch_all(&mut *tx)
        .await?;
        let skills: Vec<Skill> =
            sqlx::query_as("SELECT id, name, created_at FROM skills ORDER BY name")
                .fetch_all(&mut *tx)
                .await?;
        let rules: Vec<RuleRow> = sqlx::query_as(
            "SELECT id, name, tests, queue_id, skills, skill_match, priority FROM routing_rules ORDER BY position",
        )
        .fetch_all(&mut *tx)
        .await?;
        let open_items: Vec<WorkItemRow> = sqlx::query_as(&format!(
            "SELECT {ITEM_COLUMNS} FROM work_items WHERE closed_at IS NULL ORDER BY arrived_at, id"
        ))
        .fetch_all(&mut *tx)
        .await?;
        let last_seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM routing_events")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(RoutingSnapshot {
            agents,
            profiles: profiles.into_iter().map(Into::into).collect(),
            skills,
            queues,
            rules: rules.into_iter().map(rule_from).collect(),
            open_items,
            last_seq: last_seq.unwrap_or(0),
        })
    }

    /// Every queue's supervisors, by queue id.
    async fn all_queue_supervisors(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ) -> Result<HashMap<String, Vec<String>>> {
        let pairs: Vec<(String, String)> = sqlx::query_as(
            "SELECT queue_id, agent_id FROM queue_supervisors ORDER BY queue_id, agent_id",
        )
        .fetch_all(&mut **tx)
        .await?;
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for (q, a) in pairs {
            out.entry(q).or_default().push(a);
        }
        Ok(out)
    }

    /// Every queue's members, by queue id.
    async fn all_queue_members(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ) -> Result<HashMap<String, Vec<String>>> {
        let pairs: Vec<(String, String)> = sqlx::query_as(
            "SELECT queue_id, agent_id FROM queue_members ORDER BY queue_id, agent_id",
        )
        .fetch_all(&mut **tx)
        .await?;
        let mut members: HashMap<String, Vec<String>> = HashMap::new();
        for (q, a) in pairs {
            members.entry(q).or_default().push(a);
        }
        Ok(members)
    }

    pub async fn work_item(&self, id: &str) -> Result<WorkItemRow> {
        sqlx::query_as(&format!(
            "SELECT {ITEM_COLUMNS} FROM work_items WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("work item"))
    }

    /// Writes the new or changed work items, presence changes and events of
    /// one engine step in one transaction.
    pub async fn apply_routing(
        &self,
        items: &[WorkItemRow],
        presence: &[(String, String)],
        events: &[EventRow],
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for w in items {
            sqlx::query(&format!(
                "INSERT INTO work_items ({ITEM_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
                 $14, $15, $16, $17, $18) ON CONFLICT (id) DO UPDATE SET kind = $3, attributes = $6, queue_id = $7, priority = $8, status = $11, \
                 agent_id = $12, offer_deadline = $13, declines = $14, reason = $15, updated_at = $17, closed_at = $18"
            ))
            .bind(w.id.clone())
            .bind(w.channel.clone())
            .bind(w.kind.clone())
            .bind(w.contact_id.clone())
            .bind(w.customer_name.clone())
            .bind(w.attributes.clone())
            .bind(w.queue_id.clone())
            .bind(w.priority)
            .bind(w.needs.clone())
            .bind(w.skill_match.clone())
            .bind(w.status.clone())
            .bind(w.agent_id.clone())
            .bind(w.offer_deadline.clone())
            .bind(w.declines.clone())
            .bind(w.reason.clone())
            .bind(w.arrived_at.clone())
            .bind(w.updated_at.clone())
            .bind(w.closed_at.clone())
            .execute(&mut *tx)
            .await?;
        }
        for (agent_id, p) in presence {
            sqlx::query(
                "INSERT INTO agent_routing (agent_id, capacity_profile_id, presence, updated_at) VALUES ($1, NULL, $2, $3) \
                 ON CONFLICT (agent_id) DO UPDATE SET presence = $2, updated_at = $3",
            )
            .bind(agent_id.clone())
            .bind(p.clone())
            .bind(time::now())
            .execute(&mut *tx)
            .await?;
        }
        for e in events {
            sqlx::query(
                "INSERT INTO routing_events (seq, work_item_id, agent_id, queue_id, kind, data, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(e.seq)
            .bind(e.work_item_id.clone())
            .bind(e.agent_id.clone())
            .bind(e.queue_id.clone())
            .bind(e.kind.clone())
            .bind(e.data.clone())
            .bind(e.at.clone())
            .execute(&mut *tx)
            .await?;
            let hook = match e.kind.as_str() {
                "assigned" => EventType::WorkItemAssigned,
                "closed" | "abandoned" => EventType::WorkItemClosed,
                _ => continue,
            };
            let item = items
                .iter()
                .find(|w| Some(&w.id) == e.work_item_id.as_ref());
            self.emit(
                &mut tx,
                hook,
                serde_json::json!({
                    "work_item_id": e.work_item_id, "channel": item.map(|w| &w.channel),
                    "contact_id": item.and_then(|w| w.contact_id.as_ref()),
                    "queue_id": e.queue_id, "agent_id": e.agent_id,
                    "outcome": (hook == EventType::WorkItemClosed).then_some(&e.kind),
                    "at": e.at, "event_seq": e.seq,
                }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Events after `after`, for one agent (theirs) or for everyone (`None`).
    pub async fn routing_events_after(
        &self,
        after: i64,
        agent_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<EventRow>> {
        const COLUMNS: &str = "seq, work_item_id, agent_id, queue_id, kind, data, at";
        Ok(match agent_id {
            Some(agent) => {
                sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM routing_events WHERE seq > $1 AND agent_id = $2 ORDER BY seq LIMIT $3"
                ))
                .bind(after)
                .bind(agent.to_owned())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query_as(&format!("SELECT {COLUMNS} FROM routing_events WHERE seq > $1 ORDER BY seq LIMIT $2"))
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        })
    }
}
