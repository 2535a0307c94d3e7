-- Issue 16: the live dashboard's chart of waiting items over the last
-- hours. How many items wait is a gauge, not a count of things that
-- happened, so the report sums (0022) cannot give it; the server samples
-- the routing engine's own figure after each burst of routing events and
-- keeps, per queue and UTC minute, the most items waiting at once and the
-- number after the minute's last change (carried into the quiet minutes
-- that follow). Kept for eight days (server/src/waiting_history.rs).
CREATE TABLE queue_samples (
    queue_id     TEXT NOT NULL,
    -- Whole minutes since 1970-01-01T00:00:00Z.
    minute       BIGINT NOT NULL,
    waiting_max  BIGINT NOT NULL,
    waiting_last BIGINT NOT NULL,
    PRIMARY KEY (queue_id, minute)
);
-- Pruning by age.
CREATE INDEX queue_samples_minute ON queue_samples (minute);
