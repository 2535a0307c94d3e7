//! Web chat: the rules behind the widget that need no database or socket.
//!
//! - [`proactive`]: the rules that invite a visitor to chat (who, where,
//!   when, how often) and the choice of the rule to invite with.
//! - [`survey`]: the pre-chat survey's questions and the checking of a
//!   visitor's answers.
//! - [`client`]: what the `User-Agent` header says about the visitor's
//!   browser, and which of the supported languages to speak.
//! - [`transcript`]: a conversation as plain text, for an email or a note.
//! - [`contrast`]: readable text on the widget's colour (WCAG 2 contrast).
//! - [`rating`]: the visitor's rating of a chat once it ended (CSAT).
//!
//! The contract between the widget, the server and the agents is described
//! in `docs/chat.md`.

pub mod client;
pub mod contrast;
pub mod proactive;
pub mod rating;
pub mod survey;

pub use client::{parse_user_agent, ClientInfo, DeviceType, LANGUAGES};
pub use proactive::{
    matching, parse_rules, pick, Condition, InviteHistory, ProactiveRule, ProactiveRuleSpec,
    VisitorFacts, INVITATION_SECONDS,
};
pub use survey::{check_answers, validate_questions, Choice, QuestionKind, SurveyQuestion};

/// A conversation as plain text, one `[HH:MM:SS] Who: body` line per message.
///
/// Each line is `(at, who, body)` with `at` an RFC 3339 timestamp; the time
/// shown is UTC (`--:--:--` when `at` is not a timestamp). A body of several
/// lines keeps its line breaks, its continuation lines indented by two spaces
/// so that no message can pass for another one's header. Every line, the last
/// one included, ends with a line feed.
pub fn transcript(lines: &[(String, String, String)]) -> String {
    transcript_in(lines, &jiff::tz::TimeZone::UTC)
}

/// [`transcript`] with the times shown in `zone`.
pub fn transcript_in(lines: &[(String, String, String)], zone: &jiff::tz::TimeZone) -> String {
    let mut out = String::new();
    for (at, who, body) in lines {
        let time = at
            .trim()
            .parse::<jiff::Timestamp>()
            .map(|t| t.to_zoned(zone.clone()).strftime("%H:%M:%S").to_string())
            .unwrap_or_else(|_| "--:--:--".to_owned());
        out.push('[');
        out.push_str(&time);
        out.push_str("] ");
        out.push_str(who);
        out.push(':');
        let mut body_lines = body.lines();
        if let Some(first) = body_lines.next() {
            out.push(' ');
            out.push_str(first);
        }
        for more in body_lines {
            out.push_str("\n  ");
            out.push_str(more);
        }
        out.push('\n');
    }
    out
}

/// One message of a conversation as its visitor downloads it.
pub struct VisitorLine<'a> {
    /// RFC 3339.
    pub at: &'a str,
    /// `visitor`, `agent` or `system`.
    pub sender: &'a str,
    /// The agent's name, for an agent's message.
    pub name: Option<&'a str>,
    pub body: &'a str,
}

/// The transcript a visitor downloads at the end of a chat, in their
/// language (`en`, `fr` or `es`; anything else is English): a title naming
/// the organisation's widget, the date and time zone, then one line per
/// message with the time in the visitor's zone (UTC when unknown or not a
/// zone) and who wrote it ("You", the agent's name, or the widget's name
/// for the system's messages). Plain text: nothing in it is markup.
pub fn visitor_transcript(
    widget_name: &str,
    language: &str,
    time_zone: Option<&str>,
    started_at: &str,
    lines: &[VisitorLine<'_>],
) -> String {
    let zone = time_zone
        .and_then(|z| jiff::tz::TimeZone::get(z).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let zone_name = zone.iana_name().unwrap_or("UTC").to_owned();
    let date = started_at
        .trim()
        .parse::<jiff::Timestamp>()
        .map(|t| t.to_zoned(zone.clone()).strftime("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let (title, dated, you, agent) = match language {
        "fr" => (
            format!("Discussion avec {widget_name}"),
            format!("Date : {date} (fuseau horaire : {zone_name})"),
            "Vous",
            "Conseiller",
        ),
        "es" => (
            format!("Conversación con {widget_name}"),
            format!("Fecha: {date} (zona horaria: {zone_name})"),
            "Usted",
            "Agente",
        ),
        _ => (
            format!("Chat with {widget_name}"),
            format!("Date: {date} (time zone: {zone_name})"),
            "You",
            "Agent",
        ),
    };
    let rows: Vec<(String, String, String)> = lines
        .iter()
        .map(|l| {
            let who = match l.sender {
                "visitor" => you.to_owned(),
                "agent" => l
                    .name
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or(agent)
                    .to_owned(),
                _ => widget_name.to_owned(),
            };
            (l.at.to_owned(), who, l.body.to_owned())
        })
        .collect();
    // The title's own lines cannot be forged by a name with line breaks.
    let one_line = |s: String| s.replace(['\r', '\n'], " ");
    format!(
        "{}\n{}\n\n{}",
        one_line(title),
        dated,
        transcript_in(&rows, &zone)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_transcript_speaks_their_language_and_time_zone() {
        let lines = [
            VisitorLine {
                at: "2026-12-06T07:05:09Z",
                sender: "system",
                name: None,
                body: "Hi! Can we help?",
            },
            VisitorLine {
                at: "2026-12-06T07:05:30Z",
                sender: "visitor",
                name: None,
                body: "Yes <b>please</b>",
            },
            VisitorLine {
                at: "2026-12-06T07:06:00Z",
                sender: "agent",
                name: Some("Ana"),
                body: "Hello",
            },
            VisitorLine {
                at: "2026-12-06T07:06:10Z",
                sender: "agent",
                name: None,
                body: "Bye",
            },
        ];
        assert_eq!(
            visitor_transcript(
                "Shop",
                "fr",
                Some("Europe/Paris"),
                "2026-12-06T07:05:00Z",
                &lines
            ),
            "Discussion avec Shop\nDate : 2026-12-06 (fuseau horaire : Europe/Paris)\n\n\
             [08:05:09] Shop: Hi! Can we help?\n\
             [08:05:30] Vous: Yes <b>please</b>\n\
             [08:06:00] Ana: Hello\n\
             [08:06:10] Conseiller: Bye\n"
        );
        let es = visitor_transcript(
            "Shop",
            "es",
            Some("Mars/Olympus"),
            "2026-12-06T07:05:00Z",
            &lines[1..2],
        );
        assert_eq!(
            es,
            "Conversación con Shop\nFecha: 2026-12-06 (zona horaria: UTC)\n\n[07:05:30] Usted: Yes <b>please</b>\n"
        );
        let en = visitor_transcript("Two\nlines", "de", None, "x", &[]);
        assert_eq!(en, "Chat with Two lines\nDate:  (time zone: UTC)\n\n");
    }

    fn line(at: &str, who: &str, body: &str) -> (String, String, String) {
        (at.to_owned(), who.to_owned(), body.to_owned())
    }

    #[test]
    fn transcript_has_one_utc_timestamped_line_per_message() {
        let text = transcript(&[
            line("2026-03-29T07:05:09Z", "Visitor", "Hello"),
            line("2026-03-29T09:06:10+02:00", "Ana", "Hi, how can I help?"),
            line("2026-03-29T07:06:11.250Z", "System", "Ana joined"),
        ]);
        assert_eq!(
            text,
            "[07:05:09] Visitor: Hello\n\
             [07:06:10] Ana: Hi, how can I help?\n\
             [07:06:11] System: Ana joined\n"
        );
    }

    #[test]
    fn transcript_indents_continuation_lines_so_they_cannot_forge_a_message() {
        let text = transcript(&[line(
            "2026-01-01T00:00:00Z",
            "Visitor",
            "first\n[00:00:01] Ana: fake",
        )]);
        assert_eq!(text, "[00:00:00] Visitor: first\n  [00:00:01] Ana: fake\n");
    }

    #[test]
    fn transcript_of_nothing_is_empty_and_bad_times_are_marked() {
        assert_eq!(transcript(&[]), "");
        assert_eq!(
            transcript(&[
                line("yesterday", "Ana", "x"),
                line("2026-01-01T10:00:00Z", "Bo", "")
            ]),
            "[--:--:--] Ana: x\n[10:00:00] Bo:\n"
        );
    }
}
