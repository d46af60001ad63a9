-- Grain: one row per source label of data set $d (the label of its events as the log wrote it)
-- and the activity it had as loaded (one per label but where the loaded vocabulary split it).
-- Columns: label, loaded (the activity as loaded), activity (what it is now), events (how many).
-- Parameters: $d (the data set's id).
-- Events are counted by their codes first, then named: no join per event.
SELECT
    coalesce(e.source_activity, a.name) AS label,
    coalesce(l.name, a.name) AS loaded,
    any_value(a.name) AS activity,
    sum(e.n)::BIGINT AS events
FROM (
    SELECT source_activity, activity_id, loaded_activity_id, count(*) AS n
    FROM events
    WHERE dataset_id = $d
    GROUP BY ALL
) e
JOIN activities a ON a.activity_id = e.activity_id
LEFT JOIN activities l ON l.activity_id = e.loaded_activity_id
GROUP BY ALL
ORDER BY events DESC, label, loaded
