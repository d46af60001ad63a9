-- Grain: one row per directly-follows edge (kind 'edge': source directly followed by target in a
-- ticket), per start activity (kind 'start': first event of a ticket) and per end activity (kind
-- 'end': last event). Reads the TEMP view selected_events.
-- Columns: kind, source (activity name; the start or end activity), target (NULL unless an edge),
-- count (edges: how often target directly follows source; start and end: tickets), median_seconds,
-- mean_seconds, p90_seconds (edges: time from source to target; else NULL), examples (up to five
-- distinct ticket ids, the first created).
-- No parameters.
WITH steps AS MATERIALIZED (
    SELECT
        case_key,
        event_index,
        activity_id AS source_id,
        lead(activity_id) OVER w AS target_id,
        (lead(epoch_us(ts)) OVER w - epoch_us(ts)) / 1e6 AS seconds
    FROM selected_events
    WINDOW w AS (PARTITION BY case_key ORDER BY event_index)
),
grouped AS MATERIALIZED (
    SELECT
        'edge' AS kind,
        source_id,
        target_id,
        count(*) AS count,
        median(seconds) AS median_seconds,
        avg(seconds) AS mean_seconds,
        quantile_cont(seconds, 0.9) AS p90_seconds,
        min(DISTINCT case_key, 5) AS example_keys
    FROM steps
    WHERE target_id IS NOT NULL
    GROUP BY source_id, target_id
    UNION ALL
    SELECT 'start', source_id, NULL, count(*), NULL, NULL, NULL, min(case_key, 5)
    FROM steps
    WHERE event_index = 1
    GROUP BY source_id
    UNION ALL
    SELECT 'end', source_id, NULL, count(*), NULL, NULL, NULL, min(case_key, 5)
    FROM steps
    WHERE target_id IS NULL
    GROUP BY source_id
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
    g.median_seconds,
    g.mean_seconds,
    g.p90_seconds,
    x.examples
FROM grouped g
JOIN examples x ON x.kind = g.kind AND x.source_id = g.source_id
    AND x.target_id IS NOT DISTINCT FROM g.target_id
JOIN activities s ON s.activity_id = g.source_id
LEFT JOIN activities t ON t.activity_id = g.target_id
ORDER BY g.kind, g.count DESC, source, target
