-- The work database's staging table. Grain: one row per source row of every file in this ingest.
-- A row is valid when `problems` is NULL and `ts` parsed; otherwise `raw_row` holds it as JSON.
CREATE TEMP TABLE staged (
    file_idx INTEGER NOT NULL,
    source_row BIGINT,  -- NULL for CSV rows: numbered from their order in this table
    case_id VARCHAR,
    source_activity VARCHAR,
    activity VARCHAR,
    ts TIMESTAMPTZ,
    ts_text VARCHAR,
    lifecycle VARCHAR,
    resource VARCHAR,
    team VARCHAR,
    level TINYINT,
    channel VARCHAR,
    priority VARCHAR,
    category VARCHAR,
    csat TINYINT,
    ces TINYINT,
    nps TINYINT,
    attributes JSON,
    case_attributes JSON,
    problems VARCHAR,
    raw_row VARCHAR,
    reason VARCHAR
)
