-- Issue 13: every outbound dial to a customer's number (and every dial the
-- dialling policy refused) leaves an audit row: the number, the work item,
-- the agent, the policy's decision and its rule, the time.
CREATE TABLE voice_dials (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL,
    work_item_id TEXT,
    callback_id  TEXT,
    agent_id     TEXT,
    decision     TEXT NOT NULL,
    rule         TEXT,
    reason       TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX voice_dials_number ON voice_dials (number, created_at);
CREATE INDEX voice_dials_created ON voice_dials (created_at, id);
