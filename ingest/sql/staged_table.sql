-- The work database's staging table. Grain: one row per source row of every file in this ingest;
-- `reason` is NULL for a valid row, else why it is rejected (then `raw_row` holds the row as JSON).
CREATE TABLE staged (
    file_idx INTEGER NOT NULL,
    source_row BIGINT NOT NULL,
    case_id VARCHAR,
    source_activity VARCHAR,
    activity VARCHAR,
    ts TIMESTAMPTZ,
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
    reason VARCHAR,
    raw_row VARCHAR
)
