-- Grain: one row per part and group of the selected tickets' waiting, read off the TEMP view
-- clocked_events (selected_events with clock_s and next_clock_s, seconds on the
-- clock in use, of the event and of the next one of its ticket), the TEMP macro clock_of(t) (the
-- same clock at an instant) and the table ticket_facts (each ticket's last event, last_ts);
-- the TEMP macros longest_first(wait_s, case_key) and wait_stats(wait_s, case_key) order the
-- examples and sum the waits up.
-- Parts:
--   'transition': one row per activity directly followed by another in a ticket (from_activity,
--     to_activity) and per side of the ticket's end (after_resolution); the wait is the time
--     between the two events. A ticket's end is its last `Resolved`, `Rejected` or `Abandoned`
--     event, or without any its last `Closed` event, unless a `Reopened` event follows it; a step
--     that starts at the end or later is after resolution (the CTE ends: the rule, here only);
--   'team': one row per team of `Assigned` events (team); the wait runs from the `Assigned` event
--     to the next event of the same team in the ticket; not_acted_on counts assignments the team
--     never acts on afterwards;
--   'customer': one row; the wait runs from an `Information requested` event before the ticket's
--     end to its next `Customer replied` event or its end, whichever comes first, or to its last
--     event when neither comes (a request made while one is open does not restart it); none when
--     the selection has no `Customer replied` event.
-- Columns: part, from_activity, to_activity, after_resolution (transition only), team, waits,
-- tickets (customer only),
-- not_acted_on (team only), total_hours (waits x mean), mean_hours, median_hours, p90_hours,
-- example_keys (case keys of up to ten of the longest waits, longest first, ties by smaller key).
-- No parameters.
WITH ids AS (
    SELECT
        max(activity_id) FILTER (WHERE name = 'Assigned') AS assigned,
        max(activity_id) FILTER (WHERE name = 'Information requested') AS requested,
        max(activity_id) FILTER (WHERE name = 'Customer replied') AS replied,
        [
            max(activity_id) FILTER (WHERE name = 'Resolved'),
            max(activity_id) FILTER (WHERE name = 'Rejected'),
            max(activity_id) FILTER (WHERE name = 'Abandoned')
        ] AS outcomes,
        max(activity_id) FILTER (WHERE name = 'Closed') AS closed,
        max(activity_id) FILTER (WHERE name = 'Reopened') AS reopened
    FROM activities
),
-- Each ticket's end (see the header): where the waits the customer feels stop.
ends AS MATERIALIZED (
    SELECT case_key, end_index, clock_of(end_ts) AS end_s
    FROM (
        SELECT
            e.case_key,
            coalesce(
                max(e.event_index) FILTER (WHERE list_contains(i.outcomes, e.activity_id)),
                max(e.event_index) FILTER (WHERE e.activity_id = i.closed)
            ) AS end_index,
            coalesce(
                arg_max(e.ts, e.event_index) FILTER (WHERE list_contains(i.outcomes, e.activity_id)),
                arg_max(e.ts, e.event_index) FILTER (WHERE e.activity_id = i.closed)
            ) AS end_ts,
            max(e.event_index) FILTER (WHERE e.activity_id = i.reopened) AS reopened_index
        FROM selected_events e, ids i
        WHERE list_contains(i.outcomes, e.activity_id) OR e.activity_id IN (i.closed, i.reopened)
        GROUP BY e.case_key
    )
    WHERE reopened_index IS NULL OR reopened_index < end_index
),
-- Every event carries the next one of its ticket (the store keeps it), so transitions need no
-- sort. Most assignments are answered by the very next event; only the others look further on,
-- through the events without their clock, which is read at the answer alone.
assignments AS MATERIALIZED (
    SELECT case_key, event_index, team, clock_s, next_clock_s, next_team = team AS answered
    FROM clocked_events
    WHERE activity_id = (SELECT assigned FROM ids) AND team IS NOT NULL
),
team_waits AS (
    SELECT team, case_key, next_clock_s - clock_s AS wait_s
    FROM assignments
    WHERE answered
    UNION ALL
    SELECT a.team, a.case_key, clock_of(arg_min(s.ts, s.event_index)) - a.clock_s
    FROM assignments a
    LEFT JOIN selected_events s
        ON s.case_key = a.case_key AND s.team = a.team AND s.event_index > a.event_index
    WHERE answered IS NOT true
    GROUP BY a.team, a.case_key, a.event_index, a.clock_s
),
-- Positions order the tickets one after another.
exchanges AS (
    SELECT
        dataset_id,
        case_key,
        event_index,
        (case_key::BIGINT << 24) | event_index AS position,
        clock_s,
        activity_id = (SELECT requested FROM ids) AS is_request
    FROM clocked_events
    WHERE activity_id IN (SELECT unnest([requested, replied]) FROM ids)
),
-- Requests that open a wait (the ticket's first exchange, or one after a reply) and the replies
-- that close one; no partitions are needed.
turns AS (
    SELECT dataset_id, case_key, event_index, position, clock_s, is_request
    FROM (
        SELECT
            *,
            lag(case_key) OVER (ORDER BY position) = case_key
                AND lag(is_request) OVER (ORDER BY position) AS after_request
        FROM exchanges
    )
    WHERE NOT is_request OR after_request IS DISTINCT FROM true
),
replies AS (
    SELECT
        dataset_id,
        case_key,
        event_index,
        is_request,
        clock_s,
        if(
            lead(case_key) OVER (ORDER BY position) = case_key,
            lead(clock_s) OVER (ORDER BY position),
            NULL
        ) AS reply_s
    FROM turns
),
customer_waits AS (
    SELECT
        t.case_key,
        -- least() skips a missing reply or end
        coalesce(least(t.reply_s, n.end_s), clock_of(l.last_ts)) - t.clock_s AS wait_s
    FROM replies t
    LEFT JOIN ticket_facts l USING (dataset_id, case_key)
    LEFT JOIN ends n USING (case_key)
    -- a log that records no reply at all cannot tell a wait for the customer from the rest
    WHERE t.is_request AND EXISTS (SELECT 1 FROM exchanges WHERE NOT is_request)
        AND (n.end_index IS NULL OR t.event_index < n.end_index)
),
-- Each part is grouped on its own (a union of the rows before grouping costs a single-threaded
-- pass); the TEMP macro wait_stats(wait_s, case_key) gives the same figures for each.
grouped AS (
    SELECT
        'transition' AS part,
        e.activity_id AS from_id,
        e.next_activity_id AS to_id,
        coalesce(e.event_index >= n.end_index, false) AS after_resolution,
        NULL AS team,
        NULL::BIGINT AS tickets,
        NULL::BIGINT AS not_acted_on,
        wait_stats(e.next_clock_s - e.clock_s, e.case_key) AS stats
    FROM clocked_events e
    LEFT JOIN ends n USING (case_key)
    WHERE e.next_activity_id IS NOT NULL
    GROUP BY e.activity_id, e.next_activity_id, after_resolution
    UNION ALL
    SELECT
        'team', NULL, NULL, NULL, team, NULL, count(*) - count(wait_s),
        wait_stats(wait_s, case_key)
    FROM team_waits
    GROUP BY team
    UNION ALL
    SELECT
        'customer', NULL, NULL, NULL, NULL, count(DISTINCT case_key), NULL,
        wait_stats(wait_s, case_key)
    FROM customer_waits
    HAVING count(*) > 0
)
SELECT
    g.part,
    f.name AS from_activity,
    t.name AS to_activity,
    g.after_resolution,
    g.team,
    g.stats.waits,
    g.tickets,
    g.not_acted_on,
    g.stats.total_hours,
    g.stats.mean_hours,
    g.stats.quantiles[1] / 3600 AS median_hours,
    g.stats.quantiles[2] / 3600 AS p90_hours,
    g.stats.example_keys
FROM grouped g
LEFT JOIN activities f ON f.activity_id = g.from_id
LEFT JOIN activities t ON t.activity_id = g.to_id
ORDER BY
    g.part, g.stats.total_hours DESC NULLS LAST, from_activity, to_activity, g.after_resolution,
    g.team
