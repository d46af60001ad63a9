-- Add the batch's activity labels that the dictionary lacks, numbered after the last one.
-- Grain: one row per new label. Reads the registered `batch`.
INSERT INTO activities
SELECT
    (SELECT max(activity_id) FROM activities) + row_number() OVER (ORDER BY activity),
    activity,
    false
FROM (SELECT DISTINCT activity FROM batch)
WHERE activity NOT IN (SELECT name FROM activities)
