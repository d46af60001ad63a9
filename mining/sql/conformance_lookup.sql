-- Grain: one row per variant of the selected tickets (reads the TEMP table ticket_labels and the
-- TEMP view selected_events), with how it replays on the model when that is known: from the
-- store's conformance_cache, or from the TEMP table fresh_replays (computed in this run and not
-- cached); fitness is NULL when neither has it.
-- Columns: variant_key, variant (its labels, read from its first ticket), tickets, fitness, fits,
-- missing, consumed, remaining, produced, cost, worst_cost, skipped, unexpected (as
-- conformance_cache).
-- Parameters: $source_labels (as conformance_tickets.sql), $d data set id, $sha256 the model
-- file's, $method, $engine.
WITH variants AS (
    SELECT variant_key, min(case_key) AS first_key, count(*) AS tickets
    FROM ticket_labels
    GROUP BY variant_key
),
labelled AS (
    SELECT
        e.case_key AS first_key,
        list(
            CASE WHEN $source_labels THEN coalesce(e.source_activity, a.name) ELSE a.name END
            ORDER BY e.event_index
        ) AS variant
    FROM selected_events e
    JOIN activities a USING (activity_id)
    WHERE e.case_key IN (SELECT first_key FROM variants)
    GROUP BY e.case_key
),
known AS (
    -- a variant replays the same in any version of the data set: one row each (the latest;
    -- stores cached by version before may hold several)
    SELECT * FROM conformance_cache
    WHERE dataset_id = $d AND model_sha256 = $sha256 AND method = $method AND engine = $engine
    QUALIFY row_number() OVER (PARTITION BY variant ORDER BY dataset_version DESC) = 1
    UNION ALL
    SELECT * FROM fresh_replays
)
SELECT
    v.variant_key,
    l.variant,
    v.tickets,
    k.fitness,
    k.fits,
    k.missing,
    k.consumed,
    k.remaining,
    k.produced,
    k.cost,
    k.worst_cost,
    k.skipped,
    k.unexpected
FROM variants v
JOIN labelled l USING (first_key)
LEFT JOIN known k ON k.variant = l.variant
