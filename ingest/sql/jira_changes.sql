-- The change rows of a Jira Service Management changelog export (see ingest/sources/helpdesk.py for
-- what a change row is). Grain: one row per issue's creation, per changelog item of a tracked field,
-- per public comment ('reply'), and per internal comment, worklog and start of progress ('work':
-- the agents' record of work; a worklog at its end, started plus time spent, else when it was
-- logged; a status change to "In Progress" by the issue's assignee of that moment, the agent
-- holding it for its team, is also a 'work' row 'Start progress'); the reporter's changes are
-- the customer's.
-- Columns: case_id, ts, ts_text, line, seq, actor, actor_kind, initial, field, old, new, channel,
-- csat (always NULL here).
-- Parameters: $fields, $targets (Jira field name, lower case -> change field), $naive_formats,
-- $offset_formats (read by ts).
-- Placeholders (str.format): issues (the TEMP table of issue records, column r), line (its
-- source-row column), ts (SQL for the time of ts_text), started (SQL for the time of a worklog's
-- started, w->>'started').
WITH issue AS (
    SELECT r->>'key' AS case_id, {line} AS line, r,
        coalesce(r->'fields'->'reporter'->>'displayName', r->'fields'->>'reporter')
            AS reporter
    FROM {issues}
),
history AS (
    SELECT case_id, line, reporter, unnest(coalesce(
        json_extract(r, '$.changelog.histories[*]'),
        json_extract(r, '$.changelog.values[*]'))) AS h
    FROM issue
),
items AS (
    SELECT case_id, line, reporter, h->>'created' AS ts_text,
        coalesce(h->'author'->>'displayName', h->'author'->>'name') AS actor,
        unnest(json_extract(h, '$.items[*]')) AS i
    FROM history
),
comments AS (
    SELECT case_id, line, reporter, c->>'created' AS ts_text,
        coalesce(c->'author'->>'displayName', c->'author'->>'name') AS actor,
        coalesce(c->>'jsdPublic', 'true') = 'true' AS public
    FROM (SELECT *, unnest(json_extract(r, '$.fields.comment.comments[*]')) AS c FROM issue)
),
worklogs AS (
    SELECT case_id, line, reporter,
        coalesce(strftime({started} + to_seconds(try_cast(w->>'timeSpentSeconds' AS BIGINT)),
            '%Y-%m-%dT%H:%M:%S.%g%z'), w->>'created') AS ts_text,
        coalesce(w->'author'->>'displayName', w->'author'->>'name') AS actor
    FROM (SELECT *, unnest(json_extract(r, '$.fields.worklog.worklogs[*]')) AS w FROM issue)
),
rows AS (
    SELECT case_id, line, reporter, r->'fields'->>'created' AS ts_text, reporter AS actor,
        'created' AS field, NULL AS old, 'Created' AS new, 0 AS k
    FROM issue WHERE (r->'fields'->>'created') IS NOT NULL
    UNION ALL
    SELECT case_id, line, reporter, ts_text, actor,
        $targets[list_position($fields, lower(i->>'field'))],
        i->>'fromString', i->>'toString', 1
    FROM items WHERE list_contains($fields, lower(i->>'field'))
    UNION ALL
    SELECT case_id, line, reporter, ts_text, actor, if(public, 'reply', 'work'), NULL,
        if(public, NULL, 'Internal comment'), 2
    FROM comments
    UNION ALL
    SELECT case_id, line, reporter, ts_text, actor, 'work', NULL, 'Worklog', 3 FROM worklogs
),
-- the assignee at each row's moment ('' when unassigned), changes at that same moment included
held AS (
    SELECT *, last_value(CASE WHEN field = 'assignee' THEN coalesce(new, '') END IGNORE NULLS)
        OVER (PARTITION BY case_id ORDER BY {ts} RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        AS holder
    FROM rows
),
worked AS (
    SELECT case_id, line, reporter, ts_text, actor, field, old, new, k FROM held
    UNION ALL
    SELECT case_id, line, reporter, ts_text, actor, 'work', NULL, 'Start progress', 4
    FROM held WHERE field = 'status' AND lower(new) = 'in progress' AND actor = holder
)
SELECT case_id, {ts} AS ts, ts_text, line,
    row_number() OVER (ORDER BY line, {ts}, k) AS seq, actor,
    CASE WHEN actor = reporter THEN 'customer' WHEN actor IS NULL THEN 'system'
         ELSE 'agent' END AS actor_kind,
    field = 'created' AS initial, field, old, new,
    NULL::VARCHAR AS channel, NULL::VARCHAR AS csat
FROM worked
