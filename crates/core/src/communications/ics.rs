//! iCalendar invites (RFC 5545) with iTIP methods (RFC 5546): a REQUEST when
//! a meeting is booked, a CANCEL with the same UID and a higher SEQUENCE when
//! it is cancelled, so calendar programs update the one event they hold.

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// What the invite says.
#[derive(Debug, Clone)]
pub struct Invite<'a> {
    /// Globally unique and stable for the meeting: `{meeting_id}@{host}`.
    pub uid: &'a str,
    pub sequence: i64,
    pub cancel: bool,
    pub start: Timestamp,
    pub end: Timestamp,
    pub stamp: Timestamp,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    pub url: Option<&'a str>,
    pub organizer_name: &'a str,
    pub organizer_email: &'a str,
    pub attendee_name: &'a str,
    pub attendee_email: &'a str,
}

/// The `text/calendar` body, CRLF-terminated, lines folded at 75 octets.
pub fn render(i: &Invite) -> String {
    write(i, true)
}

/// The same event as a file to import ("add to calendar"): no iTIP
/// `METHOD`, so calendar programs file it as an event rather than treat it
/// as an invitation to answer; the same UID and SEQUENCE as the emails'
/// invites, so a later CANCEL by email still finds it.
pub fn render_file(i: &Invite) -> String {
    write(i, false)
}

fn write(i: &Invite, itip: bool) -> String {
    let mut out = String::new();
    let mut line = |s: String| fold_into(&mut out, &s);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Switchboard//Meetings//EN".into());
    if itip {
        line(format!(
            "METHOD:{}",
            if i.cancel { "CANCEL" } else { "REQUEST" }
        ));
    }
    line("CALSCALE:GREGORIAN".into());
    line("BEGIN:VEVENT".into());
    line(format!("UID:{}", escape(i.uid)));
    line(format!("SEQUENCE:{}", i.sequence));
    line(format!("DTSTAMP:{}", utc(i.stamp)));
    line(format!("DTSTART:{}", utc(i.start)));
    line(format!("DTEND:{}", utc(i.end)));
    line(format!("SUMMARY:{}", escape(i.summary)));
    if !i.description.is_empty() {
        line(format!("DESCRIPTION:{}", escape(i.description)));
    }
    if !i.location.is_empty() {
        line(format!("LOCATION:{}", escape(i.location)));
    }
    if let Some(url) = i.url {
        line(format!("URL:{url}"));
    }
    line(format!(
        "ORGANIZER;CN={}:mailto:{}",
        param(i.organizer_name),
        i.organizer_email
    ));
    // No name when none may be said (a page booking's typed name).
    let cn = if i.attendee_name.is_empty() {
        String::new()
    } else {
        format!(";CN={}", param(i.attendee_name))
    };
    line(format!(
        "ATTENDEE{cn};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:{}",
        i.attendee_email
    ));
    line(format!(
        "STATUS:{}",
        if i.cancel { "CANCELLED" } else { "CONFIRMED" }
    ));
    line("TRANSP:OPAQUE".into());
    line("END:VEVENT".into());
    line("END:VCALENDAR".into());
    out
}

/// `20261123T080000Z`.
fn utc(t: Timestamp) -> String {
    t.to_zoned(TimeZone::UTC)
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// TEXT value escaping (RFC 5545 §3.3.11).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value: quoted, and without the characters a quoted value
/// cannot hold (RFC 5545 §3.2).
fn param(s: &str) -> String {
    let clean: String = s.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    format!("\"{clean}\"")
}

/// Appends `line` folded into 75-octet pieces (continuations start with a
/// space), never splitting a UTF-8 character (RFC 5545 §3.1).
fn fold_into(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite(cancel: bool) -> String {
        render(&Invite {
            uid: "m1@example.com",
            sequence: if cancel { 1 } else { 0 },
            cancel,
            start: "2026-11-23T08:00:00Z".parse().unwrap(),
            end: "2026-11-23T08:30:00Z".parse().unwrap(),
            stamp: "2026-11-21T12:00:00Z".parse().unwrap(),
            summary: "Mortgage; rates, \"fixed\"",
            description: &"Éléphant ".repeat(20),
            location: "1 Rue de Rivoli\nParis",
            url: None,
            organizer_name: "Ana \"A\" Advisor",
            organizer_email: "bookings@example.com",
            attendee_name: "Zoé",
            attendee_email: "zoe@example.com",
        })
    }

    #[test]
    fn lines_are_crlf_folded_and_escaped() {
        let ics = invite(false);
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is longer than 75 octets");
            assert!(!line.contains('\n'));
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("SUMMARY:Mortgage\\; rates\\, \"fixed\"\r\n"));
        assert!(unfolded.contains("LOCATION:1 Rue de Rivoli\\nParis\r\n"));
        assert!(unfolded.contains(&format!("DESCRIPTION:{}\r\n", "Éléphant ".repeat(20))));
        assert!(unfolded.contains("ORGANIZER;CN=\"Ana A Advisor\":mailto:bookings@example.com"));
        assert!(unfolded.contains("METHOD:REQUEST\r\n"));
        assert!(unfolded.contains("DTSTART:20261123T080000Z\r\n"));
    }

    #[test]
    fn a_file_to_import_has_the_event_without_a_method() {
        let i = invite(false);
        let file = render_file(&Invite {
            uid: "m1@example.com",
            sequence: 0,
            cancel: false,
            start: "2026-11-23T08:00:00Z".parse().unwrap(),
            end: "2026-11-23T08:30:00Z".parse().unwrap(),
            stamp: "2026-11-21T12:00:00Z".parse().unwrap(),
            summary: "Mortgage; rates, \"fixed\"",
            description: &"Éléphant ".repeat(20),
            location: "1 Rue de Rivoli\nParis",
            url: None,
            organizer_name: "Ana \"A\" Advisor",
            organizer_email: "bookings@example.com",
            attendee_name: "Zoé",
            attendee_email: "zoe@example.com",
        });
        assert!(!file.contains("METHOD:"));
        assert_eq!(file, i.replace("METHOD:REQUEST\r\n", ""));
    }

    #[test]
    fn a_cancel_keeps_the_uid_and_raises_the_sequence() {
        let ics = invite(true);
        assert!(ics.contains("METHOD:CANCEL\r\n"));
        assert!(ics.contains("UID:m1@example.com\r\n"));
        assert!(ics.contains("SEQUENCE:1\r\n"));
        assert!(ics.contains("STATUS:CANCELLED\r\n"));
    }
}
