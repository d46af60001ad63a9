-- Grain: one row per variant (distinct activity sequence) of the selected tickets, most frequent
-- first. Reads the TEMP table ticket_paths (ticket_paths.sql) and the TEMP view selected_events.
-- Columns: rank (1 = most frequent), activities (names, in order), tickets, share (0-1 of the
-- selected tickets), coverage (0-1, cumulative share up to this variant), events (per ticket),
-- median_ttr_hours (over the tickets with a time to resolution), csat_mean, csat_answers, ces_mean,
-- ces_answers, nps_mean, nps_answers (mean answer and how many tickets answered; NULL mean when
-- none did), examples (up to five ticket ids, the first created: lowest case keys).
-- Parameters: $limit how many variants (NULL: all).
-- Only the variants as frequent as the $limit-th (ties kept, so the order by activities among
-- them holds) get their list of activities: building every variant's list took 0.37 s of 0.39
-- at 1M events for a top 20.
WITH counted AS (
    SELECT
        path_key,
        min(case_key) AS first_key,
        count(*) AS tickets,
        median(ttr_seconds) / 3600 AS median_ttr_hours,
        avg(csat) AS csat_mean,
        count(csat) AS csat_answers,
        avg(ces) AS ces_mean,
        count(ces) AS ces_answers,
        avg(nps) AS nps_mean,
        count(nps) AS nps_answers,
        arg_min(case_id, case_key, 5) AS examples
    FROM ticket_paths
    GROUP BY path_key
),
shown AS (
    -- the variants at least as frequent as the $limit-th (none when $limit is 0)
    SELECT *
    FROM counted
    WHERE tickets >= (SELECT min(tickets) FROM (
        SELECT tickets FROM counted ORDER BY tickets DESC LIMIT $limit
    ))
),
paths AS (
    -- the activities of each shown variant, read from its first ticket
    SELECT e.case_key AS first_key, list(a.name ORDER BY e.event_index) AS activities
    FROM selected_events e
    JOIN activities a USING (activity_id)
    WHERE e.case_key IN (SELECT first_key FROM shown)
    GROUP BY e.case_key
),
ranked AS (
    -- every variant more frequent than a shown one is shown: the running sum is the whole one's
    SELECT
        row_number() OVER (ORDER BY c.tickets DESC, p.activities) AS rank,
        p.activities,
        c.*,
        c.tickets / (SELECT sum(tickets) FROM counted) AS share,
        sum(c.tickets) OVER (ORDER BY c.tickets DESC, p.activities ROWS UNBOUNDED PRECEDING)
            / (SELECT sum(tickets) FROM counted) AS coverage
    FROM shown c
    JOIN paths p USING (first_key)
)
SELECT
    rank,
    activities,
    tickets,
    share,
    coverage,
    len(activities) AS events,
    median_ttr_hours,
    csat_mean,
    csat_answers,
    ces_mean,
    ces_answers,
    nps_mean,
    nps_answers,
    examples
FROM ranked
ORDER BY rank
LIMIT $limit
