//! Configuration as code: the settings an admin owns, exported as one
//! TOML file and applied back, on this site or another
//! (`docs/config-as-code.md`).
//!
//! Records are matched between the file and the database by their name,
//! never by id, and name each other by name (a rule's queue, a queue's
//! members by their email), so a file moves between sites. Every record
//! of the file is checked with the rules the API applies to it (the same
//! functions), errors are named by their place in the file
//! (`queues[2].overflow.waiting_time_exceeds.queue`) with the record's
//! name, and the changes are written in one transaction by the store
//! (`switchboard_store::site_config`), audited as the caller's.

use std::collections::{HashMap, HashSet};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use switchboard_chat::settings::WidgetInput;
use switchboard_core::booking::{BranchDraft, BranchInput, TopicDraft, TopicInput};
use switchboard_core::chat::proactive::{parse_rules, ProactiveRuleSpec};
use switchboard_core::communications::templates::Template;
use switchboard_core::communications::{Channel, Kind, Settings, LANGUAGES};
use switchboard_core::routing::{ChannelKind, QueueIx};
use switchboard_core::validation::{limits, Check};
use switchboard_core::{FieldError, Invalid};
use switchboard_store::routing::{ProfileDraft, QueueDraft, RoutingRule};
use switchboard_store::site_config::{
    CannedDraft, PromptKey, Put, ScriptDraft, SitePlan, TemplateKey, WidgetDraft,
};

/// A script rule as stored: (queue id, channel, script id).
type ScriptRuleRow = (Option<String>, Option<String>, String);
use switchboard_store::Db;

use crate::error::{ApiError, ApiResult};
use crate::routes::routing_config::{check_rules, parse_profile, ProfileInput};
use crate::routes::scripts::{CannedInput, ScriptInput, ScriptRules};
use crate::routing::config::{parse_enum, validate_queue, QueueInput, RuleInput};

/// What an exported widget secret says instead of the secret; applied, it
/// (like an absent secret) keeps the stored one.
pub const KEPT: &str = "(kept)";

/// The file's areas, in the order they are read, applied and listed.
pub const AREAS: [&str; 13] = [
    "skills",
    "capacity_profiles",
    "queues",
    "routing_rules",
    "widgets",
    "agent_scripts",
    "agent_script_rules",
    "canned_responses",
    "communications",
    "message_templates",
    "branches",
    "topics",
    "queue_prompts",
];

const FORMAT_VERSION: i64 = 1;

/// One difference between the file and the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ConfigChange {
    /// The file's area: `skills`, `capacity_profiles`, `queues`,
    /// `routing_rules`, `widgets`, `agent_scripts`, `agent_script_rules`,
    /// `canned_responses`, `communications`, `message_templates`,
    /// `branches`, `topics`, `queue_prompts`.
    pub area: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// The record's name (a canned response: its code; `(order)` when
    /// only the routing rules' order changes, `(list)` for the script rules).
    pub name: String,
}

/// What an apply found and did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplyReport {
    pub dry_run: bool,
    /// Whether changes were written (false for a dry run or no change).
    pub applied: bool,
    pub changes: Vec<ConfigChange>,
}

impl ApplyReport {
    /// The changes as lines for a terminal: `+ queues "Chat"` (create),
    /// `~` (update), `-` (delete).
    pub fn lines(&self) -> Vec<String> {
        self.changes
            .iter()
            .map(|c| {
                let mark = match c.action.as_str() {
                    "create" => '+',
                    "delete" => '-',
                    _ => '~',
                };
                format!("{mark} {} {:?}", c.area, c.name)
            })
            .collect()
    }
}

// ------------------------------------------------------------ the site as it stands

/// Names of the records the file refers to, by id.
#[derive(Default)]
struct Names {
    queue: HashMap<String, String>,
    skill: HashMap<String, String>,
    agent: HashMap<String, String>,
    script: HashMap<String, String>,
}

impl Names {
    fn of(map: &HashMap<String, String>, id: &str) -> String {
        map.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }
}

struct StoredWidget {
    id: String,
    settings: WidgetInput,
    /// (rule id, spec without id), in order.
    rules: Vec<(String, ProactiveRuleSpec)>,
}

struct Site {
    skills: Vec<(String, String)>,
    profiles: Vec<(String, ProfileDraft)>,
    queues: Vec<(String, QueueDraft)>,
    rules: Vec<RoutingRule>,
    widgets: Vec<StoredWidget>,
    /// (id, name, steps as JSON)
    scripts: Vec<(String, String, Value)>,
    script_rules: Vec<ScriptRuleRow>,
    canned: Vec<(String, CannedDraft)>,
    communications: Settings,
    templates: Vec<(TemplateKey, Template)>,
    branches: Vec<(String, BranchDraft)>,
    topics: Vec<(String, TopicDraft)>,
    prompts: Vec<(PromptKey, String)>,
    names: Names,
    emails: HashMap<String, String>,
    /// Ids of the agents holding the supervisor role.
    supervisors: HashSet<String>,
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("{e}"))
}

async fn read_site(db: &Db) -> ApiResult<Site> {
    let mut names = Names::default();
    let mut emails = HashMap::new();
    for (id, email) in db.agent_emails().await? {
        emails.insert(email.clone(), id.clone());
        names.agent.insert(id, email);
    }
    let skills: Vec<(String, String)> = db
        .skills()
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    for (id, name) in &skills {
        names.skill.insert(id.clone(), name.clone());
    }
    let profiles = db
        .capacity_profiles()
        .await?
        .into_iter()
        .map(|p| {
            (
                p.id,
                ProfileDraft {
                    name: p.name,
                    chat_units: p.chat_units,
                    voice_units: p.voice_units,
                    voice_blocks_others: p.voice_blocks_others,
                    wrap_up_seconds: p.wrap_up_seconds,
                },
            )
        })
        .collect();
    let queues: Vec<(String, QueueDraft)> = db
        .queues()
        .await?
        .into_iter()
        .map(|q| {
            (
                q.id,
                QueueDraft {
                    name: q.name,
                    channel: q.channel,
                    priority: q.priority,
                    method: q.method,
                    offer_timeout_seconds: q.offer_timeout_seconds,
                    declines_allowed: q.declines_allowed,
                    is_default: q.is_default,
                    operating_hours: q.operating_hours,
                    overflow: q.overflow,
                    csat_survey: q.csat_survey,
                    members: q.members,
                    supervisor_ids: q.supervisor_ids,
                },
            )
        })
        .collect();
    for (id, q) in &queues {
        names.queue.insert(id.clone(), q.name.clone());
    }
    let rules = db.routing_rules().await?;
    let mut widgets = Vec::new();
    for w in db.widgets().await? {
        let settings: WidgetInput = serde_json::from_str(&w.settings).map_err(internal)?;
        let mut rules = Vec::new();
        for r in db.proactive_rules(&w.id).await? {
            let mut spec: ProactiveRuleSpec = serde_json::from_str(&r.spec).map_err(internal)?;
            spec.id = None;
            rules.push((r.id, spec));
        }
        widgets.push(StoredWidget {
            id: w.id,
            settings,
            rules,
        });
    }
    let mut scripts = Vec::new();
    for r in db.scripts().await? {
        let steps: Value = serde_json::from_str(&r.steps).map_err(internal)?;
        names.script.insert(r.id.clone(), r.name.clone());
        scripts.push((r.id, r.name, steps));
    }
    let script_rules = db
        .script_rules()
        .await?
        .into_iter()
        .map(|r| (r.queue_id, r.channel, r.script_id))
        .collect();
    let canned = db
        .all_canned_responses()
        .await?
        .into_iter()
        .map(|c| {
            (
                c.id,
                CannedDraft {
                    code: c.code,
                    title: c.title,
                    body: c.body,
                },
            )
        })
        .collect();
    let branches = db
        .branches()
        .await?
        .into_iter()
        .map(|b| {
            (
                b.id,
                BranchDraft {
                    name: b.name,
                    address: b.address,
                    time_zone: b.time_zone,
                },
            )
        })
        .collect();
    let topics = db
        .topics()
        .await?
        .into_iter()
        .map(|t| {
            (
                t.id,
                TopicDraft {
                    name: t.name,
                    description: t.description,
                    duration_minutes: u32::try_from(t.duration_minutes).unwrap_or(0),
                    meeting_types: t.meeting_types,
                    skills: t.skills,
                    instructions: t.instructions,
                    translations: t.translations,
                },
            )
        })
        .collect();
    Ok(Site {
        prompts: db.prompt_texts().await?,
        branches,
        topics,
        communications: db.communication_settings().await?,
        templates: db.customized_templates().await?,
        scripts,
        script_rules,
        canned,
        skills,
        profiles,
        queues,
        rules,
        widgets,
        names,
        emails,
        supervisors: db.supervisor_agent_ids().await?.into_iter().collect(),
    })
}

// ------------------------------------------------------------ file forms

/// Removes nulls (TOML has none; an absent key reads as null again).
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// In `obj`, the id under `id_key` replaced by its name under `name_key`.
fn id_to_name(obj: &mut Value, id_key: &str, name_key: &str, names: &HashMap<String, String>) {
    if let Some(m) = obj.as_object_mut() {
        if let Some(Value::String(id)) = m.remove(id_key) {
            m.insert(name_key.into(), Value::String(Names::of(names, &id)));
        }
    }
}

const OVERFLOW_RULES: [&str; 4] = [
    "out_of_operating_hours",
    "work_items_waiting_exceed",
    "estimated_wait_exceeds",
    "waiting_time_exceeds",
];

fn profile_form(p: &ProfileDraft) -> Value {
    serde_json::json!({
        "name": p.name,
        "chat_units": p.chat_units,
        "voice_units": p.voice_units,
        "voice_blocks_others": p.voice_blocks_others,
        "wrap_up_seconds": p.wrap_up_seconds,
    })
}

fn queue_form(q: &QueueDraft, names: &Names) -> Value {
    let mut overflow = q.overflow.clone();
    for rule in OVERFLOW_RULES {
        if let Some(r) = overflow.get_mut(rule) {
            id_to_name(r, "queue_id", "queue", &names.queue);
        }
    }
    let mut members: Vec<String> = q
        .members
        .iter()
        .map(|m| Names::of(&names.agent, m))
        .collect();
    members.sort();
    members.dedup();
    let mut supervisors: Vec<String> = q
        .supervisor_ids
        .iter()
        .map(|m| Names::of(&names.agent, m))
        .collect();
    supervisors.sort();
    supervisors.dedup();
    let mut v = serde_json::json!({
        "name": q.name,
        "channel": q.channel,
        "priority": q.priority,
        "method": q.method,
        "offer_timeout_seconds": q.offer_timeout_seconds,
        "declines_allowed": q.declines_allowed,
        "is_default": q.is_default,
        "operating_hours": q.operating_hours,
        "overflow": overflow,
        "members": members,
        "supervisors": supervisors,
    });
    // Written only when on (voice queues that ask callers for a rating),
    // so files without it keep reading the same.
    if q.csat_survey {
        v["csat_survey"] = Value::Bool(true);
    }
    strip_nulls(&mut v);
    v
}

fn rule_form(r: &RoutingRule, names: &Names) -> Value {
    let mut skills = r.skills.clone();
    if let Some(list) = skills.as_array_mut() {
        for s in list {
            id_to_name(s, "skill_id", "skill", &names.skill);
        }
    }
    let mut v = serde_json::json!({
        "name": r.name,
        "tests": r.tests,
        "queue": Names::of(&names.queue, &r.queue_id),
        "skills": skills,
        "skill_match": r.skill_match,
        "priority": r.priority,
    });
    strip_nulls(&mut v);
    v
}

fn widget_form(s: &WidgetInput, rules: &[&ProactiveRuleSpec], names: &Names) -> Value {
    let mut v = serde_json::to_value(s).expect("serializes");
    if let Some(secret) = v.pointer_mut("/auth/secret") {
        *secret = Value::String(KEPT.into());
    }
    if let Some(routing) = v.get_mut("routing") {
        id_to_name(routing, "queue_id", "queue", &names.queue);
    }
    let rules: Vec<Value> = rules
        .iter()
        .map(|spec| {
            let mut r = serde_json::to_value(spec).expect("serializes");
            if let Some(m) = r.as_object_mut() {
                m.remove("id");
            }
            id_to_name(&mut r, "queue_id", "queue", &names.queue);
            r
        })
        .collect();
    v.as_object_mut()
        .expect("an object")
        .insert("proactive_rules".into(), Value::Array(rules));
    strip_nulls(&mut v);
    v
}

fn script_form(name: &str, steps: &Value, names: &Names) -> Value {
    let mut steps = steps.clone();
    if let Some(list) = steps.as_array_mut() {
        for step in list {
            id_to_name(step, "script_id", "script", &names.script);
        }
    }
    let mut v = serde_json::json!({"name": name, "steps": steps});
    strip_nulls(&mut v);
    v
}

fn script_rule_form(r: &ScriptRuleRow, names: &Names) -> Value {
    let mut v = serde_json::json!({
        "queue": r.0.as_ref().map(|q| Names::of(&names.queue, q)),
        "channel": r.1,
        "script": Names::of(&names.script, &r.2),
    });
    strip_nulls(&mut v);
    v
}

fn canned_form(c: &CannedDraft) -> Value {
    serde_json::json!({"code": c.code, "title": c.title, "body": c.body})
}

fn settings_form(s: &Settings) -> Value {
    let mut v = serde_json::to_value(s).expect("serializes");
    strip_nulls(&mut v);
    v
}

fn template_name((kind, channel, language): &TemplateKey) -> String {
    format!("{}/{}/{language}", kind.as_str(), channel.as_str())
}

fn template_form(key: &TemplateKey, t: &Template) -> Value {
    // An SMS has no subject and no HTML: absent, not null (TOML has none).
    let mut v = serde_json::json!({
        "kind": key.0.as_str(),
        "channel": key.1.as_str(),
        "language": key.2,
        "subject": t.subject,
        "body": t.body,
        "html": t.html,
    });
    strip_nulls(&mut v);
    v
}

fn branch_form(b: &BranchDraft) -> Value {
    let mut v = serde_json::json!({"name": b.name, "address": b.address, "time_zone": b.time_zone});
    strip_nulls(&mut v);
    v
}

fn topic_form(t: &TopicDraft, names: &Names) -> Value {
    let mut skills: Vec<String> = t
        .skills
        .iter()
        .map(|s| Names::of(&names.skill, s))
        .collect();
    skills.sort();
    let mut v = serde_json::json!({
        "name": t.name,
        "description": t.description,
        "duration_minutes": t.duration_minutes,
        "meeting_types": t.meeting_types,
        "skills": skills,
        "instructions": t.instructions,
        "translations": t.translations,
    });
    strip_nulls(&mut v);
    v
}

fn prompt_form((queue, prompt, language): &PromptKey, text: &str, names: &Names) -> Value {
    serde_json::json!({
        "queue": Names::of(&names.queue, queue),
        "prompt": prompt,
        "language": language,
        "text": text,
    })
}

fn prompt_forms(prompts: &[(PromptKey, String)], names: &Names) -> Vec<Value> {
    let mut out: Vec<Value> = prompts
        .iter()
        .map(|(k, t)| prompt_form(k, t, names))
        .collect();
    out.sort_by_key(|v| {
        ["queue", "prompt", "language"].map(|k| v[k].as_str().unwrap_or_default().to_owned())
    });
    out
}

fn site_form(site: &Site) -> Value {
    let mut skills: Vec<&str> = site.skills.iter().map(|(_, n)| n.as_str()).collect();
    skills.sort();
    let mut out = Map::new();
    out.insert("version".into(), FORMAT_VERSION.into());
    out.insert("skills".into(), serde_json::json!(skills));
    out.insert(
        "capacity_profiles".into(),
        site.profiles.iter().map(|(_, p)| profile_form(p)).collect(),
    );
    out.insert(
        "queues".into(),
        site.queues
            .iter()
            .map(|(_, q)| queue_form(q, &site.names))
            .collect(),
    );
    out.insert(
        "routing_rules".into(),
        site.rules
            .iter()
            .map(|r| rule_form(r, &site.names))
            .collect(),
    );
    out.insert(
        "widgets".into(),
        site.widgets
            .iter()
            .map(|w| {
                let rules: Vec<&ProactiveRuleSpec> = w.rules.iter().map(|(_, s)| s).collect();
                widget_form(&w.settings, &rules, &site.names)
            })
            .collect(),
    );
    out.insert(
        "agent_scripts".into(),
        site.scripts
            .iter()
            .map(|(_, name, steps)| script_form(name, steps, &site.names))
            .collect(),
    );
    out.insert(
        "agent_script_rules".into(),
        site.script_rules
            .iter()
            .map(|r| script_rule_form(r, &site.names))
            .collect(),
    );
    out.insert(
        "canned_responses".into(),
        site.canned.iter().map(|(_, c)| canned_form(c)).collect(),
    );
    out.insert(
        "queue_prompts".into(),
        Value::Array(prompt_forms(&site.prompts, &site.names)),
    );
    out.insert("communications".into(), settings_form(&site.communications));
    out.insert(
        "branches".into(),
        site.branches.iter().map(|(_, b)| branch_form(b)).collect(),
    );
    out.insert(
        "topics".into(),
        site.topics
            .iter()
            .map(|(_, t)| topic_form(t, &site.names))
            .collect(),
    );
    out.insert(
        "message_templates".into(),
        site.templates
            .iter()
            .map(|(k, t)| template_form(k, t))
            .collect(),
    );
    Value::Object(out)
}

/// The site's configuration as a TOML file. Widget secrets are never in
/// it (`secret = "(kept)"` says one is stored).
pub async fn export(db: &Db) -> ApiResult<String> {
    let site = read_site(db).await?;
    let form = site_form(&site);
    let body = toml::to_string(&form).map_err(internal)?;
    Ok(format!(
        "# Switchboard configuration (docs/config-as-code.md).\n\
         # Apply it with `switchboard config apply FILE` or on the admin center's Integrations screen.\n\n{body}"
    ))
}

// ------------------------------------------------------------ reading a file

/// Collects errors named by their place in the file.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: String, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// The API's errors for one record, under its place in the file and
    /// with the file's names for references.
    fn record(&mut self, at: &str, what: &str, name: &str, invalid: Invalid) {
        for e in invalid.0 {
            let field = e
                .field
                .replace("queue_id", "queue")
                .replace("skill_id", "skill");
            let field = field
                .strip_prefix("rules[")
                .map(|rest| format!("proactive_rules[{rest}"))
                .unwrap_or(field);
            let field = if field.is_empty() {
                at.to_owned()
            } else {
                format!("{at}.{field}")
            };
            self.0.push(FieldError::new(
                field,
                &e.code,
                format!("{} ({what} {name:?})", e.message),
            ));
        }
    }

    fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.0))
        }
    }
}

/// A record of the file read as the API's input type; a wrong type or an
/// unknown key is named by its path.
fn typed<T: DeserializeOwned>(
    errors: &mut Errors,
    at: &str,
    what: &str,
    name: &str,
    v: Value,
) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(v) {
        Ok(t) => Some(t),
        Err(e) => {
            let path = e.path().to_string();
            let field = if path == "." || path.is_empty() {
                at.to_owned()
            } else {
                format!("{at}.{path}")
            };
            errors.add(field, "invalid", format!("{} ({what} {name:?})", e.inner()));
            None
        }
    }
}

fn record_name(v: &Value) -> String {
    v.get("name")
        .and_then(Value::as_str)
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// Replaces, in `obj`, the name under `name_key` by the id it names under
/// `id_key`; an unknown name is an error at `at.name_key`.
fn name_to_id(
    errors: &mut Errors,
    obj: &mut Value,
    name_key: &str,
    id_key: &str,
    ids: &HashMap<String, String>,
    at: &str,
    noun: &str,
) {
    let Some(m) = obj.as_object_mut() else {
        return;
    };
    if m.contains_key(id_key) {
        errors.add(
            format!("{at}.{id_key}"),
            "unknown_field",
            format!("name the {noun} with `{name_key}` (ids differ between sites)"),
        );
        return;
    }
    match m.remove(name_key) {
        None => {}
        Some(Value::String(name)) => match ids.get(name.trim()) {
            Some(id) => {
                m.insert(id_key.into(), Value::String(id.clone()));
            }
            None => errors.add(
                format!("{at}.{name_key}"),
                "unknown",
                format!("no {noun} is named {name:?}"),
            ),
        },
        Some(_) => errors.add(
            format!("{at}.{name_key}"),
            "invalid",
            format!("must be the name of a {noun}"),
        ),
    }
}

/// An area's records: an array of tables (or of strings for skills).
fn area_list(errors: &mut Errors, file: &mut Map<String, Value>, area: &str) -> Option<Vec<Value>> {
    match file.remove(area) {
        None => None,
        Some(Value::Array(a)) => Some(a),
        Some(_) => {
            errors.add(area.into(), "invalid", "must be an array");
            Some(Vec::new())
        }
    }
}

/// Parses TOML text into JSON, naming a syntax error's line and column.
fn parse_text(text: &str) -> Result<Map<String, Value>, Invalid> {
    let parsed: toml::Table = toml::from_str(text).map_err(|e| {
        Invalid::one(
            "file",
            "malformed",
            format!("not a valid TOML file: {}", e.to_string().trim()),
        )
    })?;
    let json = serde_json::to_value(parsed)
        .map_err(|e| Invalid::one("file", "malformed", e.to_string()))?;
    match json {
        Value::Object(m) => Ok(m),
        _ => Err(Invalid::one("file", "malformed", "not a TOML table")),
    }
}

fn change(list: &mut Vec<ConfigChange>, area: &str, action: &str, name: &str) {
    list.push(ConfigChange {
        area: area.into(),
        action: action.into(),
        name: name.into(),
    });
}

/// Checks the whole file against the site and works out the changes;
/// nothing is written.
async fn plan(db: &Db, text: &str) -> ApiResult<(SitePlan, Vec<ConfigChange>)> {
    let site = read_site(db).await?;
    let mut file = parse_text(text)?;
    let mut errors = Errors::default();
    let mut plan = SitePlan::default();
    let mut changes = Vec::new();

    match file.remove("version") {
        None => {}
        Some(Value::Number(n)) if n.as_i64() == Some(FORMAT_VERSION) => {}
        Some(_) => errors.add(
            "version".into(),
            "unsupported",
            format!("this Switchboard reads version {FORMAT_VERSION}"),
        ),
    }

    // Names and ids after the apply, for references.
    let mut names = Names {
        agent: site.names.agent.clone(),
        ..Names::default()
    };

    // ---- skills
    let mut skill_ids: HashMap<String, String> = site
        .skills
        .iter()
        .map(|(id, n)| (n.clone(), id.clone()))
        .collect();
    if let Some(list) = area_list(&mut errors, &mut file, "skills") {
        let mut wanted = HashMap::new();
        for (i, v) in list.into_iter().enumerate() {
            let at = format!("skills[{i}]");
            let mut c = Check::new();
            let name = match v {
                Value::String(s) => c.required_text(&at, Some(s), limits::NAME),
                _ => {
                    c.fail(&at, "invalid", "must be a skill's name");
                    None
                }
            };
            errors
                .0
                .extend(c.finish(|| ()).err().map(|i| i.0).unwrap_or_default());
            let Some(name) = name else { continue };
            if wanted.insert(name.clone(), ()).is_some() {
                errors.add(
                    at,
                    "duplicate",
                    format!("the skill {name:?} is listed twice"),
                );
                continue;
            }
            if !skill_ids.contains_key(&name) {
                let id = switchboard_store::new_id();
                plan.skills_created.push((id.clone(), name.clone()));
                skill_ids.insert(name.clone(), id);
                change(&mut changes, "skills", "create", &name);
            }
        }
        for (id, name) in &site.skills {
            if !wanted.contains_key(name) {
                plan.skills_deleted.push(id.clone());
                skill_ids.remove(name);
                change(&mut changes, "skills", "delete", name);
            }
        }
    }
    for (name, id) in &skill_ids {
        names.skill.insert(id.clone(), name.clone());
    }

    // ---- capacity profiles
    if let Some(list) = area_list(&mut errors, &mut file, "capacity_profiles") {
        let mut seen = HashSet::new();
        for (i, v) in list.into_iter().enumerate() {
            let at = format!("capacity_profiles[{i}]");
            let name = record_name(&v);
            let Some(input) = typed::<ProfileInput>(&mut errors, &at, "capacity profile", &name, v)
            else {
                continue;
            };
            let draft = match parse_profile(input) {
                Ok(d) => d,
                Err(e) => {
                    errors.record(&at, "capacity profile", &name, e);
                    continue;
                }
            };
            if !seen.insert(draft.name.clone()) {
                errors.add(
                    format!("{at}.name"),
                    "duplicate",
                    format!("another capacity profile is named {:?}", draft.name),
                );
                continue;
            }
            match site.profiles.iter().find(|(_, p)| p.name == draft.name) {
                Some((id, old)) => {
                    if profile_form(old) != profile_form(&draft) {
                        change(&mut changes, "capacity_profiles", "update", &draft.name);
                        plan.profiles.push(Put {
                            id: id.clone(),
                            exists: true,
                            draft,
                        });
                    }
                }
                None => {
                    change(&mut changes, "capacity_profiles", "create", &draft.name);
                    plan.profiles.push(Put {
                        id: switchboard_store::new_id(),
                        exists: false,
                        draft,
                    });
                }
            }
        }
        for (id, p) in &site.profiles {
            if !seen.contains(&p.name) {
                plan.profiles_deleted.push(id.clone());
                change(&mut changes, "capacity_profiles", "delete", &p.name);
            }
        }
    }

    // ---- queues: ids first (queues name each other in their overflow)
    let queue_list = area_list(&mut errors, &mut file, "queues");
    let mut queue_ids: HashMap<String, String> = HashMap::new();
    let mut known: HashMap<String, (QueueIx, ChannelKind)> = HashMap::new();
    match &queue_list {
        Some(list) => {
            for v in list {
                let name = record_name(v);
                if name.is_empty() || queue_ids.contains_key(&name) {
                    continue;
                }
                let id = site
                    .queues
                    .iter()
                    .find(|(_, q)| q.name == name)
                    .map(|(id, _)| id.clone())
                    .unwrap_or_else(switchboard_store::new_id);
                let channel = v
                    .get("channel")
                    .and_then(Value::as_str)
                    .and_then(parse_enum)
                    .unwrap_or(ChannelKind::Messaging);
                known.insert(id.clone(), (QueueIx(known.len() as u32), channel));
                queue_ids.insert(name, id);
            }
        }
        None => {
            for (id, q) in &site.queues {
                let channel = parse_enum(&q.channel).unwrap_or(ChannelKind::Messaging);
                known.insert(id.clone(), (QueueIx(known.len() as u32), channel));
                queue_ids.insert(q.name.clone(), id.clone());
            }
        }
    }
    for (name, id) in &queue_ids {
        names.queue.insert(id.clone(), name.clone());
    }
    if let Some(list) = queue_list {
        let mut seen = HashSet::new();
        let mut default_at: Option<String> = None;
        for (i, mut v) in list.into_iter().enumerate() {
            let at = format!("queues[{i}]");
            let name = record_name(&v);
            if let Some(m) = v.as_object_mut() {
                if let Some(members) = m.remove("members") {
                    match members {
                        Value::Array(list) => {
                            let mut ids = Vec::new();
                            for (k, e) in list.into_iter().enumerate() {
                                let found = e
                                    .as_str()
                                    .and_then(|e| site.emails.get(&e.trim().to_lowercase()));
                                match found {
                                    Some(id) => ids.push(Value::String(id.clone())),
                                    None => errors.add(
                                        format!("{at}.members[{k}]"),
                                        "unknown",
                                        format!("no agent has the email {e} (queue {name:?})"),
                                    ),
                                }
                            }
                            m.insert("members".into(), Value::Array(ids));
                        }
                        _ => errors.add(
                            format!("{at}.members"),
                            "invalid",
                            "must be a list of agents' emails",
                        ),
                    }
                }
                // Supervisors by email too, as `supervisors`; ids are the
                // API's (`supervisor_ids`), which a file does not carry.
                if m.remove("supervisor_ids").is_some() {
                    errors.add(
                        format!("{at}.supervisor_ids"),
                        "invalid",
                        "name the queue's supervisors by email, as supervisors",
                    );
                }
                if let Some(list) = m.remove("supervisors") {
                    match list {
                        Value::Array(list) => {
                            let mut ids = Vec::new();
                            for (k, e) in list.into_iter().enumerate() {
                                let found = e
                                    .as_str()
                                    .and_then(|e| site.emails.get(&e.trim().to_lowercase()));
                                match found {
                                    Some(id) if site.supervisors.contains(id) => {
                                        ids.push(Value::String(id.clone()))
                                    }
                                    Some(_) => errors.add(
                                        format!("{at}.supervisors[{k}]"),
                                        "not_supervisor",
                                        format!("{e} does not hold the supervisor role (queue {name:?})"),
                                    ),
                                    None => errors.add(
                                        format!("{at}.supervisors[{k}]"),
                                        "unknown",
                                        format!("no agent has the email {e} (queue {name:?})"),
                                    ),
                                }
                            }
                            m.insert("supervisor_ids".into(), Value::Array(ids));
                        }
                        _ => errors.add(
                            format!("{at}.supervisors"),
                            "invalid",
                            "must be a list of supervisors' emails",
                        ),
                    }
                }
                if let Some(overflow) = m.get_mut("overflow") {
                    for rule in OVERFLOW_RULES {
                        if let Some(r) = overflow.get_mut(rule) {
                            name_to_id(
                                &mut errors,
                                r,
                                "queue",
                                "queue_id",
                                &queue_ids,
                                &format!("{at}.overflow.{rule}"),
                                "queue",
                            );
                        }
                    }
                }
            }
            let Some(input) = typed::<QueueInput>(&mut errors, &at, "queue", &name, v) else {
                continue;
            };
            let draft = match validate_queue(&input, &known) {
                Ok(d) => d,
                Err(e) => {
                    errors.record(&at, "queue", &name, e);
                    continue;
                }
            };
            if !seen.insert(draft.name.clone()) {
                errors.add(
                    format!("{at}.name"),
                    "duplicate",
                    format!("another queue is named {:?}", draft.name),
                );
                continue;
            }
            if draft.is_default {
                if let Some(first) = &default_at {
                    errors.add(
                        format!("{at}.is_default"),
                        "duplicate",
                        format!("only one queue can be the default; {first} is too"),
                    );
                }
                default_at = Some(at.clone());
            }
            let id = queue_ids[&draft.name].clone();
            match site.queues.iter().find(|(qid, _)| *qid == id) {
                Some((_, old)) => {
                    if queue_form(old, &site.names) != queue_form(&draft, &names) {
                        change(&mut changes, "queues", "update", &draft.name);
                        plan.queues.push(Put {
                            id,
                            exists: true,
                            draft,
                        });
                    }
                }
                None => {
                    change(&mut changes, "queues", "create", &draft.name);
                    plan.queues.push(Put {
                        id,
                        exists: false,
                        draft,
                    });
                }
            }
        }
        for (id, q) in &site.queues {
            if !seen.contains(&q.name) {
                plan.queues_deleted.push(id.clone());
                change(&mut changes, "queues", "delete", &q.name);
            }
        }
    }

    // ---- routing rules: one ordered list
    if let Some(list) = area_list(&mut errors, &mut file, "routing_rules") {
        let mut inputs = Vec::new();
        let mut places = Vec::new();
        for (i, mut v) in list.into_iter().enumerate() {
            let at = format!("routing_rules[{i}]");
            let name = record_name(&v);
            name_to_id(
                &mut errors,
                &mut v,
                "queue",
                "queue_id",
                &queue_ids,
                &at,
                "queue",
            );
            if let Some(Value::Array(skills)) = v.get_mut("skills") {
                for (k, s) in skills.iter_mut().enumerate() {
                    name_to_id(
                        &mut errors,
                        s,
                        "skill",
                        "skill_id",
                        &skill_ids,
                        &format!("{at}.skills[{k}]"),
                        "skill",
                    );
                }
            }
            if let Some(input) = typed::<RuleInput>(&mut errors, &at, "routing rule", &name, v) {
                inputs.push(input);
                places.push((at, name));
            }
        }
        let mut c = Check::new();
        let skill_list: Vec<String> = skill_ids.values().cloned().collect();
        let queue_list: Vec<String> = queue_ids.values().cloned().collect();
        let rules = check_rules(&mut c, inputs, &skill_list, Some(&queue_list));
        if let Err(invalid) = c.finish(|| ()) {
            for e in invalid.0 {
                // `rules[n].field` → the n-th rule read from the file.
                let n: Option<usize> = e
                    .field
                    .strip_prefix("rules[")
                    .and_then(|r| r.split(']').next())
                    .and_then(|n| n.parse().ok());
                match n.and_then(|n| places.get(n)) {
                    Some((at, name)) => {
                        let rest = e.field.split_once("].").map(|(_, r)| r).unwrap_or("");
                        errors.record(
                            at,
                            "routing rule",
                            name,
                            Invalid(vec![FieldError::new(rest, &e.code, e.message)]),
                        );
                    }
                    None => errors.add("routing_rules".into(), &e.code, e.message),
                }
            }
        }
        let mut seen = HashSet::new();
        for (r, (at, _)) in rules.iter().zip(&places) {
            if !seen.insert(r.name.clone()) {
                errors.add(
                    format!("{at}.name"),
                    "duplicate",
                    format!("another routing rule is named {:?}", r.name),
                );
            }
        }
        let old: Vec<Value> = site
            .rules
            .iter()
            .map(|r| rule_form(r, &site.names))
            .collect();
        let new: Vec<Value> = rules.iter().map(|r| rule_form(r, &names)).collect();
        if old != new {
            let before: HashMap<&str, &Value> = site
                .rules
                .iter()
                .zip(&old)
                .map(|(r, v)| (r.name.as_str(), v))
                .collect();
            let mut any = false;
            for (r, v) in rules.iter().zip(&new) {
                match before.get(r.name.as_str()) {
                    None => {
                        change(&mut changes, "routing_rules", "create", &r.name);
                        any = true;
                    }
                    Some(b) if *b != v => {
                        change(&mut changes, "routing_rules", "update", &r.name);
                        any = true;
                    }
                    Some(_) => {}
                }
            }
            for r in &site.rules {
                if !rules.iter().any(|n| n.name == r.name) {
                    change(&mut changes, "routing_rules", "delete", &r.name);
                    any = true;
                }
            }
            if !any {
                change(&mut changes, "routing_rules", "update", "(order)");
            }
            plan.routing_rules = Some(rules);
        }
    }

    // ---- widgets and their proactive rules
    if let Some(list) = area_list(&mut errors, &mut file, "widgets") {
        let mut seen = HashSet::new();
        for (i, mut v) in list.into_iter().enumerate() {
            let at = format!("widgets[{i}]");
            let name = record_name(&v);
            let stored = site.widgets.iter().find(|w| w.settings.name == name);
            let mut specs_in = Vec::new();
            if let Some(m) = v.as_object_mut() {
                match m.remove("proactive_rules") {
                    None => {}
                    Some(Value::Array(a)) => specs_in = a,
                    Some(_) => errors.add(
                        format!("{at}.proactive_rules"),
                        "invalid",
                        "must be an array",
                    ),
                }
                // A secret marked as kept, or none, keeps the stored one.
                if let Some(Value::Object(auth)) = m.get_mut("auth") {
                    if auth.get("secret").and_then(Value::as_str) == Some(KEPT) {
                        auth.remove("secret");
                    }
                }
            }
            if let Some(routing) = v.get_mut("routing") {
                name_to_id(
                    &mut errors,
                    routing,
                    "queue",
                    "queue_id",
                    &queue_ids,
                    &format!("{at}.routing"),
                    "queue",
                );
            }
            let Some(input) = typed::<WidgetInput>(&mut errors, &at, "widget", &name, v) else {
                continue;
            };
            let settings = match input.check(stored.map(|w| &w.settings)) {
                Ok(s) => s,
                Err(e) => {
                    errors.record(&at, "widget", &name, e);
                    continue;
                }
            };
            if !seen.insert(settings.name.clone()) {
                errors.add(
                    format!("{at}.name"),
                    "duplicate",
                    format!("another widget is named {:?}", settings.name),
                );
                continue;
            }
            let mut specs = Vec::new();
            for (k, mut s) in specs_in.into_iter().enumerate() {
                let rat = format!("{at}.proactive_rules[{k}]");
                let rname = record_name(&s);
                name_to_id(
                    &mut errors,
                    &mut s,
                    "queue",
                    "queue_id",
                    &queue_ids,
                    &rat,
                    "queue",
                );
                if let Some(m) = s.as_object_mut() {
                    if m.remove("id").is_some() {
                        errors.add(
                            format!("{rat}.id"),
                            "unknown_field",
                            "rules are matched by name; leave the id out",
                        );
                    }
                }
                if let Some(mut spec) =
                    typed::<ProactiveRuleSpec>(&mut errors, &rat, "proactive rule", &rname, s)
                {
                    // A rule keeps its id (and its counters) by name.
                    spec.id = stored.and_then(|w| {
                        w.rules
                            .iter()
                            .find(|(_, old)| old.name.trim() == spec.name.trim())
                            .map(|(id, _)| id.clone())
                    });
                    specs.push(spec);
                }
            }
            let language = settings
                .default_language
                .clone()
                .unwrap_or_else(|| "en".into());
            let rules = match parse_rules(specs, &language, switchboard_store::new_id) {
                Ok(r) => r,
                Err(e) => {
                    errors.record(&at, "widget", &name, e);
                    continue;
                }
            };
            let mut rows = Vec::new();
            let mut names_seen = HashSet::new();
            for (k, r) in rules.iter().enumerate() {
                if let Some(q) = &r.spec.queue_id {
                    if !known.contains_key(q) {
                        errors.add(
                            format!("{at}.proactive_rules[{k}].queue"),
                            "unknown",
                            "no queue has this name",
                        );
                    }
                }
                if !names_seen.insert(r.spec.name.clone()) {
                    errors.add(
                        format!("{at}.proactive_rules[{k}].name"),
                        "duplicate",
                        format!("another rule of the widget {name:?} has this name"),
                    );
                }
                let mut spec = r.spec.clone();
                spec.id = None;
                rows.push((r.id.clone(), spec));
            }
            let new_specs: Vec<&ProactiveRuleSpec> = rows.iter().map(|(_, s)| s).collect();
            let new_form = widget_form(&settings, &new_specs, &names);
            let stored_settings = serde_json::to_string(&settings).expect("serializes");
            let rule_rows: Vec<(String, String)> = rows
                .iter()
                .map(|(id, s)| (id.clone(), serde_json::to_string(s).expect("serializes")))
                .collect();
            let (id, exists, changed) = match stored {
                Some(w) => {
                    let old_specs: Vec<&ProactiveRuleSpec> =
                        w.rules.iter().map(|(_, s)| s).collect();
                    let secret = |s: &WidgetInput| s.auth.as_ref().and_then(|a| a.secret.clone());
                    let changed = widget_form(&w.settings, &old_specs, &site.names) != new_form
                        || secret(&w.settings) != secret(&settings);
                    (w.id.clone(), true, changed)
                }
                None => (switchboard_store::new_id(), false, true),
            };
            if changed {
                change(
                    &mut changes,
                    "widgets",
                    if exists { "update" } else { "create" },
                    &settings.name,
                );
                plan.widgets.push(Put {
                    id: id.clone(),
                    exists,
                    draft: WidgetDraft {
                        name: settings.name.clone(),
                        settings: stored_settings,
                    },
                });
                plan.proactive_rules.push((id, rule_rows));
            }
        }
        for w in &site.widgets {
            if !seen.contains(&w.settings.name) {
                plan.widgets_deleted.push(w.id.clone());
                change(&mut changes, "widgets", "delete", &w.settings.name);
            }
        }
    }

    plan_workspace(
        &site,
        &mut file,
        &mut errors,
        &mut plan,
        &mut changes,
        &mut names,
        &queue_ids,
    );
    plan_communications(&site, &mut file, &mut errors, &mut plan, &mut changes);
    plan_prompts(
        &site,
        &mut file,
        &mut errors,
        &mut plan,
        &mut changes,
        &names,
        &queue_ids,
    );
    plan_scheduling(
        &site,
        &mut file,
        &mut errors,
        &mut plan,
        &mut changes,
        &names,
        &skill_ids,
    );

    let mut unknown: Vec<&String> = file.keys().collect();
    unknown.sort();
    for key in unknown {
        errors.add(
            key.clone(),
            "unknown_field",
            format!(
                "not a configuration area (these are: version, {})",
                AREAS.join(", ")
            ),
        );
    }
    errors.finish()?;
    Ok((plan, changes))
}

/// What callers hear in a queue: the prompts an admin gave a text
/// (recordings are not in the file and stay as they are).
fn plan_prompts(
    site: &Site,
    file: &mut Map<String, Value>,
    errors: &mut Errors,
    plan: &mut SitePlan,
    changes: &mut Vec<ConfigChange>,
    names: &Names,
    queue_ids: &HashMap<String, String>,
) {
    use switchboard_core::voice::prompts::{check_text, Prompt, LANGUAGES};
    let Some(list) = area_list(errors, file, "queue_prompts") else {
        return;
    };
    let mut seen = HashSet::new();
    for (i, mut v) in list.into_iter().enumerate() {
        let at = format!("queue_prompts[{i}]");
        name_to_id(errors, &mut v, "queue", "queue_id", queue_ids, &at, "queue");
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let (queue, prompt, language, said) = (
            text("queue_id"),
            text("prompt"),
            text("language"),
            text("text"),
        );
        if let Some(m) = v.as_object() {
            for k in m.keys() {
                if !["queue_id", "prompt", "language", "text"].contains(&k.as_str()) {
                    errors.add(
                        format!("{at}.{k}"),
                        "unknown_field",
                        "a prompt has queue, prompt, language and text",
                    );
                }
            }
        }
        if queue.is_none() && v.get("queue_id").is_none() {
            errors.add(format!("{at}.queue"), "required", "is required");
        }
        let p = prompt.as_deref().and_then(Prompt::parse);
        if p.is_none() {
            errors.add(
                format!("{at}.prompt"),
                "invalid",
                format!("one of {}", Prompt::ALL.map(|p| p.name()).join(", ")),
            );
        }
        let language = language.filter(|l| LANGUAGES.contains(&l.as_str()));
        if language.is_none() {
            errors.add(
                format!("{at}.language"),
                "invalid",
                format!("one of {}", LANGUAGES.join(", ")),
            );
        }
        let (Some(queue), Some(p), Some(language)) = (queue, p, language) else {
            continue;
        };
        let key: PromptKey = (queue, p.name().to_owned(), language);
        let name = format!("{}/{}/{}", Names::of(&names.queue, &key.0), key.1, key.2);
        let said = match check_text(p, &said.unwrap_or_default()) {
            Ok(t) => t,
            Err(e) => {
                errors.record(&at, "prompt", &name, e);
                continue;
            }
        };
        if !seen.insert(key.clone()) {
            errors.add(
                at,
                "duplicate",
                format!("the prompt {name} is listed twice"),
            );
            continue;
        }
        match site.prompts.iter().find(|(k, _)| *k == key) {
            Some((_, old)) if *old == said => {}
            found => {
                change(
                    changes,
                    "queue_prompts",
                    if found.is_some() { "update" } else { "create" },
                    &name,
                );
                plan.prompt_texts.push((key, said));
            }
        }
    }
    for (key, _) in &site.prompts {
        // Prompts of queues the file deletes go with their queue.
        if !seen.contains(key) && !plan.queues_deleted.contains(&key.0) {
            let name = format!(
                "{}/{}/{}",
                Names::of(&site.names.queue, &key.0),
                key.1,
                key.2
            );
            change(changes, "queue_prompts", "delete", &name);
            plan.prompts_reset.push(key.clone());
        }
    }
}

/// Scheduling branches and meeting topics (skills by name).
fn plan_scheduling(
    site: &Site,
    file: &mut Map<String, Value>,
    errors: &mut Errors,
    plan: &mut SitePlan,
    changes: &mut Vec<ConfigChange>,
    names: &Names,
    skill_ids: &HashMap<String, String>,
) {
    if let Some(list) = area_list(errors, file, "branches") {
        let mut seen = HashSet::new();
        for (i, v) in list.into_iter().enumerate() {
            let at = format!("branches[{i}]");
            let name = record_name(&v);
            let Some(input) = typed::<BranchInput>(errors, &at, "branch", &name, v) else {
                continue;
            };
            let draft = match BranchDraft::parse(input) {
                Ok(d) => d,
                Err(e) => {
                    errors.record(&at, "branch", &name, e);
                    continue;
                }
            };
            if !seen.insert(draft.name.clone()) {
                errors.add(
                    format!("{at}.name"),
                    "duplicate",
                    format!("another branch is named {:?}", draft.name),
                );
                continue;
            }
            match site.branches.iter().find(|(_, b)| b.name == draft.name) {
                Some((id, old)) => {
                    if branch_form(old) != branch_form(&draft) {
                        change(changes, "branches", "update", &draft.name);
                        plan.branches.push(Put {
                            id: id.clone(),
                            exists: true,
                            draft,
                        });
                    }
                }
                None => {
                    change(changes, "branches", "create", &draft.name);
                    plan.branches.push(Put {
                        id: switchboard_store::new_id(),
                        exists: false,
                        draft,
                    });
                }
            }
        }
        for (id, b) in &site.branches {
            if !seen.contains(&b.name) {
                plan.branches_deleted.push(id.clone());
                change(changes, "branches", "delete", &b.name);
            }
        }
    }
    if let Some(list) = area_list(errors, file, "topics") {
        let mut seen = HashSet::new();
        for (i, mut v) in list.into_iter().enumerate() {
            let at = format!("topics[{i}]");
            let name = record_name(&v);
            if let Some(Value::Array(skills)) = v.get_mut("skills") {
                for (k, s) in skills.iter_mut().enumerate() {
                    match s.as_str().map(|n| skill_ids.get(n.trim())) {
                        Some(Some(id)) => *s = Value::String(id.clone()),
                        _ => errors.add(
                            format!("{at}.skills[{k}]"),
                            "unknown",
                            format!("no skill is named {s} (topic {name:?})"),
                        ),
                    }
                }
            }
            let Some(input) = typed::<TopicInput>(errors, &at, "topic", &name, v) else {
                continue;
            };
            let draft = match TopicDraft::parse(input) {
                Ok(d) => d,
                Err(e) => {
                    errors.record(&at, "topic", &name, e);
                    continue;
                }
            };
            if !seen.insert(draft.name.clone()) {
                errors.add(
                    format!("{at}.name"),
                    "duplicate",
                    format!("another topic is named {:?}", draft.name),
                );
                continue;
            }
            match site.topics.iter().find(|(_, t)| t.name == draft.name) {
                Some((id, old)) => {
                    if topic_form(old, &site.names) != topic_form(&draft, names) {
                        change(changes, "topics", "update", &draft.name);
                        plan.topics.push(Put {
                            id: id.clone(),
                            exists: true,
                            draft,
                        });
                    }
                }
                None => {
                    change(changes, "topics", "create", &draft.name);
                    plan.topics.push(Put {
                        id: switchboard_store::new_id(),
                        exists: false,
                        draft,
                    });
                }
            }
        }
        for (id, t) in &site.topics {
            if !seen.contains(&t.name) {
                plan.topics_deleted.push(id.clone());
                change(changes, "topics", "delete", &t.name);
            }
        }
    }
}

/// Communication settings and the admin's own message templates (a
/// template the file leaves out goes back to the shipped default).
fn plan_communications(
    site: &Site,
    file: &mut Map<String, Value>,
    errors: &mut Errors,
    plan: &mut SitePlan,
    changes: &mut Vec<ConfigChange>,
) {
    if let Some(v) = file.remove("communications") {
        if let Some(settings) =
            typed::<Settings>(errors, "communications", "settings", "communications", v)
        {
            match settings.validate() {
                Err(e) => errors.record("communications", "settings", "communications", e),
                Ok(()) => {
                    if settings_form(&settings) != settings_form(&site.communications) {
                        change(changes, "communications", "update", "settings");
                        plan.communication_settings = Some(settings);
                    }
                }
            }
        }
    }
    let Some(list) = area_list(errors, file, "message_templates") else {
        return;
    };
    let mut seen = HashSet::new();
    for (i, mut v) in list.into_iter().enumerate() {
        let at = format!("message_templates[{i}]");
        let mut part = |key: &str| -> Option<String> {
            match v.as_object_mut().and_then(|m| m.remove(key)) {
                Some(Value::String(s)) => Some(s),
                _ => None,
            }
        };
        let (kind, channel, language) = (part("kind"), part("channel"), part("language"));
        let kind = kind.as_deref().and_then(Kind::parse);
        let channel = channel.as_deref().and_then(Channel::parse);
        let language = language.filter(|l| LANGUAGES.contains(&l.as_str()));
        if kind.is_none() {
            errors.add(
                format!("{at}.kind"),
                "invalid",
                "confirmation, reminder or cancellation",
            );
        }
        if channel.is_none() {
            errors.add(format!("{at}.channel"), "invalid", "email or sms");
        }
        if language.is_none() {
            errors.add(
                format!("{at}.language"),
                "invalid",
                format!("one of {}", LANGUAGES.join(", ")),
            );
        }
        let (Some(kind), Some(channel), Some(language)) = (kind, channel, language) else {
            continue;
        };
        let key: TemplateKey = (kind, channel, language);
        let name = template_name(&key);
        let Some(t) = typed::<Template>(errors, &at, "template", &name, v) else {
            continue;
        };
        if let Err(e) = t.validate(channel) {
            errors.record(&at, "template", &name, e);
            continue;
        }
        if !seen.insert(name.clone()) {
            errors.add(
                at,
                "duplicate",
                format!("the template {name} is listed twice"),
            );
            continue;
        }
        match site.templates.iter().find(|(k, _)| *k == key) {
            Some((_, old)) if *old == t => {}
            Some(_) => {
                change(changes, "message_templates", "update", &name);
                plan.templates.push((key, t));
            }
            None => {
                change(changes, "message_templates", "create", &name);
                plan.templates.push((key, t));
            }
        }
    }
    for (key, _) in &site.templates {
        let name = template_name(key);
        if !seen.contains(&name) {
            change(changes, "message_templates", "delete", &name);
            plan.templates_reset.push(key.clone());
        }
    }
}

/// Agent scripts, their rules and canned responses.
fn plan_workspace(
    site: &Site,
    file: &mut Map<String, Value>,
    errors: &mut Errors,
    plan: &mut SitePlan,
    changes: &mut Vec<ConfigChange>,
    names: &mut Names,
    queue_ids: &HashMap<String, String>,
) {
    // ---- scripts: ids first (scripts load each other)
    let list = area_list(errors, file, "agent_scripts");
    let mut script_ids: HashMap<String, String> = HashMap::new();
    match &list {
        Some(list) => {
            for v in list {
                let name = record_name(v);
                if name.is_empty() || script_ids.contains_key(&name) {
                    continue;
                }
                let id = site
                    .scripts
                    .iter()
                    .find(|(_, n, _)| *n == name)
                    .map(|(id, _, _)| id.clone())
                    .unwrap_or_else(switchboard_store::new_id);
                script_ids.insert(name, id);
            }
        }
        None => {
            for (id, name, _) in &site.scripts {
                script_ids.entry(name.clone()).or_insert_with(|| id.clone());
            }
        }
    }
    for (name, id) in &script_ids {
        names.script.insert(id.clone(), name.clone());
    }
    if let Some(list) = list {
        let mut seen = HashSet::new();
        let mut puts = Vec::new();
        for (i, mut v) in list.into_iter().enumerate() {
            let at = format!("agent_scripts[{i}]");
            let name = record_name(&v);
            if let Some(Value::Array(steps)) = v.get_mut("steps") {
                for (k, step) in steps.iter_mut().enumerate() {
                    if step.get("script").is_some() || step.get("script_id").is_some() {
                        name_to_id(
                            errors,
                            step,
                            "script",
                            "script_id",
                            &script_ids,
                            &format!("{at}.steps[{k}]"),
                            "script",
                        );
                    }
                }
            }
            let Some(input) = typed::<ScriptInput>(errors, &at, "agent script", &name, v) else {
                continue;
            };
            let (name, steps, subscripts) = match crate::routes::scripts::check(&input) {
                Ok(x) => x,
                Err(ApiError::Invalid(e)) => {
                    errors.record(&at, "agent script", &name, e);
                    continue;
                }
                Err(e) => {
                    errors.add(at, "invalid", e.to_string());
                    continue;
                }
            };
            if !seen.insert(name.clone()) {
                errors.add(
                    format!("{at}.name"),
                    "duplicate",
                    format!("another agent script is named {name:?}"),
                );
                continue;
            }
            let id = script_ids[&name].clone();
            let steps_value: Value = serde_json::from_str(&steps).expect("steps are JSON");
            let draft = ScriptDraft {
                name: name.clone(),
                steps,
                subscripts,
            };
            match site.scripts.iter().find(|(sid, _, _)| *sid == id) {
                Some((_, old_name, old_steps)) => {
                    if script_form(old_name, old_steps, &site.names)
                        != script_form(&name, &steps_value, names)
                    {
                        change(changes, "agent_scripts", "update", &name);
                        puts.push(Put {
                            id,
                            exists: true,
                            draft,
                        });
                    }
                }
                None => {
                    change(changes, "agent_scripts", "create", &name);
                    puts.push(Put {
                        id,
                        exists: false,
                        draft,
                    });
                }
            }
        }
        // A script is written after the new scripts it loads.
        let mut placed: HashSet<String> = HashSet::new();
        while !puts.is_empty() {
            let new_ids: HashSet<String> = puts
                .iter()
                .filter(|p| !p.exists)
                .map(|p| p.id.clone())
                .collect();
            let ready = puts.iter().position(|p| {
                p.draft
                    .subscripts
                    .iter()
                    .all(|s| !new_ids.contains(s) || placed.contains(s) || *s == p.id)
            });
            match ready {
                Some(n) => {
                    let p = puts.remove(n);
                    placed.insert(p.id.clone());
                    plan.scripts.push(p);
                }
                None => {
                    errors.add(
                        "agent_scripts".into(),
                        "cycle",
                        "new scripts load each other in a cycle",
                    );
                    break;
                }
            }
        }
        // Scripts that load others are deleted before them.
        let mut gone: Vec<&(String, String, Value)> = site
            .scripts
            .iter()
            .filter(|(_, name, _)| !seen.contains(name))
            .collect();
        while !gone.is_empty() {
            let loads = |steps: &Value, id: &str| {
                steps.as_array().is_some_and(|a| {
                    a.iter()
                        .any(|s| s.get("script_id").and_then(Value::as_str) == Some(id))
                })
            };
            let n = (0..gone.len())
                .find(|&n| !gone.iter().any(|(_, _, steps)| loads(steps, &gone[n].0)))
                .unwrap_or(0);
            let (id, name, _) = gone.remove(n);
            plan.scripts_deleted.push(id.clone());
            change(changes, "agent_scripts", "delete", name);
        }
    }

    // ---- script rules: one ordered list
    if let Some(list) = area_list(errors, file, "agent_script_rules") {
        let mut rules = Vec::new();
        for (i, mut v) in list.into_iter().enumerate() {
            let at = format!("agent_script_rules[{i}]");
            name_to_id(errors, &mut v, "queue", "queue_id", queue_ids, &at, "queue");
            name_to_id(
                errors,
                &mut v,
                "script",
                "script_id",
                &script_ids,
                &at,
                "script",
            );
            rules.push(v);
        }
        let body = serde_json::json!({ "rules": rules });
        match serde_path_to_error::deserialize::<_, ScriptRules>(body) {
            Err(e) => {
                let path = e.path().to_string();
                let field = path
                    .strip_prefix("rules")
                    .map(|r| format!("agent_script_rules{r}"))
                    .unwrap_or_else(|| "agent_script_rules".into());
                errors.add(field, "invalid", e.inner().to_string());
            }
            Ok(rules) => match crate::routes::scripts::check_rules(rules) {
                Err(e) => {
                    for f in e.0 {
                        let field = f
                            .field
                            .replace("queue_id", "queue")
                            .replace("script_id", "script");
                        let field = field
                            .strip_prefix("rules")
                            .map(|r| format!("agent_script_rules{r}"))
                            .unwrap_or(field);
                        errors.add(field, &f.code, f.message);
                    }
                }
                Ok(rows) => {
                    let old: Vec<Value> = site
                        .script_rules
                        .iter()
                        .map(|r| script_rule_form(r, &site.names))
                        .collect();
                    let new: Vec<Value> = rows.iter().map(|r| script_rule_form(r, names)).collect();
                    if old != new {
                        change(changes, "agent_script_rules", "update", "(list)");
                        plan.script_rules = Some(rows);
                    }
                }
            },
        }
    }

    // ---- canned responses, by code
    if let Some(list) = area_list(errors, file, "canned_responses") {
        let mut seen = HashSet::new();
        for (i, v) in list.into_iter().enumerate() {
            let at = format!("canned_responses[{i}]");
            let code = v
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let Some(input) = typed::<CannedInput>(errors, &at, "canned response", &code, v) else {
                continue;
            };
            let (code, title, body) = match input.checked() {
                Ok(x) => x,
                Err(e) => {
                    errors.record(&at, "canned response", &code, e);
                    continue;
                }
            };
            if !seen.insert(code.clone()) {
                errors.add(
                    format!("{at}.code"),
                    "duplicate",
                    format!("another canned response has the code {code:?}"),
                );
                continue;
            }
            let draft = CannedDraft {
                code: code.clone(),
                title,
                body,
            };
            match site.canned.iter().find(|(_, c)| c.code == code) {
                Some((id, old)) => {
                    if canned_form(old) != canned_form(&draft) {
                        change(changes, "canned_responses", "update", &code);
                        plan.canned_responses.push(Put {
                            id: id.clone(),
                            exists: true,
                            draft,
                        });
                    }
                }
                None => {
                    change(changes, "canned_responses", "create", &code);
                    plan.canned_responses.push(Put {
                        id: switchboard_store::new_id(),
                        exists: false,
                        draft,
                    });
                }
            }
        }
        for (id, c) in &site.canned {
            if !seen.contains(&c.code) {
                plan.canned_responses_deleted.push(id.clone());
                change(changes, "canned_responses", "delete", &c.code);
            }
        }
    }
}

/// Checks `text` and lists its changes; unless `dry_run`, writes them in
/// one transaction as `db`'s actor. Nothing is written when any record is
/// invalid (a 422 naming each by its place in the file).
pub async fn apply(db: &Db, text: &str, dry_run: bool) -> ApiResult<ApplyReport> {
    let (plan, changes) = plan(db, text).await?;
    let write = !dry_run && !plan.is_empty();
    if write {
        db.apply_site_plan(&plan).await?;
    }
    Ok(ApplyReport {
        dry_run,
        applied: write,
        changes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_file_is_named_by_its_place() {
        let e = parse_text("skills = [\n").unwrap_err();
        assert_eq!(e.0[0].field, "file");
        assert!(e.0[0].message.contains("line"), "{}", e.0[0].message);
        let e = parse_text("= 3").unwrap_err();
        assert_eq!(e.0[0].code, "malformed");
    }

    #[test]
    fn nulls_leave_and_references_take_names() {
        let mut v = serde_json::json!({"a": null, "b": [{"c": null, "d": 1}],
            "routing": {"queue_id": "q1"}});
        strip_nulls(&mut v);
        let names = Names {
            queue: HashMap::from([("q1".to_owned(), "Chat".to_owned())]),
            ..Names::default()
        };
        id_to_name(&mut v["routing"], "queue_id", "queue", &names.queue);
        assert_eq!(
            v,
            serde_json::json!({"b": [{"d": 1}], "routing": {"queue": "Chat"}})
        );
        let mut errors = Errors::default();
        let ids = HashMap::from([("Chat".to_owned(), "q1".to_owned())]);
        let mut r = serde_json::json!({"queue": "Nowhere"});
        name_to_id(
            &mut errors,
            &mut r,
            "queue",
            "queue_id",
            &ids,
            "rules[0]",
            "queue",
        );
        assert_eq!(errors.0[0].field, "rules[0].queue");
        let mut r = serde_json::json!({"queue_id": "q1"});
        name_to_id(
            &mut errors,
            &mut r,
            "queue",
            "queue_id",
            &ids,
            "rules[1]",
            "queue",
        );
        assert_eq!(errors.0[1].field, "rules[1].queue_id", "ids are refused");
    }

    #[test]
    fn changes_print_as_marked_lines() {
        let report = ApplyReport {
            dry_run: true,
            applied: false,
            changes: vec![
                ConfigChange {
                    area: "queues".into(),
                    action: "create".into(),
                    name: "Chat".into(),
                },
                ConfigChange {
                    area: "skills".into(),
                    action: "delete".into(),
                    name: "old".into(),
                },
                ConfigChange {
                    area: "widgets".into(),
                    action: "update".into(),
                    name: "Shop".into(),
                },
            ],
        };
        assert_eq!(
            report.lines(),
            vec![
                "+ queues \"Chat\"",
                "- skills \"old\"",
                "~ widgets \"Shop\""
            ]
        );
    }
}
