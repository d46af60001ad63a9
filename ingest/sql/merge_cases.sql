-- Upsert one row per ticket of the batch. New tickets get the next case keys in order of their
-- first event; known tickets keep their key and earliest creation time, gain case attributes they
-- lacked, and take the newest survey answers. Grain: one row per ticket. Parameters: $d.
INSERT INTO cases
WITH per_case AS (
    SELECT
        case_id,
        min(ts) AS created_at,
        arg_min(channel, ts) FILTER (WHERE channel IS NOT NULL) AS channel,
        arg_min(priority, ts) FILTER (WHERE priority IS NOT NULL) AS priority,
        arg_min(category, ts) FILTER (WHERE category IS NOT NULL) AS category,
        arg_max(csat, ts) FILTER (WHERE csat IS NOT NULL) AS csat,
        arg_max(ces, ts) FILTER (WHERE ces IS NOT NULL) AS ces,
        arg_max(nps, ts) FILTER (WHERE nps IS NOT NULL) AS nps,
        arg_max(case_attributes, ts) FILTER (WHERE case_attributes IS NOT NULL) AS attributes
    FROM batch
    GROUP BY case_id
),
known AS (
    SELECT case_id, case_key FROM cases WHERE dataset_id = $d
),
keys AS (
    SELECT case_id, case_key FROM known
    UNION ALL
    SELECT
        case_id,
        (SELECT coalesce(max(case_key), 0) FROM known)
            + row_number() OVER (ORDER BY created_at, case_id) AS case_key
    FROM per_case
    WHERE case_id NOT IN (SELECT case_id FROM known)
)
SELECT
    $d, keys.case_key, p.case_id, p.created_at, p.channel, p.priority, p.category,
    p.csat, p.ces, p.nps, p.attributes
FROM per_case p
JOIN keys USING (case_id)
ON CONFLICT (dataset_id, case_key) DO UPDATE SET
    created_at = least(cases.created_at, excluded.created_at),
    channel = coalesce(cases.channel, excluded.channel),
    priority = coalesce(cases.priority, excluded.priority),
    category = coalesce(cases.category, excluded.category),
    csat = coalesce(excluded.csat, cases.csat),
    ces = coalesce(excluded.ces, cases.ces),
    nps = coalesce(excluded.nps, cases.nps),
    attributes = coalesce(excluded.attributes, cases.attributes)
