-- Grain: one row per selected ticket (reads the TEMP view selected_events).
-- Columns: case_key, labels (its activities in event order: activity names, or with $source_labels
-- the labels of the source file, for models drawn with those).
-- Parameters: $source_labels (boolean).
SELECT
    e.case_key,
    list(
        CASE WHEN $source_labels THEN e.source_activity ELSE a.name END ORDER BY e.event_index
    ) AS labels
FROM selected_events e
JOIN activities a USING (activity_id)
GROUP BY e.case_key
