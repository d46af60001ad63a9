-- The change rows of a Freshdesk activities export (see ingest/sources/helpdesk.py for what a
-- change row is). Grain: one row per tracked property of each activity record (new_ticket, status,
-- group, agent, priority, ticket_type, and notes: public ones are replies, private ones the
-- agents' work); exact duplicate records are read once.
-- Columns: case_id, ts, ts_text, line, seq, actor, actor_kind, initial, field, old (always NULL),
-- new, channel, csat (both always NULL).
-- Parameters: $properties, $fields (Freshdesk property -> change field), $naive_formats,
-- $offset_formats (read by ts).
-- Placeholders (str.format): records (the TEMP table of activity records, column r), line (its
-- source-row column), ts (SQL for the time of ts_text).
WITH unique_records AS (
    SELECT * FROM {records} QUALIFY row_number() OVER (PARTITION BY r::VARCHAR
        ORDER BY {line}) = 1
),
props AS (
    SELECT r->>'ticket_id' AS case_id, r->>'performed_at' AS ts_text,
        coalesce(r->>'performer_name', r->>'performer_id') AS actor,
        lower(r->>'performer_type') AS performer, {line} AS line,
        unnest(json_keys(r->'activity')) AS property, r->'activity' AS activity
    FROM unique_records
),
noted AS (
    SELECT *, property = 'note' AND (lower(activity->'note'->>'type') = 'private note'
        OR (activity->'note'->>'private') = 'true') AS private_note
    FROM props
)
SELECT case_id, {ts} AS ts, ts_text, line,
    row_number() OVER (ORDER BY line, list_position($properties, property)) AS seq, actor,
    CASE WHEN performer IN ('contact', 'user', 'requester', 'customer') THEN 'customer'
         WHEN performer = 'system' THEN 'system' ELSE 'agent' END AS actor_kind,
    (activity->>'new_ticket') IS NOT NULL AS initial,
    CASE WHEN private_note THEN 'work' ELSE $fields[list_position($properties, property)] END
        AS field, NULL AS old,
    CASE WHEN property = 'new_ticket' THEN 'Created' WHEN private_note THEN 'Private note'
         ELSE json_extract_string(activity, '$."' || property || '"') END AS new,
    NULL::VARCHAR AS channel, NULL::VARCHAR AS csat
FROM noted
WHERE list_contains($properties, property)
    AND (property <> 'note' OR private_note
        OR lower(activity->'note'->>'type') IN ('reply', 'public note'))
