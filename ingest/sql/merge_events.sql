-- Every event of data set $d, the stored ones and the new ones, in the store's layout: sorted by
-- case key and time (ties keep source-file order), with event_index the 1-based position in its case.
-- Grain: one row per event. Parameters: $d data set id, $f0 file id of the batch's first file.
WITH everything AS (
    SELECT * EXCLUDE (event_index) FROM events WHERE dataset_id = $d
    UNION ALL BY NAME
    SELECT
        $d AS dataset_id,
        c.case_key,
        a.activity_id,
        n.source_activity,
        n.ts,
        n.lifecycle,
        n.resource,
        n.team,
        n.level,
        n.channel,
        n.priority,
        n.category,
        $f0 + n.file_idx AS file_id,
        n.source_row,
        n.attributes
    FROM new_events n
    JOIN cases c ON c.dataset_id = $d AND c.case_id = n.case_id
    JOIN activities a ON a.name = n.activity
)
SELECT
    *,
    row_number() OVER (PARTITION BY case_key ORDER BY ts, file_id, source_row)::INTEGER AS event_index
FROM everything
ORDER BY case_key, event_index
