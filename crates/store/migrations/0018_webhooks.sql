-- Issue 15: outbound webhooks. A registration names one address and the
-- events it wants; each event becomes one delivery per registration that
-- wants it, written in the transaction of the change it reports (a change
-- that rolls back sends nothing; a committed one is never forgotten).
CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    description TEXT NOT NULL,
    -- JSON array of event type names, sorted.
    events      TEXT NOT NULL,
    -- whsec_<base64 of 32 random bytes>: the HMAC key, shown once.
    secret      TEXT NOT NULL,
    active      INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
    -- Sent as `webhook-id`: the same on every attempt, so a receiver drops
    -- a copy it already handled.
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type      TEXT NOT NULL,
    -- The exact body sent, every attempt.
    payload         TEXT NOT NULL,
    -- queued, sending (claimed until lease_until), delivered, failed.
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_of ON webhook_deliveries (webhook_id, id);

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    -- The receiver's HTTP status; none when no answer came.
    status      INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
