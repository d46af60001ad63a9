-- Grain: one row per weekday and hour of the day in time zone $zone (all 168, zeros included),
-- reading the TEMP views selected_cases and selected_events.
-- Columns: weekday (1 Monday to 7 Sunday), hour (0-23), arrivals (tickets created),
-- resolutions (`Resolved` events), example_tickets (case ids of up to five tickets created then,
-- first loaded first).
-- Parameters: $zone (IANA time zone).
WITH instants AS NOT MATERIALIZED (
    -- tickets created (with their keys) and `Resolved` events (without), each with its UTC
    -- quarter hour (microseconds floor-divided)
    SELECT
        case_key,
        case_id,
        instant,
        epoch_us(instant) // 900000000 - (epoch_us(instant) % 900000000 < 0)::BIGINT AS quarter
    FROM (
        SELECT case_key, case_id, created_at AS instant FROM selected_cases
        UNION ALL
        SELECT NULL, NULL, ts
        FROM selected_events
        WHERE activity_id = (SELECT activity_id FROM activities WHERE name = 'Resolved')
    )
),
-- The local hour of the week (isodow * 24 + hour) is read once per quarter hour, not once per
-- instant (the time zone's rules take far longer than the rest): a quarter hour whose offset
-- from UTC stays the same and whose first and last instants fall in one local hour has it for
-- all its instants; the others (a change of clocks inside, an offset off the quarter hour) have
-- none, and their instants are read one by one.
quarters AS (
    SELECT
        quarter,
        if(
            epoch_us(first) - quarter * 900000000
                = epoch_us(last) - (quarter * 900000000 + 899999999)
                AND date_trunc('hour', first) = date_trunc('hour', last),
            isodow(first) * 24 + hour(first),
            NULL
        ) AS local_hour
    FROM (
        SELECT
            quarter,
            timezone($zone, make_timestamptz(quarter * 900000000)) AS first,
            timezone($zone, make_timestamptz(quarter * 900000000 + 899999999)) AS last
        FROM (SELECT DISTINCT quarter FROM instants)
    )
),
counted AS (
    SELECT
        local_hour,
        count(case_key) AS arrivals,
        count(*) - count(case_key) AS resolutions,
        min_by(case_id, case_key, 5) AS example_tickets
    FROM (
        SELECT
            i.case_key,
            i.case_id,
            CASE  -- not coalesce(): the zone is read only where needed
                WHEN q.local_hour IS NULL
                    THEN isodow(timezone($zone, i.instant)) * 24 + hour(timezone($zone, i.instant))
                ELSE q.local_hour
            END AS local_hour
        FROM instants i
        JOIN quarters q USING (quarter)
    )
    GROUP BY local_hour
)
SELECT
    d.weekday,
    h.hour,
    coalesce(c.arrivals, 0) AS arrivals,
    coalesce(c.resolutions, 0) AS resolutions,
    coalesce(c.example_tickets, []) AS example_tickets
FROM range(1, 8) AS d(weekday)
CROSS JOIN range(0, 24) AS h(hour)
LEFT JOIN counted c ON c.local_hour = d.weekday * 24 + h.hour
ORDER BY d.weekday, h.hour
