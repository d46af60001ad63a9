-- Grain: one row per ISO week (Monday start, UTC) and channel of the selected tickets (the TEMP
-- view selected_cases, see mining/selection.py), by the week they were created.
-- Columns: week (DATE of the Monday), channel ('unknown' when missing), tickets. No parameters.
SELECT
    date_trunc('week', timezone('UTC', created_at))::DATE AS week,
    coalesce(channel, 'unknown') AS channel,
    count(*) AS tickets
FROM selected_cases
GROUP BY ALL
ORDER BY week, channel
