-- Migration 14: a ticket's facts also hold what its KPIs read off its events (its first response,
-- how it ended, its reopens, surveys, last team, highest level, handoffs and waits for the
-- customer, and whether a de-escalated one shows work after its escalation), so the KPIs read
-- one row per ticket instead of its events; every ticket's facts are written again
-- (store/schema.py).
ALTER TABLE ticket_facts ADD COLUMN first_response_at TIMESTAMPTZ;
ALTER TABLE ticket_facts ADD COLUMN ended_at TIMESTAMPTZ;
ALTER TABLE ticket_facts ADD COLUMN survey_at TIMESTAMPTZ;
ALTER TABLE ticket_facts ADD COLUMN reopen_events INTEGER DEFAULT 0;
ALTER TABLE ticket_facts ADD COLUMN rework_reopens INTEGER DEFAULT 0;
ALTER TABLE ticket_facts ADD COLUMN abandoned BOOLEAN DEFAULT false;
ALTER TABLE ticket_facts ADD COLUMN closed BOOLEAN DEFAULT false;
ALTER TABLE ticket_facts ADD COLUMN asked BOOLEAN DEFAULT false;
ALTER TABLE ticket_facts ADD COLUMN top_level TINYINT;
ALTER TABLE ticket_facts ADD COLUMN last_team VARCHAR;
ALTER TABLE ticket_facts ADD COLUMN handoffs INTEGER DEFAULT 0;
ALTER TABLE ticket_facts ADD COLUMN one_team BOOLEAN DEFAULT true;
ALTER TABLE ticket_facts ADD COLUMN pauses STRUCT(asked_at TIMESTAMPTZ, replied_at TIMESTAMPTZ)[];
ALTER TABLE ticket_facts ADD COLUMN pause_without_reply BOOLEAN DEFAULT false;
ALTER TABLE ticket_facts ADD COLUMN worked_after_escalation BOOLEAN DEFAULT false;
