-- Put data set $d's vocabulary (activity_vocabulary, team_levels) on its events, from what they
-- were as loaded: an event whose source label is mapped takes that activity, one whose team has a
-- level takes that level, and one the vocabulary no longer touches returns to its loaded values.
-- Grain: one row updated per event whose activity, level or loaded values change.
-- Parameters: $d (the data set's id), $low and $high (the range of case keys to consider: the
-- touched tickets of an append, or all).
UPDATE events SET
    activity_id = n.activity_id,
    source_activity = n.source_activity,
    level = n.level,
    loaded_activity_id = n.loaded_activity_id,
    loaded_level = n.loaded_level
FROM (
    SELECT
        case_key,
        event_index,
        coalesce(target_id, base_activity_id) AS activity_id,
        nullif(label, coalesce(target_name, base_name)) AS source_activity,
        coalesce(target_level, base_level) AS level,
        CASE WHEN mapped THEN base_activity_id END AS loaded_activity_id,
        CASE WHEN mapped THEN base_level END AS loaded_level,
        was_mapped OR mapped AS concerned
    FROM (
        SELECT
            e.*,
            loaded.name AS base_name,
            t.activity_id AS target_id,
            t.name AS target_name,
            l.level AS target_level,
            t.activity_id IS NOT NULL OR l.level IS NOT NULL AS mapped
        FROM (
            SELECT
                case_key,
                event_index,
                team,
                loaded_activity_id IS NOT NULL AS was_mapped,
                coalesce(loaded_activity_id, activity_id) AS base_activity_id,
                CASE WHEN loaded_activity_id IS NULL THEN level ELSE loaded_level END AS base_level,
                coalesce(source_activity, (
                    SELECT a.name FROM activities a WHERE a.activity_id = events.activity_id
                )) AS label
            FROM events
            WHERE dataset_id = $d AND case_key BETWEEN $low AND $high
        ) e
        JOIN activities loaded ON loaded.activity_id = e.base_activity_id
        LEFT JOIN activity_vocabulary v ON v.dataset_id = $d AND v.source_label = e.label
        LEFT JOIN activities t ON t.name = v.activity
        LEFT JOIN team_levels l ON l.dataset_id = $d AND l.team = lower(trim(e.team))
    )
) n
WHERE events.dataset_id = $d
    AND events.case_key BETWEEN $low AND $high
    AND events.case_key = n.case_key
    AND events.event_index = n.event_index
    AND n.concerned
    AND (events.activity_id IS DISTINCT FROM n.activity_id
        OR events.level IS DISTINCT FROM n.level
        OR events.loaded_activity_id IS DISTINCT FROM n.loaded_activity_id
        OR events.loaded_level IS DISTINCT FROM n.loaded_level
        OR events.source_activity IS DISTINCT FROM n.source_activity)
