//! The routing rule tester: where a work item with these attributes would
//! go, and why, without creating it. It takes the path [`Live::create`]
//! takes up to the decision: the same contact lookup (category and
//! language), the same rules as the engine builds them from the stored
//! configuration (or from a draft list in the same form), and the core's
//! own [`classify`](switchboard_core::routing::classify::classify); then
//! each rule's failing tests as the core's `Test::holds` judges them.

use std::collections::BTreeMap;

use switchboard_core::routing::classify::{self, Classification, Rule, Test};
use switchboard_core::routing::SkillMatch;
use switchboard_core::validation::Check;
use switchboard_store::routing::RoutingRule;

use super::api::{
    EngineError, FailedTest, NewWorkItem, QueueRef, Refusal, RouteAnswer, RouteQuestion, RuleRef,
    RuleVerdict, SkillNeeded,
};
use super::create::check_channel_and_kind;
use super::live::Live;

impl Live {
    pub(super) async fn trial(&self, q: RouteQuestion) -> Result<RouteAnswer, EngineError> {
        let new = NewWorkItem {
            channel: q.channel.clone(),
            kind: "normal".into(),
            contact_id: q.contact_id,
            attributes: q.attributes,
            queue_id: None,
            skills: None,
            skill_match: None,
            priority: None,
        };
        let mut c = Check::new();
        let wants_voice = check_channel_and_kind(&mut c, &new);
        let attributes = self.customer(&new, &mut c).await?.attributes;
        c.finish(|| ())?;

        let draft = q.rules.is_some();
        let stored = match q.rules {
            Some(r) => r,
            None => self.db.routing_rules().await?,
        };
        // As the engine builds its rules: those that no longer resolve drop.
        let built: Vec<Option<Rule>> = stored.iter().map(|r| self.rule(r)).collect();
        let usable: Vec<Rule> = built.iter().flatten().cloned().collect();
        let positions: Vec<usize> = built
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().map(|_| i))
            .collect();
        let decision = classify::classify(&usable, self.default_queue, &attributes);
        let chosen = decision.as_ref().and_then(|d| {
            let rule = d.rule?;
            let k = usable.iter().position(|r| std::ptr::eq(r, rule))?;
            Some(positions[k])
        });

        let rules = stored
            .iter()
            .zip(&built)
            .enumerate()
            .map(|(i, (s, b))| self.verdict(i, s, b.as_ref(), &attributes, chosen))
            .collect();

        let mut answer = RouteAnswer {
            attributes: BTreeMap::new(),
            queue: None,
            rule: None,
            default_queue: false,
            skills: Vec::new(),
            skill_match: SkillMatch::Exact,
            priority: 0,
            refusal: None,
            rules,
            draft,
        };
        match decision {
            Some(Classification { rule, queue }) => {
                let mut check = Check::new();
                self.check_queue_channel(&mut check, &q.channel, queue, wants_voice);
                if let Err(e) = check.finish(|| ()) {
                    if let Some(f) = e.0.into_iter().next() {
                        answer.refusal = Some(Refusal {
                            code: f.code,
                            message: f.message,
                        });
                    }
                }
                answer.queue = Some(QueueRef {
                    id: self.queue_ids[queue.0 as usize].clone(),
                    name: self.queue_names[queue.0 as usize].clone(),
                });
                match (rule, chosen) {
                    (Some(r), Some(index)) => {
                        answer.rule = Some(RuleRef {
                            index,
                            name: r.name.clone(),
                        });
                        answer.skills = r
                            .needs
                            .iter()
                            .map(|n| SkillNeeded {
                                skill_id: self.skill_ids[n.skill.0 as usize].clone(),
                                name: self.skill_names[n.skill.0 as usize].clone(),
                                min: n.min,
                            })
                            .collect();
                        answer.skill_match = r.skill_match;
                        answer.priority = r.priority;
                    }
                    _ => answer.default_queue = true,
                }
            }
            None => {
                answer.refusal = Some(Refusal {
                    code: "no_route".into(),
                    message: "no routing rule matches and there is no default queue".into(),
                })
            }
        }
        answer.attributes = attributes;
        Ok(answer)
    }

    fn verdict(
        &self,
        index: usize,
        stored: &RoutingRule,
        built: Option<&Rule>,
        attributes: &BTreeMap<String, String>,
        chosen: Option<usize>,
    ) -> RuleVerdict {
        let queue_name = self
            .queue_ix
            .get(&stored.queue_id)
            .map(|q| self.queue_names[q.0 as usize].clone());
        let (unusable, failed_tests) = match built {
            Some(rule) => (
                None,
                classify::failing_tests(rule, attributes)
                    .into_iter()
                    .map(|(i, t)| FailedTest {
                        index: i,
                        test: t.clone(),
                        value: attributes.get(attribute_of(t)).cloned(),
                    })
                    .collect(),
            ),
            None if queue_name.is_none() => {
                (Some("no queue has this id any more".to_owned()), Vec::new())
            }
            None => (Some("its tests cannot be read".to_owned()), Vec::new()),
        };
        RuleVerdict {
            index,
            name: stored.name.clone(),
            queue_id: stored.queue_id.clone(),
            queue_name,
            matches: built.is_some() && failed_tests.is_empty(),
            chosen: chosen == Some(index),
            unusable,
            failed_tests,
        }
    }
}

fn attribute_of(t: &Test) -> &str {
    match t {
        Test::Equals { attribute, .. }
        | Test::In { attribute, .. }
        | Test::Contains { attribute, .. }
        | Test::Exists { attribute } => attribute,
    }
}
