-- The business-hours macros over the TEMP table business_quarters (business_calendar.sql), which
-- mining/business_hours.py fills.
-- business_quarter(t): the key of the quarter hour holding TIMESTAMPTZ t in business_quarters.
CREATE OR REPLACE TEMP MACRO business_quarter(t) AS floor(epoch(t) / 900)::BIGINT;
-- business_clock_at(t, q): business seconds from the calendar's start to t, where q is t's row
-- of business_quarters (NULL outside the calendar). For many rows, join the table:
--   FROM x LEFT JOIN business_quarters q ON q.quarter = business_quarter(x.ts)
CREATE OR REPLACE TEMP MACRO business_clock_at(t, q) AS
    q.before_s + greatest(0, least(epoch(t) - q.quarter * 900 - q.opens_at, q.closes_at - q.opens_at));
-- local_week(t, q, zone): the Monday of the ISO week, in `zone` (the calendar's), of t, where q is
-- t's row of business_quarters (worked out from t outside the calendar); NULL when t is NULL.
CREATE OR REPLACE TEMP MACRO local_week(t, q, zone) AS
    CASE WHEN t IS NOT NULL THEN coalesce(q.week, date_trunc('week', timezone(zone, t))::DATE) END;
-- The same as scalars, for a few values at a time: business_clock(t), and business_seconds(a, b)
-- from a to b (negative when b is before a).
CREATE OR REPLACE TEMP MACRO business_clock(t) AS (
    SELECT business_clock_at(t, q) FROM business_quarters q WHERE q.quarter = business_quarter(t)
);
CREATE OR REPLACE TEMP MACRO business_seconds(a, b) AS business_clock(b) - business_clock(a);
