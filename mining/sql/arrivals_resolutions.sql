-- Grain: one row per weekday and hour of the day in time zone $zone (all 168, zeros included),
-- reading the TEMP views selected_cases and selected_events.
-- Columns: weekday (1 Monday to 7 Sunday), hour (0-23), arrivals (tickets created),
-- resolutions (`Resolved` events), example_tickets (case ids of up to five tickets created then,
-- first loaded first).
-- Parameters: $zone (IANA time zone).
WITH arrivals AS (
    SELECT
        isodow(local) AS weekday,
        hour(local) AS hour,
        count(*) AS arrivals,
        min_by(case_id, case_key, 5) AS example_tickets
    FROM (SELECT *, timezone($zone, created_at) AS local FROM selected_cases)
    GROUP BY ALL
),
resolutions AS (
    SELECT isodow(local) AS weekday, hour(local) AS hour, count(*) AS resolutions
    FROM (
        SELECT timezone($zone, ts) AS local
        FROM selected_events
        WHERE activity_id = (SELECT activity_id FROM activities WHERE name = 'Resolved')
    )
    GROUP BY ALL
)
SELECT
    d.weekday,
    h.hour,
    coalesce(a.arrivals, 0) AS arrivals,
    coalesce(r.resolutions, 0) AS resolutions,
    coalesce(a.example_tickets, []) AS example_tickets
FROM range(1, 8) AS d(weekday)
CROSS JOIN range(0, 24) AS h(hour)
LEFT JOIN arrivals a USING (weekday, hour)
LEFT JOIN resolutions r USING (weekday, hour)
ORDER BY d.weekday, h.hour
