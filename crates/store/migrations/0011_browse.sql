-- The workspace's browsing: cases searched by title (folded like contacts'
-- and accounts' search text: lowercase, accents removed; the store writes
-- it on every change; existing rows start from their lowercased title), the
-- case list filtered by owner and priority, and an agent's past
-- conversations newest first.

ALTER TABLE cases ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE cases SET search_text = LOWER(title);
CREATE INDEX cases_owner ON cases (owner_id, id);
CREATE INDEX conversations_contact ON conversations (contact_id, started_at);
