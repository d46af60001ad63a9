-- Grain: one row per variant (distinct activity sequence) of the selected tickets (the TEMP view
-- selected_events, see mining/selection.py), most frequent first.
-- Columns: activities (list of activity names, in order), cases, share (0-1 of all cases),
-- events (activities per case), median_duration_h (first to last event, hours).
-- Parameters: $limit how many variants (NULL: all).
WITH per_case AS (
    SELECT
        case_key,
        list(activity_id ORDER BY event_index) AS path,
        epoch(max(ts) - min(ts)) / 3600 AS duration_h
    FROM selected_events
    GROUP BY case_key
),
names AS (
    -- activity ids are dense from 1, so the id indexes this list
    SELECT list(name ORDER BY activity_id) AS names FROM activities
),
counted AS (
    SELECT
        path,
        count(*) AS cases,
        count(*) / sum(count(*)) OVER () AS share,
        median(duration_h) AS median_duration_h
    FROM per_case
    GROUP BY path
)
SELECT
    list_transform(path, lambda x: names[x]) AS activities,
    cases,
    share,
    len(path) AS events,
    median_duration_h
FROM counted, names
ORDER BY cases DESC, activities
LIMIT $limit
