-- Migration 15: a ticket's facts also hold its columns of `cases` (its id, creation time,
-- channel, priority, category and survey answers), copied there whenever its facts are written
-- or its `cases` row changes (store/facts.py), so the analyses that read one row per ticket (its
-- KPIs, escalation flags and path) read one table, not two joined on every read; every ticket's
-- facts are written again (store/schema.py).
ALTER TABLE ticket_facts ADD COLUMN case_id VARCHAR;
ALTER TABLE ticket_facts ADD COLUMN created_at TIMESTAMPTZ;
ALTER TABLE ticket_facts ADD COLUMN channel VARCHAR;
ALTER TABLE ticket_facts ADD COLUMN priority VARCHAR;
ALTER TABLE ticket_facts ADD COLUMN category VARCHAR;
ALTER TABLE ticket_facts ADD COLUMN csat TINYINT;
ALTER TABLE ticket_facts ADD COLUMN ces TINYINT;
ALTER TABLE ticket_facts ADD COLUMN nps TINYINT;
