-- Grain: one row per selected ticket (reads the TEMP views selected_events and selected_cases).
-- Columns: case_key, case_id, created_at, path_key (identifies the ticket's sequence of activities:
-- a sum of hashes of (position, activity), so no per-ticket sort is needed; equal sequences get
-- equal keys, and distinct ones collide with a chance of about one in 10^15 per pair of variants),
-- ttr_seconds (time to resolution: first event to the last event of activity $resolved, NULL when
-- the ticket has none; first to last event when $resolved is NULL), csat, ces, nps (the ticket's
-- survey answers, or NULL).
-- Parameters: $resolved the activity id of `Resolved`, or NULL.
SELECT
    e.case_key,
    c.case_id,
    c.created_at,
    e.path_key,
    e.ttr_seconds,
    c.csat,
    c.ces,
    c.nps
FROM (
    SELECT
        case_key,
        sum(hash(event_index, activity_id)) AS path_key,
        (
            CASE
                WHEN $resolved IS NULL THEN max(epoch_us(ts))
                ELSE max(epoch_us(ts)) FILTER (WHERE activity_id = $resolved)
            END - min(epoch_us(ts))
        ) / 1e6 AS ttr_seconds
    FROM selected_events
    GROUP BY case_key
) e
JOIN selected_cases c USING (case_key)
