-- Store per-variant replay results in conformance_cache: the rows of the TEMP table fresh_replays
-- that the cache lacks (another process may have written them meanwhile). Grain: one row per
-- variant. No parameters.
INSERT INTO conformance_cache
SELECT f.*
FROM fresh_replays f
WHERE NOT EXISTS (
    SELECT 1 FROM conformance_cache c
    WHERE c.dataset_id = f.dataset_id AND c.model_sha256 = f.model_sha256
        AND c.method = f.method AND c.engine = f.engine AND c.variant = f.variant
)
