-- Grain: one row per deviation found in the selected tickets: a model activity some tickets skipped,
-- or an activity some did that the model does not allow there. Reads the TEMP tables
-- ticket_variants (each selected ticket with the rowid of its variant) and variant_replays
-- (conformance_lookup.sql, complete).
-- Columns: deviation ('skipped: X' or 'unexpected: X'), kind, activity, accepted (listed in
-- $accepted), tickets (affected), share (0-1 of the selected tickets), examples (up to five
-- affected ticket ids, the first created), affected_variants (the rowids in variant_replays of the
-- variants it affects: mining.conformance reads the median times to resolution off them), and
-- what it costs, for the affected tickets against the rest: csat_mean_affected / _rest and
-- nps_mean_affected / _rest (mean answer; NULL without answers), csat_answers_affected / _rest and
-- nps_answers_affected / _rest (how many answers each mean rests on).
-- Parameters: $accepted (list of deviation strings).
WITH per_variant AS (
    -- what the tickets of each variant bring: a deviation affects whole variants
    SELECT
        p.variant,
        count(*) AS tickets,
        sum(p.csat) AS csat_sum,
        count(p.csat) AS csat_answers,
        sum(p.nps) AS nps_sum,
        count(p.nps) AS nps_answers,
        -- the five first tickets of each variant hold the five first of any set of variants
        arg_min({'key': p.case_key, 'id': p.case_id}, p.case_key, 5) AS first_tickets
    FROM ticket_variants p
    GROUP BY p.variant
),
deviations AS (
    SELECT DISTINCT kind, activity
    FROM (
        SELECT 'skipped' AS kind, unnest(skipped) AS activity FROM variant_replays
        UNION ALL
        SELECT 'unexpected', unnest(unexpected) FROM variant_replays
    )
),
flagged AS (
    SELECT
        d.kind,
        d.activity,
        v.*,
        list_contains(CASE d.kind WHEN 'skipped' THEN r.skipped ELSE r.unexpected END, d.activity)
            AS affected
    FROM deviations d
    CROSS JOIN per_variant v
    JOIN variant_replays r ON r.rowid = v.variant
)
SELECT
    kind || ': ' || activity AS deviation,
    kind,
    activity,
    list_contains($accepted, kind || ': ' || activity) AS accepted,
    sum(tickets) FILTER (WHERE affected)::BIGINT AS tickets,
    sum(tickets) FILTER (WHERE affected) / sum(tickets) AS share,
    list_transform(
        list_sort(flatten(list(first_tickets) FILTER (WHERE affected)))[1:5], lambda t: t.id
    ) AS examples,
    list(variant) FILTER (WHERE affected) AS affected_variants,
    sum(csat_sum) FILTER (WHERE affected)
        / nullif(sum(csat_answers) FILTER (WHERE affected), 0) AS csat_mean_affected,
    coalesce(sum(csat_answers) FILTER (WHERE affected), 0)::BIGINT AS csat_answers_affected,
    sum(csat_sum) FILTER (WHERE NOT affected)
        / nullif(sum(csat_answers) FILTER (WHERE NOT affected), 0) AS csat_mean_rest,
    coalesce(sum(csat_answers) FILTER (WHERE NOT affected), 0)::BIGINT AS csat_answers_rest,
    sum(nps_sum) FILTER (WHERE affected)
        / nullif(sum(nps_answers) FILTER (WHERE affected), 0) AS nps_mean_affected,
    coalesce(sum(nps_answers) FILTER (WHERE affected), 0)::BIGINT AS nps_answers_affected,
    sum(nps_sum) FILTER (WHERE NOT affected)
        / nullif(sum(nps_answers) FILTER (WHERE NOT affected), 0) AS nps_mean_rest,
    coalesce(sum(nps_answers) FILTER (WHERE NOT affected), 0)::BIGINT AS nps_answers_rest
FROM flagged
GROUP BY kind, activity
ORDER BY tickets DESC, deviation
