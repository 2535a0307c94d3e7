//! Agent scripts: the steps that guide a representative through a session,
//! and the templates their macros fill from the conversation's context.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::validation::Check;
use crate::Invalid;

/// What a macro does when the agent runs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum MacroAction {
    /// A case for the conversation's contact, titled from the template.
    CreateCase {
        #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::Instructions))]
        title: String,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(pattern = "^(low|normal|high|urgent)$"))]
        priority: Option<String>,
    },
    /// A message into the conversation, from the template.
    SendMessage {
        #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::Instructions))]
        body: String,
    },
    /// Sets a field of the session's case: `priority` (low … urgent) or
    /// `status` (a case status); another value is refused with code
    /// `inconsistent`.
    SetCaseField {
        #[cfg_attr(feature = "openapi", schema(pattern = "^(priority|status)$"))]
        field: String,
        value: String,
    },
    /// Makes the conversation's contact the case's contact.
    LinkContact,
    /// A URL built from the template (values percent-encoded), for the agent to open.
    OpenUrl {
        #[cfg_attr(feature = "openapi", schema(pattern = "^https?://", max_length = 4000))]
        url: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    Instruction {
        #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9_-]{1,40}$"))]
        id: String,
        #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::ShortText))]
        title: String,
        #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::Instructions))]
        instruction: String,
    },
    Macro {
        #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9_-]{1,40}$"))]
        id: String,
        #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::ShortText))]
        title: String,
        action: MacroAction,
    },
    Subscript {
        #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9_-]{1,40}$"))]
        id: String,
        #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::ShortText))]
        title: String,
        #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::RecordId))]
        script_id: String,
    },
}

impl Step {
    pub fn id(&self) -> &str {
        match self {
            Step::Instruction { id, .. } | Step::Macro { id, .. } | Step::Subscript { id, .. } => {
                id
            }
        }
    }
}

pub const MAX_STEPS: usize = 50;
const TITLE_MAX: usize = 200;
const TEXT_MAX: usize = 4000;

/// Checks a script's steps: 1 to 50, unique ids (`[a-z0-9_-]`, up to 40),
/// titles, texts and templates within bounds, known case fields and values.
/// Sub-scripts' existence is the store's to check.
pub fn check_steps(steps: &[Step]) -> Result<(), Invalid> {
    let mut c = Check::new();
    if steps.is_empty() || steps.len() > MAX_STEPS {
        c.fail("steps", "invalid", format!("1 to {MAX_STEPS} steps"));
    }
    let mut seen = HashSet::new();
    for (i, step) in steps.iter().enumerate() {
        let at = |f: &str| format!("steps[{i}].{f}");
        let id = step.id();
        if id.is_empty()
            || id.len() > 40
            || !id
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_' || ch == '-')
        {
            c.fail(&at("id"), "invalid", "1 to 40 of a-z, 0-9, _ and -");
        } else if !seen.insert(id.to_owned()) {
            c.fail(&at("id"), "duplicate", "another step has this id");
        }
        let (title, texts): (&str, Vec<(&str, &str)>) = match step {
            Step::Instruction {
                title, instruction, ..
            } => (title, vec![("instruction", instruction.as_str())]),
            Step::Macro { title, action, .. } => {
                let texts = match action {
                    MacroAction::CreateCase { title, priority } => {
                        if let Some(p) = priority {
                            if crate::records::Priority::parse(p).is_none() {
                                c.fail(
                                    &at("action.priority"),
                                    "invalid",
                                    "low, normal, high or urgent",
                                );
                            }
                        }
                        vec![("action.title", title.as_str())]
                    }
                    MacroAction::SendMessage { body } => vec![("action.body", body.as_str())],
                    MacroAction::SetCaseField { field, value } => {
                        let ok = match field.as_str() {
                            "priority" => crate::records::Priority::parse(value).is_some(),
                            "status" => crate::records::CaseStatus::parse(value).is_some(),
                            _ => {
                                c.fail(&at("action.field"), "invalid", "priority or status");
                                true
                            }
                        };
                        if !ok {
                            // Which values fit depends on `field`: its own code.
                            c.fail(
                                &at("action.value"),
                                "inconsistent",
                                "not a value of this field",
                            );
                        }
                        vec![]
                    }
                    MacroAction::LinkContact => vec![],
                    MacroAction::OpenUrl { url } => {
                        if !(url.starts_with("https://") || url.starts_with("http://")) {
                            c.fail(
                                &at("action.url"),
                                "invalid",
                                "must start with https:// or http://",
                            );
                        }
                        vec![("action.url", url.as_str())]
                    }
                };
                (title, texts)
            }
            Step::Subscript {
                title, script_id, ..
            } => {
                if script_id.is_empty() || script_id.len() > 64 {
                    c.fail(&at("script_id"), "invalid", "a script id");
                }
                (title, vec![])
            }
        };
        if title.trim().is_empty() || title.chars().count() > TITLE_MAX {
            c.fail(
                &at("title"),
                "invalid",
                format!("1 to {TITLE_MAX} characters"),
            );
        }
        for (field, text) in texts {
            if text.trim().is_empty() || text.chars().count() > TEXT_MAX {
                c.fail(&at(field), "invalid", format!("1 to {TEXT_MAX} characters"));
            }
        }
    }
    c.finish(|| ())
}

/// Fills `{name}` placeholders from `vars`; unknown names become empty.
/// With `url`, inserted values are percent-encoded (the template's own text
/// is kept), so context values cannot change a link's shape.
pub fn render(template: &str, vars: &BTreeMap<String, String>, url: bool) -> String {
    crate::placeholders::fill(
        template,
        |name| !name.contains('{'),
        |name| {
            let value = vars.get(name).map(String::as_str).unwrap_or("");
            if url {
                percent_encode(value)
            } else {
                value.to_owned()
            }
        },
    )
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        [
            ("survey.topic", "Returns & refunds"),
            ("context.plan", "gold"),
            ("customer.name", "Zoé <b>"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn templates_fill_known_names_and_encode_values_in_urls() {
        assert_eq!(
            render(
                "Return for {customer.name} ({context.plan}){missing}",
                &vars(),
                false
            ),
            "Return for Zoé <b> (gold)"
        );
        assert_eq!(
            render(
                "https://kb.example/search?q={survey.topic}&x=1",
                &vars(),
                true
            ),
            "https://kb.example/search?q=Returns%20%26%20refunds&x=1"
        );
        assert_eq!(
            render("a {b {context.plan} }", &vars(), false),
            "a {b gold }"
        );
        assert_eq!(render("{unclosed", &vars(), false), "{unclosed");
    }

    fn instruction(id: &str) -> Step {
        Step::Instruction {
            id: id.into(),
            title: "Greet".into(),
            instruction: "Say hello".into(),
        }
    }

    #[test]
    fn steps_are_checked_each_error_named() {
        assert!(check_steps(&[instruction("greet")]).is_ok());
        let Err(Invalid(errors)) = check_steps(&[
            instruction("Greet!"),
            instruction("a"),
            instruction("a"),
            Step::Macro {
                id: "m".into(),
                title: "".into(),
                action: MacroAction::SetCaseField {
                    field: "owner".into(),
                    value: "x".into(),
                },
            },
            Step::Macro {
                id: "u".into(),
                title: "KB".into(),
                action: MacroAction::OpenUrl {
                    url: "javascript:alert(1)".into(),
                },
            },
            Step::Macro {
                id: "p".into(),
                title: "Urgent".into(),
                action: MacroAction::SetCaseField {
                    field: "priority".into(),
                    value: "panic".into(),
                },
            },
        ]) else {
            panic!("invalid steps pass")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "steps[0].id",
                "steps[2].id",
                "steps[3].action.field",
                "steps[3].title",
                "steps[4].action.url",
                "steps[5].action.value"
            ]
        );
        assert!(check_steps(&[]).is_err());
    }

    #[test]
    fn steps_read_from_json_and_unknown_fields_are_refused() {
        let steps: Vec<Step> = serde_json::from_str(
            r#"[{"kind": "macro", "id": "case", "title": "Open a case",
                 "action": {"type": "create_case", "title": "Return: {survey.topic}", "priority": "high"}},
                {"kind": "subscript", "id": "more", "title": "Returns", "script_id": "s2"}]"#,
        )
        .unwrap();
        assert_eq!(steps[1].id(), "more");
        assert!(serde_json::from_str::<Vec<Step>>(
            r#"[{"kind": "instruction", "id": "a", "title": "t", "instruction": "i", "extra": 1}]"#
        )
        .is_err());
    }
}
