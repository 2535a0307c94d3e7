//! What booking, confirming, moving and cancelling a meeting decide.
//!
//! The store reads the facts (the records a booking names, the advisors
//! who could take it and their calendars around that day), asks these
//! functions what to do, and writes the answer in the transaction that read
//! the facts. The rules live here so that they read in one place and are
//! tested without a database; the store only reads and writes.

use jiff::{SignedDuration, Timestamp};

use super::{BookingDraft, MeetingType};
use crate::scheduling::{self, AdvisorAvailability};
use crate::{language, time, FieldError, Invalid};

/// Why a change to a meeting is refused: the meeting's state or the
/// advisors' calendars forbid it (a conflict, 409), or a field is wrong
/// (422).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Invalid(#[from] Invalid),
}

impl Refused {
    fn conflict(why: impl Into<String>) -> Self {
        Refused::Conflict(why.into())
    }
}

/// Whether a confirmation or a cancellation has anything to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Write the change.
    Proceed,
    /// Already done (a second click on the same link): answer the meeting
    /// as it is, write nothing.
    Unchanged,
}

// ------------------------------------------------------------------ booking

/// What the store found of the records a booking names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found<'a> {
    pub contact: bool,
    /// The topic's meeting types; `None` when no topic has the id.
    pub topic_meeting_types: Option<&'a [MeetingType]>,
    /// Whether the branch named exists (ignored when the booking names none).
    pub branch: bool,
}

/// Checks a booking against the records it names and the clock, reporting
/// every broken rule at once: unknown contact, topic or branch, a meeting
/// type the topic is not offered as, a start that is not in the future.
pub fn validate(d: &BookingDraft, found: Found<'_>, now: Timestamp) -> Result<(), Invalid> {
    let mut errors = Vec::new();
    if !found.contact {
        errors.push(FieldError::new(
            "contact_id",
            "unknown",
            "no contact has this id",
        ));
    }
    if found.topic_meeting_types.is_none() {
        errors.push(FieldError::new(
            "topic_id",
            "unknown",
            "no topic has this id",
        ));
    }
    if d.branch_id.is_some() && !found.branch {
        errors.push(FieldError::new(
            "branch_id",
            "unknown",
            "no branch has this id",
        ));
    }
    if let Some(types) = found.topic_meeting_types {
        if !types.contains(&d.meeting_type) {
            errors.push(FieldError::new(
                "meeting_type",
                "not_offered",
                format!("the topic is not offered as {}", d.meeting_type.as_str()),
            ));
        }
    }
    if d.start <= now {
        errors.push(FieldError::new("start", "past", "must be in the future"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid(errors))
    }
}

/// When a meeting starting at `start` ends: real elapsed time, whatever the
/// local clock does in between.
pub fn meeting_end(start: Timestamp, duration: SignedDuration) -> Result<Timestamp, Invalid> {
    start
        .checked_add(duration)
        .map_err(|_| Invalid::one("start", "invalid", "is out of range"))
}

/// Whether an active, bookable advisor can take a topic: they receive at
/// the branch when the booking names one, and have every skill the topic
/// needs.
pub fn advisor_fits(
    advisor_branch_ids: &[String],
    advisor_skills: &[String],
    topic_skills: &[String],
    branch_id: Option<&str>,
) -> bool {
    branch_id.is_none_or(|b| advisor_branch_ids.iter().any(|x| x == b))
        && topic_skills.iter().all(|s| advisor_skills.contains(s))
}

/// Every advisor the booking asks for must be one of those who fit; each
/// one who is not is reported by their place in the request.
pub fn check_asked_for(asked_for: &[String], fitting: &[&str]) -> Result<(), Invalid> {
    let errors: Vec<_> = asked_for
        .iter()
        .enumerate()
        .filter(|(_, id)| !fitting.contains(&id.as_str()))
        .map(|(n, _)| {
            FieldError::new(
                format!("advisor_ids[{n}]"),
                "unsuitable",
                "is not a bookable advisor with the topic's skills at this branch",
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid(errors))
    }
}

/// The part of the advisors' calendars a booking or a move reads: the
/// meeting and a day either side. "Least busy" counts meetings over this
/// window, so it spreads the work of that day.
pub fn calendar_window(start: Timestamp, end: Timestamp) -> (Timestamp, Timestamp) {
    let day = SignedDuration::from_hours(24);
    (
        start.checked_sub(day).unwrap_or(start),
        end.checked_add(day).unwrap_or(end),
    )
}

/// Who takes the meeting, from the fitting candidates and their calendars
/// over [`calendar_window`].
///
/// Advisors asked for by the booking all take it, so each must be free.
/// Otherwise the least busy free advisor takes it (fewest meetings in the
/// window, then the smallest id), to spread the work.
pub fn choose_advisors(
    candidates: &[AdvisorAvailability],
    asked_for: bool,
    start: Timestamp,
    duration: SignedDuration,
) -> Result<Vec<String>, Refused> {
    let free = |a: &&AdvisorAvailability| scheduling::is_free(a, start, duration);
    let chosen: Vec<String> = if asked_for {
        if !candidates.iter().all(|a| free(&a)) {
            return Err(Refused::conflict(
                "an advisor asked for is not free at this time",
            ));
        }
        candidates.iter().map(|a| a.advisor_id.clone()).collect()
    } else {
        candidates
            .iter()
            .filter(free)
            .min_by_key(|a| (a.busy.len(), &a.advisor_id))
            .map(|a| a.advisor_id.clone())
            .into_iter()
            .collect()
    };
    if chosen.is_empty() {
        return Err(Refused::conflict(
            "no advisor is free at this time; choose another slot",
        ));
    }
    Ok(chosen)
}

/// A moved meeting keeps its advisors (the calendars given, read over
/// [`calendar_window`] without the meeting itself), so each must be free
/// for the whole new `[start, end)`.
pub fn check_free_to_move(
    calendars: &[AdvisorAvailability],
    start: Timestamp,
    end: Timestamp,
) -> Result<(), Refused> {
    let duration = start.duration_until(end);
    if calendars
        .iter()
        .all(|a| scheduling::is_free(a, start, duration))
    {
        Ok(())
    } else {
        Err(Refused::conflict(
            "the meeting's advisor is not free at that time",
        ))
    }
}

/// The time zone the customer's messages are written in: the booking's,
/// else the contact's, else the branch's, else UTC.
pub fn meeting_time_zone(
    requested: Option<&str>,
    contact: Option<&str>,
    branch: Option<&str>,
) -> String {
    requested.or(contact).or(branch).unwrap_or("UTC").to_owned()
}

/// The language the customer's messages are written in: the booking's,
/// else the contact's locale, reduced to a shipped language (English when
/// neither names one).
pub fn meeting_language(requested: Option<&str>, contact_locale: Option<&str>) -> &'static str {
    language::language(requested.or(contact_locale), language::DEFAULT)
}

/// An online meeting's link: the configured template with
/// `{meeting_id}` replaced. Other meetings have none.
pub fn join_url(meeting_type: MeetingType, template: &str, meeting_id: &str) -> Option<String> {
    (meeting_type == MeetingType::Online).then(|| template.replace("{meeting_id}", meeting_id))
}

/// A booking from the public page waits (`pending`) for the owner of the
/// address to confirm it; any other is `scheduled` at once.
pub fn initial_state(held: bool) -> &'static str {
    if held {
        "pending"
    } else {
        "scheduled"
    }
}

// -------------------------------------------------------- after the booking

/// A held booking is confirmed once; one whose hold ran out is gone.
pub fn confirm(state: &str) -> Result<Next, Refused> {
    match state {
        "pending" => Ok(Next::Proceed),
        "expired" => Err(Refused::conflict(
            "this request was not confirmed in time and the time was released; book again",
        )),
        _ => Ok(Next::Unchanged),
    }
}

/// Who cancels, which decides whether the customer is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelPath {
    /// CancelMeeting: the customer (API on their behalf, or the cancel
    /// page). Sends a cancellation notice.
    Customer,
    /// A representative. Sends nothing, as in the reference product.
    Staff,
}

impl CancelPath {
    /// As stored (`cancel_path`) and said on the timeline.
    pub fn as_str(self) -> &'static str {
        match self {
            CancelPath::Customer => "customer",
            CancelPath::Staff => "staff",
        }
    }

    /// Whether the customer gets a cancellation notice.
    pub fn notifies_customer(self) -> bool {
        self == CancelPath::Customer
    }
}

/// A meeting can be cancelled until it starts; cancelling it again changes
/// nothing.
pub fn cancel(state: &str, starts_at: &str, now: Timestamp) -> Result<Next, Refused> {
    if state == "cancelled" {
        return Ok(Next::Unchanged);
    }
    if time::parse(starts_at).is_some_and(|s| s <= now) {
        return Err(Refused::conflict(
            "the meeting has already started and can no longer be cancelled",
        ));
    }
    Ok(Next::Proceed)
}

/// A scheduled meeting moves to a future start and keeps its length; the
/// answer is its new end.
pub fn move_end(
    state: &str,
    (starts_at, ends_at): (&str, &str),
    start: Timestamp,
    now: Timestamp,
) -> Result<Timestamp, Refused> {
    if state != "scheduled" {
        return Err(Refused::conflict(format!("the meeting is {state}")));
    }
    if start <= now {
        return Err(Invalid::one("start", "past", "must be in the future").into());
    }
    let (old_start, old_end) = (
        time::parse(starts_at).unwrap_or(now),
        time::parse(ends_at).unwrap_or(now),
    );
    Ok(meeting_end(start, old_start.duration_until(old_end))?)
}

// ----------------------------------------------------------------- no-show

/// Marking a meeting as a no-show (the customer did not come): only a
/// scheduled meeting (not cancelled, not a page booking still waiting for
/// its address or expired), once it has started, and once. Refusals: a
/// meeting in another state or already marked is a conflict (409, as for
/// moving a cancelled meeting); a meeting that has not started is a 422
/// naming its `start` (nothing is wrong with the meeting; it is too early).
pub fn mark_no_show(
    state: &str,
    starts_at: &str,
    no_show_at: Option<&str>,
    now: Timestamp,
) -> Result<(), Refused> {
    if state != "scheduled" {
        return Err(Refused::conflict(format!(
            "the meeting is {state}; only a scheduled meeting can be a no-show"
        )));
    }
    if no_show_at.is_some() {
        return Err(Refused::conflict(
            "the meeting is already marked as a no-show",
        ));
    }
    if time::parse(starts_at).is_none_or(|s| s > now) {
        return Err(Invalid::one(
            "start",
            "not_started",
            format!("the meeting has not started yet (it starts at {starts_at})"),
        )
        .into());
    }
    Ok(())
}

/// Undoing a mark made by mistake: the meeting must be marked.
pub fn undo_no_show(no_show_at: Option<&str>) -> Result<(), Refused> {
    match no_show_at {
        Some(_) => Ok(()),
        None => Err(Refused::conflict("the meeting is not marked as a no-show")),
    }
}

/// A meeting marked as a no-show keeps its time: moving it would erase
/// what happened (and the reports' count at its start). A new meeting is
/// booked instead.
pub fn movable(no_show_at: Option<&str>) -> Result<(), Refused> {
    match no_show_at {
        None => Ok(()),
        Some(_) => Err(Refused::conflict(
            "the customer did not come to this meeting (no-show); book a new one",
        )),
    }
}

// ----------------------------------------------------------- timeline text

/// A timeline entry about a meeting. In English: the timeline is read by
/// staff, not by the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub subject: String,
    pub body: String,
}

/// What a booking puts on the contact's timeline.
pub struct BookingEntry<'a> {
    pub topic: &'a str,
    pub meeting_type: MeetingType,
    /// The branch's name, for in-person meetings.
    pub branch: Option<&'a str>,
    pub start: Timestamp,
    pub end: Timestamp,
    pub customer_notes: &'a str,
    /// Booked on the public page, waiting for the customer's confirmation.
    pub held: bool,
}

pub fn booked_entry(b: &BookingEntry<'_>) -> Entry {
    let subject = if b.held {
        format!(
            "Meeting requested on the booking page (awaiting the customer's confirmation): {}",
            b.topic
        )
    } else {
        format!("Meeting booked: {}", b.topic)
    };
    let notes = if b.customer_notes.is_empty() {
        String::new()
    } else {
        format!("\nCustomer notes: {}", b.customer_notes)
    };
    Entry {
        subject,
        body: format!(
            "{} {}, {} to {}{notes}",
            b.meeting_type.as_str(),
            b.branch.unwrap_or(""),
            time::format(b.start),
            time::format(b.end),
        ),
    }
}

/// What confirming a held booking puts on the timeline; `starts_at` as
/// stored.
pub fn confirmed_entry(topic: &str, starts_at: &str) -> Entry {
    Entry {
        subject: format!("Meeting booked: {topic}"),
        body: format!("Confirmed by the owner of the email address; it starts at {starts_at}"),
    }
}

/// What a cancellation puts on the timeline; `starts_at` as stored.
pub fn cancelled_entry(topic: &str, path: CancelPath, by: &str, starts_at: &str) -> Entry {
    Entry {
        subject: format!("Meeting cancelled: {topic}"),
        body: format!(
            "Cancelled by the {} ({by}); it was to start at {starts_at}",
            path.as_str()
        ),
    }
}

/// What marking a no-show puts on the timeline; `starts_at` as stored.
pub fn no_show_entry(topic: &str, by: &str, starts_at: &str) -> Entry {
    Entry {
        subject: format!("Meeting no-show: {topic}"),
        body: format!(
            "The customer did not come to the meeting that started at {starts_at}; marked by {by}"
        ),
    }
}

/// What undoing a no-show puts on the timeline.
pub fn no_show_undone_entry(topic: &str, by: &str, starts_at: &str) -> Entry {
    Entry {
        subject: format!("Meeting no-show undone: {topic}"),
        body: format!(
            "The meeting that started at {starts_at} is no longer marked as a no-show; undone by {by}"
        ),
    }
}

/// What a move puts on the timeline; `from` as stored.
pub fn moved_entry(from: &str, to: Timestamp) -> Entry {
    Entry {
        subject: "Meeting moved".into(),
        body: format!("From {from} to {}", time::format(to)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduling::{parse_hours, Interval, RangeSpec};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn draft() -> BookingDraft {
        BookingDraft {
            contact_id: "c1".into(),
            topic_id: "t1".into(),
            meeting_type: MeetingType::InPerson,
            start: ts("2026-11-23T09:00:00Z"),
            branch_id: Some("b1".into()),
            advisor_ids: vec![],
            customer_notes: String::new(),
            time_zone: None,
            language: None,
        }
    }

    const NOW: &str = "2026-11-20T12:00:00Z";
    const OFFERED: &[MeetingType] = &[MeetingType::InPerson, MeetingType::Phone];

    fn all_found() -> Found<'static> {
        Found {
            contact: true,
            topic_meeting_types: Some(OFFERED),
            branch: true,
        }
    }

    fn errors(e: Invalid) -> Vec<(String, String, String)> {
        e.0.into_iter()
            .map(|f| (f.field, f.code, f.message))
            .collect()
    }

    fn error(field: &str, code: &str, message: &str) -> (String, String, String) {
        (field.into(), code.into(), message.into())
    }

    #[test]
    fn a_booking_naming_existing_records_in_the_future_is_valid() {
        assert_eq!(validate(&draft(), all_found(), ts(NOW)), Ok(()));
        // No branch named: whether one was found does not matter.
        let phone = BookingDraft {
            meeting_type: MeetingType::Phone,
            branch_id: None,
            ..draft()
        };
        let found = Found {
            branch: false,
            ..all_found()
        };
        assert_eq!(validate(&phone, found, ts(NOW)), Ok(()));
    }

    #[test]
    fn each_unknown_record_is_reported_with_its_field() {
        let found = Found {
            contact: false,
            topic_meeting_types: None,
            branch: false,
        };
        assert_eq!(
            errors(validate(&draft(), found, ts(NOW)).unwrap_err()),
            vec![
                error("contact_id", "unknown", "no contact has this id"),
                error("topic_id", "unknown", "no topic has this id"),
                error("branch_id", "unknown", "no branch has this id"),
            ]
        );
    }

    #[test]
    fn a_meeting_type_the_topic_does_not_offer_is_refused() {
        let online = BookingDraft {
            meeting_type: MeetingType::Online,
            branch_id: None,
            ..draft()
        };
        assert_eq!(
            errors(validate(&online, all_found(), ts(NOW)).unwrap_err()),
            vec![error(
                "meeting_type",
                "not_offered",
                "the topic is not offered as online"
            )]
        );
    }

    #[test]
    fn a_start_now_or_before_is_past_and_reported_with_the_rest() {
        let d = draft();
        assert_eq!(
            errors(validate(&d, all_found(), d.start).unwrap_err()),
            vec![error("start", "past", "must be in the future")]
        );
        let found = Found {
            contact: false,
            ..all_found()
        };
        let later = ts("2026-12-01T00:00:00Z");
        assert_eq!(
            errors(validate(&d, found, later).unwrap_err()),
            vec![
                error("contact_id", "unknown", "no contact has this id"),
                error("start", "past", "must be in the future"),
            ]
        );
    }

    #[test]
    fn a_meeting_ending_beyond_the_representable_is_out_of_range() {
        let start = ts("2026-11-23T09:00:00Z");
        assert_eq!(
            meeting_end(start, SignedDuration::from_mins(30)),
            Ok(ts("2026-11-23T09:30:00Z"))
        );
        assert_eq!(
            errors(meeting_end(Timestamp::MAX, SignedDuration::from_mins(30)).unwrap_err()),
            vec![error("start", "invalid", "is out of range")]
        );
    }

    #[test]
    fn an_advisor_fits_with_the_branch_and_every_skill() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let (branches, skills) = (s(&["b1", "b2"]), s(&["loans", "fr"]));
        assert!(advisor_fits(&branches, &skills, &s(&["fr"]), Some("b2")));
        assert!(advisor_fits(&branches, &skills, &[], None));
        assert!(advisor_fits(&[], &[], &[], None));
        assert!(!advisor_fits(&branches, &skills, &[], Some("b3")));
        assert!(!advisor_fits(&branches, &skills, &s(&["fr", "es"]), None));
    }

    #[test]
    fn advisors_asked_for_must_fit_each_named_by_position() {
        let asked = vec!["a1".to_string(), "a2".into(), "a3".into()];
        assert_eq!(check_asked_for(&asked, &["a1", "a2", "a3", "a4"]), Ok(()));
        assert_eq!(check_asked_for(&[], &[]), Ok(()));
        let message = "is not a bookable advisor with the topic's skills at this branch";
        assert_eq!(
            errors(check_asked_for(&asked, &["a2"]).unwrap_err()),
            vec![
                error("advisor_ids[0]", "unsuitable", message),
                error("advisor_ids[2]", "unsuitable", message),
            ]
        );
    }

    #[test]
    fn the_calendar_window_is_a_day_either_side() {
        let (start, end) = (ts("2026-11-23T09:00:00Z"), ts("2026-11-23T09:30:00Z"));
        assert_eq!(
            calendar_window(start, end),
            (ts("2026-11-22T09:00:00Z"), ts("2026-11-24T09:30:00Z"))
        );
        // At the edges of time the window stops at the meeting.
        assert_eq!(
            calendar_window(Timestamp::MIN, Timestamp::MAX),
            (Timestamp::MIN, Timestamp::MAX)
        );
    }

    /// Works Monday 09:00–17:00 UTC, with meetings at the given hours on
    /// Monday 23 November 2026.
    fn advisor(id: &str, busy_hours: &[i8]) -> AdvisorAvailability {
        let hours = parse_hours(
            "UTC",
            &[RangeSpec {
                day: "monday".into(),
                from: "09:00".into(),
                to: "17:00".into(),
            }],
        )
        .unwrap();
        let at = |h: i8| ts(&format!("2026-11-23T{h:02}:00:00Z"));
        AdvisorAvailability {
            advisor_id: id.into(),
            hours,
            time_off: vec![],
            busy: busy_hours
                .iter()
                .map(|&h| Interval {
                    start: at(h),
                    end: at(h + 1),
                })
                .collect(),
        }
    }

    const HALF_HOUR: SignedDuration = SignedDuration::from_mins(30);

    fn nine() -> Timestamp {
        ts("2026-11-23T09:00:00Z")
    }

    #[test]
    fn the_least_busy_free_advisor_takes_the_meeting() {
        let candidates = [
            advisor("a1", &[11, 12, 13]),
            advisor("a2", &[11]),
            advisor("a3", &[13, 14]),
        ];
        assert_eq!(
            choose_advisors(&candidates, false, nine(), HALF_HOUR),
            Ok(vec!["a2".to_string()])
        );
    }

    #[test]
    fn a_busy_advisor_is_not_chosen_however_idle_the_rest_of_the_day() {
        let candidates = [advisor("a1", &[9]), advisor("a2", &[11, 12, 13])];
        assert_eq!(
            choose_advisors(&candidates, false, nine(), HALF_HOUR),
            Ok(vec!["a2".to_string()])
        );
    }

    #[test]
    fn ties_go_to_the_smallest_id_whatever_the_order_read() {
        let candidates = [
            advisor("a3", &[11]),
            advisor("a1", &[12]),
            advisor("a2", &[13]),
        ];
        assert_eq!(
            choose_advisors(&candidates, false, nine(), HALF_HOUR),
            Ok(vec!["a1".to_string()])
        );
    }

    #[test]
    fn nobody_free_is_a_conflict() {
        let candidates = [advisor("a1", &[9]), advisor("a2", &[9])];
        let none = Err(Refused::Conflict(
            "no advisor is free at this time; choose another slot".into(),
        ));
        assert_eq!(choose_advisors(&candidates, false, nine(), HALF_HOUR), none);
        assert_eq!(choose_advisors(&[], false, nine(), HALF_HOUR), none);
        // Outside working hours nobody is free either.
        let night = ts("2026-11-23T20:00:00Z");
        assert_eq!(
            choose_advisors(&[advisor("a1", &[])], false, night, HALF_HOUR),
            none
        );
    }

    #[test]
    fn advisors_asked_for_all_take_it_and_must_all_be_free() {
        let candidates = [advisor("a2", &[11, 12]), advisor("a1", &[])];
        assert_eq!(
            choose_advisors(&candidates, true, nine(), HALF_HOUR),
            Ok(vec!["a2".to_string(), "a1".into()])
        );
        let one_busy = [advisor("a1", &[]), advisor("a2", &[9])];
        assert_eq!(
            choose_advisors(&one_busy, true, nine(), HALF_HOUR),
            Err(Refused::Conflict(
                "an advisor asked for is not free at this time".into()
            ))
        );
    }

    #[test]
    fn a_move_needs_every_advisor_of_the_meeting_free_at_the_new_time() {
        let end = nine().checked_add(HALF_HOUR).unwrap();
        let free = [advisor("a1", &[11]), advisor("a2", &[])];
        assert_eq!(check_free_to_move(&free, nine(), end), Ok(()));
        let one_busy = [advisor("a1", &[]), advisor("a2", &[9])];
        assert_eq!(
            check_free_to_move(&one_busy, nine(), end),
            Err(Refused::Conflict(
                "the meeting's advisor is not free at that time".into()
            ))
        );
    }

    #[test]
    fn the_time_zone_is_the_bookings_then_the_contacts_then_the_branchs() {
        let (req, contact, branch) = (
            Some("Europe/Paris"),
            Some("America/Toronto"),
            Some("Europe/Madrid"),
        );
        assert_eq!(meeting_time_zone(req, contact, branch), "Europe/Paris");
        assert_eq!(meeting_time_zone(None, contact, branch), "America/Toronto");
        assert_eq!(meeting_time_zone(None, None, branch), "Europe/Madrid");
        assert_eq!(meeting_time_zone(None, None, None), "UTC");
    }

    #[test]
    fn the_language_is_the_bookings_then_the_contacts_reduced_to_a_shipped_one() {
        assert_eq!(meeting_language(Some("es-MX"), Some("fr-CA")), "es");
        assert_eq!(meeting_language(None, Some("fr-CA")), "fr");
        // The booking's language wins even when nothing ships in it.
        assert_eq!(meeting_language(Some("de"), Some("fr")), "en");
        assert_eq!(meeting_language(None, None), "en");
    }

    #[test]
    fn only_online_meetings_have_a_link() {
        let template = "https://meet.example/{meeting_id}";
        assert_eq!(
            join_url(MeetingType::Online, template, "m1").as_deref(),
            Some("https://meet.example/m1")
        );
        assert_eq!(join_url(MeetingType::Phone, template, "m1"), None);
        assert_eq!(join_url(MeetingType::InPerson, template, "m1"), None);
        assert_eq!(
            (initial_state(true), initial_state(false)),
            ("pending", "scheduled")
        );
    }

    #[test]
    fn a_hold_is_confirmed_once_and_not_after_it_expired() {
        assert_eq!(confirm("pending"), Ok(Next::Proceed));
        assert_eq!(confirm("scheduled"), Ok(Next::Unchanged));
        assert_eq!(confirm("cancelled"), Ok(Next::Unchanged));
        assert_eq!(
            confirm("expired"),
            Err(Refused::Conflict(
                "this request was not confirmed in time and the time was released; book again"
                    .into()
            ))
        );
    }

    #[test]
    fn a_meeting_is_cancelled_until_it_starts_and_once() {
        let now = ts(NOW);
        let future = "2026-11-23T09:00:00.000000Z";
        assert_eq!(cancel("scheduled", future, now), Ok(Next::Proceed));
        assert_eq!(cancel("pending", future, now), Ok(Next::Proceed));
        assert_eq!(cancel("cancelled", future, now), Ok(Next::Unchanged));
        let started = Err(Refused::Conflict(
            "the meeting has already started and can no longer be cancelled".into(),
        ));
        assert_eq!(cancel("scheduled", NOW, now), started);
        assert_eq!(cancel("scheduled", "2026-11-01T09:00:00Z", now), started);
        // Already cancelled stays a quiet no-op after the start too.
        assert_eq!(cancel("cancelled", NOW, now), Ok(Next::Unchanged));
        assert_eq!(CancelPath::Customer.as_str(), "customer");
        assert!(CancelPath::Customer.notifies_customer());
        assert!(!CancelPath::Staff.notifies_customer());
    }

    #[test]
    fn a_move_keeps_the_length_and_needs_a_scheduled_meeting_and_a_future_start() {
        let now = ts(NOW);
        let old = ("2026-11-23T09:00:00.000000Z", "2026-11-23T09:45:00.000000Z");
        let start = ts("2026-11-24T14:00:00Z");
        assert_eq!(
            move_end("scheduled", old, start, now),
            Ok(ts("2026-11-24T14:45:00Z"))
        );
        assert_eq!(
            move_end("cancelled", old, start, now),
            Err(Refused::Conflict("the meeting is cancelled".into()))
        );
        assert_eq!(
            move_end("pending", old, start, now),
            Err(Refused::Conflict("the meeting is pending".into()))
        );
        assert_eq!(
            move_end("scheduled", old, now, now),
            Err(Invalid::one("start", "past", "must be in the future").into())
        );
        assert_eq!(
            move_end("scheduled", old, Timestamp::MAX, now),
            Err(Invalid::one("start", "invalid", "is out of range").into())
        );
    }

    #[test]
    fn a_booking_on_the_timeline_says_what_where_and_when() {
        let b = BookingEntry {
            topic: "Mortgage",
            meeting_type: MeetingType::InPerson,
            branch: Some("Paris Rivoli"),
            start: ts("2026-11-23T09:00:00Z"),
            end: ts("2026-11-23T09:30:00Z"),
            customer_notes: "",
            held: false,
        };
        assert_eq!(
            booked_entry(&b),
            Entry {
                subject: "Meeting booked: Mortgage".into(),
                body: "in_person Paris Rivoli, 2026-11-23T09:00:00.000000Z to 2026-11-23T09:30:00.000000Z".into(),
            }
        );
        let held = BookingEntry {
            meeting_type: MeetingType::Online,
            branch: None,
            customer_notes: "About the rate",
            held: true,
            ..b
        };
        assert_eq!(
            booked_entry(&held),
            Entry {
                subject: "Meeting requested on the booking page (awaiting the customer's confirmation): Mortgage".into(),
                body: "online , 2026-11-23T09:00:00.000000Z to 2026-11-23T09:30:00.000000Z\nCustomer notes: About the rate".into(),
            }
        );
    }

    #[test]
    fn confirmations_cancellations_and_moves_on_the_timeline() {
        let starts = "2026-11-23T09:00:00.000000Z";
        assert_eq!(
            confirmed_entry("Mortgage", starts),
            Entry {
                subject: "Meeting booked: Mortgage".into(),
                body: format!("Confirmed by the owner of the email address; it starts at {starts}"),
            }
        );
        assert_eq!(
            cancelled_entry("Mortgage", CancelPath::Staff, "Ana", starts),
            Entry {
                subject: "Meeting cancelled: Mortgage".into(),
                body: format!("Cancelled by the staff (Ana); it was to start at {starts}"),
            }
        );
        assert_eq!(
            cancelled_entry("Mortgage", CancelPath::Customer, "Zoé", starts).body,
            format!("Cancelled by the customer (Zoé); it was to start at {starts}")
        );
        assert_eq!(
            moved_entry(starts, ts("2026-11-24T14:00:00Z")),
            Entry {
                subject: "Meeting moved".into(),
                body: format!("From {starts} to 2026-11-24T14:00:00.000000Z"),
            }
        );
    }

    #[test]
    fn a_started_scheduled_meeting_can_be_marked_once_as_a_no_show() {
        let start = "2026-11-20T11:30:00Z";
        assert_eq!(mark_no_show("scheduled", start, None, ts(NOW)), Ok(()));
        // At its very start the customer may already be late.
        assert_eq!(mark_no_show("scheduled", NOW, None, ts(NOW)), Ok(()));
        assert_eq!(
            mark_no_show("scheduled", start, Some(NOW), ts(NOW)),
            Err(Refused::conflict(
                "the meeting is already marked as a no-show"
            ))
        );
        for state in ["cancelled", "pending", "expired"] {
            assert!(matches!(
                mark_no_show(state, start, None, ts(NOW)),
                Err(Refused::Conflict(m)) if m.contains(state)
            ));
        }
        let Err(Refused::Invalid(e)) =
            mark_no_show("scheduled", "2026-11-20T12:00:01Z", None, ts(NOW))
        else {
            panic!("a meeting that has not started is refused");
        };
        assert_eq!(
            errors(e),
            vec![error(
                "start",
                "not_started",
                "the meeting has not started yet (it starts at 2026-11-20T12:00:01Z)"
            )]
        );
        assert_eq!(undo_no_show(Some(NOW)), Ok(()));
        assert_eq!(
            undo_no_show(None),
            Err(Refused::conflict("the meeting is not marked as a no-show"))
        );
        assert_eq!(movable(None), Ok(()));
        assert!(movable(Some(NOW)).is_err());
    }
}
