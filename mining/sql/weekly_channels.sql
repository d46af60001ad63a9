-- Grain: one row per ISO week (Monday start, UTC) and channel of data set $d, for the tickets created
-- that week. Columns: week (DATE of the Monday), channel ('unknown' when missing), tickets.
SELECT
    date_trunc('week', timezone('UTC', created_at))::DATE AS week,
    coalesce(channel, 'unknown') AS channel,
    count(*) AS tickets
FROM cases
WHERE dataset_id = $d
GROUP BY ALL
ORDER BY week, channel
