-- Grain: one row per dimension and value, reading the TEMP view flagged_tickets (ticket_flags.sql;
-- its rows kept once, as ticket_flags): dimension 'all' (value NULL: the whole selection), 'team'
-- (escalated_to), 'agent' (escalated_by), 'category' and 'channel'. Columns: dimension, value,
-- tickets (of that value), escalated_tickets, de_escalated_tickets, bounce_back_tickets,
-- ping_pong_tickets, push_to_front_tickets, resolved_without_escalation_share (of the value's
-- tickets; category and channel only), push_to_front_category (category only: the share reaches
-- the push-to-front threshold); the cost of its escalated tickets against the baseline, tickets
-- resolved without escalation (of the same value for category and channel, of the whole
-- selection for all, team and agent): resolved_tickets and baseline_tickets (the tickets
-- compared: of the months that have both), ttr_mean_hours, baseline_ttr_mean_hours,
-- extra_ttr_hours (difference of the means); csat_answers, csat_mean,
-- baseline_csat_answers, baseline_csat_mean, csat_gap (difference of the mean answers 1-5;
-- tickets without an answer count on neither side); example_tickets (case ids of up to five of
-- its escalated tickets, or of its tickets when none is escalated; first loaded first); and the
-- whole selection's, the same on every row: needless_tickets (bounce-back or push-to-front),
-- escalated_examples, de_escalated_examples, bounce_back_examples, ping_pong_examples,
-- push_to_front_examples (case ids of up to five tickets of each kind, first loaded first).
-- Like is compared with like in time: the means are compared month of creation by month, the
-- baseline's mean of each month weighed by the escalated tickets (answers) of that month, over
-- the months that have both (a desk that slowed down over the years does not make its later,
-- more often escalated tickets look slow for their escalation). The answers are counted in all
-- months.
-- No parameters.
WITH ticket_flags AS MATERIALIZED (FROM flagged_tickets),
long AS (
    SELECT 'all' AS dimension, NULL::VARCHAR AS value, * FROM ticket_flags
    UNION ALL
    SELECT 'team', escalated_to, * FROM ticket_flags WHERE escalated_to IS NOT NULL
    UNION ALL
    SELECT 'agent', escalated_by, * FROM ticket_flags WHERE escalated_by IS NOT NULL
    UNION ALL
    SELECT 'category', category, * FROM ticket_flags WHERE category IS NOT NULL
    UNION ALL
    SELECT 'channel', channel, * FROM ticket_flags WHERE channel IS NOT NULL
),
-- One pass over the long rows, by value and month of creation (conditional aggregates, NULL
-- where the condition fails, cost less than FILTER clauses, and case keys less than case ids:
-- the examples are named once grouped); the values' counts are their months' sums.
months AS (
    SELECT
        dimension,
        value,
        month,
        dimension IN ('category', 'channel') AS within_value,
        count(*) AS tickets,
        count_if(escalated) AS escalated_tickets,
        count_if(de_escalated) AS de_escalated_tickets,
        count_if(bounce_back) AS bounce_back_tickets,
        count_if(ping_pong) AS ping_pong_tickets,
        count_if(push_to_front) AS push_to_front_tickets,
        bool_or(push_to_front_category) AS push_to_front_category,
        count_if(escalated AND resolved) AS n,
        sum(if(escalated, ttr_seconds, NULL)) AS ttr,
        count(if(escalated, csat, NULL)) AS a,
        sum(if(escalated, csat, NULL)) AS csat,
        -- the baseline inside the value (used for category and channel; all's is everyone's)
        count_if(resolved AND NOT escalated) AS bn,
        sum(if(resolved AND NOT escalated, ttr_seconds, NULL)) AS bttr,
        count(if(resolved AND NOT escalated, csat, NULL)) AS ba,
        sum(if(resolved AND NOT escalated, csat, NULL)) AS bcsat,
        min(if(escalated, case_key, NULL), 5) AS escalated_keys,
        min(case_key, 5) AS keys
    FROM long
    GROUP BY ALL
),
-- Each month's baseline means beside its sums: the value's own for category and channel, the
-- whole selection's for all, team and agent.
paired AS (
    SELECT
        m.*,
        if(m.within_value, m.bn, w.bn) AS base_n,
        if(m.within_value, m.bttr / nullif(m.bn, 0), w.bttr / nullif(w.bn, 0)) AS base_ttr,
        if(m.within_value, m.bcsat / nullif(m.ba, 0), w.bcsat / nullif(w.ba, 0)) AS base_csat
    FROM months m
    LEFT JOIN months w ON w.dimension = 'all' AND w.month IS NOT DISTINCT FROM m.month
),
groups AS (
    SELECT
        dimension,
        value,
        sum(tickets)::BIGINT AS tickets,
        sum(escalated_tickets)::BIGINT AS escalated_tickets,
        sum(de_escalated_tickets)::BIGINT AS de_escalated_tickets,
        sum(bounce_back_tickets)::BIGINT AS bounce_back_tickets,
        sum(ping_pong_tickets)::BIGINT AS ping_pong_tickets,
        sum(push_to_front_tickets)::BIGINT AS push_to_front_tickets,
        bool_or(push_to_front_category) AS push_to_front_category,
        -- the tickets compared: of the months with escalated and baseline tickets both
        coalesce(sum(n) FILTER (WHERE base_ttr IS NOT NULL), 0)::BIGINT AS resolved_tickets,
        coalesce(sum(base_n) FILTER (WHERE base_ttr IS NOT NULL AND n > 0), 0)::BIGINT
            AS baseline_tickets,
        sum(a)::BIGINT AS csat_answers,
        sum(bn)::BIGINT AS own_baseline_tickets,
        sum(ba)::BIGINT AS own_baseline_answers,
        -- the months that have both sides
        sum(ttr) FILTER (WHERE base_ttr IS NOT NULL) / 3600
            / sum(n) FILTER (WHERE base_ttr IS NOT NULL AND n > 0) AS ttr_mean_hours,
        sum(n * base_ttr) / 3600 / sum(n) FILTER (WHERE base_ttr IS NOT NULL AND n > 0)
            AS baseline_ttr_mean_hours,
        sum(csat) FILTER (WHERE base_csat IS NOT NULL)
            / sum(a) FILTER (WHERE base_csat IS NOT NULL AND a > 0) AS csat_mean,
        sum(a * base_csat) / sum(a) FILTER (WHERE base_csat IS NOT NULL AND a > 0)
            AS baseline_csat_mean,
        -- up to five of its escalated tickets, or of its tickets when none is escalated
        list_slice(
            list_sort(coalesce(
                flatten(list(escalated_keys) FILTER (WHERE len(escalated_keys) > 0)),
                flatten(list(keys))
            )),
            1,
            5
        ) AS example_keys
    FROM paired
    GROUP BY dimension, value
),
examples AS (
    SELECT x.dimension, x.value, list(f.case_id ORDER BY f.case_key) AS example_tickets
    FROM (SELECT dimension, value, unnest(example_keys) AS case_key FROM groups) x
    JOIN ticket_flags f USING (case_key)
    GROUP BY ALL
),
kinds AS (
    SELECT
        count_if(needless)::BIGINT AS needless_tickets,
        coalesce(min_by(case_id, case_key, 5) FILTER (WHERE escalated), [])
            AS escalated_examples,
        coalesce(min_by(case_id, case_key, 5) FILTER (WHERE de_escalated), [])
            AS de_escalated_examples,
        coalesce(min_by(case_id, case_key, 5) FILTER (WHERE bounce_back), [])
            AS bounce_back_examples,
        coalesce(min_by(case_id, case_key, 5) FILTER (WHERE ping_pong), [])
            AS ping_pong_examples,
        coalesce(min_by(case_id, case_key, 5) FILTER (WHERE push_to_front), [])
            AS push_to_front_examples
    FROM ticket_flags
),
overall AS (
    SELECT own_baseline_answers AS all_answers
    FROM groups
    WHERE dimension = 'all'
),
baselined AS (
    SELECT *, dimension IN ('category', 'channel') AS within_value FROM groups
)
SELECT
    b.dimension,
    b.value,
    b.tickets,
    b.escalated_tickets,
    b.de_escalated_tickets,
    b.bounce_back_tickets,
    b.ping_pong_tickets,
    b.push_to_front_tickets,
    if(b.within_value, b.own_baseline_tickets / b.tickets, NULL) AS resolved_without_escalation_share,
    if(b.dimension = 'category', b.push_to_front_category, NULL) AS push_to_front_category,
    b.resolved_tickets,
    b.ttr_mean_hours,
    b.baseline_tickets,
    b.baseline_ttr_mean_hours,
    b.ttr_mean_hours - b.baseline_ttr_mean_hours AS extra_ttr_hours,
    b.csat_answers,
    b.csat_mean,
    if(b.within_value, b.own_baseline_answers, o.all_answers) AS baseline_csat_answers,
    b.baseline_csat_mean,
    b.csat_mean - b.baseline_csat_mean AS csat_gap,
    x.example_tickets,
    k.*
FROM baselined b
JOIN examples x ON x.dimension = b.dimension AND x.value IS NOT DISTINCT FROM b.value
CROSS JOIN overall o
CROSS JOIN kinds k
ORDER BY
    list_position(['all', 'team', 'category', 'agent', 'channel'], b.dimension),
    b.escalated_tickets DESC,
    b.value
