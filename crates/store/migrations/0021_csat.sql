-- Issue 16: the visitor's rating of a chat once it has ended (1 to 5, an
-- optional comment), on the conversation itself: reports read it from
-- here, the contact's timeline gets an entry in the same transaction.
ALTER TABLE conversations ADD COLUMN csat_score INTEGER;
ALTER TABLE conversations ADD COLUMN csat_comment TEXT;
ALTER TABLE conversations ADD COLUMN csat_at TEXT;
