-- Chat: widgets, visitors and their journey, proactive invitations,
-- conversations and their messages.

-- A widget's settings are one validated JSON document (origins, appearance,
-- survey, routing, authentication): read whole, replaced whole.
CREATE TABLE widgets (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    settings   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Proactive rules in priority order; the counters are kept beside the rule
-- so an admin sees them at a glance, and survive edits of the rule.
CREATE TABLE proactive_rules (
    id         TEXT PRIMARY KEY,
    widget_id  TEXT NOT NULL REFERENCES widgets (id),
    position   BIGINT NOT NULL,
    spec       TEXT NOT NULL,
    shown      BIGINT NOT NULL DEFAULT 0,
    accepted   BIGINT NOT NULL DEFAULT 0,
    closed     BIGINT NOT NULL DEFAULT 0,
    expired    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX proactive_rules_widget ON proactive_rules (widget_id, position);

CREATE TABLE visitors (
    id              TEXT PRIMARY KEY,
    widget_id       TEXT NOT NULL REFERENCES widgets (id),
    contact_id      TEXT REFERENCES contacts (id),
    authenticated   BIGINT NOT NULL,
    browser         TEXT,
    browser_version TEXT,
    os              TEXT,
    device          TEXT NOT NULL,
    language        TEXT,
    time_zone       TEXT,
    country         TEXT,
    city            TEXT,
    referrer        TEXT,
    sessions        BIGINT NOT NULL,
    last_session_id TEXT NOT NULL,
    first_seen_at   TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL
);
CREATE INDEX visitors_contact ON visitors (contact_id);

-- Journey: newest first per visitor; `session_id` counts pages per session.
CREATE TABLE journey_events (
    id         TEXT PRIMARY KEY,
    visitor_id TEXT NOT NULL REFERENCES visitors (id),
    session_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    url        TEXT,
    title      TEXT,
    detail     TEXT,
    at         TEXT NOT NULL
);
CREATE INDEX journey_events_visitor ON journey_events (visitor_id, at, id);
CREATE INDEX journey_events_session ON journey_events (session_id, visitor_id, kind);

CREATE TABLE invitations (
    id         TEXT PRIMARY KEY,
    visitor_id TEXT NOT NULL REFERENCES visitors (id),
    session_id TEXT NOT NULL,
    rule_id    TEXT NOT NULL,
    url        TEXT NOT NULL,
    seconds_on_page BIGINT NOT NULL,
    shown_at   TEXT NOT NULL,
    outcome    TEXT,
    decided_at TEXT
);
CREATE INDEX invitations_visitor ON invitations (visitor_id, rule_id, shown_at);

CREATE TABLE conversations (
    id                TEXT PRIMARY KEY,
    widget_id         TEXT NOT NULL REFERENCES widgets (id),
    visitor_id        TEXT NOT NULL REFERENCES visitors (id),
    contact_id        TEXT REFERENCES contacts (id),
    work_item_id      TEXT NOT NULL,
    channel           TEXT NOT NULL,
    status            TEXT NOT NULL,
    queue_id          TEXT,
    skills            TEXT NOT NULL,
    agent_id          TEXT REFERENCES agents (id),
    agent_name        TEXT,
    survey            TEXT NOT NULL,
    context           TEXT NOT NULL,
    url               TEXT,
    invitation_id     TEXT,
    proactive_rule_id TEXT,
    wait_seconds      BIGINT,
    started_at        TEXT NOT NULL,
    answered_at       TEXT,
    ended_at          TEXT,
    ended_by          TEXT
);
CREATE INDEX conversations_visitor ON conversations (visitor_id, started_at);
CREATE INDEX conversations_agent ON conversations (agent_id, started_at);
CREATE UNIQUE INDEX conversations_work_item ON conversations (work_item_id);
-- One open conversation per visitor, whatever races.
CREATE UNIQUE INDEX conversations_open ON conversations (visitor_id) WHERE status <> 'ended';

-- `seq` is assigned by the message writer (the only writer), strictly
-- increasing across the server, so a client resumes after the last it saw.
CREATE TABLE chat_messages (
    seq             BIGINT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    sender          TEXT NOT NULL,
    agent_id        TEXT,
    name            TEXT,
    body            TEXT NOT NULL,
    client_id       TEXT,
    at              TEXT NOT NULL
);
CREATE INDEX chat_messages_conversation ON chat_messages (conversation_id, seq);
-- A resent message (same sender and client id) is stored once.
CREATE UNIQUE INDEX chat_messages_client ON chat_messages (conversation_id, sender, client_id);
