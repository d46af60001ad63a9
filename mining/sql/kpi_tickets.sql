-- Grain: one row per selected ticket: what it contributes to each KPI (reads the TEMP views
-- selected_events and selected_cases, the TEMP table ticket_flags of mining/escalations.py, and the
-- TEMP table business_quarters of mining/business_hours.py).
-- Columns: case_key, case_id, channel, priority, category, team (the last team on the agents'
-- side), level (the highest level reached), created_at (first event), created_week,
-- resolved_at (last `Resolved`), resolved_week, ttr_h, first_response_at, first_response_week,
-- frt_h, resolved, reopened, reopens (its `Reopened` events; in a data set without any, its
-- `Resolved` events followed by further work: the next event of the agents' side is not another
-- `Resolved`), escalated (as ticket_flags says: an `Escalated` event, or a rise in level),
-- needless (bounce-back or push-to-front), fcr,
-- handoffs, abandoned, closed (has `Closed` or `Resolved`), ended_at (first `Resolved`,
-- `Abandoned`, `Rejected` or `Closed`), ended_week, csat_good, csat_answered, ces, nps_promoter,
-- nps_detractor, nps_answered, answered, answered_at, answered_week, frt_business_h,
-- ttr_business_h (pauses for the customer taken off; NULL without a first response or a
-- resolution), sla_first_response_met, sla_resolution_met, sla_first_response_pending,
-- sla_resolution_pending, pause_without_reply, asked (an `Information requested`).
-- SLA, as helpdesk tools count it: each target's clock runs in business hours from creation and
-- stops at the first response (the last resolution), or, without one, when the ticket ended
-- otherwise (abandoned, rejected, closed) or at $data_end (the end of the data) when it is still
-- open; it is paused from each `Information requested` to the next `Customer replied`, and from
-- an unanswered one onwards. _met is TRUE when the stopping event came within the target, FALSE
-- when the clock passed the target (a ticket still open past its target is breached), NULL
-- otherwise: _pending when the ticket is still open within its target, else not applicable
-- (ended without that event within the target).
-- Agents' side: every event but those of $outside (`Ticket created`, `Customer replied`,
-- `Reopened`, `Survey answered`, `Abandoned` and `Closed`: customers' and the system's).
-- Business hours are read off business_quarters only for the few instants per ticket that need
-- them (creation, the clocks' stops, each pause's ends), by hash joins, never per event.
-- Parameters: $zone (weeks are ISO weeks in this time zone), $data_end (the data set's last
-- event), $outside (store.vocabulary.OUTSIDE_AGENTS), $reopened_known (the data set has a
-- `Reopened` event), $sla_priorities, $sla_first_s, $sla_resolution_s (lists, aligned), $default_first_s,
-- $default_resolution_s.
-- What each activity is to the KPIs, read once off the activity dictionary and joined to the
-- events: cheaper than comparing every event with each activity of interest.
WITH kinds AS (
    SELECT
        activity_id,
        NOT list_contains($outside, name) AS agents,
        name = 'Information requested' AS ask,
        name = 'Customer replied' AS reply,
        name = 'Resolved' AS resolution,
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
ev AS NOT MATERIALIZED (
    SELECT e.case_key, e.event_index, e.ts, e.team, e.resource, e.level, k.* EXCLUDE (activity_id)
    FROM selected_events e
    JOIN kinds k USING (activity_id)
),
-- One pass over the events: everything an aggregate can tell.
per AS (
    SELECT
        case_key,
        max(ts) FILTER (WHERE resolution) AS resolved_at,
        min(ts) FILTER (WHERE first_response) AS first_response_at,
        count(*) FILTER (WHERE reopening) AS reopens,
        -- some event of the agents' side after a `Resolved` one is not itself a `Resolved`
        min(event_index) FILTER (WHERE resolution)
            < max(event_index) FILTER (WHERE agents AND NOT resolution) AS reworked,
        bit_or(bits) AS bits,
        min(ts) FILTER (WHERE ending) AS ended_at,
        max(ts) FILTER (WHERE survey) AS survey_at,
        max(ts) AS last_ts,
        arg_max(team, event_index) FILTER (WHERE agents AND team IS NOT NULL) AS team,
        max(level) AS level,
        -- only tickets whose agents' events differ in team or resource can have a handoff or
        -- more than one team, and only those with an `Information requested` a pause: the
        -- passes below skip the rest
        min(hash(team, resource)) FILTER (WHERE agents)
            <> max(hash(team, resource)) FILTER (WHERE agents) AS mixed
    FROM ev
    GROUP BY case_key
),
flags AS MATERIALIZED (
    SELECT
        * EXCLUDE (bits),
        bits & 2 <> 0 AS abandoned,
        bits & 4 <> 0 AS closed,
        bits & 8 <> 0 AS asked
    FROM per
),
-- Changes of team or resource between consecutive events of the agents' side, compared by a 64-bit
-- hash of the pair (as ticket_flags.sql compares teams), and whether they hold one team at most
-- (NULL teams aside): one ordered pass over the tickets whose agents' events are not all alike.
handoffs AS (
    SELECT
        case_key,
        count(*) FILTER (WHERE previous_case = case_key AND previous <> pair) AS handoffs,
        coalesce(min(team_hash) = max(team_hash), true) AS one_team
    FROM (
        SELECT
            case_key,
            hash(team, resource) AS pair,
            if(team IS NULL, NULL, hash(team)) AS team_hash,
            -- one sort of all the rows (no partitions): the previous row is the same ticket's
            -- previous event when it has the same case_key
            lag(case_key) OVER (ORDER BY case_key, event_index) AS previous_case,
            lag(hash(team, resource)) OVER (ORDER BY case_key, event_index) AS previous
        FROM ev
        WHERE agents AND case_key IN (SELECT case_key FROM flags WHERE mixed)
    )
    GROUP BY case_key
),
-- Without `Reopened` events in the data set, each `Resolved` event whose next event of the agents'
-- side is not a `Resolved` one is a reopen: only tickets with work after a resolution are read.
reworks AS (
    SELECT case_key, count(*) FILTER (WHERE resolution AND NOT next_resolution) AS reopens
    FROM (
        SELECT
            case_key,
            resolution,
            lead(resolution) OVER (PARTITION BY case_key ORDER BY event_index) AS next_resolution
        FROM ev
        WHERE agents AND NOT $reopened_known
            AND case_key IN (SELECT case_key FROM flags WHERE reworked)
    )
    GROUP BY case_key
),
-- Each `Information requested` ends at the next event that is a `Customer replied` (a pause) or
-- an agents' event (work resumed with no reply: no pause); with neither after it, the ticket is
-- still waiting for the customer (a pause that stays open).
asks AS MATERIALIZED (
    SELECT case_key, asked_at, next_reply AS replied, next_ts
    FROM (
        SELECT
            case_key, ask, ts AS asked_at,
            lead(reply) OVER w AS next_reply,
            lead(ts) OVER w AS next_ts
        FROM ev
        WHERE (agents OR reply) AND case_key IN (SELECT case_key FROM flags WHERE asked)
        WINDOW w AS (PARTITION BY case_key ORDER BY event_index)
    )
    WHERE ask
),
requests AS (
    SELECT case_key, asked_at, CASE WHEN replied THEN next_ts END AS replied_at
    FROM asks
    WHERE replied IS NOT false
),
unanswered AS (
    SELECT DISTINCT case_key FROM asks WHERE NOT replied
),
-- SLA targets per priority (lower case), in seconds.
targets AS (
    SELECT
        unnest($sla_priorities::VARCHAR[]) AS priority,
        unnest($sla_first_s::DOUBLE[]) AS first_s,
        unnest($sla_resolution_s::DOUBLE[]) AS resolution_s
),
tickets AS MATERIALIZED (
    SELECT
        c.case_key,
        c.case_id,
        c.channel,
        c.priority,
        c.category,
        p.* EXCLUDE (case_key, mixed, reworked)
            REPLACE (if($reopened_known, p.reopens, coalesce(w.reopens, 0)) AS reopens),
        coalesce(f.escalated, false) AS escalated,
        c.created_at,
        coalesce(p.first_response_at, p.ended_at, $data_end::TIMESTAMPTZ) AS first_stop,
        coalesce(p.resolved_at, p.ended_at, $data_end::TIMESTAMPTZ) AS resolution_stop,
        p.resolved_at IS NOT NULL AND NOT coalesce(f.escalated, false)
            AND if($reopened_known, p.reopens, coalesce(w.reopens, 0)) = 0
            AND coalesce(h.one_team, true) AS fcr,
        coalesce(f.needless, false) AS needless,
        coalesce(h.handoffs, 0) AS handoffs,
        u.case_key IS NOT NULL AS pause_without_reply,
        c.csat, c.ces, c.nps,
        coalesce(g.first_s, $default_first_s) AS first_target_s,
        coalesce(g.resolution_s, $default_resolution_s) AS resolution_target_s
    FROM selected_cases c
    JOIN flags p USING (case_key)
    LEFT JOIN ticket_flags f USING (case_key)
    LEFT JOIN handoffs h USING (case_key)
    LEFT JOIN reworks w USING (case_key)
    LEFT JOIN unanswered u USING (case_key)
    LEFT JOIN targets g ON g.priority = lower(c.priority)
),
-- The business clock (seconds since the calendar's start) at creation and at each clock's stop.
clocks AS MATERIALIZED (
    SELECT
        t.case_key,
        business_clock_at(t.created_at, qc) AS created_clock,
        t.first_stop,
        business_clock_at(t.first_stop, qf) AS first_stop_clock,
        t.resolution_stop,
        business_clock_at(t.resolution_stop, qr) AS resolution_stop_clock
    FROM tickets t
    LEFT JOIN business_quarters qc ON qc.quarter = business_quarter(t.created_at)
    LEFT JOIN business_quarters qf ON qf.quarter = business_quarter(t.first_stop)
    LEFT JOIN business_quarters qr ON qr.quarter = business_quarter(t.resolution_stop)
),
-- Business seconds paused before each stop: a pause counts up to the stop (a reply after the
-- stop, or none, leaves it open there).
paused AS (
    SELECT
        r.case_key,
        sum(CASE
            WHEN r.replied_at <= k.first_stop THEN business_clock_at(r.replied_at, qb)
            ELSE k.first_stop_clock
        END - business_clock_at(r.asked_at, qa)) FILTER (WHERE r.asked_at < k.first_stop)
            AS first_paused_s,
        sum(CASE
            WHEN r.replied_at <= k.resolution_stop THEN business_clock_at(r.replied_at, qb)
            ELSE k.resolution_stop_clock
        END - business_clock_at(r.asked_at, qa)) FILTER (WHERE r.asked_at < k.resolution_stop)
            AS resolution_paused_s
    FROM requests r
    JOIN clocks k USING (case_key)
    LEFT JOIN business_quarters qa ON qa.quarter = business_quarter(r.asked_at)
    LEFT JOIN business_quarters qb ON qb.quarter = business_quarter(r.replied_at)
    GROUP BY r.case_key
),
-- The ISO week (in $zone) of each quarter hour an instant below falls in: a quarter hour lies
-- within one local day (offsets are whole quarter hours), and converting time zones costs, so it
-- is done once per distinct quarter hour instead of once per value.
weeks AS MATERIALIZED (
    SELECT
        quarter,
        date_trunc('week', timezone($zone, make_timestamptz(quarter * 900 * 1000000)))::DATE
            AS week
    FROM (
        SELECT DISTINCT unnest([
            business_quarter(created_at), business_quarter(resolved_at),
            business_quarter(first_response_at), business_quarter(ended_at),
            business_quarter(coalesce(survey_at, last_ts))
        ]) AS quarter
        FROM tickets
    )
    WHERE quarter IS NOT NULL
),
timed AS (
    SELECT
        t.*,
        (k.first_stop_clock - k.created_clock - coalesce(s.first_paused_s, 0))
            AS first_elapsed_s,
        (k.resolution_stop_clock - k.created_clock - coalesce(s.resolution_paused_s, 0))
            AS resolution_elapsed_s
    FROM tickets t
    JOIN clocks k USING (case_key)
    LEFT JOIN paused s USING (case_key)
)
SELECT
    t.case_key, t.case_id, t.channel, t.priority, t.category, t.team, t.level,
    t.created_at,
    wc.week AS created_week,
    t.resolved_at,
    wr.week AS resolved_week,
    (epoch(t.resolved_at) - epoch(t.created_at)) / 3600 AS ttr_h,
    t.first_response_at,
    wf.week AS first_response_week,
    (epoch(t.first_response_at) - epoch(t.created_at)) / 3600 AS frt_h,
    t.resolved_at IS NOT NULL AS resolved,
    t.reopens > 0 AS reopened,
    t.reopens, t.escalated, t.needless, t.fcr, t.handoffs, t.abandoned, t.closed, t.ended_at,
    t.asked,
    we.week AS ended_week,
    t.csat >= 4 AS csat_good,
    t.csat IS NOT NULL AS csat_answered,
    t.ces,
    t.nps >= 9 AS nps_promoter,
    t.nps <= 6 AS nps_detractor,
    t.nps IS NOT NULL AS nps_answered,
    coalesce(t.csat, t.ces, t.nps) IS NOT NULL AS answered,
    CASE WHEN coalesce(t.csat, t.ces, t.nps) IS NOT NULL
        THEN coalesce(t.survey_at, t.last_ts) END AS answered_at,
    CASE WHEN coalesce(t.csat, t.ces, t.nps) IS NOT NULL THEN wa.week END AS answered_week,
    CASE WHEN t.first_response_at IS NOT NULL THEN t.first_elapsed_s / 3600 END
        AS frt_business_h,
    CASE WHEN t.resolved_at IS NOT NULL THEN t.resolution_elapsed_s / 3600 END
        AS ttr_business_h,
    CASE
        WHEN t.first_response_at IS NOT NULL THEN t.first_elapsed_s <= t.first_target_s
        WHEN t.first_elapsed_s > t.first_target_s THEN false
    END AS sla_first_response_met,
    t.first_response_at IS NULL AND t.ended_at IS NULL
        AND t.first_elapsed_s <= t.first_target_s AS sla_first_response_pending,
    CASE
        WHEN t.resolved_at IS NOT NULL THEN t.resolution_elapsed_s <= t.resolution_target_s
        WHEN t.resolution_elapsed_s > t.resolution_target_s THEN false
    END AS sla_resolution_met,
    t.resolved_at IS NULL AND t.ended_at IS NULL
        AND t.resolution_elapsed_s <= t.resolution_target_s AS sla_resolution_pending,
    t.pause_without_reply
FROM timed t
LEFT JOIN weeks wc ON wc.quarter = business_quarter(t.created_at)
LEFT JOIN weeks wr ON wr.quarter = business_quarter(t.resolved_at)
LEFT JOIN weeks wf ON wf.quarter = business_quarter(t.first_response_at)
LEFT JOIN weeks we ON we.quarter = business_quarter(t.ended_at)
LEFT JOIN weeks wa ON wa.quarter = business_quarter(coalesce(t.survey_at, t.last_ts))
