//! Meetings as a service: booking (idempotent, race-safe), reading,
//! moving, confirming and cancelling, and the search for free slots. The
//! rules are the core's (`core::booking`, `core::scheduling`); the store
//! writes each change and its messages in one transaction; this service
//! wakes its outbox worker when messages were queued. The API, the public
//! booking page and the cancel page all go through it.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use switchboard_core::booking::{BookingDraft, MeetingType, MAX_WINDOW_DAYS};
use switchboard_core::cursor::Cursor;
use switchboard_core::scheduling::{free_slots, SlotQuery};
use switchboard_core::validation::Check;
use switchboard_core::{time, Invalid};
use switchboard_store::activities::Author;
use switchboard_store::scheduling::{
    Booked, BookingContext, Branch, CancelPath, Hold, Meeting, MeetingAdvisor, Topic,
};
use switchboard_store::Db;

use crate::error::{Error, Result};
use crate::Comms;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TopicRef {
    pub id: String,
    pub name: String,
    pub instructions: String,
    /// Name, description and instructions in other languages (the
    /// customer's pages pick theirs, falling back to `name`).
    #[schema(value_type = Object)]
    pub translations:
        std::collections::BTreeMap<String, switchboard_core::booking::TopicTranslation>,
}

/// A meeting as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    pub id: String,
    /// scheduled, cancelled, completed (scheduled and ended), or no_show
    /// (started, and staff marked that the customer did not come); a
    /// booking from the public page is `pending` until the owner of the
    /// address confirms it, `expired` if they did not in time.
    pub state: String,
    /// Until when a `pending` booking holds its advisors.
    pub hold_until: Option<String>,
    pub contact_id: String,
    pub topic: TopicRef,
    pub meeting_type: String,
    pub branch: Option<Branch>,
    pub join_url: Option<String>,
    pub start: String,
    pub end: String,
    /// The customer's zone: messages show times in it.
    pub time_zone: String,
    pub language: String,
    pub advisors: Vec<MeetingAdvisor>,
    pub customer_notes: String,
    pub sequence: i64,
    pub booked_by: String,
    pub cancelled_at: Option<String>,
    pub cancelled_by: Option<String>,
    /// customer or staff.
    pub cancel_path: Option<String>,
    /// When staff marked the meeting as a no-show; null when not marked
    /// (or the mark was undone).
    pub no_show_at: Option<String>,
    /// The agent who marked it (null for a token bound to no agent).
    pub no_show_by: Option<String>,
    pub email_reminder_sent_at: Option<String>,
    pub sms_reminder_sent_at: Option<String>,
    pub created_at: String,
    /// The customer's cancel page (signed link).
    pub cancel_url: String,
    /// The meeting as an iCalendar file to add to a calendar (same token).
    pub calendar_url: String,
}

/// What can be booked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Properties {
    pub branches: Vec<Branch>,
    pub topics: Vec<Topic>,
    pub meeting_types: Vec<MeetingType>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotParams {
    #[param(value_type = switchboard_core::api_schema::RecordId)]
    pub topic_id: Option<String>,
    /// in_person, online or phone.
    #[param(value_type = switchboard_core::booking::MeetingType)]
    pub meeting_type: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::Instant>)]
    /// RFC 3339; default now.
    pub from: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::Instant>)]
    /// RFC 3339; default `from` + 7 days; at most 31 days after `from`.
    pub to: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    /// Required for in_person.
    pub branch_id: Option<String>,
    /// Extra skill ids, comma separated, on top of the topic's.
    #[param(pattern = "^[A-Za-z0-9_-]{1,64}(,[A-Za-z0-9_-]{1,64})*$")]
    pub skills: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::TimeZoneName>)]
    /// IANA zone for `local_start`; default UTC.
    pub time_zone: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    /// Page size, 1 to 500 (default 100).
    pub limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlotView {
    pub start: String,
    pub end: String,
    /// The start in the requested zone, e.g. `2026-11-23T09:00:00+01:00[Europe/Paris]`.
    pub local_start: String,
    pub advisor_ids: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Slots {
    pub time_zone: String,
    pub slots: Vec<SlotView>,
    pub next_cursor: Option<String>,
}

/// The scheduling service's handle.
pub struct Meetings {
    db: Db,
    comms: Arc<Comms>,
    /// Join link of online meetings; `{meeting_id}` is replaced.
    join_url_template: String,
}

impl Meetings {
    pub fn new(db: Db, comms: Arc<Comms>, join_url_template: String) -> Arc<Self> {
        Arc::new(Self {
            db,
            comms,
            join_url_template,
        })
    }

    pub async fn view(&self, id: &str) -> Result<MeetingView> {
        let m = self.db.meeting(id).await?;
        let topic = self.db.topic(&m.topic_id).await?;
        let branch = match &m.branch_id {
            Some(b) => Some(self.db.branch(b).await?),
            None => None,
        };
        self.view_of(m, topic, branch).await
    }

    /// The view of a meeting whose topic and branch are at hand.
    async fn view_of(
        &self,
        m: Meeting,
        topic: Topic,
        branch: Option<Branch>,
    ) -> Result<MeetingView> {
        let ended = time::parse(&m.ends_at).is_some_and(|e| e <= Timestamp::now());
        Ok(MeetingView {
            state: match (m.state.as_str(), &m.no_show_at) {
                ("scheduled", Some(_)) => "no_show".into(),
                ("scheduled", None) if ended => "completed".into(),
                _ => m.state.clone(),
            },
            cancel_url: self.comms.cancel_url(&m.id, &m.contact_id),
            calendar_url: self.comms.calendar_url(&m.id, &m.contact_id),
            advisors: self.db.meeting_advisors(&m.id).await?,
            hold_until: m.hold_until,
            topic: TopicRef {
                id: topic.id,
                name: topic.name,
                instructions: topic.instructions,
                translations: topic.translations,
            },
            branch,
            id: m.id,
            contact_id: m.contact_id,
            meeting_type: m.meeting_type,
            join_url: m.join_url,
            start: m.starts_at,
            end: m.ends_at,
            time_zone: m.time_zone,
            language: m.language,
            customer_notes: m.customer_notes,
            sequence: m.sequence,
            booked_by: m.booked_by,
            cancelled_at: m.cancelled_at,
            cancelled_by: m.cancelled_by,
            cancel_path: m.cancel_path,
            no_show_at: m.no_show_at,
            no_show_by: m.no_show_by,
            email_reminder_sent_at: m.email_reminder_sent_at,
            sms_reminder_sent_at: m.sms_reminder_sent_at,
            created_at: m.created_at,
        })
    }

    /// A contact's meetings, soonest first.
    pub async fn contact_meetings(&self, contact_id: &str) -> Result<Vec<MeetingView>> {
        self.db.contact(contact_id).await?;
        // Topics and branches are few: read them once, not per meeting.
        let topics: HashMap<String, Topic> = self
            .db
            .topics()
            .await?
            .into_iter()
            .map(|t| (t.id.clone(), t))
            .collect();
        let branches: HashMap<String, Branch> = self
            .db
            .branches()
            .await?
            .into_iter()
            .map(|b| (b.id.clone(), b))
            .collect();
        let mut out = Vec::new();
        for m in self.db.contact_meetings(contact_id).await? {
            let topic = topics
                .get(&m.topic_id)
                .cloned()
                .ok_or(Error::NotFound("topic"))?;
            let branch = m.branch_id.as_ref().and_then(|b| branches.get(b)).cloned();
            out.push(self.view_of(m, topic, branch).await?);
        }
        Ok(out)
    }

    /// Books through the store and wakes the outbox worker.
    #[allow(clippy::too_many_arguments)]
    pub async fn book(
        &self,
        d: &BookingDraft,
        author: &Author,
        key: Option<&str>,
        request_hash: &str,
        via: &str,
        hold: Option<Hold<'_>>,
    ) -> Result<Booked> {
        let booked = self
            .db
            .book_meeting(
                d,
                &BookingContext {
                    booked_by: author,
                    idempotency_key: key,
                    request_hash,
                    join_url_template: &self.join_url_template,
                    via,
                    now: Timestamp::now(),
                    hold,
                },
            )
            .await?;
        self.comms.wake.notify_one();
        Ok(booked)
    }

    /// The one CancelMeeting path, for the API and the cancel page: the
    /// customer is told.
    pub async fn customer_cancel(&self, id: &str, contact_id: &str) -> Result<()> {
        let contact = self.db.contact(contact_id).await.ok();
        let author = Author {
            agent_id: None,
            name: contact
                .map(|c| c.display_name())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "Customer".into()),
        };
        self.db
            .cancel_meeting(
                id,
                CancelPath::Customer,
                Some(contact_id),
                &author,
                Timestamp::now(),
            )
            .await?;
        self.comms.wake.notify_one();
        Ok(())
    }

    /// Cancellation by a representative: no notice goes to the customer.
    pub async fn staff_cancel(&self, id: &str, author: &Author) -> Result<()> {
        self.db
            .cancel_meeting(id, CancelPath::Staff, None, author, Timestamp::now())
            .await?;
        Ok(())
    }

    /// Marks the meeting as a no-show, or with `undo` clears the mark; with
    /// `advisor` only one of the meeting's advisors may (others: not
    /// found). Nothing is sent to the customer.
    pub async fn no_show(
        &self,
        id: &str,
        undo: bool,
        advisor: Option<&str>,
        author: &Author,
    ) -> Result<()> {
        self.db
            .set_no_show(id, undo, advisor, author, Timestamp::now())
            .await?;
        Ok(())
    }

    /// Moves a meeting: the advisors must be free at the new time; the
    /// customer gets an updated confirmation and a new reminder.
    pub async fn move_to(&self, id: &str, start: &str, author: &Author) -> Result<()> {
        let start = time::parse(start)
            .ok_or_else(|| Invalid::one("start", "invalid", "must be an RFC 3339 time"))?;
        self.db
            .move_meeting(id, start, author, Timestamp::now())
            .await?;
        self.comms.wake.notify_one();
        Ok(())
    }

    /// The owner of the address confirmed a booking from the public page.
    pub async fn confirm(&self, id: &str) -> Result<()> {
        self.db.confirm_meeting(id, Timestamp::now()).await?;
        self.comms.wake.notify_one();
        Ok(())
    }

    /// Branches, topics and meeting types.
    pub async fn properties(&self) -> Result<Properties> {
        Ok(Properties {
            branches: self.db.branches().await?,
            topics: self.db.topics().await?,
            meeting_types: MeetingType::ALL.to_vec(),
        })
    }

    /// The free slots for a search, shared by the API and the booking page.
    pub async fn find_slots(&self, p: SlotParams) -> Result<Slots> {
        let mut c = Check::new();
        let topic_id = c.optional_id("topic_id", p.topic_id.clone());
        if p.topic_id.is_none() {
            c.fail("topic_id", "required", "is required");
        }
        let meeting_type = p.meeting_type.as_deref().and_then(MeetingType::parse);
        if meeting_type.is_none() {
            c.fail(
                "meeting_type",
                "invalid",
                "must be in_person, online or phone",
            );
        }
        let now = Timestamp::now();
        let from = match &p.from {
            None => Some(now),
            Some(f) => time::parse(f).or_else(|| {
                c.fail("from", "invalid", "must be an RFC 3339 time");
                None
            }),
        };
        let to = match (&p.to, from) {
            (None, Some(f)) => f.checked_add(SignedDuration::from_hours(24 * 7)).ok(),
            (None, None) => None,
            (Some(t), _) => time::parse(t).or_else(|| {
                c.fail("to", "invalid", "must be an RFC 3339 time");
                None
            }),
        };
        if let (Some(f), Some(t)) = (from, to) {
            if t <= f {
                // A rule between two parameters: its own code.
                c.fail("to", "order", "must be after from");
            } else if f.duration_until(t) > SignedDuration::from_hours(24 * MAX_WINDOW_DAYS) {
                c.fail(
                    "to",
                    "too_far",
                    format!("at most {MAX_WINDOW_DAYS} days after from"),
                );
            }
        }
        let branch_id = c.optional_id("branch_id", p.branch_id.clone());
        switchboard_core::booking::check_branch(&mut c, meeting_type, branch_id.as_deref());
        let zone = p.time_zone.clone().unwrap_or_else(|| "UTC".into());
        let tz = TimeZone::get(&zone).ok();
        if tz.is_none() {
            c.fail(
                "time_zone",
                "invalid",
                "must be an IANA time zone like Europe/Paris",
            );
        }
        let limit = p.limit.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            c.fail("limit", "range", "must be 1 to 500");
        }
        let after = match &p.cursor {
            None => None,
            Some(cur) => match Cursor::decode(cur, 1)
                .ok()
                .and_then(|c| time::parse(&c.0[0]))
            {
                Some(t) => Some(t),
                None => {
                    c.fail("cursor", "invalid", "is not a cursor from this search");
                    None
                }
            },
        };
        let extra_skills: Vec<String> = p
            .skills
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        for (n, skill) in extra_skills.iter().enumerate() {
            c.optional_id(&format!("skills[{n}]"), Some(skill.clone()));
        }
        c.finish(|| ())?;
        let (from, to, tz, meeting_type) = (
            from.expect("checked"),
            to.expect("checked"),
            tz.expect("checked"),
            meeting_type.expect("checked"),
        );
        let mut topic = match self.db.topic(&topic_id.unwrap_or_default()).await {
            Ok(t) => t,
            Err(switchboard_store::StoreError::NotFound(_)) => {
                return Err(Invalid::one("topic_id", "unknown", "no topic has this id").into())
            }
            Err(e) => return Err(e.into()),
        };
        if !topic.meeting_types.contains(&meeting_type) {
            return Err(Invalid::one(
                "meeting_type",
                "not_offered",
                format!("the topic is not offered as {}", meeting_type.as_str()),
            )
            .into());
        }
        if let Some(b) = &branch_id {
            if matches!(
                self.db.branch(b).await,
                Err(switchboard_store::StoreError::NotFound(_))
            ) {
                return Err(Invalid::one("branch_id", "unknown", "no branch has this id").into());
            }
        }
        for skill in extra_skills {
            if !topic.skills.contains(&skill) {
                topic.skills.push(skill);
            }
        }
        let duration = topic.duration();
        let search_from = match after {
            Some(a) if a >= from => a.checked_add(SignedDuration::from_secs(1)).unwrap_or(a),
            _ => from,
        };
        let advisors = self
            .db
            .availability(
                &topic,
                branch_id.as_deref(),
                search_from,
                to.checked_add(duration).unwrap_or(to),
            )
            .await?;
        let mut found = free_slots(
            &advisors,
            &SlotQuery {
                from: search_from,
                to,
                duration,
                step_minutes: 0,
                not_before: now,
                limit: limit as usize + 1,
            },
        );
        let next_cursor = if found.len() > limit as usize {
            found.truncate(limit as usize);
            found
                .last()
                .map(|l| Cursor(vec![time::format(l.start)]).encode())
        } else {
            None
        };
        Ok(Slots {
            time_zone: zone,
            slots: found
                .into_iter()
                .map(|slot| SlotView {
                    start: time::format(slot.start),
                    end: time::format(slot.end),
                    local_start: slot.start.to_zoned(tz.clone()).to_string(),
                    advisor_ids: slot.advisor_ids,
                })
                .collect(),
            next_cursor,
        })
    }
}
