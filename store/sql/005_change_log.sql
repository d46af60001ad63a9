-- Migration 5: the change log, the process changes a team made, to measure their effect.
-- Grain: one row per change of one data set: its id, the date it took effect (in the calendar's
-- time zone), a title, an optional note, and when it was recorded.
CREATE SEQUENCE change_ids START 1;

CREATE TABLE changes (
    change_id INTEGER PRIMARY KEY DEFAULT nextval('change_ids'),
    dataset_id INTEGER NOT NULL,
    effective DATE NOT NULL,
    title VARCHAR NOT NULL,
    note VARCHAR,
    recorded_at TIMESTAMPTZ NOT NULL
);
