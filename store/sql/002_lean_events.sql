-- Migration 2: events keep codes and what changes within a ticket only: the case id, channel and
-- category live in `cases`, the activity name in `activities`, and `source_activity` is kept only
-- where it differs from the activity name (the view `event_log` joins them all back). Data sets
-- carry a version that every load bumps (the key of cached results), and bad optional values are
-- recorded in `field_issues`.
ALTER TABLE events DROP COLUMN case_id;
ALTER TABLE events DROP COLUMN activity;
ALTER TABLE events DROP COLUMN channel;
ALTER TABLE events DROP COLUMN category;
ALTER TABLE events ALTER COLUMN source_activity DROP NOT NULL;
UPDATE events SET source_activity = NULL
WHERE source_activity = (SELECT name FROM activities a WHERE a.activity_id = events.activity_id);
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

-- Grain: one row per event, readable: the stored columns, the source label in full, and the
-- case id, activity name, channel and category.
CREATE VIEW event_log AS
SELECT
    e.* REPLACE (coalesce(e.source_activity, a.name) AS source_activity),
    c.case_id,
    a.name AS activity,
    c.channel,
    c.category
FROM events e
JOIN cases c USING (dataset_id, case_key)
JOIN activities a USING (activity_id);
