-- Grain: one row per ticket attribute and value among the tickets of the TEMP table
-- rootcause_targets (case_key, target: the population and which of it is the target), reading the
-- TEMP views selected_cases and selected_events.
-- Attributes: channel, priority, category, first_team and agent (team and resource of the
-- ticket's first `Assigned` event; in a selection without `Assigned` events, of its first event
-- naming one), weekday ('Mon'-'Sun') and hour ('00'-'23') of creation in time zone $zone.
-- Columns: attribute, value, tickets, target_tickets, target_rate (target_tickets / tickets),
-- rate_low, rate_high (95% Wilson score interval of target_rate), share_of_target (of all target
-- tickets), share_of_all (of all tickets), lift (target_rate over the overall rate), enough
-- (tickets >= $min_tickets), example_tickets (case ids of up to five target tickets with the
-- value, first loaded first).
-- Parameters: $zone, $min_tickets.
WITH assigned AS (
    SELECT activity_id FROM activities WHERE name = 'Assigned'
),
firsts AS (
    SELECT
        case_key,
        arg_min(team, event_index) FILTER (
            WHERE activity_id = (SELECT activity_id FROM assigned) AND team IS NOT NULL
        ) AS assigned_team,
        arg_min(resource, event_index) FILTER (
            WHERE activity_id = (SELECT activity_id FROM assigned) AND resource IS NOT NULL
        ) AS assigned_resource,
        arg_min(team, event_index) FILTER (WHERE team IS NOT NULL) AS any_team,
        arg_min(resource, event_index) FILTER (WHERE resource IS NOT NULL) AS any_resource
    FROM selected_events
    WHERE case_key IN (SELECT case_key FROM rootcause_targets)
    GROUP BY case_key
),
has_assigned AS (
    SELECT count(assigned_team) + count(assigned_resource) > 0 AS yes FROM firsts
),
tickets AS (
    SELECT
        t.case_key,
        t.target,
        c.case_id,
        c.channel,
        c.priority,
        c.category,
        if(h.yes, f.assigned_team, f.any_team) AS first_team,
        if(h.yes, f.assigned_resource, f.any_resource) AS agent,
        strftime(timezone($zone, c.created_at), '%a') AS weekday,
        strftime(timezone($zone, c.created_at), '%H') AS hour
    FROM rootcause_targets t
    JOIN selected_cases c USING (case_key)
    JOIN firsts f USING (case_key), has_assigned h
),
long AS (
    UNPIVOT tickets
    ON channel, priority, category, first_team, agent, weekday, hour
    INTO NAME attribute VALUE value
),
overall AS (
    SELECT count(*) AS tickets, count(*) FILTER (WHERE target) AS target_tickets FROM tickets
),
grouped AS (
    SELECT
        attribute,
        value,
        count(*) AS tickets,
        count(*) FILTER (WHERE target) AS target_tickets,
        coalesce(min_by(case_id, case_key, 5) FILTER (WHERE target), []) AS example_tickets
    FROM long
    GROUP BY attribute, value
),
rated AS (
    SELECT
        g.*,
        g.target_tickets / g.tickets AS target_rate,
        g.target_tickets / o.target_tickets AS share_of_target,
        g.tickets / o.tickets AS share_of_all,
        o.target_tickets / o.tickets AS overall_rate
    FROM grouped g, overall o
),
-- Wilson score interval, z for 95%: center +- half
wilson AS (
    SELECT
        *,
        pow(1.959963984540054, 2) / tickets AS z2n,
        (target_rate + z2n / 2) / (1 + z2n) AS center,
        sqrt(z2n * target_rate * (1 - target_rate) + z2n * z2n / 4) / (1 + z2n) AS half
    FROM rated
)
SELECT
    attribute,
    value,
    tickets,
    target_tickets,
    target_rate,
    center - half AS rate_low,
    center + half AS rate_high,
    share_of_target,
    share_of_all,
    target_rate / nullif(overall_rate, 0) AS lift,
    tickets >= $min_tickets AS enough,
    example_tickets
FROM wilson
ORDER BY lift DESC, tickets DESC, attribute, value
