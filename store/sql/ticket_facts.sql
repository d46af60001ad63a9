-- Grain: one row per ticket of the TEMP view fact_events (all the events of the tickets to
-- describe), with the ticket's `cases` row.
-- Columns: dataset_id, case_key, events (how many), first_ts and last_ts (its first and last
-- event's time), path_key (identifies its sequence of activities: a sum of hashes of (position,
-- activity), so no sort is needed; equal sequences get equal keys, and distinct ones collide with
-- a chance of about one in 10^15 per pair of variants), last_resolved (time of its last
-- `Resolved` event, NULL when none), first_escalation (event_index of its first escalation),
-- escalated_by (who escalated it first), escalated_to (the team it was first escalated to),
-- bounce_back (escalated and sent straight back down), ping_pong (its sequence of teams,
-- consecutive repeats collapsed, holds X, Y, X in a row, the move back to X not a fall in
-- level), de_escalated (moved down a level); and what the KPIs read (mining/sql/kpi_tickets.sql):
-- first_response_at (its first `First response`), ended_at (its first `Resolved`, `Abandoned`,
-- `Rejected` or `Closed`), survey_at (its last `Survey answered`), reopen_events (its `Reopened`
-- events), rework_reopens (its `Resolved` events on the agents' side followed by other work of
-- theirs: the reopens of a data set without `Reopened` events), abandoned, closed (has `Closed` or
-- `Resolved`), asked (has `Information requested`), top_level (the highest level of any event),
-- last_team (the team of its last event of the agents' side with a team), handoffs (changes of
-- team or resource between consecutive events of the agents' side), one_team (those events hold
-- one team at most, NULL teams aside), pauses (its waits for the customer: asked_at, replied_at,
-- NULL while it still waits; NULL without any), pause_without_reply (it asked, and work resumed
-- with no reply); worked_after_escalation (de-escalated, and it shows work after its first
-- escalation: see down_work); and its columns of `cases` (case_id, created_at, channel,
-- priority, category, csat, ces, nps: store/facts.py keeps them equal).
-- A ticket with an `Escalated` or `De-escalated` event is read by those events: its first
-- escalation is its first `Escalated` event, by that event's resource, to the team of the first
-- `Assigned` event after it; a bounce-back is an `Escalated` event followed by `De-escalated`
-- with only `Assigned` events between. A ticket without them is read by its levels: an
-- escalation is a rise in level, by the resource of the event before it, to the team it rose
-- to; a de-escalation a fall; a bounce-back a rise followed by a fall with only `Assigned`,
-- `Escalated` and `De-escalated` events from the rise to the fall.
-- Only the agents' side counts for teams and levels (every event but those of $outside, the
-- customer's and the system's); events without a team (a level) are skipped, so a rise or a fall
-- is between consecutive events of the agents' side that carry a level.
-- Parameters: $outside (the activities off the agents' side, store.vocabulary.OUTSIDE_AGENTS).
WITH ids AS (
    SELECT
        max(activity_id) FILTER (WHERE name = 'Assigned') AS assigned,
        max(activity_id) FILTER (WHERE name = 'Escalated') AS escalated,
        max(activity_id) FILTER (WHERE name = 'De-escalated') AS de_escalated,
        max(activity_id) FILTER (WHERE name = 'Resolved') AS resolved
    FROM activities
),
-- Tickets are (dataset_id, case_key); `ticket` packs the two. Events off the agents' side are
-- left out; event_index arithmetic stands in for them where it matters. Read again where used,
-- not kept: ten million events' worth would spill at the load's memory bound.
moves AS NOT MATERIALIZED (
    SELECT
        (e.dataset_id::BIGINT << 32) | e.case_key AS ticket,
        e.event_index,
        e.activity_id,
        e.team,
        e.level,
        e.resource,
        e.ts
    FROM fact_events e
    WHERE e.activity_id NOT IN (SELECT activity_id FROM activities WHERE list_contains($outside, name))
),
-- What each activity is to the KPIs, read once off the activity dictionary and joined to the
-- events: cheaper than comparing every event with each activity of interest.
kinds AS (
    SELECT
        activity_id,
        NOT list_contains($outside, name) AS agents,
        name = 'Information requested' AS ask,
        name = 'Customer replied' AS reply,
        name = 'First response' AS first_response,
        name = 'Reopened' AS reopening,
        name = 'Survey answered' AS survey,
        name IN ('Resolved', 'Abandoned', 'Rejected', 'Closed') AS ending,
        -- what a ticket merely has or not, as bits: one aggregate for all of them
        (if(name = 'Abandoned', 2, 0)
            | if(name IN ('Closed', 'Resolved'), 4, 0)
            | if(name = 'Information requested', 8, 0))::UTINYINT AS bits
    FROM activities
),
paths AS MATERIALIZED (
    SELECT
        (e.dataset_id::BIGINT << 32) | e.case_key AS ticket,
        count(*)::INTEGER AS events,
        min(e.ts) AS first_ts,
        max(e.ts) AS last_ts,
        sum(hash(e.event_index, e.activity_id)) AS path_key,
        min(e.ts) FILTER (WHERE k.first_response) AS first_response_at,
        min(e.ts) FILTER (WHERE k.ending) AS ended_at,
        max(e.ts) FILTER (WHERE k.survey) AS survey_at,
        count(*) FILTER (WHERE k.reopening)::INTEGER AS reopen_events,
        bit_or(k.bits) AS bits,
        max(e.level) AS top_level
    FROM fact_events e
    JOIN kinds k USING (activity_id)
    GROUP BY ALL
),
tickets AS MATERIALIZED (
    SELECT
        ticket,
        max(ts) FILTER (WHERE activity_id = (SELECT resolved FROM ids)) AS last_resolved,
        min(event_index) FILTER (WHERE activity_id = (SELECT escalated FROM ids))
            AS first_escalated,
        arg_min(resource, event_index) FILTER (WHERE activity_id = (SELECT escalated FROM ids))
            AS escalated_by,
        bool_or(activity_id = (SELECT de_escalated FROM ids)) AS has_de_escalated,
        max(event_index) FILTER (WHERE activity_id = (SELECT de_escalated FROM ids)) AS last_down,
        arg_max(team, event_index) FILTER (WHERE team IS NOT NULL) AS last_team,
        -- some event after a `Resolved` one is not itself a `Resolved`
        min(event_index) FILTER (WHERE activity_id = (SELECT resolved FROM ids))
            < max(event_index) FILTER (WHERE activity_id IS DISTINCT FROM (SELECT resolved FROM ids))
            AS reworked,
        -- only tickets whose events differ in team or resource can have a handoff or more than
        -- one team: the passes below skip the rest
        min(hash(team, resource)) <> max(hash(team, resource)) AS mixed
    FROM moves
    GROUP BY ticket
),
-- Changes of team or resource between consecutive events, compared by a 64-bit hash of the pair,
-- and whether they hold one team at most (NULL teams aside): one ordered pass over the tickets
-- whose events are not all alike.
handoffs AS (
    SELECT
        ticket,
        count(*) FILTER (WHERE previous_ticket = ticket AND previous <> pair)::INTEGER AS handoffs,
        coalesce(min(team_hash) = max(team_hash), true) AS one_team
    FROM (
        SELECT
            ticket,
            hash(team, resource) AS pair,
            if(team IS NULL, NULL, hash(team)) AS team_hash,
            -- one sort of all the rows (no partitions): the previous row is the same ticket's
            -- previous event when it has the same ticket
            lag(ticket) OVER (ORDER BY ticket, event_index) AS previous_ticket,
            lag(hash(team, resource)) OVER (ORDER BY ticket, event_index) AS previous
        FROM moves
        WHERE ticket IN (SELECT ticket FROM tickets WHERE mixed)
    )
    GROUP BY ticket
),
-- Each `Information requested` ends at the next event that is a `Customer replied` (a pause) or
-- an agents' event (work resumed with no reply: no pause); with neither after it, the ticket is
-- still waiting for the customer (a pause that stays open): only tickets that asked are read.
asks AS (
    SELECT ticket, asked_at, next_reply AS replied, next_ts
    FROM (
        SELECT
            (e.dataset_id::BIGINT << 32) | e.case_key AS ticket,
            k.ask,
            e.ts AS asked_at,
            lead(k.reply) OVER w AS next_reply,
            lead(e.ts) OVER w AS next_ts
        FROM fact_events e
        JOIN kinds k USING (activity_id)
        WHERE (k.agents OR k.reply)
            AND (e.dataset_id::BIGINT << 32) | e.case_key
                IN (SELECT ticket FROM paths WHERE bits & 8 <> 0)
        WINDOW w AS (PARTITION BY e.dataset_id, e.case_key ORDER BY e.event_index)
    )
    WHERE ask
),
pauses AS (
    SELECT
        ticket,
        list({'asked_at': asked_at, 'replied_at': CASE WHEN replied THEN next_ts END}
            ORDER BY asked_at) FILTER (WHERE replied IS NOT false) AS pauses,
        bool_or(NOT replied) AS pause_without_reply
    FROM asks
    GROUP BY ticket
),
-- Each `Resolved` event whose next event is not a `Resolved` one: only tickets with work after a
-- resolution are read.
reworks AS (
    SELECT
        ticket,
        count(*) FILTER (WHERE resolution AND NOT next_resolution)::INTEGER AS rework_reopens
    FROM (
        SELECT
            ticket,
            resolution,
            lead(resolution) OVER (PARTITION BY ticket ORDER BY event_index) AS next_resolution
        FROM (
            SELECT
                ticket,
                event_index,
                coalesce(activity_id = (SELECT resolved FROM ids), false) AS resolution
            FROM moves
            WHERE ticket IN (SELECT ticket FROM tickets WHERE reworked)
        )
    )
    GROUP BY ticket
),
-- Levels: only tickets whose events carry two levels at least can rise or fall. `work_before`
-- counts the events before each one that are neither `Assigned`, `Escalated` nor `De-escalated`.
leveled AS (
    SELECT
        ticket,
        event_index,
        level,
        team,
        resource,
        sum((activity_id NOT IN (SELECT unnest([assigned, escalated, de_escalated]) FROM ids))
            ::INTEGER) OVER (
            PARTITION BY ticket ORDER BY event_index
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS work_before
    FROM moves
    WHERE ticket IN (
        SELECT ticket FROM moves WHERE level IS NOT NULL
        GROUP BY ticket HAVING min(level) <> max(level)
    )
),
steps AS (
    SELECT
        *,
        lag(level) OVER w AS level_before,
        lag(resource) OVER w AS resource_before
    FROM leveled
    WHERE level IS NOT NULL
    WINDOW w AS (PARTITION BY ticket ORDER BY event_index)
),
changes AS (
    SELECT
        ticket,
        event_index,
        team,
        resource_before,
        level > level_before AS rise,
        coalesce(work_before, 0) AS work_before,
        lead(level < level_before) OVER w AS next_falls,
        lead(coalesce(work_before, 0)) OVER w AS next_work_before
    FROM steps
    WHERE level <> level_before
    WINDOW w AS (PARTITION BY ticket ORDER BY event_index)
),
level_moves AS (
    SELECT
        ticket,
        min(event_index) FILTER (WHERE rise) AS first_rise,
        arg_min(team, event_index) FILTER (WHERE rise) AS risen_to,
        arg_min(resource_before, event_index) FILTER (WHERE rise) AS risen_by,
        bool_or(NOT rise) AS fell,
        -- up and straight back down, with no work in between
        coalesce(bool_or(rise AND next_falls AND next_work_before = work_before), false)
            AS bounced
    FROM changes
    GROUP BY ticket
),
-- A ticket whose events record its moves between levels (an `Escalated` or `De-escalated` event)
-- is read by those events; one without, by the rises and falls of its levels.
escalations AS (
    SELECT
        coalesce(t.ticket, l.ticket) AS ticket,
        coalesce(t.first_escalated IS NOT NULL OR t.has_de_escalated, false) AS recorded,
        CASE WHEN recorded THEN t.first_escalated ELSE l.first_rise END AS first_escalation,
        CASE WHEN recorded THEN t.escalated_by ELSE l.risen_by END AS escalated_by,
        CASE WHEN recorded THEN t.has_de_escalated ELSE coalesce(l.fell, false) END
            AS de_escalated,
        l.risen_to,
        l.bounced
    FROM tickets t
    FULL JOIN level_moves l USING (ticket)
),
-- A de-escalated ticket shows work after its first escalation when an event of the agents' side
-- that is no move (`Assigned`, `Escalated`, `De-escalated`) comes after it at level 2 or more,
-- or without a level before its last `De-escalated` event.
down_work AS (
    SELECT
        m.ticket,
        bool_or(m.level >= 2 OR (m.level IS NULL AND m.event_index < t.last_down)) AS worked
    FROM moves m
    JOIN escalations x USING (ticket)
    LEFT JOIN tickets t USING (ticket)
    WHERE x.de_escalated
        AND m.event_index > coalesce(x.first_escalation, -1)
        AND m.activity_id NOT IN (SELECT unnest([assigned, escalated, de_escalated]) FROM ids)
    GROUP BY m.ticket
),
-- Teams are compared by a 64-bit hash, cheaper to sort than the names.
teamed AS NOT MATERIALIZED (
    SELECT ticket, event_index, activity_id, team, hash(team) AS team_hash, level
    FROM moves
    WHERE team IS NOT NULL
),
escalated_to AS (
    SELECT
        x.ticket,
        CASE WHEN x.recorded THEN arg_min(a.team, a.event_index) ELSE any_value(x.risen_to) END
            AS team
    FROM escalations x
    LEFT JOIN teamed a
        ON a.ticket = x.ticket AND a.event_index > x.first_escalation
        AND a.activity_id = (SELECT assigned FROM ids)
    WHERE x.first_escalation IS NOT NULL
    GROUP BY x.ticket, x.recorded
),
-- A `De-escalated` event bounces back when every event between it and the last `Escalated`
-- event before it is an `Assigned` one (counted against the gap in event_index).
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
-- The ticket's sequence of teams, repeats collapsed: X, Y, X takes three events of two teams at
-- least, so only those tickets are looked at. A run's level is its first event's.
team_runs AS (
    SELECT ticket, event_index, team_hash, level
    FROM (
        SELECT
            ticket,
            event_index,
            team_hash,
            level,
            lag(team_hash) OVER (PARTITION BY ticket ORDER BY event_index) AS previous
        FROM teamed
        WHERE ticket IN (
            SELECT ticket FROM teamed
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
            level,
            lag(team_hash, 2) OVER w AS two_back,
            lag(level) OVER w AS level_before
        FROM team_runs
        WINDOW w AS (PARTITION BY ticket ORDER BY event_index)
    )
    -- a move back down a level is the answer handed back (a de-escalation), not ping-pong
    WHERE team_hash = two_back AND NOT coalesce(level < level_before, false)
)
SELECT
    (p.ticket >> 32)::INTEGER AS dataset_id,
    (p.ticket & 4294967295)::INTEGER AS case_key,
    p.events,
    p.first_ts,
    p.last_ts,
    p.path_key,
    t.last_resolved,
    x.first_escalation,
    x.escalated_by,
    e.team AS escalated_to,
    CASE WHEN x.recorded THEN b.ticket IS NOT NULL ELSE coalesce(x.bounced, false) END
        AS bounce_back,
    g.ticket IS NOT NULL AS ping_pong,
    coalesce(x.de_escalated, false) AS de_escalated,
    p.first_response_at,
    p.ended_at,
    p.survey_at,
    p.reopen_events,
    coalesce(w.rework_reopens, 0) AS rework_reopens,
    p.bits & 2 <> 0 AS abandoned,
    p.bits & 4 <> 0 AS closed,
    p.bits & 8 <> 0 AS asked,
    p.top_level,
    t.last_team,
    coalesce(h.handoffs, 0) AS handoffs,
    coalesce(h.one_team, true) AS one_team,
    z.pauses,
    coalesce(z.pause_without_reply, false) AS pause_without_reply,
    coalesce(k.worked, false) AS worked_after_escalation,
    c.case_id,
    c.created_at,
    c.channel,
    c.priority,
    c.category,
    c.csat,
    c.ces,
    c.nps
FROM paths p
LEFT JOIN tickets t USING (ticket)
LEFT JOIN handoffs h USING (ticket)
LEFT JOIN reworks w USING (ticket)
LEFT JOIN pauses z USING (ticket)
LEFT JOIN down_work k USING (ticket)
LEFT JOIN escalations x USING (ticket)
LEFT JOIN escalated_to e USING (ticket)
LEFT JOIN bounces b USING (ticket)
LEFT JOIN ping_pongs g USING (ticket)
LEFT JOIN cases c
    ON c.dataset_id = (p.ticket >> 32)::INTEGER AND c.case_key = (p.ticket & 4294967295)::INTEGER
ORDER BY dataset_id, case_key
