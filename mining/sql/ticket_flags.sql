-- Grain: one row per selected ticket (reads the TEMP view selected_facts: the rows of the table
-- ticket_facts that the ingest keeps, store/sql/ticket_facts.sql, for the definitions); the body
-- of the TEMP view flagged_tickets (mining/escalations.py): a view takes no parameters, so the
-- threshold is a variable.
-- Columns: case_key, case_id, month (the month it was created in), channel, category, csat (the
-- ticket's answer, NULL without one),
-- resolved (has a `Resolved` event), ttr_seconds (time to resolution: from the ticket's first
-- event, its created_at, to its last `Resolved` event; NULL when unresolved), escalated,
-- de_escalated, bounce_back, ping_pong (as the ticket's facts define them: an `Escalated` /
-- `De-escalated` event or a rise / fall in support level, ...), push_to_front (escalated, and
-- push_to_front_category),
-- push_to_front_category (its category's tickets resolved without escalation, a `Resolved` event
-- and no `Escalated` one, are at least push_to_front_share of the category's selected tickets),
-- escalated_by (who escalated it first), escalated_to (the team it was first escalated to),
-- needless (a needless escalation: bounce_back or push_to_front).
-- No parameters: the macro push_to_front (mining/escalations.py) judges each category.
WITH flagged AS MATERIALIZED (
    SELECT
        f.case_key,
        f.case_id,
        date_trunc('month', f.created_at) AS month,
        f.channel,
        f.category,
        f.csat,
        f.last_resolved IS NOT NULL AS resolved,
        (epoch_us(f.last_resolved) - epoch_us(f.created_at)) / 1e6 AS ttr_seconds,
        f.first_escalation IS NOT NULL AS escalated,
        coalesce(f.de_escalated, false) AS de_escalated,
        coalesce(f.bounce_back, false) AS bounce_back,
        coalesce(f.ping_pong, false) AS ping_pong,
        f.escalated_by,
        f.escalated_to
    FROM selected_facts f
),
categories AS (
    SELECT
        category,
        push_to_front(resolved, escalated) AS push_to_front
    FROM flagged
    WHERE category IS NOT NULL
    GROUP BY category
),
judged AS (
    SELECT
        f.case_key,
        f.case_id,
        f.month,
        f.channel,
        f.category,
        f.csat,
        f.resolved,
        f.ttr_seconds,
        f.escalated,
        f.de_escalated,
        f.bounce_back,
        f.ping_pong,
        f.escalated AND coalesce(k.push_to_front, false) AS push_to_front,
        coalesce(k.push_to_front, false) AS push_to_front_category,
        f.escalated_by,
        f.escalated_to
    FROM flagged f
    LEFT JOIN categories k USING (category)
)
SELECT *, bounce_back OR push_to_front AS needless FROM judged
