-- Migration 7: what each ticket's events say about it: its first and last event, how many, its
-- path (a key of its sequence of activities), and under the canonical vocabulary its last
-- resolution, escalations, bounce-backs and ping-pong; written by the ingest for the tickets a
-- load touches (store/facts.py), so the analyses read them instead of the events.
CREATE TABLE ticket_facts (
    dataset_id INTEGER NOT NULL,
    case_key INTEGER NOT NULL,
    events INTEGER NOT NULL,
    first_ts TIMESTAMPTZ NOT NULL,
    last_ts TIMESTAMPTZ NOT NULL,
    path_key HUGEINT NOT NULL,
    last_resolved TIMESTAMPTZ,
    first_escalation INTEGER,
    escalated_by VARCHAR,
    escalated_to VARCHAR,
    bounce_back BOOLEAN NOT NULL,
    ping_pong BOOLEAN NOT NULL
);
