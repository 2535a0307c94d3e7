//! The audit log: who changed which setting, when, from what to what.
//!
//! A configuration write records its change in its own transaction, so
//! the log and the configuration never disagree. Who acts is a value the
//! caller hands the store with [`Db::acting`]; a write made without one
//! (the CLI's demo loading, a test) is recorded as the system's.
//!
//! `before` and `after` are the stored rows as JSON, read inside the
//! transaction: columns holding JSON text are shown as JSON, and secrets
//! (password and token hashes, SIP digests, host-site authentication
//! secrets) are replaced by a mark that only says whether one is set.

use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{Column, Row};

use crate::{Db, Result};

/// Who makes a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub agent_id: Option<String>,
    pub name: String,
    /// How they came: `session`, `token:<id>`, `cli`, `system`.
    pub via: String,
}

impl Actor {
    pub fn system() -> Self {
        Self {
            agent_id: None,
            name: "system".into(),
            via: "system".into(),
        }
    }
}

/// Which part of the configuration a change concerns (the admin center's
/// screens).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    People,
    Routing,
    Chat,
    Workspace,
    Scheduling,
    Communications,
    Voice,
    Integrations,
    /// Supervisors' actions on live work (assign, transfer, force-close).
    WorkItems,
}

impl Area {
    pub const ALL: [Area; 9] = [
        Area::People,
        Area::Routing,
        Area::Chat,
        Area::Workspace,
        Area::Scheduling,
        Area::Communications,
        Area::Voice,
        Area::Integrations,
        Area::WorkItems,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Area::People => "people",
            Area::Routing => "routing",
            Area::Chat => "chat",
            Area::Workspace => "workspace",
            Area::Scheduling => "scheduling",
            Area::Communications => "communications",
            Area::Voice => "voice",
            Area::Integrations => "integrations",
            Area::WorkItems => "work_items",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == s)
    }
}

/// One recorded change.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: String,
    pub at: String,
    /// The agent who made it; absent for the system and unbound tokens.
    pub agent_id: Option<String>,
    pub actor_name: String,
    /// `session`, `token:<id>`, `cli` or `system`.
    pub via: String,
    pub area: String,
    /// What was done, e.g. `queue.update`.
    pub action: String,
    pub target_id: Option<String>,
    /// The record before the change (null for a creation): an object, or a
    /// list for changes made of several records (a queue's routing rules).
    #[sqlx(rename = "before_json")]
    #[serde(serialize_with = "as_json")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<serde_json::Value>))]
    pub before: Option<String>,
    /// The record after the change (null for a deletion), as `before`.
    #[sqlx(rename = "after_json")]
    #[serde(serialize_with = "as_json")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<serde_json::Value>))]
    pub after: Option<String>,
}

fn as_json<S: serde::Serializer>(v: &Option<String>, s: S) -> std::result::Result<S::Ok, S::Error> {
    let value: Value = v
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null);
    value.serialize(s)
}

/// What to list: any of a person, an area, a time range.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub agent_id: Option<String>,
    pub area: Option<Area>,
    /// Inclusive, in the stored time format.
    pub from: Option<String>,
    /// Exclusive.
    pub to: Option<String>,
}

const COLUMNS: &str =
    "id, at, agent_id, actor_name, via, area, action, target_id, before_json, after_json";

/// Keys whose values are never written to the log.
const SECRET_KEYS: [&str; 6] = [
    "password_hash",
    "ha1",
    "secret",
    "token_hash",
    "hash",
    "secret_hash",
];

/// What a change is about, for [`record`].
pub(crate) struct Change<'a> {
    pub area: Area,
    pub action: &'a str,
    pub target_id: Option<&'a str>,
    pub before: Value,
    pub after: Value,
}

impl Db {
    /// This store, with its configuration writes recorded as `actor`'s.
    pub fn acting(&self, actor: Actor) -> Db {
        let mut db = self.clone();
        db.actor = Some(std::sync::Arc::new(actor));
        db
    }

    fn actor(&self) -> Actor {
        self.actor.as_deref().cloned().unwrap_or_else(Actor::system)
    }

    /// Writes one audit row in `tx`, the transaction of the change.
    pub(crate) async fn audit(
        &self,
        tx: &mut sqlx::AnyConnection,
        change: Change<'_>,
    ) -> Result<()> {
        let actor = self.actor();
        let json = |v: Value| (!v.is_null()).then(|| v.to_string());
        sqlx::query(&format!(
            "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(crate::new_id())
        .bind(switchboard_core::time::now())
        .bind(actor.agent_id)
        .bind(actor.name)
        .bind(actor.via)
        .bind(change.area.name())
        .bind(change.action.to_owned())
        .bind(change.target_id.map(str::to_owned))
        .bind(json(change.before))
        .bind(json(change.after))
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Records in `tx` the change of the record `of` names: `before` as
    /// [`snapshot`] read it earlier in the transaction, after as it is now.
    pub(crate) async fn audit_of(
        &self,
        tx: &mut sqlx::AnyConnection,
        area: Area,
        action: &str,
        of: Of<'_>,
        before: Value,
    ) -> Result<()> {
        let after = snapshot(tx, of).await?;
        self.audit(
            tx,
            Change {
                area,
                action,
                target_id: of.id(),
                before,
                after,
            },
        )
        .await
    }

    /// Records an action whose change another component wrote (a
    /// supervisor's assignment, which the routing engine commits): one
    /// audit row in its own transaction, right after the change.
    pub async fn record_action(
        &self,
        area: Area,
        action: &str,
        target_id: Option<&str>,
        before: Value,
        after: Value,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        self.audit(
            &mut tx,
            Change {
                area,
                action,
                target_id,
                before,
                after,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Recorded changes, newest first.
    pub async fn audit_log(
        &self,
        f: &AuditFilter,
        cursor: Option<&switchboard_core::cursor::Cursor>,
        limit: u32,
    ) -> Result<crate::Page<AuditEntry>> {
        let mut sql = crate::sql::Sql::new(&format!("SELECT {COLUMNS} FROM audit_log WHERE 1 = 1"));
        if let Some(a) = &f.agent_id {
            sql.push(" AND agent_id = ").bind(a.clone());
        }
        if let Some(a) = f.area {
            sql.push(" AND area = ").bind(a.name());
        }
        if let Some(t) = &f.from {
            sql.push(" AND at >= ").bind(t.clone());
        }
        if let Some(t) = &f.to {
            sql.push(" AND at < ").bind(t.clone());
        }
        if let Some(c) = cursor {
            sql.push(" AND (at < ")
                .bind(c.0[0].clone())
                .push(" OR (at = ")
                .bind(c.0[0].clone())
                .push(" AND id < ")
                .bind(c.0[1].clone())
                .push("))");
        }
        sql.push(" ORDER BY at DESC, id DESC LIMIT ")
            .bind(i64::from(limit) + 1);
        let rows: Vec<AuditEntry> = sqlx::query_as_with(&sql.text, sql.args)
            .fetch_all(&self.pool)
            .await?;
        Ok(crate::page(rows, limit, |e| {
            vec![e.at.clone(), e.id.clone()]
        }))
    }
}

/// Where a configuration record is stored.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Of<'a> {
    /// One row of a table, by id.
    Row(&'a str, &'a str),
    /// Rows of several tables, each by the column naming the record
    /// (a queue: its row by `id` and its members by `queue_id`).
    Parts(&'a [(&'a str, &'a str)], &'a str),
    /// A whole table (lists kept whole, such as the routing rules).
    Table(&'a str),
}

impl<'a> Of<'a> {
    fn id(&self) -> Option<&'a str> {
        match *self {
            Of::Row(_, id) | Of::Parts(_, id) => Some(id),
            Of::Table(_) => None,
        }
    }
}

/// The record as JSON, read in `tx`: a row is an object (`null` when
/// there is none), parts an object of arrays by table, a table an array.
pub(crate) async fn snapshot(tx: &mut sqlx::AnyConnection, of: Of<'_>) -> Result<Value> {
    Ok(match of {
        Of::Row(table, id) => rows(tx, table, Some(("id", id)))
            .await?
            .into_iter()
            .next()
            .unwrap_or(Value::Null),
        Of::Parts(parts, id) => {
            let mut out = Map::new();
            for (table, column) in parts {
                let found = rows(tx, table, Some((column, id))).await?;
                out.insert((*table).to_owned(), Value::Array(found));
            }
            Value::Object(out)
        }
        Of::Table(table) => Value::Array(rows(tx, table, None).await?),
    })
}

/// Before a create-or-replace: the record being replaced (`of` names it),
/// or `null` when creating; and the action's name, `<thing>.update` or
/// `<thing>.create`.
pub(crate) async fn before_put(
    tx: &mut sqlx::AnyConnection,
    thing: &'static str,
    of: Option<Of<'_>>,
) -> Result<(Value, String)> {
    Ok(match of {
        Some(of) => (snapshot(tx, of).await?, format!("{thing}.update")),
        None => (Value::Null, format!("{thing}.create")),
    })
}

async fn rows(
    tx: &mut sqlx::AnyConnection,
    table: &str,
    by: Option<(&str, &str)>,
) -> Result<Vec<Value>> {
    // Table and column names come from this crate's code, never from input.
    let found: Vec<AnyRow> = match by {
        Some((column, value)) => {
            sqlx::query(&format!(
                "SELECT * FROM {table} WHERE {column} = $1 ORDER BY 1"
            ))
            .bind(value.to_owned())
            .fetch_all(&mut *tx)
            .await?
        }
        None => {
            sqlx::query(&format!("SELECT * FROM {table} ORDER BY 1"))
                .fetch_all(&mut *tx)
                .await?
        }
    };
    Ok(found.iter().map(to_json).collect())
}

/// A row as a JSON object, whatever its table: each column as the first
/// type it reads as (integer, real, text); text holding a JSON object or
/// array shown as that JSON; secrets redacted.
fn to_json(row: &AnyRow) -> Value {
    let mut out = Map::new();
    for (i, c) in row.columns().iter().enumerate() {
        let v = if let Ok(n) = row.try_get::<Option<i64>, _>(i) {
            n.map_or(Value::Null, Value::from)
        } else if let Ok(n) = row.try_get::<Option<i32>, _>(i) {
            n.map_or(Value::Null, Value::from)
        } else if let Ok(b) = row.try_get::<Option<bool>, _>(i) {
            b.map_or(Value::Null, Value::from)
        } else if let Ok(x) = row.try_get::<Option<f64>, _>(i) {
            x.map_or(Value::Null, Value::from)
        } else if let Ok(t) = row.try_get::<Option<String>, _>(i) {
            match t {
                Some(t) if t.starts_with('{') || t.starts_with('[') => {
                    serde_json::from_str(&t).unwrap_or(Value::String(t))
                }
                Some(t) => Value::String(t),
                None => Value::Null,
            }
        } else {
            Value::Null
        };
        out.insert(c.name().to_owned(), v);
    }
    let mut v = Value::Object(out);
    redact(&mut v);
    v
}

/// Replaces every secret's value by whether one is set.
pub(crate) fn redact(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if SECRET_KEYS.contains(&k.as_str()) {
                    let set = !x.is_null() && x.as_str() != Some("");
                    *x = Value::String(if set { "(set)" } else { "(none)" }.into());
                } else {
                    redact(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_marked_set_or_not_at_any_depth() {
        let mut v = json!({"name": "Ann", "password_hash": "$argon2id$…",
            "settings": {"auth": {"mode": "hs256", "secret": "s3cr3t"}, "rules": [{"ha1": null}]}});
        redact(&mut v);
        assert_eq!(
            v,
            json!({"name": "Ann", "password_hash": "(set)",
                "settings": {"auth": {"mode": "hs256", "secret": "(set)"}, "rules": [{"ha1": "(none)"}]}})
        );
    }

    #[test]
    fn areas_have_one_name_each() {
        for a in Area::ALL {
            assert_eq!(Area::parse(a.name()), Some(a));
        }
        assert_eq!(Area::parse("nothing"), None);
    }
}
