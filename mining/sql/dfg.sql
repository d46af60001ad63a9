-- Grain: one row per directly-follows edge (kind 'edge': source directly followed by target in a
-- ticket), per start activity (kind 'start': first event of a ticket) and per end activity (kind
-- 'end': last event). Reads the TEMP views selected_events and selected_cases.
-- Columns: kind, source (activity name; the start or end activity), target (NULL unless an edge),
-- count (edges: how often target directly follows source; start and end: tickets), median_seconds,
-- mean_seconds, p90_seconds (edges: time from source to target; else NULL), examples (up to five
-- ticket ids, the first created; an edge's come from its first 25 occurrences, so only a ticket
-- repeating it more than 20 times can leave the list short of five).
-- No parameters.
WITH steps AS (
    -- each event with the next of its ticket, as the store keeps it (none on a ticket's last)
    SELECT
        case_key,
        event_index,
        activity_id AS source_id,
        next_activity_id AS target_id,
        (epoch_us(next_ts) - epoch_us(ts)) / 1e6 AS seconds
    FROM selected_events
),
pairs AS MATERIALIZED (
    -- one aggregate for all: edges, ends (target NULL) and, among them, the tickets' first events
    SELECT
        source_id,
        target_id,
        count(*) AS count,
        quantile_cont(seconds, [0.5, 0.9]) AS quantiles,
        avg(seconds) AS mean_seconds,
        min(case_key, 25) AS example_keys,
        count(*) FILTER (WHERE event_index = 1) AS starts,
        min(case_key, 5) FILTER (WHERE event_index = 1) AS start_keys
    FROM steps
    GROUP BY source_id, target_id
),
grouped AS (
    SELECT
        CASE WHEN target_id IS NULL THEN 'end' ELSE 'edge' END AS kind,
        source_id,
        target_id,
        count,
        quantiles,
        mean_seconds,
        list_sort(list_distinct(example_keys))[1:5] AS example_keys
    FROM pairs
    UNION ALL
    -- a ticket starts once: the first five of an activity are among the first five of its pairs
    SELECT
        'start', source_id, NULL, sum(starts)::BIGINT, NULL, NULL,
        list_sort(flatten(list(start_keys)))[1:5]
    FROM pairs
    WHERE starts > 0
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
