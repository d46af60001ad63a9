-- The business-hours macros over the calendar lists that mining/business_hours.py puts in the
-- connection variables business_midnights, business_opens, business_lengths, business_befores.
-- business_day(e): the calendar index of the local day holding epoch second e, NULL outside the
-- span; the 24-hour grid from the first midnight is off by at most one day around a clock change,
-- which one comparison on each side corrects.
CREATE OR REPLACE TEMP MACRO business_day_near(e, g) AS
    g - coalesce(e < getvariable('business_midnights')[g], false)::INTEGER
      + coalesce(e >= getvariable('business_midnights')[g + 1], false)::INTEGER;
CREATE OR REPLACE TEMP MACRO business_day(e) AS
    CASE WHEN e >= getvariable('business_midnights')[1]
        AND e < getvariable('business_midnights')[-1]
    THEN business_day_near(
        e, floor((e - getvariable('business_midnights')[1]) / 86400)::BIGINT + 1
    ) END;
-- business_clock(t): business seconds from the span's start to t; business_seconds(a, b): from a
-- to b, negative when b is before a.
CREATE OR REPLACE TEMP MACRO business_clock_at(e, i) AS
    getvariable('business_befores')[i]
    + greatest(0, least(e - getvariable('business_opens')[i], getvariable('business_lengths')[i]));
CREATE OR REPLACE TEMP MACRO business_clock(t) AS
    business_clock_at(epoch(t), business_day(epoch(t)));
CREATE OR REPLACE TEMP MACRO business_seconds(a, b) AS business_clock(b) - business_clock(a);
