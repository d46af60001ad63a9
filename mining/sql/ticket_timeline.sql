-- Grain: one row per event of one ticket, in order.
-- Columns: step (1-based position), ts (UTC without a zone, which the caller adds: DuckDB's
-- conversion of a TIMESTAMPTZ to pandas 3 calls a deprecated DataFrame.drop(inplace=True)),
-- activity (name), source_activity (label in the source file; the store keeps it only where it
-- differs from the name), lifecycle, resource, team, level, wait_seconds (since the previous
-- event; NULL first).
-- Parameters: $d data set id, $case_key the ticket.
SELECT
    e.event_index AS step,
    timezone('UTC', e.ts) AS ts,
    a.name AS activity,
    coalesce(e.source_activity, a.name) AS source_activity,
    e.lifecycle,
    e.resource,
    e.team,
    e.level,
    (epoch_us(e.ts) - lag(epoch_us(e.ts)) OVER (ORDER BY e.event_index)) / 1e6 AS wait_seconds
FROM events e
JOIN activities a USING (activity_id)
WHERE e.dataset_id = $d AND e.case_key = $case_key
ORDER BY e.event_index
