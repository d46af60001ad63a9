-- Grain: one row per activity with lifecycle `start` and `complete` events (in any case), reading
-- the TEMP view clocked_events (selected_events with clock_s, seconds on the clock in use) and the
-- TEMP macro longest_first. In each ticket, each `complete` of an activity closes the earliest
-- still open `start` of the same activity (first in, first out); a `complete` with no open `start`
-- is unpaired, and so is a `start` never completed.
-- Columns: activity, pairs, unpaired (starts and completes without a partner), total_hours,
-- mean_hours, median_hours, p90_hours, example_keys (case keys of up to ten of the longest
-- durations, longest first, ties by smaller key).
-- No parameters.
WITH marks AS (
    SELECT
        case_key,
        activity_id,
        event_index,
        clock_s,
        lower(lifecycle) = 'start' AS is_start
    FROM clocked_events
    WHERE lower(lifecycle) IN ('start', 'complete')
),
counted AS (
    SELECT
        *,
        count(*) FILTER (WHERE is_start) OVER w AS starts,
        count(*) FILTER (WHERE NOT is_start) OVER w AS completes
    FROM marks
    WINDOW w AS (PARTITION BY case_key, activity_id ORDER BY event_index ROWS UNBOUNDED PRECEDING)
),
-- A complete is unpaired when it finds no open start: the running excess of completes over
-- starts then reaches a new high. The completes paired so far are those minus the unpaired ones,
-- and the n-th paired complete closes the n-th start.
numbered AS (
    SELECT
        *,
        if(is_start, starts, completes - greatest(0, max(completes - starts) OVER (
            PARTITION BY case_key, activity_id ORDER BY event_index ROWS UNBOUNDED PRECEDING
        ))) AS pair_number,
        NOT is_start AND completes - starts > greatest(0, coalesce(max(completes - starts) OVER (
            PARTITION BY case_key, activity_id ORDER BY event_index
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ), 0)) AS unpaired_complete
    FROM counted
),
pairs AS (
    SELECT s.case_key, s.activity_id, c.clock_s - s.clock_s AS duration_s
    FROM numbered s
    JOIN numbered c
        ON c.case_key = s.case_key AND c.activity_id = s.activity_id
        AND c.pair_number = s.pair_number AND NOT c.is_start AND NOT c.unpaired_complete
    WHERE s.is_start
),
per_activity AS (
    SELECT
        activity_id,
        count(*) AS pairs,
        sum(duration_s) / 3600 AS total_hours,
        avg(duration_s) / 3600 AS mean_hours,
        median(duration_s) / 3600 AS median_hours,
        quantile_cont(duration_s, 0.9) / 3600 AS p90_hours,
        max_by(case_key, longest_first(duration_s, case_key), 10) AS example_keys
    FROM pairs
    GROUP BY activity_id
),
marks_per_activity AS (
    SELECT activity_id, count(*) AS marks FROM marks GROUP BY activity_id
)
SELECT
    a.name AS activity,
    coalesce(p.pairs, 0) AS pairs,
    m.marks - 2 * coalesce(p.pairs, 0) AS unpaired,
    p.total_hours,
    p.mean_hours,
    p.median_hours,
    p.p90_hours,
    coalesce(p.example_keys, []) AS example_keys
FROM marks_per_activity m
JOIN activities a USING (activity_id)
LEFT JOIN per_activity p USING (activity_id)
ORDER BY p.total_hours DESC NULLS LAST, activity
