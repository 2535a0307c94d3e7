//! Configuration as code: a whole site's settings written in one
//! transaction.
//!
//! The server reads a configuration file, validates every record with the
//! API's own rules and turns it into a [`SitePlan`]: validated drafts with
//! their ids already chosen (an existing record's id, or a new one), so
//! that records of the file can name each other before they exist. This
//! module writes the plan with the same inner functions the single-record
//! writes use, so every change is audited exactly as through the API, and
//! nothing is written when any part fails.

use switchboard_core::booking::{BranchDraft, TopicDraft};
use switchboard_core::changes::Change;
use switchboard_core::communications::templates::Template;
use switchboard_core::communications::{Channel, Kind, Settings};

use crate::routing::{ProfileDraft, QueueDraft, RoutingRule};
use crate::{Db, Result};

/// One record to create (`exists` false, with this new id) or replace.
#[derive(Debug, Clone)]
pub struct Put<T> {
    pub id: String,
    pub exists: bool,
    pub draft: T,
}

/// A widget's settings as stored (the server's widget settings as JSON).
#[derive(Debug, Clone)]
pub struct WidgetDraft {
    pub name: String,
    pub settings: String,
}

/// An agent script as stored: its steps as JSON and the scripts they load.
#[derive(Debug, Clone)]
pub struct ScriptDraft {
    pub name: String,
    pub steps: String,
    pub subscripts: Vec<String>,
}

/// A canned response.
#[derive(Debug, Clone)]
pub struct CannedDraft {
    pub code: String,
    pub title: String,
    pub body: String,
}

/// A script rule as stored: (queue id, channel, script id).
pub type ScriptRuleDraft = (Option<String>, Option<String>, String);

/// A message template's key: kind, channel, language.
pub type TemplateKey = (Kind, Channel, String);

/// A queue prompt's key: queue id, prompt, language.
pub type PromptKey = (String, String, String);

/// Every write of an apply, in the order they are made.
#[derive(Debug, Clone, Default)]
pub struct SitePlan {
    /// New skills: (id, name). Skills have no other setting.
    pub skills_created: Vec<(String, String)>,
    pub profiles: Vec<Put<ProfileDraft>>,
    pub queues: Vec<Put<QueueDraft>>,
    /// The whole ordered list, when the file has one.
    pub routing_rules: Option<Vec<RoutingRule>>,
    pub widgets: Vec<Put<WidgetDraft>>,
    /// Each widget's whole ordered list: (widget id, [(rule id, spec)]).
    pub proactive_rules: Vec<(String, Vec<(String, String)>)>,
    /// Scripts a script loads come before it.
    pub scripts: Vec<Put<ScriptDraft>>,
    /// The whole ordered list: (queue id, channel, script id).
    pub script_rules: Option<Vec<ScriptRuleDraft>>,
    pub canned_responses: Vec<Put<CannedDraft>>,
    pub canned_responses_deleted: Vec<String>,
    pub branches: Vec<Put<BranchDraft>>,
    pub topics: Vec<Put<TopicDraft>>,
    pub topics_deleted: Vec<String>,
    pub branches_deleted: Vec<String>,
    /// Spoken texts set for queue prompts.
    pub prompt_texts: Vec<(PromptKey, String)>,
    /// Text prompts back to the default.
    pub prompts_reset: Vec<PromptKey>,
    pub communication_settings: Option<Settings>,
    /// Templates the file sets (the admin's own wording).
    pub templates: Vec<(TemplateKey, Template)>,
    /// Templates back to the shipped default.
    pub templates_reset: Vec<TemplateKey>,
    /// Scripts that load others come before them.
    pub scripts_deleted: Vec<String>,
    pub widgets_deleted: Vec<String>,
    pub queues_deleted: Vec<String>,
    pub profiles_deleted: Vec<String>,
    pub skills_deleted: Vec<String>,
}

impl SitePlan {
    pub fn is_empty(&self) -> bool {
        self.skills_created.is_empty()
            && self.profiles.is_empty()
            && self.queues.is_empty()
            && self.routing_rules.is_none()
            && self.widgets.is_empty()
            && self.proactive_rules.is_empty()
            && self.scripts.is_empty()
            && self.script_rules.is_none()
            && self.canned_responses.is_empty()
            && self.canned_responses_deleted.is_empty()
            && self.branches.is_empty()
            && self.topics.is_empty()
            && self.topics_deleted.is_empty()
            && self.branches_deleted.is_empty()
            && self.prompt_texts.is_empty()
            && self.prompts_reset.is_empty()
            && self.communication_settings.is_none()
            && self.templates.is_empty()
            && self.templates_reset.is_empty()
            && self.scripts_deleted.is_empty()
            && self.widgets_deleted.is_empty()
            && self.queues_deleted.is_empty()
            && self.profiles_deleted.is_empty()
            && self.skills_deleted.is_empty()
    }
}

impl Db {
    /// Every canned response (the search is limited to 100).
    pub async fn all_canned_responses(&self) -> Result<Vec<crate::workspace::CannedResponse>> {
        Ok(sqlx::query_as(
            "SELECT id, code, title, body, created_at FROM canned_responses ORDER BY code",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The templates an admin wrote (not the shipped defaults), by key.
    pub async fn customized_templates(&self) -> Result<Vec<(TemplateKey, Template)>> {
        let rows: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
            "SELECT kind, channel, language, subject, body, html FROM message_templates \
             ORDER BY kind, channel, language",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, c, language, subject, body, html)| {
                Some((
                    (Kind::parse(&k)?, Channel::parse(&c)?, language),
                    Template {
                        subject,
                        body,
                        html,
                    },
                ))
            })
            .collect())
    }

    /// Every queue prompt an admin gave a text (recordings left out).
    pub async fn prompt_texts(&self) -> Result<Vec<(PromptKey, String)>> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT queue_id, prompt, language, text FROM voice_prompts WHERE text IS NOT NULL \
             ORDER BY queue_id, prompt, language",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(q, p, l, t)| ((q, p, l), t))
            .collect())
    }

    /// Every agent's (id, email), for files that name agents by email.
    pub async fn agent_emails(&self) -> Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT id, email FROM agents ORDER BY email")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The ids of the agents who hold the supervisor role (a queue's
    /// `supervisors` may name only them).
    pub async fn supervisor_agent_ids(&self) -> Result<Vec<String>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT id, roles FROM agents ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .filter(|(_, roles)| {
                switchboard_core::access::parse_roles(roles)
                    .contains(&switchboard_core::access::Role::Supervisor)
            })
            .map(|(id, _)| id)
            .collect())
    }

    /// Writes the whole plan in one transaction (one audit row per
    /// changed record, as the acting handle's), then announces the changes
    /// so the routing engine and the chat service reload.
    pub async fn apply_site_plan(&self, plan: &SitePlan) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for (id, name) in &plan.skills_created {
            self.create_skill_in(&mut tx, id, name).await?;
        }
        for p in &plan.profiles {
            self.put_capacity_profile_in(&mut tx, &p.id, p.exists, &p.draft)
                .await?;
        }
        for q in &plan.queues {
            self.put_queue_in(&mut tx, &q.id, q.exists, &q.draft)
                .await?;
        }
        if let Some(rules) = &plan.routing_rules {
            self.put_routing_rules_in(&mut tx, rules).await?;
        }
        for w in &plan.widgets {
            self.put_widget_in(&mut tx, &w.id, w.exists, &w.draft.name, &w.draft.settings)
                .await?;
        }
        for (widget, rules) in &plan.proactive_rules {
            self.put_proactive_rules_in(&mut tx, widget, rules).await?;
        }
        for p in &plan.scripts {
            let d = &p.draft;
            self.put_script_in(&mut tx, &p.id, p.exists, &d.name, &d.steps, &d.subscripts)
                .await?;
        }
        if let Some(rules) = &plan.script_rules {
            self.put_script_rules_in(&mut tx, rules).await?;
        }
        for p in &plan.canned_responses {
            let d = &p.draft;
            self.put_canned_response_in(&mut tx, &p.id, p.exists, &d.code, &d.title, &d.body)
                .await?;
        }
        for b in &plan.branches {
            self.save_branch_in(&mut tx, &b.id, b.exists, &b.draft)
                .await?;
        }
        for t in &plan.topics {
            self.save_topic_in(&mut tx, &t.id, t.exists, &t.draft)
                .await?;
        }
        for ((queue, prompt, language), text) in &plan.prompt_texts {
            self.set_prompt_override_in(&mut tx, (queue, prompt, language), Some(text), None)
                .await?;
        }
        for (queue, prompt, language) in &plan.prompts_reset {
            self.delete_prompt_override_in(&mut tx, (queue, prompt, language))
                .await?;
        }
        if let Some(settings) = &plan.communication_settings {
            self.put_communication_settings_in(&mut tx, settings)
                .await?;
        }
        for ((kind, channel, language), t) in &plan.templates {
            self.put_template_in(&mut tx, *kind, *channel, language, t)
                .await?;
        }
        for (kind, channel, language) in &plan.templates_reset {
            self.reset_template_in(&mut tx, *kind, *channel, language)
                .await?;
        }
        for id in &plan.canned_responses_deleted {
            self.delete_canned_response_in(&mut tx, id).await?;
        }
        for id in &plan.scripts_deleted {
            self.delete_script_in(&mut tx, id).await?;
        }
        for id in &plan.topics_deleted {
            self.delete_topic_in(&mut tx, id).await?;
        }
        for id in &plan.branches_deleted {
            self.delete_branch_in(&mut tx, id).await?;
        }
        for id in &plan.widgets_deleted {
            self.delete_widget_in(&mut tx, id).await?;
        }
        for id in &plan.queues_deleted {
            self.delete_queue_in(&mut tx, id).await?;
        }
        for id in &plan.profiles_deleted {
            self.delete_capacity_profile_in(&mut tx, id).await?;
        }
        for id in &plan.skills_deleted {
            self.delete_skill_in(&mut tx, id).await?;
        }
        tx.commit().await?;
        self.announce(Change::Routing);
        if plan.communication_settings.is_some()
            || !plan.templates.is_empty()
            || !plan.templates_reset.is_empty()
        {
            self.announce(Change::Communications);
        }
        let widgets = plan
            .widgets
            .iter()
            .map(|w| &w.id)
            .chain(plan.proactive_rules.iter().map(|(id, _)| id))
            .chain(&plan.widgets_deleted);
        let mut seen = std::collections::BTreeSet::new();
        for id in widgets {
            if seen.insert(id.clone()) {
                self.announce(Change::Widget { id: id.clone() });
            }
        }
        Ok(())
    }
}
