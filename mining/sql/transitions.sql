-- Grain: one row per transition (an activity directly followed by another in a ticket) and kind of
-- waiting, reading the TEMP view selected_events and the TEMP macros wait_clock(t) (seconds on
-- the clock in use) and longest_first(wait_s, case_key).
-- Columns: from_activity, to_activity, waiting_for ('customer' when the last of `Information
-- requested` and `Customer replied` before the step is a request, else 'internal'), transitions,
-- total_hours (transitions x mean), mean_hours, median_hours, p90_hours, example_keys (case keys of
-- up to ten of the longest waits, longest first, ties by smaller key).
-- No parameters.
WITH ids AS (
    SELECT
        max(activity_id) FILTER (WHERE name = 'Information requested') AS requested,
        max(activity_id) FILTER (WHERE name = 'Customer replied') AS replied
    FROM activities
),
clocked AS (
    SELECT
        e.case_key,
        e.event_index,
        e.activity_id,
        wait_clock(e.ts) AS clock_s,
        CASE WHEN e.activity_id IN (ids.requested, ids.replied) THEN e.activity_id END AS exchange
    FROM selected_events e, ids
),
steps AS (
    SELECT
        case_key,
        lag(activity_id) OVER w AS from_id,
        activity_id AS to_id,
        clock_s - lag(clock_s) OVER w AS wait_s,
        last_value(exchange IGNORE NULLS) OVER (
            w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS last_exchange
    FROM clocked
    WINDOW w AS (PARTITION BY case_key ORDER BY event_index)
),
kinds AS (
    SELECT
        s.case_key,
        s.from_id,
        s.to_id,
        s.wait_s,
        if(s.last_exchange = ids.requested, 'customer', 'internal') AS waiting_for
    FROM steps s, ids
    WHERE s.from_id IS NOT NULL
),
grouped AS (
    SELECT
        from_id,
        to_id,
        waiting_for,
        count(*) AS transitions,
        sum(wait_s) / 3600 AS total_hours,
        avg(wait_s) / 3600 AS mean_hours,
        median(wait_s) / 3600 AS median_hours,
        quantile_cont(wait_s, 0.9) / 3600 AS p90_hours,
        coalesce(max_by(case_key, longest_first(wait_s, case_key), 10), []) AS example_keys
    FROM kinds
    GROUP BY from_id, to_id, waiting_for
)
SELECT
    f.name AS from_activity,
    t.name AS to_activity,
    g.waiting_for,
    g.transitions,
    g.total_hours,
    g.mean_hours,
    g.median_hours,
    g.p90_hours,
    g.example_keys
FROM grouped g
JOIN activities f ON f.activity_id = g.from_id
JOIN activities t ON t.activity_id = g.to_id
ORDER BY g.total_hours DESC, from_activity, to_activity, g.waiting_for
