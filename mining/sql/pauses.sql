-- Grain: one row for the desk and one per team and per agent (resource) that paused a selected
-- ticket, read off the TEMP views selected_events and selected_cases. A pause is an
-- `Information requested` event; it lasts until the ticket's next event, whatever it is (the log
-- records no reply that would end it); one with no event after it is counted, not timed.
-- Columns: kind ('desk', 'team', 'agent'), name (NULL for the desk), pauses, tickets (tickets
-- paused), handled (tickets with any event of the team or agent; every selected ticket for the
-- desk), total_hours, median_hours, p90_hours (elapsed), example_keys (the case keys of its
-- pauses, longest first, ties by the ticket loaded first, repeats possible).
-- Desk first, then teams, then agents, each most pauses first, ties by name.
-- No parameters.
WITH pauses AS MATERIALIZED (
    SELECT
        e.case_key,
        e.team,
        e.resource,
        (epoch_us(e.next_ts) - epoch_us(e.ts)) / 3.6e9 AS hours
    FROM selected_events e
    WHERE e.activity_id = (SELECT activity_id FROM activities WHERE name = 'Information requested')
),
-- The desk, each team and each agent in one pass: grouping() says which grouping a row is of.
grouped AS (
    SELECT
        CASE grouping(team, resource) WHEN 3 THEN 'desk' WHEN 1 THEN 'team' ELSE 'agent' END
            AS kind,
        coalesce(team, resource) AS name,
        count(*) AS pauses,
        count(DISTINCT case_key) AS tickets,
        sum(hours) AS total_hours,
        quantile_cont(hours, [0.5, 0.9]) AS quantiles,
        list(case_key ORDER BY hours DESC NULLS LAST, case_key) AS keys
    FROM pauses
    GROUP BY GROUPING SETS ((), (team), (resource))
),
handled AS (
    SELECT
        CASE grouping(team, resource) WHEN 3 THEN 'desk' WHEN 1 THEN 'team' ELSE 'agent' END
            AS kind,
        coalesce(team, resource) AS name,
        count(DISTINCT case_key) AS handled
    FROM selected_events
    GROUP BY GROUPING SETS ((), (team), (resource))
)
SELECT
    g.kind,
    g.name,
    g.pauses,
    g.tickets,
    h.handled,
    g.total_hours,
    g.quantiles[1] AS median_hours,
    g.quantiles[2] AS p90_hours,
    g.keys[:50] AS example_keys
FROM grouped g
JOIN handled h ON h.kind = g.kind AND h.name IS NOT DISTINCT FROM g.name
WHERE g.pauses > 0 AND (g.kind = 'desk' OR g.name IS NOT NULL)
ORDER BY list_position(['desk', 'team', 'agent'], g.kind), g.pauses DESC, g.name
