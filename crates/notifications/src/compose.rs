//! Turning an outbox row into the message it stands for: the meeting as it
//! is now, the template in force, the customer's language and time zone.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use jiff::Timestamp;
use switchboard_core::communications::ics::{self, Invite};
use switchboard_core::communications::templates::{
    local_date_time, meeting_type_label, Rendered, Template,
};
use switchboard_core::time;
use switchboard_store::contacts::Contact;
use switchboard_store::scheduling::{Branch, Meeting, MeetingAdvisor, Topic};
use switchboard_store::{Db, StoreError};

/// Everything a message about a meeting may mention.
#[derive(Debug, Clone)]
pub struct MeetingContext {
    pub meeting: Meeting,
    pub contact: Contact,
    pub topic: Topic,
    pub branch: Option<Branch>,
    pub advisors: Vec<MeetingAdvisor>,
}

impl MeetingContext {
    pub async fn load(db: &Db, meeting_id: &str) -> Result<Self, StoreError> {
        let meeting = db.meeting(meeting_id).await?;
        let contact = db.contact(&meeting.contact_id).await?;
        let topic = db.topic(&meeting.topic_id).await?;
        let branch = match &meeting.branch_id {
            Some(b) => Some(db.branch(b).await?),
            None => None,
        };
        let advisors = db.meeting_advisors(meeting_id).await?;
        Ok(Self {
            meeting,
            contact,
            topic,
            branch,
            advisors,
        })
    }

    pub fn start(&self) -> Timestamp {
        time::parse(&self.meeting.starts_at).unwrap_or_default()
    }

    pub fn end(&self) -> Timestamp {
        time::parse(&self.meeting.ends_at).unwrap_or_default()
    }

    fn time_zone(&self) -> TimeZone {
        TimeZone::get(&self.meeting.time_zone).unwrap_or(TimeZone::UTC)
    }

    pub fn advisor_names(&self) -> String {
        self.advisors
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The customer's name as messages may say it: none for a meeting
    /// booked on the public page, whose name was typed by whoever booked
    /// (the greeting line is then left out, and the email goes to the
    /// bare address). Staff-entered names are used as they are.
    pub fn customer_name(&self) -> String {
        if self.meeting.booked_via == "page" {
            String::new()
        } else {
            self.contact.display_name()
        }
    }

    /// Where: the branch's name and address, the join link, or "by phone".
    pub fn location(&self) -> String {
        match (&self.branch, &self.meeting.join_url) {
            (Some(b), _) => format!("{}, {}", b.name, b.address.replace('\n', ", ")),
            (None, Some(url)) => url.clone(),
            (None, None) => {
                meeting_type_label(&self.meeting.meeting_type, &self.meeting.language).to_owned()
            }
        }
    }

    /// The template variables, in the customer's language and zone.
    pub fn variables(&self, cancel_url: &str) -> BTreeMap<&'static str, String> {
        let lang = self.meeting.language.as_str();
        let (date, clock) = local_date_time(self.start(), &self.time_zone(), lang);
        let (topic, _, instructions) = self.topic.localized(lang);
        BTreeMap::from([
            ("customer_name", self.customer_name()),
            ("advisor_name", self.advisor_names()),
            ("topic", topic.to_owned()),
            ("date", date),
            ("time", clock),
            ("time_zone", self.meeting.time_zone.clone()),
            (
                "meeting_type",
                meeting_type_label(&self.meeting.meeting_type, lang).to_owned(),
            ),
            ("location", self.location()),
            (
                "join_url",
                self.meeting.join_url.clone().unwrap_or_default(),
            ),
            ("instructions", instructions.to_owned()),
            // Notes typed on the public page go nowhere but the meeting:
            // whoever booked chose the address, so their free text must
            // not travel in the organization's name to someone else.
            (
                "customer_notes",
                if self.meeting.booked_via == "page" {
                    String::new()
                } else {
                    self.meeting.customer_notes.clone()
                },
            ),
            ("cancel_url", cancel_url.to_owned()),
        ])
    }

    pub fn render(&self, template: &Template, cancel_url: &str) -> Rendered {
        template.render(&self.variables(cancel_url))
    }

    /// The invite: REQUEST while scheduled, CANCEL once cancelled, with the
    /// meeting's current SEQUENCE and a UID stable for its whole life.
    pub fn invite(
        &self,
        host: &str,
        organizer: (&str, &str),
        sequence: i64,
        cancel: bool,
        now: Timestamp,
    ) -> String {
        self.calendar(host, organizer, sequence, cancel, now, ics::render)
    }

    /// The same event as a file for "add to calendar" (no iTIP method).
    pub fn calendar_file(&self, host: &str, organizer: (&str, &str), now: Timestamp) -> String {
        let cancel = self.meeting.state == "cancelled";
        self.calendar(
            host,
            organizer,
            self.meeting.sequence,
            cancel,
            now,
            ics::render_file,
        )
    }

    fn calendar(
        &self,
        host: &str,
        organizer: (&str, &str),
        sequence: i64,
        cancel: bool,
        now: Timestamp,
        write: fn(&Invite) -> String,
    ) -> String {
        let uid = format!("{}@{host}", self.meeting.id);
        let (summary, description, instructions) = self.topic.localized(&self.meeting.language);
        let description = [description, instructions]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        let location = self.location();
        let attendee = self.contact.email.clone().unwrap_or_default();
        let name = self.customer_name();
        write(&Invite {
            uid: &uid,
            sequence,
            cancel,
            start: self.start(),
            end: self.end(),
            stamp: now,
            summary,
            description: &description,
            location: &location,
            url: self.meeting.join_url.as_deref(),
            organizer_name: organizer.0,
            organizer_email: organizer.1,
            attendee_name: &name,
            attendee_email: &attendee,
        })
    }
}
