-- Grain: one row per deviation found in the selected tickets: a model activity some tickets skipped,
-- or an activity some did that the model does not allow there. Reads the TEMP tables ticket_paths,
-- ticket_labels and variant_replays (conformance_lookup.sql, complete).
-- Columns: deviation ('skipped: X' or 'unexpected: X'), kind, activity, accepted (listed in
-- $accepted), tickets (affected), share (0-1 of the selected tickets), examples (up to five
-- affected ticket ids, the first created), and what it costs, for the affected tickets against the
-- rest: ttr_median_hours_affected / _rest (median time to resolution), csat_mean_affected / _rest
-- and nps_mean_affected / _rest (mean answer; NULL without answers), csat_answers_affected / _rest
-- and nps_answers_affected / _rest (how many answers each mean rests on).
-- Parameters: $accepted (list of deviation strings).
WITH tickets AS (
    SELECT p.case_key, p.case_id, p.ttr_seconds, p.csat, p.nps, r.skipped, r.unexpected
    FROM ticket_paths p
    JOIN ticket_labels l USING (case_key)
    JOIN variant_replays r ON r.variant = l.labels
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
        t.*,
        list_contains(CASE d.kind WHEN 'skipped' THEN t.skipped ELSE t.unexpected END, d.activity)
            AS affected
    FROM deviations d
    CROSS JOIN tickets t
)
SELECT
    kind || ': ' || activity AS deviation,
    kind,
    activity,
    list_contains($accepted, kind || ': ' || activity) AS accepted,
    count(*) FILTER (WHERE affected) AS tickets,
    count(*) FILTER (WHERE affected) / count(*) AS share,
    arg_min(case_id, case_key, 5) FILTER (WHERE affected) AS examples,
    median(ttr_seconds) FILTER (WHERE affected) / 3600 AS ttr_median_hours_affected,
    median(ttr_seconds) FILTER (WHERE NOT affected) / 3600 AS ttr_median_hours_rest,
    avg(csat) FILTER (WHERE affected) AS csat_mean_affected,
    count(csat) FILTER (WHERE affected) AS csat_answers_affected,
    avg(csat) FILTER (WHERE NOT affected) AS csat_mean_rest,
    count(csat) FILTER (WHERE NOT affected) AS csat_answers_rest,
    avg(nps) FILTER (WHERE affected) AS nps_mean_affected,
    count(nps) FILTER (WHERE affected) AS nps_answers_affected,
    avg(nps) FILTER (WHERE NOT affected) AS nps_mean_rest,
    count(nps) FILTER (WHERE NOT affected) AS nps_answers_rest
FROM flagged
GROUP BY kind, activity
ORDER BY tickets DESC, deviation
