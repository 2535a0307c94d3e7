//! Message templates per kind × channel × language, the variables they may
//! use, and rendering.
//!
//! A template is text with `{variable}` placeholders. Values are inserted as
//! they are into the text body and the SMS, and HTML-escaped into the HTML
//! body (the admin's own markup is kept), so nothing a customer typed can
//! become markup in an email.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Channel, Kind};
use crate::validation::Check;
use crate::Invalid;

/// The placeholders a template may use.
pub const VARIABLES: &[&str] = &[
    "customer_name",
    "advisor_name",
    "topic",
    "date",
    "time",
    "time_zone",
    "meeting_type",
    "location",
    "join_url",
    "instructions",
    "customer_notes",
    "cancel_url",
];

pub const SUBJECT_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
/// An SMS template stays within two concatenated segments before the
/// values are filled in; links keep it short.
pub const SMS_MAX: usize = 320;

/// A template as stored and edited. SMS templates use `body` only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Template {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::TemplateSubject))]
    pub subject: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::TemplateBody))]
    pub body: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::TemplateHtml))]
    pub html: String,
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rendered {
    pub subject: String,
    pub body: String,
    pub html: String,
}

impl Template {
    /// Checks sizes and that every placeholder is known, naming the field
    /// and the unknown variable.
    pub fn validate(&self, channel: Channel) -> Result<(), Invalid> {
        let mut c = Check::new();
        let max = match channel {
            Channel::Email => BODY_MAX,
            Channel::Sms => SMS_MAX,
        };
        if self.body.trim().is_empty() {
            c.fail("body", "required", "is required");
        } else if self.body.chars().count() > BODY_MAX {
            c.fail("body", "too_long", format!("at most {max} characters"));
        } else if self.body.chars().count() > max {
            // Shorter for one channel than the schema says: its own code.
            c.fail("body", "inconsistent", format!("at most {max} characters"));
        }
        if channel == Channel::Email {
            if self.subject.trim().is_empty() {
                c.fail("subject", "incomplete", "is required for email");
            } else if self.subject.chars().count() > SUBJECT_MAX
                || self.subject.contains(['\r', '\n'])
            {
                c.fail(
                    "subject",
                    "invalid",
                    format!("one line of at most {SUBJECT_MAX} characters"),
                );
            }
            if self.html.trim().is_empty() {
                c.fail("html", "incomplete", "is required for email");
            } else if self.html.chars().count() > BODY_MAX {
                c.fail("html", "too_long", format!("at most {BODY_MAX} characters"));
            }
        } else if !self.subject.is_empty() || !self.html.is_empty() {
            c.fail("subject", "inconsistent", "SMS templates have a body only");
        }
        for (field, text) in [
            ("subject", &self.subject),
            ("body", &self.body),
            ("html", &self.html),
        ] {
            // Control characters have no place in a message; the bodies
            // keep tab and line breaks (the subject's are refused above).
            // (A subject's line breaks are refused above, by their own rule.)
            let allowed: &[char] = if field == "subject" {
                &['\n', '\r']
            } else {
                &['\t', '\n', '\r']
            };
            if text
                .chars()
                .any(|c| c.is_control() && !allowed.contains(&c))
            {
                c.fail(field, "invalid", "must not contain control characters");
            }
            for name in placeholders(text) {
                if !VARIABLES.contains(&name) {
                    c.fail(
                        field,
                        "unknown_variable",
                        format!(
                            "{{{name}}} is not a variable; use one of {}",
                            VARIABLES.join(", ")
                        ),
                    );
                }
            }
        }
        c.finish(|| ())
    }

    /// Fills the placeholders. A line whose placeholders are all empty
    /// (notes withheld, a topic without instructions) is left out with its
    /// label, and with it the blank line that separated it, so no message
    /// shows an empty "Your notes:".
    pub fn render(&self, vars: &BTreeMap<&str, String>) -> Rendered {
        Rendered {
            // A value with a line break must not add header lines.
            subject: fill(&self.subject, vars, |v| v.replace(['\r', '\n'], " ")),
            body: fill(&self.body, vars, str::to_owned),
            html: fill(&self.html, vars, html_escape),
        }
    }
}

/// A placeholder is `{name}` with a lower-case name of letters and `_`;
/// any other brace is the template's own text (CSS in the HTML, say).
fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

fn placeholders(text: &str) -> Vec<&str> {
    crate::placeholders::names(text, is_name)
}

fn fill(text: &str, vars: &BTreeMap<&str, String>, encode: impl Fn(&str) -> String) -> String {
    let empty = |name: &str| vars.get(name).is_none_or(|v| v.trim().is_empty());
    let mut out: Vec<String> = Vec::new();
    let mut dropped = false;
    for line in text.split('\n') {
        let names = placeholders(line);
        if !names.is_empty() && names.iter().all(|n| empty(n)) {
            // Also the blank line before it, if that starts the text or
            // follows another blank one.
            if out.last().is_some_and(|l| l.trim().is_empty()) {
                out.pop();
            }
            dropped = true;
            continue;
        }
        if dropped && line.trim().is_empty() && out.last().is_none_or(|l| l.trim().is_empty()) {
            continue;
        }
        dropped = false;
        out.push(crate::placeholders::fill(line, is_name, |name| {
            vars.get(name).map(|v| encode(v)).unwrap_or_default()
        }));
    }
    out.join("\n")
}

pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// The local date and time of `at` in `tz`, written the way `language`
/// writes them: ("Monday 23 November 2026", "09:00").
pub fn local_date_time(at: Timestamp, tz: &TimeZone, language: &str) -> (String, String) {
    let z = at.to_zoned(tz.clone());
    let wd = z.weekday().to_monday_zero_offset() as usize;
    let m = z.month() as usize - 1;
    let (d, y) = (z.day(), z.year());
    let date = match language {
        "fr" => format!("{} {d} {} {y}", FR_DAYS[wd], FR_MONTHS[m]),
        "es" => format!("{} {d} de {} de {y}", ES_DAYS[wd], ES_MONTHS[m]),
        _ => format!("{} {d} {} {y}", EN_DAYS[wd], EN_MONTHS[m]),
    };
    (date, format!("{:02}:{:02}", z.hour(), z.minute()))
}

/// The meeting type as the customer reads it.
pub fn meeting_type_label(meeting_type: &str, language: &str) -> &'static str {
    match (meeting_type, language) {
        ("in_person", "fr") => "en agence",
        ("in_person", "es") => "en la sucursal",
        ("in_person", _) => "in person",
        ("online", "fr") => "en ligne",
        ("online", "es") => "en línea",
        ("online", _) => "online",
        (_, "fr") => "par téléphone",
        (_, "es") => "por teléfono",
        _ => "by phone",
    }
}

const EN_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const FR_DAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const ES_DAYS: [&str; 7] = [
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const ES_MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// The template Switchboard ships for a kind × channel × language.
pub fn default_template(kind: Kind, channel: Channel, language: &str) -> Template {
    let (subject, lines): (&str, &[&str]) = match (kind, language) {
        (Kind::Confirmation, "fr") => (
            "Rendez-vous confirmé : {topic}, {date} à {time}",
            &[
                "Bonjour {customer_name},",
                "Votre rendez-vous « {topic} » avec {advisor_name} est confirmé pour le {date} à {time} ({time_zone}), {meeting_type}.",
                "Lieu : {location}",
                "{instructions}",
                "Vos remarques : {customer_notes}",
                "Pour annuler : {cancel_url}",
            ],
        ),
        (Kind::Confirmation, "es") => (
            "Cita confirmada: {topic}, {date} a las {time}",
            &[
                "Hola {customer_name}:",
                "Su cita «{topic}» con {advisor_name} está confirmada para el {date} a las {time} ({time_zone}), {meeting_type}.",
                "Lugar: {location}",
                "{instructions}",
                "Sus notas: {customer_notes}",
                "Para cancelar: {cancel_url}",
            ],
        ),
        (Kind::Confirmation, _) => (
            "Meeting confirmed: {topic}, {date} at {time}",
            &[
                "Hello {customer_name},",
                "Your meeting \"{topic}\" with {advisor_name} is confirmed for {date} at {time} ({time_zone}), {meeting_type}.",
                "Where: {location}",
                "{instructions}",
                "Your notes: {customer_notes}",
                "To cancel: {cancel_url}",
            ],
        ),
        (Kind::Reminder, "fr") => (
            "Rappel : {topic}, {date} à {time}",
            &[
                "Bonjour {customer_name},",
                "Nous vous rappelons votre rendez-vous « {topic} » avec {advisor_name} le {date} à {time} ({time_zone}), {meeting_type}.",
                "Lieu : {location}",
                "{instructions}",
                "Pour annuler : {cancel_url}",
            ],
        ),
        (Kind::Reminder, "es") => (
            "Recordatorio: {topic}, {date} a las {time}",
            &[
                "Hola {customer_name}:",
                "Le recordamos su cita «{topic}» con {advisor_name} el {date} a las {time} ({time_zone}), {meeting_type}.",
                "Lugar: {location}",
                "{instructions}",
                "Para cancelar: {cancel_url}",
            ],
        ),
        (Kind::Reminder, _) => (
            "Reminder: {topic}, {date} at {time}",
            &[
                "Hello {customer_name},",
                "This is a reminder of your meeting \"{topic}\" with {advisor_name} on {date} at {time} ({time_zone}), {meeting_type}.",
                "Where: {location}",
                "{instructions}",
                "To cancel: {cancel_url}",
            ],
        ),
        (Kind::Cancellation, "fr") => (
            "Rendez-vous annulé : {topic}, {date} à {time}",
            &[
                "Bonjour {customer_name},",
                "Votre rendez-vous « {topic} » du {date} à {time} ({time_zone}) est annulé.",
            ],
        ),
        (Kind::Cancellation, "es") => (
            "Cita cancelada: {topic}, {date} a las {time}",
            &[
                "Hola {customer_name}:",
                "Su cita «{topic}» del {date} a las {time} ({time_zone}) ha sido cancelada.",
            ],
        ),
        (Kind::Cancellation, _) => (
            "Meeting cancelled: {topic}, {date} at {time}",
            &[
                "Hello {customer_name},",
                "Your meeting \"{topic}\" on {date} at {time} ({time_zone}) is cancelled.",
            ],
        ),
    };
    match channel {
        Channel::Email => Template {
            subject: subject.to_owned(),
            body: lines.join("\n\n"),
            html: format!(
                "<!doctype html><html><body style=\"font-family:sans-serif\">{}</body></html>",
                lines
                    .iter()
                    .map(|l| format!("\n<p>{}</p>", link_cancel(l)))
                    .collect::<String>()
                    + "\n"
            ),
        },
        Channel::Sms => Template {
            subject: String::new(),
            body: match (kind, language) {
                (Kind::Confirmation, "fr") => {
                    "RDV confirmé : {topic}, {date} à {time} ({time_zone}). Annuler : {cancel_url}"
                }
                (Kind::Confirmation, "es") => {
                    "Cita confirmada: {topic}, {date} a las {time} ({time_zone}). Cancelar: {cancel_url}"
                }
                (Kind::Confirmation, _) => {
                    "Meeting confirmed: {topic}, {date} at {time} ({time_zone}). Cancel: {cancel_url}"
                }
                (Kind::Reminder, "fr") => {
                    "Rappel RDV : {topic}, {date} à {time} ({time_zone}). Annuler : {cancel_url}"
                }
                (Kind::Reminder, "es") => {
                    "Recordatorio: {topic}, {date} a las {time} ({time_zone}). Cancelar: {cancel_url}"
                }
                (Kind::Reminder, _) => "Reminder: {topic}, {date} at {time} ({time_zone}). Cancel: {cancel_url}",
                (Kind::Cancellation, "fr") => "RDV annulé : {topic}, {date} à {time} ({time_zone}).",
                (Kind::Cancellation, "es") => "Cita cancelada: {topic}, {date} a las {time} ({time_zone}).",
                (Kind::Cancellation, _) => "Meeting cancelled: {topic}, {date} at {time} ({time_zone}).",
            }
            .to_owned(),
            html: String::new(),
        },
    }
}

/// How long a booking from the public page waits for its confirmation.
pub const HOLD_MINUTES: i64 = 30;

/// The request to confirm a booking made on the public page, sent to the
/// address typed there. It is not editable and carries nothing the visitor
/// typed (no name, no notes): only the organization's own texts (topic,
/// meeting type), the time and the link. Placeholders: `{topic}`,
/// `{date}`, `{time}`, `{time_zone}`, `{meeting_type}`, `{confirm_url}`,
/// `{minutes}`.
pub fn address_check_template(language: &str) -> Template {
    let (subject, lines): (&str, &[&str]) = match language {
        "fr" => (
            "Confirmez votre demande de rendez-vous : {topic}, {date} à {time}",
            &[
                "Bonjour,",
                "Quelqu'un a demandé sur notre page de réservation le rendez-vous « {topic} » du {date} à {time} ({time_zone}), {meeting_type}, pour cette adresse e-mail.",
                "Pour le confirmer, ouvrez ce lien dans les {minutes} minutes : {confirm_url}",
                "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : rien ne sera réservé.",
            ],
        ),
        "es" => (
            "Confirme su solicitud de cita: {topic}, {date} a las {time}",
            &[
                "Hola:",
                "Alguien ha solicitado en nuestra página de reservas la cita «{topic}» del {date} a las {time} ({time_zone}), {meeting_type}, para esta dirección de correo electrónico.",
                "Para confirmarla, abra este enlace en los próximos {minutes} minutos: {confirm_url}",
                "Si usted no la ha solicitado, ignore este mensaje: no se reservará nada.",
            ],
        ),
        _ => (
            "Please confirm your meeting request: {topic}, {date} at {time}",
            &[
                "Hello,",
                "Someone asked on our booking page for the meeting \"{topic}\" on {date} at {time} ({time_zone}), {meeting_type}, for this email address.",
                "To confirm it, open this link within {minutes} minutes: {confirm_url}",
                "If you did not ask for this, ignore this message: nothing will be booked.",
            ],
        ),
    };
    Template {
        subject: subject.to_owned(),
        body: lines.join("\n\n"),
        html: format!(
            "<!doctype html><html><body style=\"font-family:sans-serif\">{}</body></html>",
            lines
                .iter()
                .map(|l| format!(
                    "\n<p>{}</p>",
                    l.replace(
                        "{confirm_url}",
                        "<a href=\"{confirm_url}\">{confirm_url}</a>"
                    )
                ))
                .collect::<String>()
                + "\n"
        ),
    }
}

/// In the shipped HTML, the cancel link is a link.
fn link_cancel(line: &str) -> String {
    line.replace("{cancel_url}", "<a href=\"{cancel_url}\">{cancel_url}</a>")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<&'static str, String> {
        VARIABLES
            .iter()
            .map(|v| (*v, format!("<{v}> & \"x\"")))
            .collect()
    }

    #[test]
    fn every_shipped_template_is_valid_and_mentions_the_meeting() {
        for kind in Kind::ALL {
            for channel in Channel::ALL {
                for lang in super::super::LANGUAGES {
                    let t = default_template(kind, channel, lang);
                    t.validate(channel)
                        .unwrap_or_else(|e| panic!("{kind:?} {channel:?} {lang}: {e:?}"));
                    assert!(t.body.contains("{topic}") && t.body.contains("{date}"));
                    if kind != Kind::Cancellation {
                        assert!(
                            t.body.contains("{cancel_url}"),
                            "{kind:?} {channel:?} {lang}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn values_are_escaped_in_html_only_and_never_break_the_subject() {
        let t = Template {
            subject: "About {topic}".into(),
            body: "Hi {customer_name}".into(),
            html: "<p>Hi {customer_name}</p>".into(),
        };
        let mut v = vars();
        v.insert("topic", "a\r\nBcc: x@y".into());
        let r = t.render(&v);
        assert_eq!(r.subject, "About a  Bcc: x@y");
        assert_eq!(r.body, "Hi <customer_name> & \"x\"");
        assert_eq!(
            r.html,
            "<p>Hi &lt;customer_name&gt; &amp; &quot;x&quot;</p>"
        );
    }

    #[test]
    fn braces_that_are_not_placeholders_stay_text() {
        let t = Template {
            subject: "Hi {customer_name}".into(),
            body: "Set {x: 1} {Topic} {}".into(),
            html: "<style>p{margin:0}</style><p>{customer_name}</p>".into(),
        };
        t.validate(Channel::Email).unwrap();
        let r = t.render(&vars());
        assert_eq!(r.body, "Set {x: 1} {Topic} {}");
        assert!(r
            .html
            .starts_with("<style>p{margin:0}</style><p>&lt;customer_name&gt;"));
    }

    #[test]
    fn unknown_variables_and_sizes_are_named() {
        let t = Template {
            subject: "{nope}".into(),
            body: "x".repeat(SMS_MAX + 1),
            html: String::new(),
        };
        let errors = t.validate(Channel::Sms).unwrap_err().0;
        let fields: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("body", "inconsistent"),
                ("subject", "inconsistent"),
                ("subject", "unknown_variable")
            ]
        );
        let email = Template {
            subject: "Hi\nthere".into(),
            body: "{customer_name}".into(),
            html: "".into(),
        };
        let fields: Vec<_> = email
            .validate(Channel::Email)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["subject", "html"]);
    }

    #[test]
    fn a_line_whose_values_are_all_empty_is_left_out_with_its_label() {
        for lang in super::super::LANGUAGES {
            let t = default_template(Kind::Confirmation, Channel::Email, lang);
            let mut v = vars();
            v.insert("customer_notes", String::new());
            v.insert("instructions", String::new());
            v.insert("customer_name", "Zoé".into());
            let r = t.render(&v);
            for label in ["Your notes", "Vos remarques", "Sus notas"] {
                assert!(!r.body.contains(label), "{lang}: {}", r.body);
                assert!(!r.html.contains(label), "{lang}: {}", r.html);
            }
            assert!(!r.body.contains("\n\n\n"), "no double gap: {:?}", r.body);
            assert!(!r.html.contains("<p></p>"), "{}", r.html);
            assert!(r.body.starts_with("Hello Zoé") || r.body.contains("Zoé"));
            // With notes, the label and the notes are there.
            let mut v = vars();
            v.insert("customer_notes", "Ground floor please".into());
            assert!(t.render(&v).body.contains("Ground floor please"));
        }
        let t = Template {
            subject: "s".into(),
            body: "{instructions}\n\nA\n\nNotes: {customer_notes}\n\nB {customer_notes}".into(),
            html: "<p>x</p>".into(),
        };
        let r = t.render(&BTreeMap::new());
        assert_eq!(r.body, "A");
    }

    #[test]
    fn every_shipped_text_names_the_time_zone_and_spanish_says_usted() {
        for kind in Kind::ALL {
            for channel in Channel::ALL {
                for lang in super::super::LANGUAGES {
                    let t = default_template(kind, channel, lang);
                    assert!(
                        t.body.contains("{time_zone}"),
                        "{kind:?} {channel:?} {lang}"
                    );
                    if lang == "es" {
                        let text = format!("{} {} {}", t.subject, t.body, t.html).to_lowercase();
                        for tu in [" tu ", " tú ", " te ", " tus ", "puedes", "quieres"] {
                            assert!(!text.contains(tu), "{kind:?} {channel:?}: {tu}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn dates_in_the_customers_language_and_zone() {
        let at: Timestamp = "2026-11-23T08:00:00Z".parse().unwrap();
        let paris = TimeZone::get("Europe/Paris").unwrap();
        let ny = TimeZone::get("America/New_York").unwrap();
        assert_eq!(
            local_date_time(at, &paris, "fr"),
            ("lundi 23 novembre 2026".into(), "09:00".into())
        );
        assert_eq!(
            local_date_time(at, &paris, "es"),
            ("lunes 23 de noviembre de 2026".into(), "09:00".into())
        );
        assert_eq!(
            local_date_time(at, &ny, "en"),
            ("Monday 23 November 2026".into(), "03:00".into())
        );
    }
}
