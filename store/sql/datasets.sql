-- Grain: one row per data set. Columns: name, events, cases, first_ts, last_ts, format (csv, xes, or
-- both joined by "+"), loaded_at, version (bumped by every load that changes it). first_ts and
-- last_ts of the events within the plausible span: $floor, $ceiling (store.plausible).
SELECT
    d.name,
    coalesce(e.events, 0) AS events,
    -- a data set's tickets are those with facts (one row each, written with their events)
    (SELECT count(*) FROM ticket_facts t WHERE t.dataset_id = d.dataset_id) AS cases,
    e.first_ts,
    e.last_ts,
    (SELECT string_agg(DISTINCT f.format, '+' ORDER BY f.format)
     FROM source_files f WHERE f.dataset_id = d.dataset_id AND f.format <> '') AS format,
    d.loaded_at,
    d.version
FROM datasets d
LEFT JOIN (
    SELECT dataset_id, count(*) AS events,
        min(ts) FILTER (WHERE ts BETWEEN $floor AND $ceiling) AS first_ts,
        max(ts) FILTER (WHERE ts BETWEEN $floor AND $ceiling) AS last_ts
    FROM events
    GROUP BY dataset_id
) e USING (dataset_id)
ORDER BY d.name
