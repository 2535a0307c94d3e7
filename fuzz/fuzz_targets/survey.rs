//! A visitor's pre-chat survey answers (and the survey an admin saves).
//!
//! Input: either JSON `{"questions": [...], "answers": {...}}`, or answers
//! to a fixed survey (text, email, phone, choice; NUL between).
//!
//! Property: the answers Switchboard keeps are accepted again unchanged
//! (normalising is idempotent), and never longer than allowed.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use switchboard_core::chat::survey::{self, SurveyQuestion};

fn fixed() -> Vec<SurveyQuestion> {
    serde_json::from_value(json!([
        {"id": "topic", "type": "text", "label": {"en": "Topic"}, "required": true},
        {"id": "email", "type": "email", "label": {"en": "Email"}},
        {"id": "phone", "type": "phone", "label": {"en": "Phone"}},
        {"id": "dept", "type": "choice", "label": {"en": "Department"},
         "choices": ["Orders", {"value": "Returns", "translations": {"fr": "Retours", "es": "Devoluciones"}}, " Billing "]},
    ]))
    .expect("the fixed survey")
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let given = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            let q: Vec<SurveyQuestion> =
                serde_json::from_value(v.get("questions")?.clone()).ok()?;
            let a: BTreeMap<String, String> =
                serde_json::from_value(v.get("answers")?.clone()).ok()?;
            Some((q, a))
        });
    let (questions, answers) = match given {
        Some(qa) => qa,
        None => {
            let mut answers = BTreeMap::new();
            for (id, a) in ["topic", "email", "phone", "dept", "other"]
                .iter()
                .zip(text.split('\0'))
            {
                answers.insert(id.to_string(), a.to_owned());
            }
            (fixed(), answers)
        }
    };
    if survey::validate_questions(&questions, "en").is_err() {
        return;
    }
    let Ok(kept) = survey::check_answers(&questions, &answers) else {
        return;
    };
    for v in kept.values() {
        assert!(v.chars().count() <= survey::ANSWER_MAX.max(survey::CHOICE_MAX));
    }
    assert_eq!(
        survey::check_answers(&questions, &kept).as_ref().ok(),
        Some(&kept),
        "not idempotent"
    );
});
