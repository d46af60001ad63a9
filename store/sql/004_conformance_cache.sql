-- Migration 4 (conformance cache): what `ticketloop conformance` computed per variant, so a repeat
-- run skips pm4py. Grain: one row per data set version, model file (sha256 of its bytes), method,
-- replay engine (ticketloop's replay semantics and pm4py's version) and variant (the labels
-- replayed, in order). Writing rows of a newer data set version deletes the older ones. Token replay fills missing..produced, alignments cost and worst_cost (pm4py's
-- units); skipped and unexpected are the variant's deviations (activity labels).
CREATE TABLE conformance_cache (
    dataset_id INTEGER NOT NULL,
    dataset_version INTEGER NOT NULL,
    model_sha256 VARCHAR NOT NULL,
    method VARCHAR NOT NULL,
    engine VARCHAR NOT NULL,
    variant VARCHAR[] NOT NULL,
    fitness DOUBLE NOT NULL,
    fits BOOLEAN NOT NULL,
    missing INTEGER,
    consumed INTEGER,
    remaining INTEGER,
    produced INTEGER,
    cost BIGINT,
    worst_cost BIGINT,
    skipped VARCHAR[] NOT NULL,
    unexpected VARCHAR[] NOT NULL
);
