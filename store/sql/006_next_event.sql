-- Migration 6: each event carries the activity, time and team of the next event of its ticket
-- (NULL on a ticket's last event), written with `event_index` by the ingest's ordered pass. The
-- directly-follows graph, the waits and the team queues then read pairs off one row each, without
-- sorting the whole log for each question.
ALTER TABLE events ADD COLUMN next_activity_id SMALLINT;
ALTER TABLE events ADD COLUMN next_ts TIMESTAMPTZ;
ALTER TABLE events ADD COLUMN next_team VARCHAR;
UPDATE events SET
    next_activity_id = n.next_activity_id, next_ts = n.next_ts, next_team = n.next_team
FROM (
    SELECT
        dataset_id,
        case_key,
        event_index,
        lead(activity_id) OVER w AS next_activity_id,
        lead(ts) OVER w AS next_ts,
        lead(team) OVER w AS next_team
    FROM events
    WINDOW w AS (PARTITION BY dataset_id, case_key ORDER BY event_index)
) n
WHERE events.dataset_id = n.dataset_id
    AND events.case_key = n.case_key
    AND events.event_index = n.event_index;
