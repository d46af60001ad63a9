-- Put per-variant replay results computed in this run into the TEMP table fresh_replays (columns as
-- conformance_cache). Grain: one row per variant. Parameters: the cache key ($d, $version,
-- $sha256, $method, $engine) and one list per column, one element per variant ($variant, $fitness,
-- $fits, $missing, $consumed, $remaining, $produced, $cost, $worst_cost, $skipped, $unexpected).
INSERT INTO fresh_replays
SELECT
    $d,
    $version,
    $sha256,
    $method,
    $engine,
    unnest($variant::VARCHAR[][]),
    unnest($fitness::DOUBLE[]),
    unnest($fits::BOOLEAN[]),
    unnest($missing::INTEGER[]),
    unnest($consumed::INTEGER[]),
    unnest($remaining::INTEGER[]),
    unnest($produced::INTEGER[]),
    unnest($cost::BIGINT[]),
    unnest($worst_cost::BIGINT[]),
    unnest($skipped::VARCHAR[][]),
    unnest($unexpected::VARCHAR[][])
