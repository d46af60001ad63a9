-- The change rows of a ServiceNow sys_audit export (see ingest/sources/helpdesk.py for what a change
-- row is). Grain: one row per audited change of a tracked field and per work note ('work', new
-- 'Work note'), and one 'created' row per record at its first change time, by its first user (the
-- caller, whose changes are the customer's).
-- Columns: case_id, ts, ts_text, line, seq, actor, actor_kind, initial, field, old, new (state
-- codes read as their names), channel, csat (both always NULL).
-- Parameters: $fields, $targets (audited field name -> change field), $state_codes,
-- $incident_states, $current_states (state code -> name, by field), $naive_formats,
-- $offset_formats (read by ts), and those of relation.
-- Placeholders (str.format): relation (the export's rows, numbered), key, time, user, field, old,
-- new (SQL for its columns' text, over alias a), line (its source-row column), ts (SQL for the
-- time), state_old and state_new (SQL for a state value's name).
WITH a AS (
    SELECT {key} AS case_id, {ts} AS ts, {time} AS ts_text,
        {line} AS line, {user} AS actor, lower({field}) AS fieldname,
        {old} AS old, {new} AS new
    FROM {relation} a
),
firsts AS (SELECT case_id, min(ts) AS opened, arg_min(actor, ts) AS caller FROM a GROUP BY ALL)
SELECT case_id, ts, ts_text, line, row_number() OVER (ORDER BY ts, line) AS seq, actor,
    CASE WHEN actor = caller THEN 'customer' WHEN actor = 'system' THEN 'system'
         ELSE 'agent' END AS actor_kind,
    ts = opened AS initial, $targets[list_position($fields, fieldname)] AS field,
    {state_old} AS old,
    CASE WHEN fieldname = 'work_notes' THEN 'Work note' ELSE {state_new} END AS new,
    NULL::VARCHAR AS channel, NULL::VARCHAR AS csat
FROM a JOIN firsts USING (case_id)
WHERE list_contains($fields, fieldname)
UNION ALL
SELECT case_id, opened, NULL, min(line), 0, caller, 'customer', true, 'created', NULL,
    'Created', NULL, NULL
FROM a JOIN firsts USING (case_id) WHERE ts = opened GROUP BY case_id, opened, caller
