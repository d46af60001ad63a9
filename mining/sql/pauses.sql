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
grouped AS (
    SELECT 'desk' AS kind, NULL AS name, * FROM (
        SELECT count(*) AS pauses, count(DISTINCT case_key) AS tickets, sum(hours) AS total_hours,
            quantile_cont(hours, [0.5, 0.9]) AS quantiles,
            list(case_key ORDER BY hours DESC NULLS LAST, case_key) AS keys
        FROM pauses
    )
    UNION ALL
    SELECT 'team', team, count(*), count(DISTINCT case_key), sum(hours),
        quantile_cont(hours, [0.5, 0.9]), list(case_key ORDER BY hours DESC NULLS LAST, case_key)
    FROM pauses
    WHERE team IS NOT NULL
    GROUP BY team
    UNION ALL
    SELECT 'agent', resource, count(*), count(DISTINCT case_key), sum(hours),
        quantile_cont(hours, [0.5, 0.9]), list(case_key ORDER BY hours DESC NULLS LAST, case_key)
    FROM pauses
    WHERE resource IS NOT NULL
    GROUP BY resource
),
handled AS (
    SELECT 'desk' AS kind, NULL AS name, count(*) AS handled FROM selected_cases
    UNION ALL
    SELECT 'team', team, count(DISTINCT case_key)
    FROM selected_events
    WHERE team IN (SELECT team FROM pauses)
    GROUP BY team
    UNION ALL
    SELECT 'agent', resource, count(DISTINCT case_key)
    FROM selected_events
    WHERE resource IN (SELECT resource FROM pauses)
    GROUP BY resource
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
WHERE g.pauses > 0
ORDER BY list_position(['desk', 'team', 'agent'], g.kind), g.pauses DESC, g.name
