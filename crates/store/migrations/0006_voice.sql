-- Voice: agents' SIP accounts (for the registrar) and callbacks, whether a
-- caller asked for one in an overflowing queue (direct) or another system
-- scheduled it through the API.

CREATE TABLE sip_accounts (
    agent_id    TEXT PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    username    TEXT NOT NULL UNIQUE,
    -- MD5(username:realm:password): what digest checking needs; the
    -- password itself is not kept.
    ha1         TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE callbacks (
    id              TEXT PRIMARY KEY,
    -- direct (a caller pressed 1) or api.
    origin          TEXT NOT NULL,
    phone           TEXT NOT NULL,
    contact_id      TEXT REFERENCES contacts (id) ON DELETE CASCADE,
    queue_id        TEXT,
    -- JSON object of routing attributes, when no queue is named.
    attributes      TEXT NOT NULL,
    -- JSON array of {start, end} in UTC.
    windows         TEXT NOT NULL,
    -- scheduled (waiting for its window or its next attempt), queued (a
    -- work item waits in line), dialling, completed, failed, expired,
    -- missed (every window passed unused) or cancelled.
    status          TEXT NOT NULL,
    work_item_id    TEXT,
    attempts        BIGINT NOT NULL,
    max_attempts    BIGINT NOT NULL,
    retry_minutes   BIGINT NOT NULL,
    next_attempt_at TEXT,
    last_result     TEXT,
    closed_reason   TEXT,
    expires_at      TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    request_hash    TEXT,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    closed_at       TEXT
);
CREATE INDEX callbacks_due ON callbacks (status, next_attempt_at);
CREATE INDEX callbacks_work_item ON callbacks (work_item_id);

-- What callers hear, as admins changed it per queue and language: a text
-- spoken by the synthesiser, or uploaded audio (8 kHz µ-law, base64, so
-- both databases store it the same way).
CREATE TABLE voice_prompts (
    queue_id    TEXT NOT NULL,
    prompt      TEXT NOT NULL,
    language    TEXT NOT NULL,
    text        TEXT,
    audio       TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (queue_id, prompt, language)
);
