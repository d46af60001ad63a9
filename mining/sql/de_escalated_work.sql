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
marked AS (
    SELECT
        e.case_key,
        e.event_index,
        e.level,
        a.name,
        d.first_escalation,
        max(e.event_index) FILTER (WHERE a.name = 'De-escalated') OVER (PARTITION BY e.case_key)
            AS last_down
    FROM events e
    JOIN down d USING (case_key)
    JOIN activities a USING (activity_id)
    WHERE e.dataset_id = $d
)
SELECT
    (SELECT count(*) FROM down) AS de_escalated,
    count(DISTINCT case_key) FILTER (
        WHERE event_index > first_escalation
            AND NOT list_contains($outside, name)
            AND NOT list_contains($moves, name)
            AND (level >= 2 OR (level IS NULL AND event_index < last_down))
    ) AS worked
FROM marked
