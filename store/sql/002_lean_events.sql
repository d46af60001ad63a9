-- Migration 2: events keep codes only (the case id lives in `cases`, the activity name in
-- `activities`; the view `event_log` joins them back), data sets carry a version that every load
-- bumps (the key of cached results), and bad optional values are recorded in `field_issues`.
ALTER TABLE events DROP COLUMN case_id;
ALTER TABLE events DROP COLUMN activity;
ALTER TABLE datasets ADD COLUMN version INTEGER DEFAULT 1;
UPDATE datasets SET version = 1;

-- Grain: one row per optional field value that could not be read; its event was kept with NULL.
CREATE TABLE field_issues (
    dataset_id INTEGER NOT NULL,
    file_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    field VARCHAR NOT NULL,
    raw_value VARCHAR,
    reason VARCHAR NOT NULL
);

-- Grain: one row per event, readable: the stored columns plus case_id and the activity name.
CREATE VIEW event_log AS
SELECT e.*, c.case_id, a.name AS activity
FROM events e
JOIN cases c USING (dataset_id, case_key)
JOIN activities a USING (activity_id);
