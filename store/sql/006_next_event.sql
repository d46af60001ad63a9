-- Migration 6: each event carries the activity and time of the next event of its ticket (NULL on
-- a ticket's last event), and the time of the ticket's next event by the same team (NULL without a
-- team or a later event of it: the end of a team's queue), written with `event_index` by the
-- ingest's ordered pass. The directly-follows graph, the waits and the variants then read pairs
-- off one row each, without sorting the whole log for each question.
ALTER TABLE events ADD COLUMN next_activity_id SMALLINT;
ALTER TABLE events ADD COLUMN next_ts TIMESTAMPTZ;
ALTER TABLE events ADD COLUMN next_team_ts TIMESTAMPTZ;
UPDATE events SET
    next_activity_id = n.next_activity_id, next_ts = n.next_ts, next_team_ts = n.next_team_ts
FROM (
    SELECT
        dataset_id,
        case_key,
        event_index,
        lead(activity_id) OVER w AS next_activity_id,
        lead(ts) OVER w AS next_ts,
        if(team IS NULL, NULL, lead(ts) OVER (
            PARTITION BY dataset_id, case_key, team ORDER BY event_index
        )) AS next_team_ts
    FROM events
    WINDOW w AS (PARTITION BY dataset_id, case_key ORDER BY event_index)
) n
WHERE events.dataset_id = n.dataset_id
    AND events.case_key = n.case_key
    AND events.event_index = n.event_index;
