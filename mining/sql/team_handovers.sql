-- Grain: one row per pair of teams a ping-pong ticket was handed between (reads the TEMP tables
-- ticket_flags and the TEMP view selected_events): its events of the agents' side (every one but
-- those of $outside) that name a team, consecutive repeats collapsed. Columns: source, target
-- (team names), handovers (times), tickets (ping-pong tickets with that handover), examples (up
-- to five of them, the first loaded first).
-- Parameters: $outside (the activities off the agents' side, store.vocabulary.OUTSIDE_AGENTS).
WITH teamed AS (
    SELECT e.case_key, e.event_index, e.team
    FROM selected_events e
    JOIN ticket_flags f USING (case_key)
    WHERE f.ping_pong AND e.team IS NOT NULL
      AND e.activity_id NOT IN (SELECT activity_id FROM activities WHERE list_contains($outside, name))
),
moves AS (
    SELECT
        case_key,
        lag(team) OVER (PARTITION BY case_key ORDER BY event_index) AS source,
        team AS target
    FROM teamed
)
SELECT
    m.source,
    m.target,
    count(*)::BIGINT AS handovers,
    count(DISTINCT m.case_key)::BIGINT AS tickets,
    list(DISTINCT c.case_id ORDER BY c.case_id)[1:5] AS examples
FROM moves m
JOIN selected_cases c USING (case_key)
WHERE m.source IS NOT NULL AND m.source <> m.target
GROUP BY m.source, m.target
ORDER BY handovers DESC, m.source, m.target
