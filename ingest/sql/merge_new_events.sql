-- The batch events not stored yet. Event identity is (case, activity, ts, resource) counted as a
-- multiset: the k-th occurrence in a file is new when the data set holds fewer than k, and an
-- occurrence found in several files of one batch is kept once, from the first of them.
-- Grain: one row per new event. Parameters: $d data set id.
CREATE TEMP TABLE new_events AS
WITH numbered AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY file_idx, case_id, activity, ts, resource ORDER BY source_row
        ) AS occurrence
    FROM batch
),
stored AS (
    SELECT c.case_id, a.name AS activity, e.ts, e.resource, count(*) AS n
    FROM events e
    JOIN cases c USING (dataset_id, case_key)
    JOIN activities a USING (activity_id)
    WHERE e.dataset_id = $d
    GROUP BY ALL
)
SELECT numbered.* EXCLUDE (occurrence)
FROM numbered
LEFT JOIN stored
    ON stored.case_id = numbered.case_id
    AND stored.activity = numbered.activity
    AND stored.ts = numbered.ts
    AND stored.resource IS NOT DISTINCT FROM numbered.resource
WHERE numbered.occurrence > coalesce(stored.n, 0)
QUALIFY row_number() OVER (
    PARTITION BY numbered.case_id, numbered.activity, numbered.ts, numbered.resource, occurrence
    ORDER BY file_idx
) = 1
