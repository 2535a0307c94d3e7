-- Scheduling: branches, topics, bookable advisors with their hours and time
-- off, meetings; and the communications sent about meetings: settings,
-- templates, the outbox the worker delivers from, SMS opt-outs.

CREATE TABLE branches (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    address    TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE topics (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    -- JSON arrays: allowed meeting types, required skill ids.
    meeting_types    TEXT NOT NULL,
    skills           TEXT NOT NULL,
    instructions     TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

-- An agent who can be booked. Hours are a JSON list of weekly ranges in
-- `time_zone`; branch_ids a JSON list of the branches they receive at.
CREATE TABLE advisors (
    agent_id   TEXT PRIMARY KEY REFERENCES agents (id),
    bookable   BIGINT NOT NULL,
    time_zone  TEXT NOT NULL,
    hours      TEXT NOT NULL,
    branch_ids TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE advisor_time_off (
    id        TEXT PRIMARY KEY,
    agent_id  TEXT NOT NULL REFERENCES advisors (agent_id),
    starts_at TEXT NOT NULL,
    ends_at   TEXT NOT NULL,
    reason    TEXT NOT NULL
);
CREATE INDEX advisor_time_off_agent ON advisor_time_off (agent_id, starts_at);

CREATE TABLE meetings (
    id                     TEXT PRIMARY KEY,
    contact_id             TEXT NOT NULL REFERENCES contacts (id),
    topic_id               TEXT NOT NULL REFERENCES topics (id),
    meeting_type           TEXT NOT NULL,
    branch_id              TEXT REFERENCES branches (id),
    join_url               TEXT,
    starts_at              TEXT NOT NULL,
    ends_at                TEXT NOT NULL,
    -- The customer's time zone and language, for what is sent to them.
    time_zone              TEXT NOT NULL,
    language               TEXT NOT NULL,
    state                  TEXT NOT NULL,
    customer_notes         TEXT NOT NULL,
    -- iCalendar SEQUENCE: raised by every change the customer is told of.
    sequence               BIGINT NOT NULL,
    booked_by              TEXT NOT NULL,
    -- api (staff, integrations) or page (the public booking page: the
    -- email address was typed by whoever booked, not proven).
    booked_via             TEXT NOT NULL,
    cancelled_at           TEXT,
    cancelled_by           TEXT,
    -- customer (CancelMeeting, API or cancel page) or staff.
    cancel_path            TEXT,
    -- When the reminders for the current start were queued; cleared when
    -- the meeting moves.
    reminder_queued_at     TEXT,
    email_reminder_sent_at TEXT,
    sms_reminder_sent_at   TEXT,
    idempotency_key        TEXT UNIQUE,
    request_hash           TEXT,
    activity_id            TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);
CREATE INDEX meetings_contact ON meetings (contact_id, starts_at);
-- The reminder scan: scheduled meetings whose reminders are not queued yet.
CREATE INDEX meetings_reminders ON meetings (state, reminder_queued_at, starts_at);

-- Which advisors a meeting holds, with its times copied so that an
-- advisor's busy time is one index range.
CREATE TABLE meeting_advisors (
    meeting_id TEXT NOT NULL REFERENCES meetings (id),
    agent_id   TEXT NOT NULL REFERENCES advisors (agent_id),
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    active     BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, agent_id)
);
CREATE INDEX meeting_advisors_busy ON meeting_advisors (agent_id, active, starts_at);

-- One row: the communications settings document (JSON).
CREATE TABLE communication_settings (
    id         BIGINT PRIMARY KEY,
    settings   TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Admin-edited templates; a missing row means the shipped default.
CREATE TABLE message_templates (
    kind       TEXT NOT NULL,
    channel    TEXT NOT NULL,
    language   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    html       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, channel, language)
);

-- Every message to send, written in the transaction that caused it.
-- state: queued → sending (claimed until lease_until) → sent | failed |
-- skipped. Rows are rendered when claimed, from the meeting as it is then.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    -- meeting:kind:channel[:sequence] — one message per meaning.
    idempotency_key TEXT NOT NULL UNIQUE,
    meeting_id      TEXT NOT NULL REFERENCES meetings (id),
    kind            TEXT NOT NULL,
    channel         TEXT NOT NULL,
    -- The meeting's SEQUENCE the message speaks of.
    sequence        BIGINT NOT NULL,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    recipient       TEXT,
    subject         TEXT,
    body            TEXT,
    transport       TEXT,
    provider_id     TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_meeting ON outbox (meeting_id);

CREATE TABLE sms_opt_outs (
    phone      TEXT PRIMARY KEY,
    opted_out  BIGINT NOT NULL,
    keyword    TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
