-- Grain: one row per selected ticket (reads the TEMP view selected_facts: the rows of the table
-- ticket_facts the ingest keeps).
-- Columns: case_key, case_id, created_at, path_key (identifies the ticket's sequence of activities,
-- see store/sql/ticket_facts.sql), ttr_seconds (time to resolution: first event to the last
-- `Resolved` event, NULL when the ticket has none; first to last event when not $by_resolved),
-- csat, ces, nps (the ticket's survey answers, or NULL).
-- Parameters: $by_resolved (whether time to resolution runs to the last `Resolved` event).
SELECT
    f.case_key,
    f.case_id,
    f.created_at,
    f.path_key,
    (
        epoch_us(CASE WHEN $by_resolved THEN f.last_resolved ELSE f.last_ts END)
        - epoch_us(f.first_ts)
    ) / 1e6 AS ttr_seconds,
    f.csat,
    f.ces,
    f.nps
FROM selected_facts f
