-- Grain: one row per team that `Assigned` events name, reading the TEMP view selected_events and
-- the TEMP macro wait_clock(t). An assignment waits in the team's queue from the `Assigned` event
-- to the team's next event in the ticket (any activity by that team); assignments the team never
-- acts on afterwards are left out and counted in `not_acted_on`.
-- Columns: team, assignments, not_acted_on, total_hours, mean_hours, median_hours, p90_hours,
-- example_keys (case keys of up to ten of the longest waits, longest first, ties by smaller key).
-- No parameters.
WITH waits AS (
    SELECT
        case_key,
        activity_id,
        team,
        lead(clock_s) OVER (PARTITION BY case_key, team ORDER BY event_index) - clock_s AS wait_s
    FROM (SELECT *, wait_clock(ts) AS clock_s FROM selected_events WHERE team IS NOT NULL)
)
SELECT
    team,
    count(wait_s) AS assignments,
    count(*) - count(wait_s) AS not_acted_on,
    sum(wait_s) / 3600 AS total_hours,
    avg(wait_s) / 3600 AS mean_hours,
    median(wait_s) / 3600 AS median_hours,
    quantile_cont(wait_s, 0.9) / 3600 AS p90_hours,
    coalesce(
        max_by(case_key, longest_first(wait_s, case_key), 10) FILTER (WHERE wait_s IS NOT NULL), []
    ) AS example_keys
FROM waits
WHERE activity_id = (SELECT activity_id FROM activities WHERE name = 'Assigned')
GROUP BY team
ORDER BY total_hours DESC NULLS LAST, team
