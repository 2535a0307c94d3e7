-- Issue 16: historical reports. Running sums per interval, queue, agent
-- and channel, at four levels of detail ('' is "all": the total, a queue,
-- an agent in a queue, an agent over all queues; see store/src/reports.rs), kept by the report roll-up from the routing events (in the order
-- of their numbers, from report_state.last_seq on) and by a chat's rating in
-- its own transaction. A report over a year adds these rows, never the
-- work items themselves. The columns are switchboard_core::reports::Counts.
-- Definitions: docs/reports.md.
CREATE TABLE report_state (
    id        INTEGER PRIMARY KEY,
    -- The IANA zone `day` is counted in; another zone at start-up empties
    -- the sums and the roll-up counts them again from the first event.
    time_zone TEXT NOT NULL,
    -- The last routing event counted. Below every number: imported
    -- history (the demo's) is numbered below zero.
    last_seq  BIGINT NOT NULL
);
INSERT INTO report_state (id, time_zone, last_seq) VALUES (1, 'UTC', -9223372036854775807);

-- Hours in UTC (2026-12-06T09:00:00Z): reports by hour.
CREATE TABLE report_hours (
    hour       TEXT NOT NULL,
    queue_id   TEXT NOT NULL,
    agent_id   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    offered                BIGINT NOT NULL DEFAULT 0,
    transferred_in         BIGINT NOT NULL DEFAULT 0,
    transferred_out        BIGINT NOT NULL DEFAULT 0,
    answered               BIGINT NOT NULL DEFAULT 0,
    answer_wait_ms         BIGINT NOT NULL DEFAULT 0,
    answered_within_5      BIGINT NOT NULL DEFAULT 0,
    answered_within_10     BIGINT NOT NULL DEFAULT 0,
    answered_within_15     BIGINT NOT NULL DEFAULT 0,
    answered_within_20     BIGINT NOT NULL DEFAULT 0,
    answered_within_30     BIGINT NOT NULL DEFAULT 0,
    answered_within_45     BIGINT NOT NULL DEFAULT 0,
    answered_within_60     BIGINT NOT NULL DEFAULT 0,
    answered_within_90     BIGINT NOT NULL DEFAULT 0,
    answered_within_120    BIGINT NOT NULL DEFAULT 0,
    answered_within_180    BIGINT NOT NULL DEFAULT 0,
    answered_within_300    BIGINT NOT NULL DEFAULT 0,
    abandoned              BIGINT NOT NULL DEFAULT 0,
    abandon_wait_ms        BIGINT NOT NULL DEFAULT 0,
    abandoned_within_5     BIGINT NOT NULL DEFAULT 0,
    abandoned_within_10    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_15    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_20    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_30    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_45    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_60    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_90    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_120   BIGINT NOT NULL DEFAULT 0,
    abandoned_within_180   BIGINT NOT NULL DEFAULT 0,
    abandoned_within_300   BIGINT NOT NULL DEFAULT 0,
    handled                BIGINT NOT NULL DEFAULT 0,
    handle_ms              BIGINT NOT NULL DEFAULT 0,
    talk_ms                BIGINT NOT NULL DEFAULT 0,
    wrap_up_ms             BIGINT NOT NULL DEFAULT 0,
    declined               BIGINT NOT NULL DEFAULT 0,
    timed_out              BIGINT NOT NULL DEFAULT 0,
    callbacks_requested    BIGINT NOT NULL DEFAULT 0,
    csat_responses         BIGINT NOT NULL DEFAULT 0,
    csat_sum               BIGINT NOT NULL DEFAULT 0,
    csat_satisfied         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, queue_id, agent_id, channel)
);

-- Days in report_state.time_zone (2026-12-06): every other report.
CREATE TABLE report_days (
    day        TEXT NOT NULL,
    queue_id   TEXT NOT NULL,
    agent_id   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    offered                BIGINT NOT NULL DEFAULT 0,
    transferred_in         BIGINT NOT NULL DEFAULT 0,
    transferred_out        BIGINT NOT NULL DEFAULT 0,
    answered               BIGINT NOT NULL DEFAULT 0,
    answer_wait_ms         BIGINT NOT NULL DEFAULT 0,
    answered_within_5      BIGINT NOT NULL DEFAULT 0,
    answered_within_10     BIGINT NOT NULL DEFAULT 0,
    answered_within_15     BIGINT NOT NULL DEFAULT 0,
    answered_within_20     BIGINT NOT NULL DEFAULT 0,
    answered_within_30     BIGINT NOT NULL DEFAULT 0,
    answered_within_45     BIGINT NOT NULL DEFAULT 0,
    answered_within_60     BIGINT NOT NULL DEFAULT 0,
    answered_within_90     BIGINT NOT NULL DEFAULT 0,
    answered_within_120    BIGINT NOT NULL DEFAULT 0,
    answered_within_180    BIGINT NOT NULL DEFAULT 0,
    answered_within_300    BIGINT NOT NULL DEFAULT 0,
    abandoned              BIGINT NOT NULL DEFAULT 0,
    abandon_wait_ms        BIGINT NOT NULL DEFAULT 0,
    abandoned_within_5     BIGINT NOT NULL DEFAULT 0,
    abandoned_within_10    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_15    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_20    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_30    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_45    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_60    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_90    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_120   BIGINT NOT NULL DEFAULT 0,
    abandoned_within_180   BIGINT NOT NULL DEFAULT 0,
    abandoned_within_300   BIGINT NOT NULL DEFAULT 0,
    handled                BIGINT NOT NULL DEFAULT 0,
    handle_ms              BIGINT NOT NULL DEFAULT 0,
    talk_ms                BIGINT NOT NULL DEFAULT 0,
    wrap_up_ms             BIGINT NOT NULL DEFAULT 0,
    declined               BIGINT NOT NULL DEFAULT 0,
    timed_out              BIGINT NOT NULL DEFAULT 0,
    callbacks_requested    BIGINT NOT NULL DEFAULT 0,
    csat_responses         BIGINT NOT NULL DEFAULT 0,
    csat_sum               BIGINT NOT NULL DEFAULT 0,
    csat_satisfied         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, queue_id, agent_id, channel)
);
-- Months in report_state.time_zone (2026-12): the whole months of a long
-- report by queue, agent or channel (its first and last days from report_days).
CREATE TABLE report_months (
    month      TEXT NOT NULL,
    queue_id   TEXT NOT NULL,
    agent_id   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    offered                BIGINT NOT NULL DEFAULT 0,
    transferred_in         BIGINT NOT NULL DEFAULT 0,
    transferred_out        BIGINT NOT NULL DEFAULT 0,
    answered               BIGINT NOT NULL DEFAULT 0,
    answer_wait_ms         BIGINT NOT NULL DEFAULT 0,
    answered_within_5      BIGINT NOT NULL DEFAULT 0,
    answered_within_10     BIGINT NOT NULL DEFAULT 0,
    answered_within_15     BIGINT NOT NULL DEFAULT 0,
    answered_within_20     BIGINT NOT NULL DEFAULT 0,
    answered_within_30     BIGINT NOT NULL DEFAULT 0,
    answered_within_45     BIGINT NOT NULL DEFAULT 0,
    answered_within_60     BIGINT NOT NULL DEFAULT 0,
    answered_within_90     BIGINT NOT NULL DEFAULT 0,
    answered_within_120    BIGINT NOT NULL DEFAULT 0,
    answered_within_180    BIGINT NOT NULL DEFAULT 0,
    answered_within_300    BIGINT NOT NULL DEFAULT 0,
    abandoned              BIGINT NOT NULL DEFAULT 0,
    abandon_wait_ms        BIGINT NOT NULL DEFAULT 0,
    abandoned_within_5     BIGINT NOT NULL DEFAULT 0,
    abandoned_within_10    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_15    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_20    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_30    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_45    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_60    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_90    BIGINT NOT NULL DEFAULT 0,
    abandoned_within_120   BIGINT NOT NULL DEFAULT 0,
    abandoned_within_180   BIGINT NOT NULL DEFAULT 0,
    abandoned_within_300   BIGINT NOT NULL DEFAULT 0,
    handled                BIGINT NOT NULL DEFAULT 0,
    handle_ms              BIGINT NOT NULL DEFAULT 0,
    talk_ms                BIGINT NOT NULL DEFAULT 0,
    wrap_up_ms             BIGINT NOT NULL DEFAULT 0,
    declined               BIGINT NOT NULL DEFAULT 0,
    timed_out              BIGINT NOT NULL DEFAULT 0,
    callbacks_requested    BIGINT NOT NULL DEFAULT 0,
    csat_responses         BIGINT NOT NULL DEFAULT 0,
    csat_sum               BIGINT NOT NULL DEFAULT 0,
    csat_satisfied         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, queue_id, agent_id, channel)
);
CREATE INDEX report_days_level ON report_days (agent_id, queue_id, day);
CREATE INDEX report_hours_level ON report_hours (agent_id, queue_id, hour);

-- A close's handling time starts at the item's last assignment: the
-- roll-up finds it by item.
CREATE INDEX routing_events_item ON routing_events (work_item_id, seq);
