-- The agent workspace: the case a conversation is about, agent scripts and
-- the rules that choose them, each session's progress, canned responses.

ALTER TABLE conversations ADD COLUMN case_id TEXT REFERENCES cases (id);

CREATE TABLE agent_scripts (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    -- The ordered steps, one validated JSON document.
    steps      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Which script a session gets: the first rule matching the work item's
-- queue (or, without a queue, its channel).
CREATE TABLE agent_script_rules (
    position  BIGINT PRIMARY KEY,
    queue_id  TEXT REFERENCES queues (id),
    channel   TEXT,
    script_id TEXT NOT NULL REFERENCES agent_scripts (id)
);

CREATE TABLE script_progress (
    work_item_id TEXT NOT NULL,
    script_id    TEXT NOT NULL,
    step_id      TEXT NOT NULL,
    agent_id     TEXT,
    done_at      TEXT NOT NULL,
    PRIMARY KEY (work_item_id, script_id, step_id)
);

CREATE TABLE canned_responses (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
