-- Portable schema: runs unchanged on SQLite and PostgreSQL.
-- Identifiers are UUIDv7 text; instants are fixed-width RFC 3339 UTC text
-- (see switchboard_core::time), so text order is time order on both backends;
-- flags are BIGINT 0/1; free-form JSON is text.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE agents (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    roles         TEXT NOT NULL,
    active        BIGINT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    agent_id     TEXT REFERENCES agents (id),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    agent_id   TEXT NOT NULL REFERENCES agents (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_agent ON sessions (agent_id);

CREATE TABLE accounts (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    city       TEXT,
    category    TEXT,
    custom      TEXT NOT NULL,
    search_text TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE contacts (
    id                TEXT PRIMARY KEY,
    first_name        TEXT,
    last_name         TEXT,
    email             TEXT,
    phone             TEXT,
    account_id        TEXT REFERENCES accounts (id),
    job_title         TEXT,
    title             TEXT,
    relationship_type TEXT,
    city              TEXT,
    category          TEXT,
    preferred_channel TEXT,
    locale            TEXT,
    time_zone         TEXT,
    external_id       TEXT UNIQUE,
    custom            TEXT NOT NULL,
    search_text       TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX contacts_email ON contacts (email);
CREATE INDEX contacts_phone ON contacts (phone);
CREATE INDEX contacts_account ON contacts (account_id);

CREATE TABLE products (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT,
    priority    TEXT NOT NULL,
    status      TEXT NOT NULL,
    product_id  TEXT REFERENCES products (id),
    owner_id    TEXT REFERENCES agents (id),
    contact_id  TEXT REFERENCES contacts (id),
    account_id  TEXT REFERENCES accounts (id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX cases_contact ON cases (contact_id, id);
CREATE INDEX cases_account ON cases (account_id, id);

CREATE TABLE activities (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    contact_id      TEXT REFERENCES contacts (id),
    case_id         TEXT REFERENCES cases (id),
    conversation_id TEXT,
    -- The contact of the case, kept in step with the case, so a contact's
    -- case history is one index range rather than one per case.
    case_contact_id TEXT,
    author_id       TEXT REFERENCES agents (id),
    author_name     TEXT NOT NULL,
    subject         TEXT,
    body            TEXT,
    occurred_at     TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
-- The timeline reads newest first per regarding link.
CREATE INDEX activities_contact ON activities (contact_id, occurred_at, id);
CREATE INDEX activities_case ON activities (case_id, occurred_at, id);
CREATE INDEX activities_conversation ON activities (conversation_id, occurred_at, id);
CREATE INDEX activities_case_contact ON activities (case_contact_id, occurred_at, id);
