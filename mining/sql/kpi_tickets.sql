-- Grain: one row per selected ticket: what it contributes to each KPI (reads the TEMP view
-- kpi_facts (the selected tickets' facts with their `cases` rows, store/sql/ticket_facts.sql,
-- which read their events), the TEMP table escalation_flags of mining/escalations.py, and the
-- TEMP table business_quarters of mining/business_hours.py).
-- Columns: case_key, case_id, channel, priority, category, team (the last team on the agents'
-- side), level (the highest level reached), created_at (first event), created_week,
-- resolved_at (last `Resolved`), resolved_week, ttr_h, first_response_at, first_response_week,
-- frt_h, resolved, reopened, reopens (its `Reopened` events; in a data set without any, its
-- `Resolved` events followed by further work: the next event of the agents' side is not another
-- `Resolved`), escalated (as escalation_flags says: an `Escalated` event, or a rise in level),
-- bounce_back (sent straight back down) and needless (a bounce-back or a push-to-front
-- escalation), as escalation_flags says, fcr (resolved, neither escalated nor reopened, one
-- team on the agents' side, or one agent where the data set names no team: $teams_known),
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
-- Agents' side: every event but those of store.vocabulary.OUTSIDE_AGENTS (`Ticket created`,
-- `Customer replied`, `Reopened`, `Survey answered`, `Abandoned` and `Closed`: customers' and the
-- system's).
-- Business hours are read off business_quarters only for the few instants per ticket that need
-- them (creation, the clocks' stops, each pause's ends), by hash joins, never per event.
-- Parameters: $zone (weeks are ISO weeks in this time zone), $data_end (the data set's last
-- event), $reopened_known (the data set has a `Reopened` event), $teams_known (an event of it
-- names a team), $sla_priorities, $sla_first_s,
-- $sla_resolution_s (lists, aligned), $default_first_s, $default_resolution_s.
-- Each ticket's row and facts (TEMP view kpi_facts: store/sql/ticket_facts.sql's rows of the
-- selected tickets), as the KPIs name them, and where its two SLA clocks stop. Read twice, not
-- kept: the pauses read three of its columns.
WITH flags AS NOT MATERIALIZED (
    SELECT
        case_key,
        case_id,
        channel,
        priority,
        category,
        created_at,
        csat,
        ces,
        nps,
        last_resolved AS resolved_at,
        first_response_at,
        if($reopened_known, reopen_events, rework_reopens)::BIGINT AS reopens,
        abandoned,
        closed,
        asked,
        ended_at,
        survey_at,
        last_ts,
        last_team AS team,
        top_level AS level,
        handoffs::BIGINT AS handoffs,
        one_team,
        pause_without_reply,
        coalesce(first_response_at, ended_at, $data_end::TIMESTAMPTZ) AS first_stop,
        coalesce(last_resolved, ended_at, $data_end::TIMESTAMPTZ) AS resolution_stop
    FROM kpi_facts
),
-- Each wait for the customer: from an `Information requested` to the `Customer replied` that
-- answers it (NULL while the ticket still waits).
requests AS (
    SELECT case_key, unnest(pauses, recursive := true)
    FROM kpi_facts
    WHERE pauses IS NOT NULL
),
-- SLA targets per priority (lower case), in seconds.
targets AS (
    SELECT
        unnest($sla_priorities::VARCHAR[]) AS priority,
        unnest($sla_first_s::DOUBLE[]) AS first_s,
        unnest($sla_resolution_s::DOUBLE[]) AS resolution_s
),
tickets AS (
    SELECT
        p.* EXCLUDE (one_team),
        coalesce(f.escalated, false) AS escalated,
        -- one team on the agents' side; in a data set that names no team, one agent: no handoff
        p.resolved_at IS NOT NULL AND NOT coalesce(f.escalated, false) AND p.reopens = 0
            AND if($teams_known, p.one_team, p.handoffs = 0) AS fcr,
        coalesce(f.bounce_back, false) AS bounce_back,
        coalesce(f.needless, false) AS needless,
        coalesce(g.first_s, $default_first_s) AS first_target_s,
        coalesce(g.resolution_s, $default_resolution_s) AS resolution_target_s
    FROM flags p
    LEFT JOIN escalation_flags f USING (case_key)
    LEFT JOIN targets g ON g.priority = lower(p.priority)
),
-- Each ticket with the business clock (seconds since the calendar's start) at its creation and at
-- each clock's stop, and the weeks of its creation, first response and resolution, read off the
-- same rows (the first clock stops at the first response when there is one, the second at the
-- resolution).
clocks AS (
    SELECT
        t.*,
        business_clock_at(t.created_at, qc) AS created_clock,
        business_clock_at(t.first_stop, qf) AS first_stop_clock,
        business_clock_at(t.resolution_stop, qr) AS resolution_stop_clock,
        local_week(t.created_at, qc, $zone) AS created_week,
        local_week(t.first_response_at, qf, $zone) AS first_response_week,
        local_week(t.resolved_at, qr, $zone) AS resolved_week
    FROM tickets t
    LEFT JOIN business_quarters qc ON qc.quarter = business_quarter(t.created_at)
    LEFT JOIN business_quarters qf ON qf.quarter = business_quarter(t.first_stop)
    LEFT JOIN business_quarters qr ON qr.quarter = business_quarter(t.resolution_stop)
),
-- Business seconds paused before each stop: a pause counts up to the stop (a reply after the
-- stop, or none, leaves it open there). The stops' clocks are looked up again for the tickets that
-- paused: cheaper than keeping every ticket's clocks for this join.
paused AS (
    SELECT
        r.case_key,
        sum(CASE
            WHEN r.replied_at <= p.first_stop THEN business_clock_at(r.replied_at, qb)
            ELSE business_clock_at(p.first_stop, qf)
        END - business_clock_at(r.asked_at, qa)) FILTER (WHERE r.asked_at < p.first_stop)
            AS first_paused_s,
        sum(CASE
            WHEN r.replied_at <= p.resolution_stop THEN business_clock_at(r.replied_at, qb)
            ELSE business_clock_at(p.resolution_stop, qr)
        END - business_clock_at(r.asked_at, qa)) FILTER (WHERE r.asked_at < p.resolution_stop)
            AS resolution_paused_s
    FROM requests r
    JOIN flags p USING (case_key)
    LEFT JOIN business_quarters qa ON qa.quarter = business_quarter(r.asked_at)
    LEFT JOIN business_quarters qb ON qb.quarter = business_quarter(r.replied_at)
    LEFT JOIN business_quarters qf ON qf.quarter = business_quarter(p.first_stop)
    LEFT JOIN business_quarters qr ON qr.quarter = business_quarter(p.resolution_stop)
    GROUP BY r.case_key
),
timed AS (
    SELECT
        k.*,
        (k.first_stop_clock - k.created_clock - coalesce(s.first_paused_s, 0))
            AS first_elapsed_s,
        (k.resolution_stop_clock - k.created_clock - coalesce(s.resolution_paused_s, 0))
            AS resolution_elapsed_s
    FROM clocks k
    LEFT JOIN paused s USING (case_key)
)
SELECT
    t.case_key, t.case_id, t.channel, t.priority, t.category, t.team, t.level,
    t.created_at,
    t.created_week,
    t.resolved_at,
    t.resolved_week,
    (epoch(t.resolved_at) - epoch(t.created_at)) / 3600 AS ttr_h,
    t.first_response_at,
    t.first_response_week,
    (epoch(t.first_response_at) - epoch(t.created_at)) / 3600 AS frt_h,
    t.resolved_at IS NOT NULL AS resolved,
    t.reopens > 0 AS reopened,
    t.reopens, t.escalated, t.bounce_back, t.needless, t.fcr, t.handoffs, t.abandoned, t.closed,
    t.ended_at,
    t.asked,
    local_week(t.ended_at, qe, $zone) AS ended_week,
    t.csat >= 4 AS csat_good,
    t.csat IS NOT NULL AS csat_answered,
    t.ces,
    t.nps >= 9 AS nps_promoter,
    t.nps <= 6 AS nps_detractor,
    t.nps IS NOT NULL AS nps_answered,
    coalesce(t.csat, t.ces, t.nps) IS NOT NULL AS answered,
    CASE WHEN coalesce(t.csat, t.ces, t.nps) IS NOT NULL
        THEN coalesce(t.survey_at, t.last_ts) END AS answered_at,
    CASE WHEN coalesce(t.csat, t.ces, t.nps) IS NOT NULL
        THEN local_week(coalesce(t.survey_at, t.last_ts), qa, $zone) END AS answered_week,
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
LEFT JOIN business_quarters qe ON qe.quarter = business_quarter(t.ended_at)
LEFT JOIN business_quarters qa ON qa.quarter = business_quarter(coalesce(t.survey_at, t.last_ts))
