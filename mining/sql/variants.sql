-- Grain: one row per variant (distinct activity sequence) of the selected tickets, most frequent
-- first. Reads the TEMP table ticket_paths (ticket_paths.sql).
-- Columns: rank (1 = most frequent), activities (names, in order), tickets, share (0-1 of the
-- selected tickets), coverage (0-1, cumulative share up to this variant), events (per ticket),
-- median_ttr_hours (over the tickets with a time to resolution), csat_mean, csat_answers, ces_mean,
-- ces_answers, nps_mean, nps_answers (mean answer and how many tickets answered; NULL mean when
-- none did), examples (up to five ticket ids, the first created: lowest case keys).
-- Parameters: $limit how many variants (NULL: all).
WITH names AS (
    -- activity ids are dense from 1, so the id indexes this list
    SELECT list(name ORDER BY activity_id) AS names FROM activities
),
counted AS (
    SELECT
        list_transform(path, lambda x: names[x]) AS activities,
        count(*) AS tickets,
        median(ttr_seconds) / 3600 AS median_ttr_hours,
        avg(csat) AS csat_mean,
        count(csat) AS csat_answers,
        avg(ces) AS ces_mean,
        count(ces) AS ces_answers,
        avg(nps) AS nps_mean,
        count(nps) AS nps_answers,
        arg_min(case_id, case_key, 5) AS examples
    FROM ticket_paths, names
    GROUP BY path, names
),
ranked AS (
    SELECT
        row_number() OVER (ORDER BY tickets DESC, activities) AS rank,
        *,
        tickets / sum(tickets) OVER () AS share,
        sum(tickets) OVER (ORDER BY tickets DESC, activities ROWS UNBOUNDED PRECEDING)
            / sum(tickets) OVER () AS coverage
    FROM counted
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
