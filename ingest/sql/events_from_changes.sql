-- The events of a history export, from its change rows (see ingest/sources/helpdesk.py).
-- Grain: one row per event: per change of status, group, assignee, priority or type, per public
-- reply, per rating and per agent's record of work, in ticket and time order. One actor's changes to one ticket at one time are
-- one version: within it, what one event says is not repeated by another.
-- Columns: the reader's output columns (case_id, activity, "timestamp", resource, team, level,
-- channel, priority, category, csat), then the source row (line) and the default activity
-- (default).
-- Parameters: $status_words, $status_classes (status word -> class), $class_names,
-- $class_activities (class -> default activity), $label_names, $label_activities (label -> default
-- activity), $level_teams, $level_values (the mapping's [levels]).
-- Placeholders (str.format): changes (the table of change rows), old_class and new_class (SQL for a
-- status's class), level_new, level_before, level_after (SQL for a team's level), ts_out (SQL for
-- the output timestamp), line and default (column names).
WITH ordered AS (
    SELECT *,
        last_value(CASE WHEN field = 'group' THEN new END IGNORE NULLS) OVER upto AS team_after,
        last_value(CASE WHEN field = 'group' THEN new END IGNORE NULLS) OVER before AS team_before,
        last_value(CASE WHEN field = 'status' THEN new END IGNORE NULLS) OVER before AS status_before,
        last_value(CASE WHEN field = 'priority' THEN new END IGNORE NULLS) OVER upto AS priority_now,
        last_value(CASE WHEN field = 'type' THEN new END IGNORE NULLS) OVER upto AS category_now,
        last_value(channel IGNORE NULLS) OVER upto AS channel_now,
        -- one version: the changes one actor made to one ticket at one time
        dense_rank() OVER (ORDER BY case_id, ts, actor) AS version,
        count(*) FILTER (WHERE field = 'reply' AND actor_kind = 'agent') OVER upto AS agent_replies
    FROM {changes}
    WINDOW upto AS (PARTITION BY case_id ORDER BY ts NULLS LAST, seq
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
        before AS (PARTITION BY case_id ORDER BY ts NULLS LAST, seq
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
labelled AS (
    SELECT *,
        coalesce(old, status_before) AS status_old,
        {old_class} AS old_class,
        {new_class} AS new_class,
        {level_new} AS level_new,
        {level_before} AS level_before,
        coalesce(bool_or(field = 'assignee' AND new = actor) OVER v, false) AS self_assigned,
        max(CASE WHEN field = 'assignee' THEN new END) OVER v AS assignee_set,
        bool_or(field = 'group') OVER v AS group_changed,
        bool_or(field = 'created') OVER v AS creating
    FROM ordered
    WINDOW v AS (PARTITION BY version)
),
events AS (
    SELECT *,
        CASE
            WHEN field = 'created' THEN new
            -- what comes with the creation (first values, the request's text) is part of it
            WHEN initial OR creating THEN NULL
            WHEN field = 'status' AND new_class = 'open' AND old_class IN ('waiting', 'resolved', 'closed')
                THEN new || ' after ' || status_old
            WHEN field = 'status' THEN new
            WHEN field = 'group' AND NOT self_assigned AND level_new > level_before
                THEN 'Group to a higher level'
            WHEN field = 'group' AND NOT self_assigned AND level_new < level_before
                THEN 'Group to a lower level'
            WHEN field = 'group' THEN 'Group assigned'
            WHEN field = 'assignee' AND new IS NOT NULL AND NOT group_changed THEN 'Assignee set'
            WHEN field = 'priority' THEN 'Priority set'
            WHEN field = 'type' THEN 'Type set'
            WHEN field = 'reply' AND actor_kind = 'customer' THEN 'Customer reply'
            WHEN field = 'reply' AND agent_replies = 1 THEN 'First public reply'
            WHEN field = 'reply' THEN 'Public reply'
            WHEN field = 'rating' THEN 'Satisfaction rating'
            WHEN field = 'reassigned' THEN 'Reassigned'
            WHEN field = 'reopened' THEN 'Reopened'
            WHEN field = 'kb_linked' THEN 'Knowledge linked'
            WHEN field = 'kb_captured' THEN 'Knowledge captured'
            -- an agent's note that comes with a move to another group is the handover's, not work
            WHEN field = 'work' AND actor_kind = 'agent' AND NOT group_changed THEN new
        END AS label,
        CASE
            WHEN field = 'status' AND new_class = 'open' AND old_class = 'waiting'
                THEN 'Customer replied'
            WHEN field = 'status' AND new_class = 'open' AND old_class IN ('resolved', 'closed')
                THEN 'Reopened'
            WHEN field = 'status' THEN $class_activities[list_position($class_names, new_class)]
        END AS status_activity
    FROM labelled
),
kept AS (
    SELECT *,
        bool_or(field = 'status' AND status_activity IS NOT NULL) OVER v AS status_event,
        coalesce(bool_or(status_activity IN ('Customer replied', 'Reopened')) OVER v, false)
            AS customer_back,
        bool_or(field IN ('group', 'assignee')) OVER v AS assignment,
        count(label) FILTER (WHERE field <> 'status' OR status_activity IS NOT NULL)
            OVER v AS others
    FROM events
    WHERE label IS NOT NULL
    WINDOW v AS (PARTITION BY version)
)
SELECT
    case_id,
    label AS activity,
    {ts_out} AS "timestamp",
    CASE
        WHEN actor_kind = 'customer' THEN 'Customer'
        WHEN actor_kind = 'system' THEN 'System'
        WHEN label IN ('Assignee set', 'Group assigned') THEN coalesce(assignee_set, actor)
        ELSE actor
    END AS resource,
    CASE WHEN label LIKE 'Group to a %' THEN team_before ELSE team_after END AS team,
    (CASE WHEN label LIKE 'Group to a %' THEN level_before ELSE {level_after} END)::VARCHAR AS level,
    channel_now AS channel,
    priority_now AS priority,
    category_now AS category,
    csat,
    line AS {line},
    coalesce(status_activity, $label_activities[list_position($label_names, label)]) AS {default}
FROM kept
WHERE NOT (label = 'Public reply' AND status_event)
    AND NOT (label = 'Customer reply' AND customer_back)
    AND NOT (label = 'Reassigned' AND assignment)
    AND NOT (label = 'Reopened' AND field = 'reopened' AND customer_back)
    -- a plain status such as "Open" or "In Progress" says nothing beside another event
    AND NOT (field = 'status' AND status_activity IS NULL AND others > 0)
QUALIFY row_number() OVER (
    PARTITION BY version, coalesce(status_activity, $label_activities[list_position($label_names, label)], label)
    ORDER BY seq
) = 1
ORDER BY case_id, ts NULLS LAST, seq
