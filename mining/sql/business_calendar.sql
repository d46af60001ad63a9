-- Grain: one row per quarter hour from the local day before $start's to the local day after $end's:
-- the working calendar. Columns: quarter (epoch seconds / 900), before_s (business seconds from
-- the first quarter to this one), opens_at and closes_at (the seconds into the quarter the desk is
-- open from and to, 0-900; both 0 when it is shut), week (the Monday of its local day's ISO week). A quarter hour lies within one local day,
-- since time zone offsets are whole quarter hours, so it holds at most one opening or closing.
-- Parameters: $zone (IANA time zone), $workdays (list of 0-6, Monday is 0), $holidays (list of
-- dates), $opens, $closes (local times of day), $start, $end (instants).
WITH days AS (
    SELECT
        d::DATE AS day,
        epoch(timezone($zone, d::TIMESTAMP))::BIGINT AS midnight_s,
        list_contains($workdays::INTEGER[], isodow(d) - 1)
            AND NOT list_contains($holidays::DATE[], d::DATE) AS working,
        epoch(timezone($zone, d::DATE + $opens::TIME))::BIGINT AS opens_s,
        epoch(timezone($zone, d::DATE + $closes::TIME))::BIGINT AS closes_s
    FROM range(
        (timezone($zone, $start::TIMESTAMPTZ)::DATE - 1)::TIMESTAMP,
        (timezone($zone, $end::TIMESTAMPTZ)::DATE + 3)::TIMESTAMP,
        INTERVAL 1 DAY
    ) AS t(d)
),
opening AS (
    SELECT
        quarter_s,
        day,
        if(working, least(900, greatest(0, opens_s - quarter_s)), 0) AS opens_at,
        if(working, least(900, greatest(0, closes_s - quarter_s)), 0) AS closes_at
    FROM (
        SELECT *, unnest(range(midnight_s, next_midnight_s, 900)) AS quarter_s
        FROM (SELECT *, lead(midnight_s) OVER (ORDER BY day) AS next_midnight_s FROM days)
        WHERE next_midnight_s IS NOT NULL
    )
),
shut AS (
    SELECT
        quarter_s,
        day,
        if(closes_at > opens_at, opens_at, 0) AS opens_at,
        if(closes_at > opens_at, closes_at, 0) AS closes_at
    FROM opening
)
SELECT
    quarter_s // 900 AS quarter,
    (sum(closes_at - opens_at) OVER (ORDER BY quarter_s ROWS UNBOUNDED PRECEDING)
        - (closes_at - opens_at))::BIGINT AS before_s,
    opens_at::INTEGER AS opens_at,
    closes_at::INTEGER AS closes_at,
    date_trunc('week', day)::DATE AS week
FROM shut
