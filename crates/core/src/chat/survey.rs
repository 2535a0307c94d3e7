//! The pre-chat survey: the questions a widget asks before a chat starts,
//! and the checking of a visitor's answers.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::client::LANGUAGES;
use crate::validation::{Check, Invalid};

/// At most this many questions per survey.
pub const MAX_QUESTIONS: usize = 20;
/// A question id: `[a-z0-9_]`, at most this many characters.
pub const ID_MAX: usize = 40;
/// A label, in characters.
pub const LABEL_MAX: usize = 300;
/// A choice question has between 2 and this many choices.
pub const CHOICES_MAX: usize = 20;
/// One choice, in characters.
pub const CHOICE_MAX: usize = 200;
/// A text answer, in characters.
pub const ANSWER_MAX: usize = 1000;

/// What kind of answer a question expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Free text, at most 1,000 characters (line breaks allowed).
    Text,
    /// An email address; stored in lower case.
    Email,
    /// An international phone number; stored as E.164.
    Phone,
    /// One of the question's `choices`.
    Choice,
}

/// One question of a pre-chat survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SurveyQuestion {
    /// `[a-z0-9_]`, 1 to 40 characters, unique in the survey; the answer's key.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9_]{1,40}$"))]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: QuestionKind,
    /// The question per language (`en`, `fr`, `es`), 1 to 300 characters;
    /// must include the widget's default language.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::SurveyLabel))]
    pub label: BTreeMap<String, String>,
    #[serde(default)]
    pub required: bool,
    /// For `choice`: 2 to 20 distinct choices of 1 to 200 characters. Empty
    /// for the other kinds. Each is a text (`"Orders"`) or a text with its
    /// translations (`{"value": "Orders", "translations": {"fr": "Commandes"}}`);
    /// the answer stored is always the `value`.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Vec<crate::api_schema::SurveyChoice>, max_items = 20)
    )]
    pub choices: Vec<Choice>,
}

/// One choice of a `choice` question: the value recorded as the answer (in
/// the widget's default language) and, optionally, what visitors of other
/// languages see instead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Choice {
    pub value: String,
    /// Per language (`en`, `fr`, `es`), 1 to 200 characters.
    pub translations: BTreeMap<String, String>,
}

impl Choice {
    /// What a visitor speaking `language` reads (the value when there is
    /// no translation).
    pub fn text(&self, language: &str) -> &str {
        self.translations
            .get(language)
            .map(String::as_str)
            .unwrap_or(&self.value)
    }
}

impl From<&str> for Choice {
    fn from(value: &str) -> Self {
        Choice {
            value: value.to_owned(),
            translations: BTreeMap::new(),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum ChoiceWire {
    Plain(String),
    Translated(TranslatedChoice),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TranslatedChoice {
    value: String,
    #[serde(default)]
    translations: BTreeMap<String, String>,
}

/// A choice without translations is written as its text, as it always was.
impl Serialize for Choice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.translations.is_empty() {
            s.serialize_str(&self.value)
        } else {
            TranslatedChoice {
                value: self.value.clone(),
                translations: self.translations.clone(),
            }
            .serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Choice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match ChoiceWire::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "a choice is a text or {\"value\": text, \"translations\": {\"fr\": text, \"es\": text}}",
            )
        })? {
            ChoiceWire::Plain(value) => Ok(Choice {
                value,
                translations: BTreeMap::new(),
            }),
            ChoiceWire::Translated(t) => Ok(Choice {
                value: t.value,
                translations: t.translations,
            }),
        }
    }
}

/// Checks a survey as an admin sends it: at most 20 questions with unique
/// ids. Errors are named `survey[i].field`.
pub fn validate_questions(
    questions: &[SurveyQuestion],
    default_language: &str,
) -> Result<(), Invalid> {
    if questions.len() > MAX_QUESTIONS {
        return Err(Invalid::one(
            "survey",
            "too_long",
            format!(
                "must have at most {MAX_QUESTIONS} questions (got {})",
                questions.len()
            ),
        ));
    }
    let mut c = Check::new();
    let mut ids = HashSet::new();
    for (i, q) in questions.iter().enumerate() {
        let f = |name: &str| format!("survey[{i}].{name}");
        if q.id.is_empty()
            || q.id.chars().count() > ID_MAX
            || !q
                .id
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        {
            c.fail(
                &f("id"),
                "invalid",
                format!("must be 1 to {ID_MAX} characters among a-z, 0-9 and _"),
            );
        } else if !ids.insert(q.id.as_str()) {
            c.fail(&f("id"), "duplicate", "another question has this id");
        }

        for (lang, text) in &q.label {
            let field = f(&format!("label.{lang}"));
            if !LANGUAGES.contains(&lang.as_str()) {
                c.fail(&field, "invalid", "language must be en, fr or es");
            } else {
                c.required_text(&field, Some(text.clone()), LABEL_MAX);
            }
        }
        if !q.label.contains_key(default_language) {
            c.fail(
                &f("label"),
                "incomplete",
                format!("must include the default language ({default_language})"),
            );
        }

        match q.kind {
            QuestionKind::Choice => {
                if !(2..=CHOICES_MAX).contains(&q.choices.len()) {
                    // Fewer than two only matters for this type: a rule
                    // between two fields, so its own code.
                    let code = if q.choices.len() < 2 {
                        "inconsistent"
                    } else {
                        "invalid"
                    };
                    c.fail(
                        &f("choices"),
                        code,
                        format!(
                            "a choice question needs 2 to {CHOICES_MAX} choices (got {})",
                            q.choices.len()
                        ),
                    );
                }
                let mut seen = HashSet::new();
                for (j, choice) in q.choices.iter().enumerate() {
                    let field = f(&format!("choices[{j}]"));
                    if let Some(t) = c.required_text(&field, Some(choice.value.clone()), CHOICE_MAX)
                    {
                        if !seen.insert(t.to_lowercase()) {
                            c.fail(&field, "duplicate", "is listed twice");
                        }
                    }
                    for (lang, text) in &choice.translations {
                        let field = format!("{field}.translations.{lang}");
                        if !LANGUAGES.contains(&lang.as_str()) {
                            c.fail(&field, "invalid", "language must be en, fr or es");
                        } else {
                            c.required_text(&field, Some(text.clone()), CHOICE_MAX);
                        }
                    }
                }
                // Two choices a visitor could not tell apart in their language.
                for lang in LANGUAGES {
                    let shown: Vec<String> = q
                        .choices
                        .iter()
                        .map(|ch| ch.text(lang).trim().to_lowercase())
                        .collect();
                    for (j, choice) in q.choices.iter().enumerate() {
                        let clash = shown
                            .iter()
                            .enumerate()
                            .any(|(k, t)| k != j && *t == shown[j] && !t.is_empty());
                        if clash && choice.translations.contains_key(lang) {
                            c.fail(
                                &f(&format!("choices[{j}].translations.{lang}")),
                                "duplicate",
                                "another choice reads the same in this language",
                            );
                        }
                    }
                }
            }
            _ if !q.choices.is_empty() => {
                c.fail(
                    &f("choices"),
                    "inconsistent",
                    "only a choice question has choices",
                );
            }
            _ => {}
        }
    }
    c.finish(|| ())
}

/// Checks a visitor's answers against the survey and returns them
/// normalised: trimmed, emails in lower case, phones in E.164, choices as
/// the survey spells them. Blank optional answers are dropped. Errors are
/// named `survey.<id>`: a required question left blank, an answer to no
/// question (`unknown`), a text over 1,000 characters, an invalid email or
/// phone, a choice that is not one of the question's.
pub fn check_answers(
    questions: &[SurveyQuestion],
    answers: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Invalid> {
    let mut c = Check::new();
    for id in answers.keys() {
        if !questions.iter().any(|q| &q.id == id) {
            c.fail(
                &format!("survey.{id}"),
                "unknown",
                "the survey has no such question",
            );
        }
    }
    let mut out = BTreeMap::new();
    for q in questions {
        let field = format!("survey.{}", q.id);
        let given = answers.get(&q.id).filter(|a| !a.trim().is_empty()).cloned();
        let Some(given) = given else {
            if q.required {
                c.fail(&field, "required", "is required");
            }
            continue;
        };
        let value = match q.kind {
            QuestionKind::Text => c.optional_multiline(&field, Some(given), ANSWER_MAX),
            QuestionKind::Email => c.optional_email(&field, Some(given)),
            QuestionKind::Phone => c.optional_phone(&field, Some(given)),
            QuestionKind::Choice => {
                // The value, else (from a client that sent what it showed)
                // a translation; exact before case-insensitive.
                let wanted = given.trim();
                let texts = |ch: &Choice| {
                    std::iter::once(ch.value.clone())
                        .chain(ch.translations.values().cloned())
                        .collect::<Vec<_>>()
                };
                let found = q
                    .choices
                    .iter()
                    .find(|ch| ch.value.trim() == wanted)
                    .or_else(|| {
                        q.choices.iter().find(|ch| {
                            texts(ch)
                                .iter()
                                .any(|t| t.trim().to_lowercase() == wanted.to_lowercase())
                        })
                    });
                match found {
                    Some(ch) => Some(ch.value.trim().to_owned()),
                    None => {
                        let values: Vec<&str> =
                            q.choices.iter().map(|ch| ch.value.as_str()).collect();
                        c.fail(
                            &field,
                            "invalid",
                            format!("must be one of: {}", values.join(", ")),
                        );
                        None
                    }
                }
            }
        };
        if let Some(v) = value {
            out.insert(q.id.clone(), v);
        }
    }
    c.finish(|| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(en: &str) -> BTreeMap<String, String> {
        BTreeMap::from([("en".to_owned(), en.to_owned())])
    }

    fn q(id: &str, kind: QuestionKind, required: bool, choices: &[&str]) -> SurveyQuestion {
        SurveyQuestion {
            id: id.to_owned(),
            kind,
            label: label(id),
            required,
            choices: choices.iter().map(|s| Choice::from(*s)).collect(),
        }
    }

    fn survey() -> Vec<SurveyQuestion> {
        vec![
            q("name", QuestionKind::Text, true, &[]),
            q("email", QuestionKind::Email, true, &[]),
            q("phone", QuestionKind::Phone, false, &[]),
            q(
                "topic",
                QuestionKind::Choice,
                false,
                &["Billing", "Tech support"],
            ),
        ]
    }

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn fields(e: Invalid) -> Vec<(String, String)> {
        e.0.into_iter().map(|e| (e.field, e.code)).collect()
    }

    fn pair(f: &str, c: &str) -> (String, String) {
        (f.to_owned(), c.to_owned())
    }

    #[test]
    fn a_well_formed_survey_is_accepted() {
        assert_eq!(validate_questions(&survey(), "en"), Ok(()));
        assert_eq!(validate_questions(&[], "fr"), Ok(()));
    }

    #[test]
    fn the_wire_form_uses_type_and_rejects_unknown_fields() {
        let q: SurveyQuestion = serde_json::from_value(serde_json::json!({
            "id": "topic", "type": "choice", "label": {"en": "Topic"}, "choices": ["A", "B"]
        }))
        .unwrap();
        assert_eq!(q.kind, QuestionKind::Choice);
        assert!(!q.required);
        assert!(serde_json::from_value::<SurveyQuestion>(serde_json::json!({
            "id": "x", "type": "text", "label": {"en": "X"}, "placeholder": "?"
        }))
        .is_err());
    }

    #[test]
    fn question_ids_must_be_short_snake_case_and_unique() {
        let mut s = survey();
        s[0].id = "Name".into();
        s[1].id = "x".repeat(41);
        s[2].id = "topic".into();
        let mut blank = q("blank", QuestionKind::Text, false, &[]);
        blank.id = String::new();
        s.push(blank);
        assert_eq!(
            fields(validate_questions(&s, "en").unwrap_err()),
            vec![
                pair("survey[0].id", "invalid"),
                pair("survey[1].id", "invalid"),
                pair("survey[3].id", "duplicate"),
                pair("survey[4].id", "invalid"),
            ]
        );
    }

    #[test]
    fn labels_need_the_default_language_and_a_bounded_text() {
        let mut s = vec![q("a", QuestionKind::Text, false, &[])];
        s[0].label.insert("de".into(), "Name".into());
        s[0].label.insert("es".into(), " ".into());
        s[0].label.insert("fr".into(), "x".repeat(301));
        assert_eq!(
            fields(validate_questions(&s, "en").unwrap_err()),
            vec![
                pair("survey[0].label.de", "invalid"),
                pair("survey[0].label.es", "required"),
                pair("survey[0].label.fr", "too_long"),
            ]
        );
        assert_eq!(
            fields(validate_questions(&survey(), "fr").unwrap_err())[0],
            pair("survey[0].label", "incomplete")
        );
    }

    #[test]
    fn choices_belong_to_choice_questions_only_and_are_distinct() {
        let s = vec![
            q("a", QuestionKind::Choice, false, &["only one"]),
            q("b", QuestionKind::Choice, false, &["Yes", "yes", " "]),
            q("c", QuestionKind::Text, false, &["stray"]),
            q("d", QuestionKind::Choice, false, &[]),
        ];
        assert_eq!(
            fields(validate_questions(&s, "en").unwrap_err()),
            vec![
                pair("survey[0].choices", "inconsistent"),
                pair("survey[1].choices[1]", "duplicate"),
                pair("survey[1].choices[2]", "required"),
                pair("survey[2].choices", "inconsistent"),
                pair("survey[3].choices", "inconsistent"),
            ]
        );
        let many: Vec<Choice> = (0..21).map(|i| Choice::from(&*i.to_string())).collect();
        let mut big = q("e", QuestionKind::Choice, false, &[]);
        big.choices = many;
        assert_eq!(
            fields(validate_questions(&[big], "en").unwrap_err()),
            vec![pair("survey[0].choices", "invalid")]
        );
    }

    #[test]
    fn choices_may_carry_translations_and_answers_record_the_value() {
        let q: SurveyQuestion = serde_json::from_value(serde_json::json!({
            "id": "topic", "type": "choice", "label": {"en": "Topic", "fr": "Sujet"},
            "choices": [{"value": "Orders", "translations": {"fr": "Commandes", "es": "Pedidos"}}, "Returns"]
        }))
        .unwrap();
        assert_eq!(q.choices[0].text("fr"), "Commandes");
        assert_eq!(q.choices[0].text("en"), "Orders");
        assert_eq!(
            q.choices[1].text("fr"),
            "Returns",
            "falls back to the value"
        );
        assert_eq!(validate_questions(std::slice::from_ref(&q), "en"), Ok(()));
        // Written back as given: a plain choice stays a text.
        assert_eq!(
            serde_json::to_value(&q.choices).unwrap(),
            serde_json::json!([{"value": "Orders", "translations": {"fr": "Commandes", "es": "Pedidos"}}, "Returns"])
        );
        let got = check_answers(
            std::slice::from_ref(&q),
            &answers(&[("topic", "commandes")]),
        )
        .unwrap();
        assert_eq!(got["topic"], "Orders");
        let got =
            check_answers(std::slice::from_ref(&q), &answers(&[("topic", "Orders")])).unwrap();
        assert_eq!(got["topic"], "Orders");
        assert!(
            serde_json::from_value::<Choice>(serde_json::json!({"value": "x", "label": "y"}))
                .is_err()
        );
    }

    #[test]
    fn choice_translations_are_checked() {
        let mut q = q("t", QuestionKind::Choice, false, &["A", "B", "C"]);
        q.choices[0].translations.insert("de".into(), "X".into());
        q.choices[1].translations.insert("fr".into(), " ".into());
        q.choices[2].translations.insert("es".into(), "a".into());
        assert_eq!(
            fields(validate_questions(&[q], "en").unwrap_err()),
            vec![
                pair("survey[0].choices[0].translations.de", "invalid"),
                pair("survey[0].choices[1].translations.fr", "required"),
                pair("survey[0].choices[2].translations.es", "duplicate"),
            ]
        );
    }

    #[test]
    fn at_most_twenty_questions() {
        let s: Vec<_> = (0..21)
            .map(|i| q(&format!("q{i}"), QuestionKind::Text, false, &[]))
            .collect();
        assert_eq!(
            fields(validate_questions(&s, "en").unwrap_err()),
            vec![pair("survey", "too_long")]
        );
        assert!(validate_questions(&s[..20], "en").is_ok());
    }

    #[test]
    fn answers_are_normalised() {
        let got = check_answers(
            &survey(),
            &answers(&[
                ("name", "  Ann Lee "),
                ("email", "Ann@Example.COM"),
                ("phone", "+33 1 23 45 67 89"),
                ("topic", " tech SUPPORT"),
            ]),
        )
        .unwrap();
        assert_eq!(
            got,
            answers(&[
                ("name", "Ann Lee"),
                ("email", "ann@example.com"),
                ("phone", "+33123456789"),
                ("topic", "Tech support"),
            ])
        );
    }

    #[test]
    fn blank_optional_answers_are_dropped() {
        let got = check_answers(
            &survey(),
            &answers(&[
                ("name", "Ann"),
                ("email", "ann@example.com"),
                ("phone", "  "),
                ("topic", ""),
            ]),
        )
        .unwrap();
        assert_eq!(
            got,
            answers(&[("name", "Ann"), ("email", "ann@example.com")])
        );
    }

    #[test]
    fn required_questions_must_be_answered_and_unknown_ids_are_refused() {
        let err = check_answers(&survey(), &answers(&[("name", " "), ("age", "42")])).unwrap_err();
        assert_eq!(
            fields(err),
            vec![
                pair("survey.age", "unknown"),
                pair("survey.name", "required"),
                pair("survey.email", "required"),
            ]
        );
    }

    #[test]
    fn each_kind_of_answer_is_checked() {
        let err = check_answers(
            &survey(),
            &answers(&[
                ("name", &"x".repeat(1001)),
                ("email", "not an email"),
                ("phone", "0123456789"),
                ("topic", "Sales"),
            ]),
        )
        .unwrap_err();
        assert_eq!(
            fields(err.clone()),
            vec![
                pair("survey.name", "too_long"),
                pair("survey.email", "invalid"),
                pair("survey.phone", "invalid"),
                pair("survey.topic", "invalid"),
            ]
        );
        assert!(err.0[3].message.contains("Billing, Tech support"));
    }

    #[test]
    fn text_answers_may_span_lines_and_reach_the_limit() {
        let s = vec![q("details", QuestionKind::Text, true, &[])];
        let long = "x".repeat(1000);
        assert_eq!(
            check_answers(&s, &answers(&[("details", &long)])).unwrap()["details"],
            long
        );
        assert_eq!(
            check_answers(&s, &answers(&[("details", "line 1\nline 2")])).unwrap()["details"],
            "line 1\nline 2"
        );
    }
}
