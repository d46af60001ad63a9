-- Grain: one row per selected ticket (reads the TEMP views selected_events and selected_cases).
-- Columns: case_key, case_id, channel, category, csat (the ticket's answer, NULL without one),
-- resolved (has a `Resolved` event), ttr_seconds (time to resolution: from the ticket's first
-- event, its created_at, to its last `Resolved` event; NULL when unresolved), escalated (has an
-- `Escalated` event), bounce_back (an `Escalated` event followed by `De-escalated` with only
-- `Assigned` events between), ping_pong (the teams of its `Assigned` events, consecutive repeats
-- collapsed, hold X, Y, X in a row), push_to_front (escalated, and push_to_front_category),
-- push_to_front_category (its category's tickets resolved without escalation, a `Resolved` event
-- and no `Escalated` one, are at least $push_to_front_share of the category's selected tickets),
-- escalated_by (resource of the first `Escalated` event), escalated_to (team of the first
-- `Assigned` event after it).
-- Parameters: $push_to_front_share (0-1).
WITH ids AS (
    SELECT
        max(activity_id) FILTER (WHERE name = 'Assigned') AS assigned,
        max(activity_id) FILTER (WHERE name = 'Escalated') AS escalated,
        max(activity_id) FILTER (WHERE name = 'De-escalated') AS de_escalated,
        max(activity_id) FILTER (WHERE name = 'Resolved') AS resolved
    FROM activities
),
-- Only these four activities matter, so one scan keeps them and event_index arithmetic stands in
-- for the events left out.
moves AS MATERIALIZED (
    SELECT e.case_key, e.event_index, e.activity_id, e.team, e.resource, e.ts
    FROM selected_events e
    WHERE e.activity_id IN (SELECT unnest([assigned, escalated, de_escalated, resolved]) FROM ids)
),
escalations AS (
    SELECT
        case_key,
        min(event_index) AS first_escalation,
        arg_min(resource, event_index) AS escalated_by
    FROM moves
    WHERE activity_id = (SELECT escalated FROM ids)
    GROUP BY case_key
),
resolutions AS (
    SELECT case_key, max(ts) AS last_resolved
    FROM moves
    WHERE activity_id = (SELECT resolved FROM ids)
    GROUP BY case_key
),
-- Teams are compared by a 64-bit hash, cheaper to sort than the names.
assignments AS MATERIALIZED (
    SELECT case_key, event_index, team, hash(team) AS team_hash
    FROM moves
    WHERE activity_id = (SELECT assigned FROM ids) AND team IS NOT NULL
),
escalated_to AS (
    SELECT a.case_key, arg_min(a.team, a.event_index) AS team
    FROM assignments a
    JOIN escalations s ON s.case_key = a.case_key AND a.event_index > s.first_escalation
    GROUP BY a.case_key
),
-- A `De-escalated` event bounces back when every event between it and the last `Escalated`
-- event before it is an `Assigned` one.
bounces AS (
    SELECT DISTINCT d.case_key
    FROM (
        SELECT d.case_key, d.event_index, max(s.event_index) AS escalated_at
        FROM moves d
        JOIN moves s ON s.case_key = d.case_key AND s.event_index < d.event_index
        WHERE d.activity_id = (SELECT de_escalated FROM ids)
            AND s.activity_id = (SELECT escalated FROM ids)
        GROUP BY d.case_key, d.event_index
    ) d
    LEFT JOIN moves a
        ON a.case_key = d.case_key AND a.event_index > d.escalated_at
        AND a.event_index < d.event_index
        AND a.activity_id = (SELECT assigned FROM ids)
    GROUP BY d.case_key, d.event_index, d.escalated_at
    HAVING count(a.event_index) = d.event_index - d.escalated_at - 1
),
-- X, Y, X takes three assignments to two teams at least: only those tickets are looked at.
team_runs AS (
    SELECT case_key, event_index, team_hash
    FROM (
        SELECT
            case_key,
            event_index,
            team_hash,
            lag(team_hash) OVER (PARTITION BY case_key ORDER BY event_index) AS previous
        FROM assignments
        WHERE case_key IN (
            SELECT case_key FROM assignments
            GROUP BY case_key
            HAVING count(*) >= 3 AND min(team_hash) <> max(team_hash)
        )
    )
    WHERE previous IS DISTINCT FROM team_hash
),
ping_pongs AS (
    SELECT DISTINCT case_key
    FROM (
        SELECT
            case_key,
            team_hash,
            lag(team_hash, 2) OVER (PARTITION BY case_key ORDER BY event_index) AS two_back
        FROM team_runs
    )
    WHERE team_hash = two_back
),
flagged AS MATERIALIZED (
    SELECT
        c.case_key,
        c.case_id,
        c.channel,
        c.category,
        c.csat,
        r.last_resolved IS NOT NULL AS resolved,
        epoch(r.last_resolved - c.created_at) AS ttr_seconds,
        s.first_escalation IS NOT NULL AS escalated,
        b.case_key IS NOT NULL AS bounce_back,
        g.case_key IS NOT NULL AS ping_pong,
        s.escalated_by,
        t.team AS escalated_to
    FROM selected_cases c
    LEFT JOIN resolutions r USING (case_key)
    LEFT JOIN escalations s USING (case_key)
    LEFT JOIN escalated_to t USING (case_key)
    LEFT JOIN bounces b USING (case_key)
    LEFT JOIN ping_pongs g USING (case_key)
),
categories AS (
    SELECT
        category,
        count(*) FILTER (WHERE resolved AND NOT escalated) / count(*) >= $push_to_front_share
            AS push_to_front
    FROM flagged
    WHERE category IS NOT NULL
    GROUP BY category
)
SELECT
    f.case_key,
    f.case_id,
    f.channel,
    f.category,
    f.csat,
    f.resolved,
    f.ttr_seconds,
    f.escalated,
    f.bounce_back,
    f.ping_pong,
    f.escalated AND coalesce(k.push_to_front, false) AS push_to_front,
    coalesce(k.push_to_front, false) AS push_to_front_category,
    f.escalated_by,
    f.escalated_to
FROM flagged f
LEFT JOIN categories k USING (category)
