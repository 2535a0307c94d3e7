-- Unified routing: configuration, agents' routing settings, work items and
-- the event log the engine writes before it announces anything.

CREATE TABLE skills (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE capacity_profiles (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    chat_units          BIGINT NOT NULL,
    voice_units         BIGINT NOT NULL,
    voice_blocks_others BIGINT NOT NULL,
    wrap_up_seconds     BIGINT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

-- One row per agent once routing settings or presence were set.
CREATE TABLE agent_routing (
    agent_id            TEXT PRIMARY KEY REFERENCES agents (id),
    capacity_profile_id TEXT REFERENCES capacity_profiles (id),
    presence            TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

CREATE TABLE agent_skills (
    agent_id    TEXT NOT NULL REFERENCES agents (id),
    skill_id    TEXT NOT NULL REFERENCES skills (id),
    proficiency BIGINT NOT NULL,
    PRIMARY KEY (agent_id, skill_id)
);

CREATE TABLE queues (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE,
    channel               TEXT NOT NULL,
    priority              BIGINT NOT NULL,
    method                TEXT NOT NULL,
    offer_timeout_seconds BIGINT NOT NULL,
    declines_allowed      BIGINT NOT NULL,
    is_default            BIGINT NOT NULL,
    -- JSON: operating hours and overflow rules, validated by the API.
    operating_hours       TEXT,
    overflow              TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);

CREATE TABLE queue_members (
    queue_id TEXT NOT NULL REFERENCES queues (id),
    agent_id TEXT NOT NULL REFERENCES agents (id),
    PRIMARY KEY (queue_id, agent_id)
);

-- The ordered rule list, replaced as a whole.
CREATE TABLE routing_rules (
    id          TEXT PRIMARY KEY,
    position    BIGINT NOT NULL,
    name        TEXT NOT NULL,
    tests       TEXT NOT NULL,
    queue_id    TEXT NOT NULL REFERENCES queues (id),
    skills      TEXT NOT NULL,
    skill_match TEXT NOT NULL,
    priority    BIGINT NOT NULL
);

CREATE TABLE work_items (
    id            TEXT PRIMARY KEY,
    channel       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    contact_id    TEXT REFERENCES contacts (id),
    customer_name TEXT,
    attributes    TEXT NOT NULL,
    queue_id      TEXT NOT NULL REFERENCES queues (id),
    priority      BIGINT NOT NULL,
    needs         TEXT NOT NULL,
    skill_match   TEXT NOT NULL,
    status        TEXT NOT NULL,
    agent_id      TEXT REFERENCES agents (id),
    offer_deadline TEXT,
    declines      TEXT NOT NULL,
    reason        TEXT,
    arrived_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    closed_at     TEXT
);
-- The engine reads open items on every rebuild; history can grow large.
CREATE INDEX work_items_open ON work_items (arrived_at) WHERE closed_at IS NULL;

-- Every routing transition, in order; `seq` is assigned by the engine (the
-- only writer), so clients can resume from the last one they saw.
CREATE TABLE routing_events (
    seq          BIGINT PRIMARY KEY,
    work_item_id TEXT,
    agent_id     TEXT,
    queue_id     TEXT,
    kind         TEXT NOT NULL,
    data         TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX routing_events_agent ON routing_events (agent_id, seq);
