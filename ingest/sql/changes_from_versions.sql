-- The change rows of a snapshot export (see ingest/sources/helpdesk.py for what a change row is),
-- from its ticket versions. Grain: one row per ticket's creation (its first version), per tracked
-- value a later version changed and per counter it raised; ordered by ticket, version counter, time
-- and source row.
-- Columns: case_id, ts, ts_text, line, seq, actor, actor_kind, initial, field, old, new, channel,
-- csat (both always NULL here).
-- No parameters.
-- Placeholders (str.format): versions (the table of ticket versions), lagged (SQL for each tracked
-- column's and counter's previous value, as prev_<column>), parts (the UNION ALL of one SELECT per
-- kind of change over v, the versions with their previous values and `first`).
WITH v AS (
    SELECT *, {lagged}, row_number() OVER w = 1 AS first
    FROM {versions}
    WINDOW w AS (PARTITION BY case_id ORDER BY try_cast(version AS DOUBLE) NULLS LAST, ts NULLS LAST, line)
)
SELECT case_id, ts, ts_text, line,
    row_number() OVER (ORDER BY case_id, try_cast(version AS DOUBLE) NULLS LAST, ts NULLS LAST, line, k) AS seq,
    actor, actor_kind, initial, field, old, new, NULL::VARCHAR AS channel, NULL::VARCHAR AS csat
FROM ({parts})
