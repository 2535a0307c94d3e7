-- Issue 15: who changed which setting, when, from what to what. One row per
-- change, written in the transaction of the change itself (a change that
-- rolls back leaves no row; a row never describes a change that did not
-- happen). `before`/`after` are the stored rows as JSON, secrets redacted.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          TEXT NOT NULL,
    agent_id    TEXT,
    actor_name  TEXT NOT NULL,
    via         TEXT NOT NULL,
    area        TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_id   TEXT,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_agent ON audit_log (agent_id, at);
CREATE INDEX audit_log_area ON audit_log (area, at);
