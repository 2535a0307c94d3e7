//! iCalendar invites (RFC 5545) with iTIP methods (RFC 5546): a REQUEST when
//! a meeting is booked, a CANCEL with the same UID and a higher SEQUENCE when
//! it is cancelled, so calendar programs update the one event they hold.

use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
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
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Switchboard//Meetings//EN"));
    if itip {
        calendar.append_property(("METHOD", if i.cancel { "CANCEL" } else { "REQUEST" }));
    }
    calendar.append_property(("CALSCALE", "GREGORIAN"));

    let mut event = Event::new();
    event
        .uid(&text(i.uid))
        .sequence(u32::try_from(i.sequence.max(0)).unwrap_or(u32::MAX))
        .timestamp(utc(i.stamp))
        .starts(utc(i.start))
        .ends(utc(i.end))
        .summary(&text(i.summary))
        .status(if i.cancel {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        })
        .add_property("TRANSP", "OPAQUE");
    if !i.description.is_empty() {
        event.description(&text(i.description));
    }
    if !i.location.is_empty() {
        event.location(&text(i.location));
    }
    if let Some(url) = i.url {
        event.url(&uri(url));
    }
    let mut organizer = Property::new("ORGANIZER", format!("mailto:{}", uri(i.organizer_email)));
    organizer.add_parameter("CN", &param(i.organizer_name));
    event.append_property(organizer);
    let mut attendee = Property::new("ATTENDEE", format!("mailto:{}", uri(i.attendee_email)));
    // No name when none may be said (a page booking's typed name).
    if !i.attendee_name.is_empty() {
        attendee.add_parameter("CN", &param(i.attendee_name));
    }
    attendee
        .add_parameter("ROLE", "REQ-PARTICIPANT")
        .add_parameter("PARTSTAT", "NEEDS-ACTION")
        .add_parameter("RSVP", "FALSE");
    event.append_property(attendee);
    calendar.push(event.done());

    fold(&calendar.to_string())
}

/// The crate speaks chrono; the instant is written in UTC (`…Z`), which
/// every calendar program reads without a time zone definition.
fn utc(t: Timestamp) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_micros(t.as_microsecond()).unwrap_or_default()
}

/// A value without the control characters no content line may hold (the
/// crate escapes `\\`, `;`, `,` and newlines in TEXT values, but passes
/// a carriage return or any other control character through).
fn text(s: &str) -> String {
    s.chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

/// A URI value (URL, `mailto:`): the crate writes it as given, so no
/// control character at all may pass, a line break least of all.
fn uri(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// A parameter value, always quoted as before and without the characters
/// a quoted value cannot hold (RFC 5545 §3.2). The crate quotes a value
/// only when it holds `:` or `;` (so not a name with a comma, which must be
/// quoted too), and would quote our quotes again: a value it will quote is
/// left to it.
fn param(s: &str) -> String {
    let clean: String = s.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    if clean.contains([':', ';']) {
        clean
    } else {
        format!("\"{clean}\"")
    }
}

/// Folds every content line into pieces of at most 75 octets
/// (continuations start with a space), never splitting a UTF-8 character
/// (RFC 5545 §3.1). The crate folds too, but icalendar 0.17.5 writes a
/// last continuation of 76 octets when exactly 75 remain after a fold; its
/// output is unfolded (escaping leaves no line break inside a value) and
/// folded again here.
fn fold(calendar: &str) -> String {
    let mut out = String::with_capacity(calendar.len() + calendar.len() / 25);
    for line in calendar.replace("\r\n ", "").split_terminator("\r\n") {
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
    out
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
        let event = only_event(&ics);
        assert_eq!(event.get_uid(), Some("m1@example.com"));
        assert_eq!(event.get_sequence(), Some(1));
        assert_eq!(event.get_status(), Some(icalendar::EventStatus::Cancelled));
    }

    /// The calendar as a strict reader sees it (the crate's own parser).
    fn parsed(ics: &str) -> icalendar::Calendar {
        let unfolded = icalendar::parser::unfold(ics);
        icalendar::parser::read_calendar(&unfolded)
            .expect("a valid iCalendar object")
            .into()
    }

    fn only_event(ics: &str) -> icalendar::Event {
        let calendar = parsed(ics);
        let events: Vec<_> = calendar.events().cloned().collect();
        assert_eq!(events.len(), 1);
        events.into_iter().next().unwrap()
    }

    #[test]
    fn a_request_is_one_event_in_utc_with_its_organizer_and_attendee() {
        let ics = invite(false);
        let calendar = parsed(&ics);
        assert_eq!(calendar.property_value("METHOD"), Some("REQUEST"));
        assert_eq!(calendar.property_value("VERSION"), Some("2.0"));
        assert_eq!(
            calendar.property_value("PRODID"),
            Some("-//Switchboard//Meetings//EN")
        );
        let event = only_event(&ics);
        assert_eq!(event.get_uid(), Some("m1@example.com"));
        assert_eq!(event.get_sequence(), Some(0));
        assert_eq!(event.get_status(), Some(icalendar::EventStatus::Confirmed));
        assert_eq!(event.property_value("DTSTAMP"), Some("20261121T120000Z"));
        assert_eq!(event.property_value("DTSTART"), Some("20261123T080000Z"));
        assert_eq!(event.property_value("DTEND"), Some("20261123T083000Z"));
        assert_eq!(event.property_value("TRANSP"), Some("OPAQUE"));
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("DTEND:20261123T083000Z\r\n"));
        assert!(unfolded.contains("DTSTAMP:20261121T120000Z\r\n"));
        let attendee = unfolded
            .split("\r\n")
            .find(|l| l.starts_with("ATTENDEE"))
            .unwrap();
        assert!(attendee.contains(";CN=\"Zoé\""));
        assert!(attendee.contains(";ROLE=REQ-PARTICIPANT"));
        assert!(attendee.contains(";PARTSTAT=NEEDS-ACTION"));
        assert!(attendee.contains(";RSVP=FALSE"));
        assert!(attendee.ends_with(":mailto:zoe@example.com"));
    }

    fn with(summary: &str, organizer: &str, attendee: &str, url: Option<&str>) -> String {
        render(&Invite {
            uid: "m1@example.com",
            sequence: 3,
            cancel: false,
            start: "2026-11-23T08:00:00Z".parse().unwrap(),
            end: "2026-11-23T08:30:00Z".parse().unwrap(),
            stamp: "2026-11-21T12:00:00Z".parse().unwrap(),
            summary,
            description: "",
            location: "",
            url,
            organizer_name: organizer,
            organizer_email: "bookings@example.com",
            attendee_name: attendee,
            attendee_email: "zoe@example.com",
        })
    }

    #[test]
    fn no_line_is_longer_than_75_octets_whatever_the_length_and_characters() {
        // Every length around the fold points, in ASCII and in two-, three-
        // and four-octet characters (icalendar 0.17.5 alone writes 76 octets
        // for some of them).
        for unit in ["x", "é", "€", "🗓"] {
            for n in 40..=240 {
                let summary = unit.repeat(n / unit.len());
                let ics = with(&summary, "Ana", "Zoé", None);
                for line in ics.split("\r\n") {
                    assert!(line.len() <= 75, "{n} × {unit}: {line:?}");
                }
                assert!(ics
                    .replace("\r\n ", "")
                    .contains(&format!("\r\nSUMMARY:{summary}\r\n")));
            }
        }
    }

    #[test]
    fn names_with_commas_colons_or_quotes_stay_one_quoted_parameter() {
        let ics = with(
            "Mortgage",
            "Doe, Jane: Sales; EMEA \"x\"",
            "Smith, Bob",
            None,
        );
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded
            .contains("ORGANIZER;CN=\"Doe, Jane: Sales; EMEA x\":mailto:bookings@example.com\r\n"));
        assert!(unfolded.contains("ATTENDEE;CN=\"Smith, Bob\";"));
        assert_eq!(only_event(&ics).get_summary(), Some("Mortgage"));
    }

    #[test]
    fn a_page_booking_names_no_attendee_and_control_characters_are_dropped() {
        let ics = with(
            "Mort\rgage\u{7}",
            "Ana",
            "",
            Some("https://meet.example/m1\r\nX-INJECTED:1"),
        );
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("\r\nATTENDEE;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:zoe@example.com\r\n"));
        assert!(unfolded.contains("\r\nSUMMARY:Mortgage\r\n"));
        assert!(unfolded.contains("\r\nURL:https://meet.example/m1X-INJECTED:1\r\n"));
        assert!(!unfolded.contains("\r\nX-INJECTED"));
        assert!(!unfolded.contains("DESCRIPTION") && !unfolded.contains("LOCATION"));
        assert_eq!(only_event(&ics).get_sequence(), Some(3));
    }
}
