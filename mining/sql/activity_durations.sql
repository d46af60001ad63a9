-- Grain: one row per activity of the selected activity instances: their processing time, from the
-- instance's start (start_ts) to its closing event; none for an activity never started. Reads
-- the TEMP view clocked_events (selected_events, which holds activity instances on a log with
-- lifecycle start and complete events, with clock_s, seconds on the clock in use), the TEMP
-- macros clock_of(t) and longest_first.
-- Columns: activity, pairs (instances with a start and a complete), unpaired (instances completed
-- without a start), total_hours, mean_hours, median_hours, p90_hours, example_keys (case keys of
-- up to ten of the longest durations, longest first, ties by smaller key).
-- No parameters.
WITH timed AS (
    SELECT case_key, activity_id, clock_s - clock_of(start_ts) AS duration_s
    FROM clocked_events
)
SELECT
    a.name AS activity,
    count(duration_s) AS pairs,
    count(*) - count(duration_s) AS unpaired,
    sum(duration_s) / 3600 AS total_hours,
    avg(duration_s) / 3600 AS mean_hours,
    median(duration_s) / 3600 AS median_hours,
    quantile_cont(duration_s, 0.9) / 3600 AS p90_hours,
    coalesce(max_by(case_key, longest_first(duration_s, case_key), 10), []) AS example_keys
FROM timed
JOIN activities a USING (activity_id)
GROUP BY a.name
ORDER BY total_hours DESC NULLS LAST, activity
