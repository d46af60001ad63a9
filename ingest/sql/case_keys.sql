-- The batch's tickets and their case keys: known tickets keep theirs, new ones get the next keys in
-- order of their first event.
-- Grain: one row per ticket of the TEMP table per_case. Columns: case_id, case_key.
-- Parameters: $d (the data set's id).
WITH known AS (
    SELECT case_id, case_key FROM cases
    WHERE dataset_id = $d AND case_id IN (SELECT case_id FROM per_case)
)
SELECT case_id, case_key FROM known
UNION ALL
SELECT case_id,
    (SELECT coalesce(max(case_key), 0) FROM cases WHERE dataset_id = $d)
    + row_number() OVER (ORDER BY created_at, case_id) AS case_key
FROM per_case ANTI JOIN known USING (case_id)
