-- Issue 16: who supervises which queue. A supervisor sees, on the live
-- dashboard, the socket and the reports, and acts on, the work of the
-- queues they supervise only; admins see every queue. Written with the
-- queue (PUT /api/v1/queues/{id} `supervisor_ids`), audited as part of it.
CREATE TABLE queue_supervisors (
    queue_id TEXT NOT NULL REFERENCES queues (id),
    agent_id TEXT NOT NULL REFERENCES agents (id),
    PRIMARY KEY (queue_id, agent_id)
);

-- "Which queues does this supervisor watch?" is asked per request and per
-- socket: by agent.
CREATE INDEX queue_supervisors_by_agent ON queue_supervisors (agent_id, queue_id);
