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
//!
//! The contract between the widget, the server and the agents is described
//! in `docs/chat.md`.

pub mod client;
pub mod contrast;
pub mod proactive;
pub mod survey;

pub use client::{parse_user_agent, supported_language, ClientInfo, DeviceType, LANGUAGES};
pub use proactive::{
    matching, parse_rules, pick, InviteHistory, ProactiveRule, ProactiveRuleSpec, VisitorFacts,
    INVITATION_SECONDS,
};
pub use survey::{check_answers, validate_questions, QuestionKind, SurveyQuestion};

/// A conversation as plain text, one `[HH:MM:SS] Who: body` line per message.
///
/// Each line is `(at, who, body)` with `at` an RFC 3339 timestamp; the time
/// shown is UTC (`--:--:--` when `at` is not a timestamp). A body of several
/// lines keeps its line breaks, its continuation lines indented by two spaces
/// so that no message can pass for another one's header. Every line, the last
/// one included, ends with a line feed.
pub fn transcript(lines: &[(String, String, String)]) -> String {
    let mut out = String::new();
    for (at, who, body) in lines {
        let time = at
            .trim()
            .parse::<jiff::Timestamp>()
            .map(|t| t.strftime("%H:%M:%S").to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

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
