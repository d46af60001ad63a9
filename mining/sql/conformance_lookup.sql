-- Grain: one row per variant of the selected tickets (reads the TEMP table ticket_labels), with how
-- it replays on the model when that is known: from the store's conformance_cache, or from the TEMP
-- table fresh_replays (computed in this run and not cached); fitness is NULL when neither has it.
-- Columns: variant (labels), tickets, fitness, fits, missing, consumed, remaining, produced, cost,
-- worst_cost, skipped, unexpected (as conformance_cache).
-- Parameters: $d data set id, $version its version, $sha256 the model file's, $method, $engine.
WITH known AS (
    SELECT * FROM conformance_cache
    WHERE dataset_id = $d AND dataset_version = $version AND model_sha256 = $sha256
        AND method = $method AND engine = $engine
    UNION ALL
    SELECT * FROM fresh_replays
)
SELECT
    v.variant,
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
FROM (SELECT labels AS variant, count(*) AS tickets FROM ticket_labels GROUP BY labels) v
LEFT JOIN known k ON k.variant = v.variant
