-- Grain: one row per selected ticket: what it contributes to each KPI (reads the TEMP views
-- selected_events and selected_cases, the TEMP table ticket_flags of mining/escalations.py, and the
-- business-hours macros of mining/business_hours.py).
-- Columns: case_key, case_id, channel, priority, category, team (the last team on the agents'
-- side), level (the highest level reached), created_at (first event), created_week,
-- resolved_at (last `Resolved`), resolved_week, ttr_h, first_response_at, first_response_week,
-- frt_h, resolved, reopened, reopens, escalated, needless (bounce-back or push-to-front), fcr,
-- handoffs, abandoned, closed (has `Closed` or `Resolved`), ended_at (first `Resolved`,
-- `Abandoned`, `Rejected` or `Closed`), ended_week, csat_good, csat_answered, ces, nps_promoter, nps_detractor,
-- nps_answered, answered, answered_week, frt_business_h, ttr_business_h (pauses for the customer
-- taken off), sla_first_response_met, sla_resolution_met (NULL without a first response or a
-- resolution), pause_without_reply.
-- Agents' side: every event but `Ticket created`, `Customer replied`, `Reopened`, `Survey
-- answered`, `Abandoned` and `Closed` (customers' and the system's).
-- Parameters: $zone (weeks are ISO weeks in this time zone), $sla_priorities, $sla_first_s,
-- $sla_resolution_s (lists, aligned), $default_first_s, $default_resolution_s.
WITH ids AS (
    SELECT
        max(activity_id) FILTER (WHERE name = 'Resolved') AS resolved,
        max(activity_id) FILTER (WHERE name = 'First response') AS first_response,
        max(activity_id) FILTER (WHERE name = 'Reopened') AS reopened,
        max(activity_id) FILTER (WHERE name = 'Escalated') AS escalated,
        max(activity_id) FILTER (WHERE name = 'Abandoned') AS abandoned,
        max(activity_id) FILTER (WHERE name = 'Rejected') AS rejected,
        max(activity_id) FILTER (WHERE name = 'Closed') AS closed,
        max(activity_id) FILTER (WHERE name = 'Survey answered') AS survey,
        max(activity_id) FILTER (WHERE name = 'Information requested') AS info_requested,
        max(activity_id) FILTER (WHERE name = 'Customer replied') AS customer_replied,
        list(activity_id) FILTER (WHERE name IN (
            'Ticket created', 'Customer replied', 'Reopened', 'Survey answered', 'Abandoned',
            'Closed'
        )) AS not_agents
    FROM activities
),
ev AS MATERIALIZED (
    SELECT
        e.case_key, e.event_index, e.activity_id, e.ts, e.team, e.resource, e.level,
        NOT list_contains(i.not_agents, e.activity_id) AS agents
    FROM selected_events e, ids i
),
per AS (
    SELECT
        case_key,
        min(ts) AS first_ts,
        max(ts) FILTER (WHERE activity_id = i.resolved) AS resolved_at,
        min(ts) FILTER (WHERE activity_id = i.first_response) AS first_response_at,
        count(*) FILTER (WHERE activity_id = i.reopened) AS reopens,
        bool_or(activity_id = i.escalated) AS escalated,
        bool_or(activity_id = i.abandoned) AS abandoned,
        bool_or(activity_id IN (i.closed, i.resolved)) AS closed,
        min(ts) FILTER (WHERE activity_id IN (i.resolved, i.abandoned, i.rejected, i.closed)) AS ended_at,
        max(ts) FILTER (WHERE activity_id = i.survey) AS survey_at,
        max(ts) AS last_ts,
        count(DISTINCT team) FILTER (WHERE agents) AS teams,
        arg_max(team, event_index) FILTER (WHERE agents AND team IS NOT NULL) AS team,
        max(level) AS level
    FROM ev, ids i
    GROUP BY case_key
),
-- Changes of team or resource between consecutive events of the agents' side.
handoffs AS (
    SELECT case_key, count(*) FILTER (WHERE changed) AS handoffs
    FROM (
        SELECT
            case_key,
            event_index > min(event_index) OVER w
                AND (team IS DISTINCT FROM lag(team) OVER w
                    OR resource IS DISTINCT FROM lag(resource) OVER w) AS changed
        FROM ev
        WHERE agents
        WINDOW w AS (PARTITION BY case_key ORDER BY event_index)
    )
    GROUP BY case_key
),
-- Each `Information requested` ends at the next event that is a `Customer replied` (a pause) or
-- an agents' event (work resumed with no reply: no pause).
requests AS (
    SELECT case_key, ts AS asked_at, next_activity, next_ts
    FROM (
        SELECT
            case_key, activity_id, ts,
            lead(activity_id) OVER w AS next_activity,
            lead(ts) OVER w AS next_ts
        FROM ev, ids i
        WHERE agents OR activity_id = i.customer_replied
        WINDOW w AS (PARTITION BY case_key ORDER BY event_index)
    ), ids i
    WHERE activity_id = i.info_requested
),
pauses AS (
    -- Each pause with its business seconds, read off the calendar (business_quarters) here: a
    -- lambda below cannot look a value up.
    SELECT
        r.case_key,
        list({
            asked_at: r.asked_at,
            replied_at: r.next_ts,
            paused_s: business_clock_at(r.next_ts, b) - business_clock_at(r.asked_at, a)
        }) FILTER (WHERE r.next_activity = i.customer_replied) AS pauses,
        bool_or(r.next_activity IS NOT NULL AND r.next_activity <> i.customer_replied)
            AS pause_without_reply
    FROM requests r
    CROSS JOIN ids i
    LEFT JOIN business_quarters a ON a.quarter = business_quarter(r.asked_at)
    LEFT JOIN business_quarters b ON b.quarter = business_quarter(r.next_ts)
    GROUP BY r.case_key
),
tickets AS (
    SELECT
        c.case_key,
        c.case_id,
        c.channel,
        c.priority,
        c.category,
        p.team,
        p.level,
        p.first_ts AS created_at,
        p.resolved_at,
        p.first_response_at,
        p.resolved_at IS NOT NULL AS resolved,
        p.reopens > 0 AS reopened,
        p.reopens,
        p.escalated,
        coalesce(f.bounce_back OR f.push_to_front, false) AS needless,
        p.resolved_at IS NOT NULL AND NOT p.escalated AND p.reopens = 0 AND p.teams <= 1 AS fcr,
        coalesce(h.handoffs, 0) AS handoffs,
        p.abandoned,
        p.closed,
        p.ended_at,
        c.csat >= 4 AS csat_good,
        c.csat IS NOT NULL AS csat_answered,
        c.ces,
        c.nps >= 9 AS nps_promoter,
        c.nps <= 6 AS nps_detractor,
        c.nps IS NOT NULL AS nps_answered,
        coalesce(c.csat, c.ces, c.nps) IS NOT NULL AS answered,
        CASE WHEN coalesce(c.csat, c.ces, c.nps) IS NOT NULL
            THEN coalesce(p.survey_at, p.last_ts) END AS answered_at,
        coalesce(q.pause_without_reply, false) AS pause_without_reply,
        q.pauses,
        coalesce(
            list_position($sla_priorities::VARCHAR[], lower(c.priority)), 0
        ) AS sla_index
    FROM selected_cases c
    JOIN per p USING (case_key)
    LEFT JOIN ticket_flags f USING (case_key)
    LEFT JOIN handoffs h USING (case_key)
    LEFT JOIN pauses q USING (case_key)
),
timed AS (
    SELECT
        *,
        (business_seconds(created_at, first_response_at) - coalesce(list_sum(list_transform(
            list_filter(pauses, lambda x: x.replied_at <= first_response_at),
            lambda x: x.paused_s
        )), 0)) / 3600 AS frt_business_h,
        (business_seconds(created_at, resolved_at) - coalesce(list_sum(list_transform(
            list_filter(pauses, lambda x: x.replied_at <= resolved_at),
            lambda x: x.paused_s
        )), 0)) / 3600 AS ttr_business_h,
        if(sla_index > 0, ($sla_first_s::DOUBLE[])[sla_index], $default_first_s) AS first_target_s,
        if(sla_index > 0, ($sla_resolution_s::DOUBLE[])[sla_index], $default_resolution_s)
            AS resolution_target_s
    FROM tickets
)
SELECT
    case_key, case_id, channel, priority, category, team, level,
    created_at,
    date_trunc('week', timezone($zone, created_at))::DATE AS created_week,
    resolved_at,
    date_trunc('week', timezone($zone, resolved_at))::DATE AS resolved_week,
    epoch(resolved_at - created_at) / 3600 AS ttr_h,
    first_response_at,
    date_trunc('week', timezone($zone, first_response_at))::DATE AS first_response_week,
    epoch(first_response_at - created_at) / 3600 AS frt_h,
    resolved, reopened, reopens, escalated, needless, fcr, handoffs, abandoned, closed, ended_at,
    date_trunc('week', timezone($zone, ended_at))::DATE AS ended_week,
    csat_good, csat_answered, ces, nps_promoter, nps_detractor, nps_answered, answered,
    answered_at,
    date_trunc('week', timezone($zone, answered_at))::DATE AS answered_week,
    frt_business_h,
    ttr_business_h,
    frt_business_h * 3600 <= first_target_s AS sla_first_response_met,
    ttr_business_h * 3600 <= resolution_target_s AS sla_resolution_met,
    pause_without_reply
FROM timed
ORDER BY case_key
