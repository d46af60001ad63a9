-- Grain: one row per directly-follows edge (kind 'edge': source directly followed by target in a
-- ticket), per start activity (kind 'start': first event of a ticket) and per end activity (kind
-- 'end': last event). Reads the TEMP views selected_events and selected_cases.
-- Columns: kind, source (activity name; the start or end activity), target (NULL unless an edge),
-- count (edges: how often target directly follows source; start and end: tickets), median_seconds,
-- mean_seconds, p90_seconds (edges: time from source to target; else NULL), examples (up to five
-- distinct ticket ids, the first created).
-- No parameters.
WITH steps AS (
    SELECT
        case_key,
        activity_id AS source_id,
        lead(activity_id) OVER w AS target_id,
        (lead(epoch_us(ts)) OVER w - epoch_us(ts)) / 1e6 AS seconds
    FROM selected_events
    WINDOW w AS (PARTITION BY case_key ORDER BY event_index)
),
grouped AS (
    -- an edge per pair; a ticket's last event has no target: it counts for its end activity
    SELECT
        CASE WHEN target_id IS NULL THEN 'end' ELSE 'edge' END AS kind,
        source_id,
        target_id,
        count(*) AS count,
        quantile_cont(seconds, [0.5, 0.9]) AS quantiles,
        avg(seconds) AS mean_seconds,
        min(DISTINCT case_key, 5) AS example_keys
    FROM steps
    GROUP BY source_id, target_id
    UNION ALL
    SELECT 'start', activity_id, NULL, count(*), NULL, NULL, min(case_key, 5)
    FROM selected_events
    WHERE event_index = 1
    GROUP BY activity_id
),
examples AS (
    SELECT x.kind, x.source_id, x.target_id, list(c.case_id ORDER BY c.case_key) AS examples
    FROM (SELECT kind, source_id, target_id, unnest(example_keys) AS case_key FROM grouped) x
    JOIN selected_cases c USING (case_key)
    GROUP BY ALL
)
SELECT
    g.kind,
    s.name AS source,
    t.name AS target,
    g.count,
    g.quantiles[1] AS median_seconds,
    g.mean_seconds,
    g.quantiles[2] AS p90_seconds,
    x.examples
FROM grouped g
JOIN examples x ON x.kind = g.kind AND x.source_id = g.source_id
    AND x.target_id IS NOT DISTINCT FROM g.target_id
JOIN activities s ON s.activity_id = g.source_id
LEFT JOIN activities t ON t.activity_id = g.target_id
ORDER BY g.kind, g.count DESC, source, target
