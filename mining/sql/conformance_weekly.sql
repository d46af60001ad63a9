-- Grain: one row per ISO week of ticket creation (Monday start, in $timezone) and one row for all
-- the selected tickets (week_start NULL, first). Reads the TEMP tables ticket_variants (each
-- selected ticket with the rowid of its variant) and variant_replays (conformance_lookup.sql,
-- complete).
-- Columns: week_start (DATE), week ('2025-W02'), tickets, log_fitness (pm4py's aggregation: token
-- replay 0.5 (1 - missing/consumed) + 0.5 (1 - remaining/produced) over summed tokens, alignments
-- 1 - cost/worst cost over summed costs), fitting_ticket_share (0-1: tickets that fit the model),
-- examples (up to five tickets that do not fit, the first created).
-- Parameters: $timezone, $alignments (boolean: which aggregation).
WITH tickets AS (
    SELECT
        date_trunc('week', timezone($timezone, p.created_at))::DATE AS week_start,
        p.case_key,
        p.case_id,
        r.*
    FROM ticket_variants p
    JOIN variant_replays r ON r.rowid = p.variant
)
SELECT
    week_start,
    strftime(week_start, '%G-W%V') AS week,
    count(*) AS tickets,
    CASE
        WHEN $alignments THEN 1 - sum(cost) / sum(worst_cost)
        ELSE 0.5 * (1 - sum(missing) / sum(consumed)) + 0.5 * (1 - sum(remaining) / sum(produced))
    END AS log_fitness,
    count(*) FILTER (WHERE fits) / count(*) AS fitting_ticket_share,
    arg_min(case_id, case_key, 5) FILTER (WHERE NOT fits) AS examples
FROM tickets
GROUP BY GROUPING SETS ((week_start), ())
ORDER BY week_start NULLS FIRST
