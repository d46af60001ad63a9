-- Migration 13 (numbered 013 by the team's reservation): a data set's privacy choices, so that
-- later appends do the same as its first load.
-- Grain: one row per data set loaded with --pseudonymise, --pseudonymise-agents or --drop-column.
CREATE TABLE dataset_privacy (
    dataset_id INTEGER PRIMARY KEY,
    customers BOOLEAN NOT NULL,
    agents BOOLEAN NOT NULL,
    drop_columns VARCHAR[] NOT NULL
);
