-- Voice: one record per call work item (an inbound call or a callback's
-- dial), kept after the call ends: what the workspace shows for a call and
-- where its timeline entry is.

CREATE TABLE calls (
    work_item_id     TEXT PRIMARY KEY,
    -- inbound or callback.
    kind             TEXT NOT NULL,
    -- The caller's number, or the number dialled for a callback.
    number           TEXT NOT NULL,
    contact_id       TEXT REFERENCES contacts (id) ON DELETE SET NULL,
    -- waiting, ringing_agent, connected or ended.
    state            TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    -- When the two sides were bridged.
    answered_at      TEXT,
    ended_at         TEXT,
    -- customer, agent or system.
    ended_by         TEXT,
    -- Talk time, once ended (bridged calls only).
    duration_seconds BIGINT,
    agent_id         TEXT,
    -- The call's timeline entry, once written.
    activity_id      TEXT,
    updated_at       TEXT NOT NULL
);
CREATE INDEX calls_contact ON calls (contact_id, started_at);
CREATE INDEX calls_agent ON calls (agent_id, started_at);
CREATE INDEX calls_started ON calls (started_at);
