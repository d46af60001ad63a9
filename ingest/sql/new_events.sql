-- The batch's events that are new to the data set. Event identity is (case, activity, ts, resource),
-- counted as a multiset: the k-th occurrence in a file is new when the data set holds fewer than
-- k, and an occurrence found in several files of one batch is kept once, from the first of them.
-- Grain: one row per new event of the TEMP relation keyed (the batch's events with case keys and
-- activity codes). Columns: those of keyed.
-- Parameters: $d (the data set's id).
WITH numbered AS (
    SELECT *, row_number() OVER (
        PARTITION BY file_idx, case_key, activity_id, ts, resource ORDER BY source_row
    ) AS occurrence
    FROM keyed
),
-- Stored events are compared as loaded: the data set's vocabulary may have renamed them since.
stored AS (
    SELECT case_key, coalesce(loaded_activity_id, activity_id) AS activity_id, ts, resource,
        count(*) AS n
    FROM events
    WHERE dataset_id = $d AND case_key IN (SELECT case_key FROM keyed)
        AND case_key BETWEEN (SELECT min(case_key) FROM keyed) AND (SELECT max(case_key) FROM keyed)
    GROUP BY ALL
)
SELECT numbered.* EXCLUDE (occurrence)
FROM numbered
LEFT JOIN stored
    ON stored.case_key = numbered.case_key
    AND stored.activity_id = numbered.activity_id
    AND stored.ts = numbered.ts
    AND stored.resource IS NOT DISTINCT FROM numbered.resource
WHERE numbered.occurrence > coalesce(stored.n, 0)
QUALIFY row_number() OVER (
    PARTITION BY numbered.case_key, numbered.activity_id, numbered.ts, numbered.resource, occurrence
    ORDER BY file_idx
) = 1
