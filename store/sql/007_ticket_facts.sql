-- Migration 7: what each ticket's events say about it under the canonical vocabulary (its last
-- resolution, its escalations, bounce-backs and ping-pong), written by the ingest for the tickets
-- a load touches (store/facts.py), so the analyses read them instead of the events. A ticket
-- without any `Assigned`, `Escalated`, `De-escalated` or `Resolved` event has no row.
CREATE TABLE ticket_facts (
    dataset_id INTEGER NOT NULL,
    case_key INTEGER NOT NULL,
    last_resolved TIMESTAMPTZ,
    first_escalation INTEGER,
    escalated_by VARCHAR,
    escalated_to VARCHAR,
    bounce_back BOOLEAN NOT NULL,
    ping_pong BOOLEAN NOT NULL
);
