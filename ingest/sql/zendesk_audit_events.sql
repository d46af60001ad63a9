-- The events of Zendesk ticket audits, flattened (read by zendesk_changes.sql).
-- Grain: one row per event of an audit (`events`: a change of a field, a comment, a rating).
-- Columns: ticket_id, created_at (time text), author_id, via_channel, line, type (the event's
-- type), field_name, value, previous_value, public, score, k (the event's place in its record).
-- No parameters.
-- Placeholders (str.format): records (the TEMP table of audit records, column r), line (its
-- source-row column).
SELECT r->>'ticket_id' AS ticket_id, r->>'created_at' AS created_at, r->>'author_id' AS author_id,
    r->'via'->>'channel' AS via_channel, {line} AS line, e->>'type' AS type,
    e->>'field_name' AS field_name, e->>'value' AS value, e->>'previous_value' AS previous_value,
    e->>'public' AS public, e->>'score' AS score, k
FROM (SELECT r, {line}, unnest(json_extract(r, '$.events[*]')) AS e,
        generate_subscripts(json_extract(r, '$.events[*]'), 1) AS k FROM {records})
