-- Migration 10: a data set's own settings, kept in the store so they travel with the file.
-- Grain: one row per data set that has settings of its own: `document`, the settings document (TOML)
-- of the values it sets over the defaults (ticketloop.toml beside the store, else the built-in
-- ones); its designed flow's file name and BPMN bytes (NULL: the defaults' flow, if any).
CREATE TABLE dataset_settings (
    dataset_id INTEGER PRIMARY KEY,
    document VARCHAR NOT NULL,
    flow_name VARCHAR,
    flow_bpmn BLOB,
    updated_at TIMESTAMPTZ NOT NULL
);
