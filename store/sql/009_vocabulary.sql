-- Migration 9: a data set's vocabulary, a setting changed after loading (`ticketloop map`, the Data
-- page) and put on its events by store/dataset_vocabulary.py, at once and on every later append.
-- Grain: activity_vocabulary, one row per data set and source label given a canonical activity;
-- team_levels, one row per data set and team (in lower case) given a support level 1-4.
-- Events the vocabulary changed keep what they were as loaded: loaded_activity_id (never NULL on
-- them, so it marks them) and loaded_level; both are NULL on events as loaded.
CREATE TABLE activity_vocabulary (
    dataset_id INTEGER NOT NULL,
    source_label VARCHAR NOT NULL,
    activity VARCHAR NOT NULL
);

CREATE TABLE team_levels (
    dataset_id INTEGER NOT NULL,
    team VARCHAR NOT NULL,
    level TINYINT NOT NULL
);

ALTER TABLE events ADD COLUMN loaded_activity_id SMALLINT;
ALTER TABLE events ADD COLUMN loaded_level TINYINT;
