-- The change rows of Zendesk audits or ticket events (see ingest/sources/helpdesk.py for what a
-- change row is). Grain: one row per change of a tracked field, public comment ('reply'), private
-- comment ('work': an agent's note on the work) and good or bad rating, and one 'created' row per
-- ticket. Names for user and group ids come from the
-- export's sideloads when it has them; the requester is an end-user, or else the author of the
-- ticket's creation.
-- Columns: case_id, ts, ts_text, line, seq, actor, actor_kind, initial, field, old, new, channel,
-- csat.
-- Parameters: $field_names, $field_targets (Zendesk field name -> change field), $naive_formats,
-- $offset_formats (read by ts), and those of events.
-- Placeholders (str.format): events (zendesk_audit_events.sql or zendesk_ticket_events.sql), users
-- and groups (TEMP tables of the sideloaded records, column r), ts (SQL for the time of
-- created_at), csat (SQL for the CSAT of score).
WITH e AS (SELECT *, row_number() OVER (ORDER BY line, k) AS seq FROM ({events})),
users AS (SELECT r->>'id' AS id, any_value(r->>'name') AS name, any_value(r->>'role') AS role
          FROM {users} GROUP BY ALL),
groups AS (SELECT r->>'id' AS id, any_value(r->>'name') AS name FROM {groups} GROUP BY ALL),
requesters AS (SELECT ticket_id, arg_min(author_id, seq) AS requester FROM e
               WHERE type = 'Create' GROUP BY ALL),
typed AS (
    SELECT e.*, {ts} AS ts,
        CASE WHEN type IN ('Create', 'Change') THEN $field_targets[list_position($field_names, field_name)]
             WHEN type IN ('Comment', 'VoiceComment') AND public = 'true' THEN 'reply'
             WHEN type IN ('Comment', 'VoiceComment') AND public = 'false' THEN 'work'
             WHEN type = 'SatisfactionRating' AND lower(score) IN ('good', 'bad') THEN 'rating'
             WHEN type = 'KnowledgeLinked' THEN 'kb_linked'
             WHEN type = 'KnowledgeCaptured' THEN 'kb_captured' END AS field,
        coalesce(u.name, author_id) AS actor,
        CASE WHEN author_id = '-1' THEN 'system'
             WHEN u.role = 'end-user' OR (u.role IS NULL AND author_id = q.requester) THEN 'customer'
             ELSE 'agent' END AS actor_kind
    FROM e LEFT JOIN users u ON u.id = e.author_id LEFT JOIN requesters q USING (ticket_id)
)
SELECT ticket_id AS case_id, ts, created_at AS ts_text, line, seq, actor, actor_kind,
    type = 'Create' AS initial, field,
    coalesce(CASE field WHEN 'group' THEN go.name WHEN 'assignee' THEN uo.name END, previous_value) AS old,
    coalesce(CASE field WHEN 'group' THEN gn.name WHEN 'assignee' THEN un.name
        WHEN 'work' THEN 'Private comment' END, value) AS new,
    via_channel AS channel, {csat} AS csat
FROM typed
LEFT JOIN groups go ON go.id = previous_value LEFT JOIN groups gn ON gn.id = value
LEFT JOIN users uo ON uo.id = previous_value LEFT JOIN users un ON un.id = value
WHERE field IS NOT NULL
UNION ALL
SELECT ticket_id, min(ts), any_value(created_at), line, min(seq) - 1, any_value(actor),
    any_value(actor_kind), true, 'created', NULL, 'Created', any_value(via_channel), NULL
FROM typed WHERE type = 'Create' GROUP BY ticket_id, line
