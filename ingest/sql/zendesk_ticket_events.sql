-- The child events of Zendesk's incremental ticket-event export, flattened (read by
-- zendesk_changes.sql). Grain: one row per child event of a ticket event; the changed field is the
-- child's one key that is not in $meta.
-- Columns: ticket_id, created_at (time text), author_id, via_channel, line, type (the event's
-- type), field_name, value, previous_value, public, score, k (the event's place in its record).
-- Parameters: $meta (the keys of a child event that are not the changed field).
-- Placeholders (str.format): records (the TEMP table of ticket-event records, column r), line (its
-- source-row column).
SELECT r->>'ticket_id' AS ticket_id,
    coalesce(r->>'created_at', strftime(to_timestamp(try_cast(r->>'timestamp' AS BIGINT)),
        '%Y-%m-%dT%H:%M:%S%z')) AS created_at,
    r->>'updater_id' AS author_id, r->>'via' AS via_channel, {line} AS line,
    e->>'event_type' AS type, field_name, json_extract_string(e, '$."' || field_name || '"') AS value,
    e->>'previous_value' AS previous_value, coalesce(e->>'comment_public', e->>'public') AS public,
    e->>'score' AS score, k
FROM (SELECT *, list_filter(json_keys(e), lambda x: NOT list_contains($meta, x))[1] AS field_name
      FROM (SELECT r, {line}, unnest(json_extract(r, '$.child_events[*]')) AS e,
              generate_subscripts(json_extract(r, '$.child_events[*]'), 1) AS k FROM {records}))
