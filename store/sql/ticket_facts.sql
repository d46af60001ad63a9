-- Grain: one row per ticket of the TEMP view fact_events (all the events of the tickets to
-- describe).
-- Columns: dataset_id, case_key, events (how many), first_ts and last_ts (its first and last
-- event's time), path_key (identifies its sequence of activities: a sum of hashes of (position,
-- activity), so no sort is needed; equal sequences get equal keys, and distinct ones collide with
-- a chance of about one in 10^15 per pair of variants), last_resolved (time of its last
-- `Resolved` event, NULL when none), first_escalation (event_index of its first `Escalated`
-- event, NULL when none), escalated_by (resource of that event), escalated_to (team of the first
-- `Assigned` event after it), bounce_back (an `Escalated` event followed by `De-escalated` with only `Assigned` events
-- between), ping_pong (the teams of its `Assigned` events, consecutive repeats collapsed, hold
-- X, Y, X in a row).
-- No parameters.
WITH ids AS (
    SELECT
        max(activity_id) FILTER (WHERE name = 'Assigned') AS assigned,
        max(activity_id) FILTER (WHERE name = 'Escalated') AS escalated,
        max(activity_id) FILTER (WHERE name = 'De-escalated') AS de_escalated,
        max(activity_id) FILTER (WHERE name = 'Resolved') AS resolved
    FROM activities
),
-- Only these four activities matter, so one scan keeps them and event_index arithmetic stands in
-- for the events left out. Tickets are (dataset_id, case_key); `ticket` packs the two.
moves AS MATERIALIZED (
    SELECT
        (e.dataset_id::BIGINT << 32) | e.case_key AS ticket,
        e.event_index,
        e.activity_id,
        e.team,
        e.resource,
        e.ts
    FROM fact_events e
    WHERE e.activity_id IN (SELECT unnest([assigned, escalated, de_escalated, resolved]) FROM ids)
),
paths AS (
    SELECT
        (dataset_id::BIGINT << 32) | case_key AS ticket,
        count(*)::INTEGER AS events,
        min(ts) AS first_ts,
        max(ts) AS last_ts,
        sum(hash(event_index, activity_id)) AS path_key
    FROM fact_events
    GROUP BY ALL
),
tickets AS (
    SELECT
        ticket,
        max(ts) FILTER (WHERE activity_id = (SELECT resolved FROM ids)) AS last_resolved,
        min(event_index) FILTER (WHERE activity_id = (SELECT escalated FROM ids))
            AS first_escalation,
        arg_min(resource, event_index) FILTER (WHERE activity_id = (SELECT escalated FROM ids))
            AS escalated_by
    FROM moves
    GROUP BY ticket
),
-- Teams are compared by a 64-bit hash, cheaper to sort than the names.
assignments AS MATERIALIZED (
    SELECT ticket, event_index, team, hash(team) AS team_hash
    FROM moves
    WHERE activity_id = (SELECT assigned FROM ids) AND team IS NOT NULL
),
escalated_to AS (
    SELECT a.ticket, arg_min(a.team, a.event_index) AS team
    FROM assignments a
    JOIN tickets t ON t.ticket = a.ticket AND a.event_index > t.first_escalation
    GROUP BY a.ticket
),
-- A `De-escalated` event bounces back when every event between it and the last `Escalated`
-- event before it is an `Assigned` one.
bounces AS (
    SELECT DISTINCT d.ticket
    FROM (
        SELECT d.ticket, d.event_index, max(s.event_index) AS escalated_at
        FROM moves d
        JOIN moves s ON s.ticket = d.ticket AND s.event_index < d.event_index
        WHERE d.activity_id = (SELECT de_escalated FROM ids)
            AND s.activity_id = (SELECT escalated FROM ids)
        GROUP BY d.ticket, d.event_index
    ) d
    LEFT JOIN moves a
        ON a.ticket = d.ticket AND a.event_index > d.escalated_at
        AND a.event_index < d.event_index
        AND a.activity_id = (SELECT assigned FROM ids)
    GROUP BY d.ticket, d.event_index, d.escalated_at
    HAVING count(a.event_index) = d.event_index - d.escalated_at - 1
),
-- X, Y, X takes three assignments to two teams at least: only those tickets are looked at.
team_runs AS (
    SELECT ticket, event_index, team_hash
    FROM (
        SELECT
            ticket,
            event_index,
            team_hash,
            lag(team_hash) OVER (PARTITION BY ticket ORDER BY event_index) AS previous
        FROM assignments
        WHERE ticket IN (
            SELECT ticket FROM assignments
            GROUP BY ticket
            HAVING count(*) >= 3 AND min(team_hash) <> max(team_hash)
        )
    )
    WHERE previous IS DISTINCT FROM team_hash
),
ping_pongs AS (
    SELECT DISTINCT ticket
    FROM (
        SELECT
            ticket,
            team_hash,
            lag(team_hash, 2) OVER (PARTITION BY ticket ORDER BY event_index) AS two_back
        FROM team_runs
    )
    WHERE team_hash = two_back
)
SELECT
    (p.ticket >> 32)::INTEGER AS dataset_id,
    (p.ticket & 4294967295)::INTEGER AS case_key,
    p.events,
    p.first_ts,
    p.last_ts,
    p.path_key,
    t.last_resolved,
    t.first_escalation,
    t.escalated_by,
    x.team AS escalated_to,
    b.ticket IS NOT NULL AS bounce_back,
    g.ticket IS NOT NULL AS ping_pong
FROM paths p
LEFT JOIN tickets t USING (ticket)
LEFT JOIN escalated_to x USING (ticket)
LEFT JOIN bounces b USING (ticket)
LEFT JOIN ping_pongs g USING (ticket)
ORDER BY dataset_id, case_key
