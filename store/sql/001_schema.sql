-- Migration 1: the canonical event store.
-- Grain: datasets (one per loaded data set), source_files (one per loaded file), activities (the
-- activity dictionary), events (one per event), cases (one per ticket and data set), rejects (one per
-- rejected source row).
CREATE TABLE datasets (
    dataset_id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE source_files (
    file_id INTEGER PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES datasets (dataset_id),
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    rows_read BIGINT NOT NULL,
    events_loaded BIGINT NOT NULL,
    duplicates_skipped BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE activities (
    activity_id SMALLINT PRIMARY KEY,
    name VARCHAR NOT NULL UNIQUE,
    canonical BOOLEAN NOT NULL
);

CREATE TABLE events (
    dataset_id INTEGER NOT NULL,
    case_key INTEGER NOT NULL,
    event_index INTEGER NOT NULL,
    case_id VARCHAR NOT NULL,
    activity_id SMALLINT NOT NULL,
    activity VARCHAR NOT NULL,
    source_activity VARCHAR NOT NULL,
    ts TIMESTAMPTZ NOT NULL,
    lifecycle VARCHAR,
    resource VARCHAR,
    team VARCHAR,
    level TINYINT,
    channel VARCHAR,
    priority VARCHAR,
    category VARCHAR,
    file_id INTEGER NOT NULL,
    source_row BIGINT NOT NULL,
    attributes JSON
);

CREATE TABLE cases (
    dataset_id INTEGER NOT NULL,
    case_key INTEGER NOT NULL,
    case_id VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    channel VARCHAR,
    priority VARCHAR,
    category VARCHAR,
    csat TINYINT,
    ces TINYINT,
    nps TINYINT,
    attributes JSON,
    PRIMARY KEY (dataset_id, case_key)
);

CREATE TABLE rejects (
    dataset_id INTEGER NOT NULL,
    file_id INTEGER NOT NULL,
    file_name VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    raw_row VARCHAR,
    reason VARCHAR NOT NULL
);
