-- Grain: one row for the data set $d: de_escalated (its tickets moved down a level, as the ticket
-- facts say), worked (those of them that show work after their first escalation: an event of the
-- agents' side, neither `Assigned`, `Escalated` nor `De-escalated`, at level 2 or more, or without
-- a level before the ticket's last `De-escalated` event).
-- Parameters: $d (dataset_id), $outside (the activities off the agents' side,
-- store.vocabulary.OUTSIDE_AGENTS), $moves (the activities that move a ticket, not work on it).
WITH down AS (
    SELECT case_key, coalesce(first_escalation, -1) AS first_escalation
    FROM ticket_facts
    WHERE dataset_id = $d AND de_escalated
),
-- What each activity is: work (of the agents' side, not a move), or a `De-escalated` event.
kinds AS (
    SELECT
        activity_id,
        NOT list_contains($outside, name) AND NOT list_contains($moves, name) AS work,
        name = 'De-escalated' AS down
    FROM activities
),
-- One pass over their events, no window: work at level 2 or more after the first escalation, the
-- first such work without a level, and the last `De-escalated` event.
tickets AS (
    SELECT
        bool_or(k.work AND e.event_index > d.first_escalation AND e.level >= 2) AS high,
        min(e.event_index) FILTER (
            WHERE k.work AND e.event_index > d.first_escalation AND e.level IS NULL
        ) AS first_unleveled,
        max(e.event_index) FILTER (WHERE k.down) AS last_down
    FROM events e
    JOIN down d USING (case_key)
    JOIN kinds k USING (activity_id)
    WHERE e.dataset_id = $d
    GROUP BY e.case_key
)
SELECT
    (SELECT count(*) FROM down) AS de_escalated,
    count(*) FILTER (WHERE high OR first_unleveled < last_down) AS worked
FROM tickets
