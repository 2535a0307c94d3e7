//! Routing rules: the first rule whose conditions all hold sends the item to
//! its queue with its skills and priority; otherwise the default queue.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{QueueIx, SkillMatch, SkillNeed};

/// One test on a work-item attribute (channel, language, contact category,
/// or any context variable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Test {
    Equals {
        attribute: String,
        value: String,
    },
    In {
        attribute: String,
        values: Vec<String>,
    },
    Contains {
        attribute: String,
        value: String,
    },
    Exists {
        attribute: String,
    },
}

impl Test {
    /// Comparisons ignore case: "FR" and "fr" are the same language.
    pub fn holds(&self, attrs: &BTreeMap<String, String>) -> bool {
        let get = |a: &str| attrs.get(a).map(|v| v.to_lowercase());
        match self {
            Test::Equals { attribute, value } => {
                get(attribute).as_deref() == Some(&value.to_lowercase())
            }
            Test::In { attribute, values } => {
                get(attribute).is_some_and(|v| values.iter().any(|x| x.to_lowercase() == v))
            }
            Test::Contains { attribute, value } => {
                get(attribute).is_some_and(|v| v.contains(&value.to_lowercase()))
            }
            Test::Exists { attribute } => attrs.contains_key(attribute),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub tests: Vec<Test>,
    pub queue: QueueIx,
    pub needs: Vec<SkillNeed>,
    pub skill_match: SkillMatch,
    pub priority: i32,
}

/// Where an item goes, and which rule sent it there (`None`: the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification<'a> {
    pub rule: Option<&'a Rule>,
    pub queue: QueueIx,
}

/// The first rule whose tests all hold, else the default queue; `None` when
/// no rule matches and there is no default queue.
pub fn classify<'a>(
    rules: &'a [Rule],
    default_queue: Option<QueueIx>,
    attrs: &BTreeMap<String, String>,
) -> Option<Classification<'a>> {
    match rules
        .iter()
        .find(|r| r.tests.iter().all(|t| t.holds(attrs)))
    {
        Some(rule) => Some(Classification {
            rule: Some(rule),
            queue: rule.queue,
        }),
        None => default_queue.map(|queue| Classification { rule: None, queue }),
    }
}

/// The tests of `rule` that fail for these attributes, with their index in
/// the rule (empty: the rule matches). [`classify`] picks the first rule
/// with none; a rule tester shows them to say why the others were passed.
pub fn failing_tests<'r>(
    rule: &'r Rule,
    attrs: &BTreeMap<String, String>,
) -> Vec<(usize, &'r Test)> {
    rule.tests
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.holds(attrs))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str, tests: Vec<Test>, q: u32) -> Rule {
        Rule {
            name: name.into(),
            tests,
            queue: QueueIx(q),
            needs: vec![],
            skill_match: SkillMatch::Exact,
            priority: 0,
        }
    }

    #[test]
    fn first_matching_rule_wins_else_default() {
        let rules = vec![
            rule(
                "vip french",
                vec![
                    Test::Equals {
                        attribute: "language".into(),
                        value: "fr".into(),
                    },
                    Test::In {
                        attribute: "category".into(),
                        values: vec!["Premium".into(), "Gold".into()],
                    },
                ],
                1,
            ),
            rule(
                "any billing page",
                vec![Test::Contains {
                    attribute: "page_url".into(),
                    value: "/billing".into(),
                }],
                2,
            ),
            rule(
                "has order",
                vec![Test::Exists {
                    attribute: "order_id".into(),
                }],
                3,
            ),
        ];
        let attrs = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            classify(
                &rules,
                Some(QueueIx(0)),
                &attrs(&[("language", "FR"), ("category", "premium")])
            )
            .unwrap()
            .queue,
            QueueIx(1)
        );
        assert_eq!(
            classify(
                &rules,
                Some(QueueIx(0)),
                &attrs(&[("language", "fr"), ("page_url", "https://x/Billing/1")])
            )
            .unwrap()
            .queue,
            QueueIx(2)
        );
        assert_eq!(
            classify(&rules, Some(QueueIx(0)), &attrs(&[("order_id", "")]))
                .unwrap()
                .queue,
            QueueIx(3)
        );
        let fr_only = attrs(&[("language", "fr")]);
        let failing = failing_tests(&rules[0], &fr_only);
        assert_eq!(failing.len(), 1, "only the category test fails");
        assert_eq!(failing[0].0, 1);
        assert!(failing_tests(&rules[2], &attrs(&[("order_id", "")])).is_empty());
        let none = classify(&rules, Some(QueueIx(0)), &attrs(&[("language", "es")])).unwrap();
        assert_eq!((none.queue, none.rule), (QueueIx(0), None));
        assert_eq!(
            classify(&rules, None, &attrs(&[("language", "es")])),
            None,
            "nowhere to go"
        );
    }
}
