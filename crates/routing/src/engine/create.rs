//! Creating a work item: check what was sent, classify it (the queue it
//! names, else the first routing rule that matches, else the default
//! queue), then write it and let the core queue or offer it.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Value};
use switchboard_core::routing::classify::{self, Classification};
use switchboard_core::routing::events::EventKind;
use switchboard_core::routing::state::NewItem;
use switchboard_core::routing::*;
use switchboard_core::validation::Check;
use switchboard_store::routing::WorkItemRow;
use switchboard_store::StoreError;

use super::api::{EngineError, NewWorkItem, WorkItemView};
use super::clock::{ms_to_text, now_ms};
use super::handle::Publisher;
use super::live::{Info, Live, Step};
use crate::config::{enum_name, SkillNeedSpec};

/// Where a new item goes and what it needs there.
pub(super) struct Route {
    pub(super) queue: QueueIx,
    pub(super) needs: Vec<SkillNeed>,
    pub(super) skill_match: SkillMatch,
    pub(super) priority: i32,
    /// The routing rule that chose the queue, if one did.
    pub(super) rule: Option<String>,
}

impl Route {
    /// Stands in where the input is refused anyway.
    fn none() -> Self {
        Route {
            queue: QueueIx(0),
            needs: Vec::new(),
            skill_match: SkillMatch::Exact,
            priority: 0,
            rule: None,
        }
    }
}

/// What the routing rules test besides the item's own attributes.
pub(super) struct Customer {
    pub(super) attributes: BTreeMap<String, String>,
    pub(super) name: Option<String>,
}

/// Checks the channel and kind; true when the item needs a voice queue.
pub(super) fn check_channel_and_kind(c: &mut Check, new: &NewWorkItem) -> bool {
    let wants_voice = match new.channel.as_str() {
        "chat" => false,
        "voice" | "callback" => true,
        _ => {
            c.fail("channel", "invalid", "must be chat, voice or callback");
            false
        }
    };
    if !matches!(new.kind.as_str(), "normal" | "proactive" | "callback") {
        c.fail("kind", "invalid", "must be normal, proactive or callback");
    }
    wants_voice
}

impl Live {
    pub(super) async fn create(
        &mut self,
        new: NewWorkItem,
        preset_id: Option<String>,
        events: &Publisher,
    ) -> Result<WorkItemView, EngineError> {
        let mut c = Check::new();
        let wants_voice = check_channel_and_kind(&mut c, &new);
        let customer = self.customer(&new, &mut c).await?;
        let route = self.route(&new, &customer.attributes, &mut c);
        if c.is_ok() {
            self.check_queue_channel(&mut c, &new.channel, route.queue, wants_voice);
        }
        c.finish(|| ())?;

        let now = now_ms();
        self.next_item += 1;
        let id = ItemId(self.next_item);
        let store_id = preset_id.unwrap_or_else(switchboard_store::new_id);
        let row = self.new_row(&new, store_id.clone(), customer.name, &route, now);
        let reason = json!({"rule": route.rule, "queue": self.queue_names[route.queue.0 as usize]});
        self.item_ix.insert(store_id.clone(), id);
        self.info.insert(
            id,
            Info {
                row,
                holder: None,
                reason,
            },
        );
        let mut step = Step::default();
        step.items.push(store_id.clone());
        let classified = EventKind::Classified {
            rule: route.rule,
            queue_id: self.queue_ids[route.queue.0 as usize].clone(),
        };
        self.event(&mut step, classified, Some(id), None);
        let new_item = NewItem {
            id,
            queue: route.queue,
            priority: route.priority,
            needs: route.needs,
            skill_match: route.skill_match,
            arrived_at: now,
        };
        let decisions = self
            .core
            .enqueue(new_item, now)
            .map_err(|e| EngineError::Conflict(e.to_string()))?;
        self.commit(decisions, step, events).await?;
        self.view(&store_id).await
    }

    /// What the rules see: the attributes, the channel, and the contact's
    /// category and language when known (the item's own attributes win).
    /// Also the contact's name, which the item keeps.
    pub(super) async fn customer(
        &self,
        new: &NewWorkItem,
        c: &mut Check,
    ) -> Result<Customer, EngineError> {
        let mut attributes = new.attributes.clone();
        attributes.insert("channel".into(), new.channel.clone());
        let mut name = None;
        if let Some(contact_id) = &new.contact_id {
            match self.db.contact(contact_id).await {
                Ok(contact) => {
                    name = Some(contact.display_name());
                    if let Some(cat) = &contact.category {
                        attributes
                            .entry("contact_category".into())
                            .or_insert_with(|| cat.clone());
                    }
                    if let Some(locale) = &contact.locale {
                        let lang = locale.split('-').next().unwrap_or(locale).to_owned();
                        attributes.entry("language".into()).or_insert(lang);
                    }
                }
                Err(StoreError::NotFound(_)) => {
                    c.fail("contact_id", "unknown", "no contact has this id")
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Customer { attributes, name })
    }

    /// The queue the item names, with the skills it asks for; else what
    /// the rules (or the default queue) say.
    pub(super) fn route(
        &self,
        new: &NewWorkItem,
        attributes: &BTreeMap<String, String>,
        c: &mut Check,
    ) -> Route {
        match &new.queue_id {
            Some(q) => match self.queue_ix.get(q) {
                Some(&queue) => {
                    let specs = new.skills.clone().unwrap_or_default();
                    Route {
                        queue,
                        needs: self.required_skills(&specs, c),
                        skill_match: new.skill_match.unwrap_or(SkillMatch::Exact),
                        priority: new.priority.unwrap_or(0),
                        rule: None,
                    }
                }
                None => {
                    c.fail("queue_id", "unknown", "no queue has this id");
                    Route::none()
                }
            },
            None => self.classify(new, attributes, c),
        }
    }

    /// Skills sent with an explicit queue: at most 20, each once, known,
    /// with a minimum of 1 to 10.
    fn required_skills(&self, specs: &[SkillNeedSpec], c: &mut Check) -> Vec<SkillNeed> {
        if specs.len() > 20 {
            c.fail("skills", "too_long", "at most 20 required skills");
        }
        let mut needs = Vec::new();
        let mut seen = HashSet::new();
        for (i, n) in specs.iter().enumerate().take(20) {
            if !seen.insert(n.skill_id.clone()) {
                c.fail(
                    &format!("skills[{i}].skill_id"),
                    "duplicate",
                    "each skill once",
                );
                continue;
            }
            match self.skill_ix.get(&n.skill_id) {
                Some(&skill) if (1..=10).contains(&n.min) => {
                    needs.push(SkillNeed { skill, min: n.min })
                }
                Some(_) => c.fail(
                    &format!("skills[{i}].min"),
                    "out_of_range",
                    "must be between 1 and 10",
                ),
                None => c.fail(
                    &format!("skills[{i}].skill_id"),
                    "unknown",
                    "no skill has this id",
                ),
            }
        }
        needs
    }

    /// The first matching rule's queue, skills and priority (the item's
    /// own priority wins), else the default queue.
    fn classify(
        &self,
        new: &NewWorkItem,
        attributes: &BTreeMap<String, String>,
        c: &mut Check,
    ) -> Route {
        match classify::classify(&self.rules, self.default_queue, attributes) {
            Some(Classification { rule: Some(r), .. }) => Route {
                queue: r.queue,
                needs: r.needs.clone(),
                skill_match: r.skill_match,
                priority: new.priority.unwrap_or(r.priority),
                rule: Some(r.name.clone()),
            },
            Some(Classification { rule: None, queue }) => Route {
                queue,
                priority: new.priority.unwrap_or(0),
                ..Route::none()
            },
            None => {
                c.fail(
                    "queue_id",
                    "no_route",
                    "no routing rule matches and there is no default queue",
                );
                Route::none()
            }
        }
    }

    /// A chat waits in a messaging queue, a call or callback in a voice one.
    pub(super) fn check_queue_channel(
        &self,
        c: &mut Check,
        channel: &str,
        queue: QueueIx,
        wants_voice: bool,
    ) {
        let serves = self.core.queues[queue.0 as usize].config.channel;
        if (serves == ChannelKind::Voice) != wants_voice {
            c.fail(
                "channel",
                "mismatch",
                format!(
                    "a {channel} item cannot wait in a {} queue",
                    enum_name(&serves)
                ),
            );
        }
    }

    /// The new item's row, as first written (`created`; the core's
    /// decisions then queue or offer it).
    fn new_row(
        &self,
        new: &NewWorkItem,
        id: String,
        customer_name: Option<String>,
        route: &Route,
        now: Millis,
    ) -> WorkItemRow {
        let needs: Vec<Value> = route
            .needs
            .iter()
            .filter_map(|n| {
                let skill_id = self.skill_ids.get(n.skill.0 as usize)?;
                Some(json!({"skill_id": skill_id, "min": n.min}))
            })
            .collect();
        WorkItemRow {
            id,
            channel: new.channel.clone(),
            kind: new.kind.clone(),
            contact_id: new.contact_id.clone(),
            customer_name,
            attributes: serde_json::to_string(&new.attributes).expect("strings serialize"),
            queue_id: self.queue_ids[route.queue.0 as usize].clone(),
            priority: i64::from(route.priority),
            needs: Value::Array(needs).to_string(),
            skill_match: enum_name(&route.skill_match),
            status: "created".into(),
            agent_id: None,
            offer_deadline: None,
            declines: "[]".into(),
            reason: None,
            arrived_at: ms_to_text(now),
            updated_at: ms_to_text(now),
            closed_at: None,
        }
    }
}
