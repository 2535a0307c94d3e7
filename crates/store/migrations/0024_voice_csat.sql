-- Issue 16, voice half: a voice queue may ask its callers to rate the call
-- (press 1 to 5) after the agent hung up. The answer is kept on the call's
-- record (a voice call has no chat conversation row); the report sums get
-- it in the same transaction, as a chat's rating (0021).
ALTER TABLE queues ADD COLUMN csat_survey BIGINT NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN csat_score BIGINT;
ALTER TABLE calls ADD COLUMN csat_at TEXT;
