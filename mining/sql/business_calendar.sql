-- Grain: one row: the working calendar of the local days around $start to $end, as lists indexed by
-- day (1 = the day before $start's local date). Columns: midnights (epoch seconds of each local
-- midnight, one more than the days: the last ends the span), opens (epoch seconds the day's working
-- interval starts; its midnight on a day off), lengths (seconds open; 0 on a day off), befores
-- (business seconds from the span's start to the day's opening).
-- Parameters: $zone (IANA time zone), $workdays (list of 0-6, Monday is 0), $holidays (list of
-- dates), $opens, $closes (local times of day), $start, $end (instants).
WITH days AS (
    SELECT
        d::DATE AS day,
        epoch(timezone($zone, d::TIMESTAMP)) AS midnight_s,
        list_contains($workdays::INTEGER[], isodow(d) - 1)
            AND NOT list_contains($holidays::DATE[], d::DATE)
            AS working,
        epoch(timezone($zone, d::DATE + $opens::TIME)) AS opens_s,
        epoch(timezone($zone, d::DATE + $closes::TIME)) AS closes_s
    FROM range(
        (timezone($zone, $start::TIMESTAMPTZ)::DATE - 1)::TIMESTAMP,
        (timezone($zone, $end::TIMESTAMPTZ)::DATE + 3)::TIMESTAMP,
        INTERVAL 1 DAY
    ) AS t(d)
),
intervals AS (
    SELECT
        day,
        midnight_s,
        CASE WHEN working THEN opens_s ELSE midnight_s END AS opens_s,
        CASE WHEN working THEN closes_s - opens_s ELSE 0 END AS length_s
    FROM days
)
SELECT
    list(midnight_s ORDER BY day) AS midnights,
    -- the last midnight only ends the span
    list(opens_s ORDER BY day) FILTER (WHERE day < last_day) AS opens,
    list(length_s ORDER BY day) FILTER (WHERE day < last_day) AS lengths,
    list(before_s ORDER BY day) FILTER (WHERE day < last_day) AS befores
FROM (
    SELECT
        *,
        max(day) OVER () AS last_day,
        coalesce(sum(length_s) OVER (ORDER BY day ROWS UNBOUNDED PRECEDING EXCLUDE CURRENT ROW), 0)
            AS before_s
    FROM intervals
)
