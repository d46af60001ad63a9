-- Grain: one row per selected ticket (reads the TEMP view selected_events).
-- Columns: case_key, variant_key (identifies the ticket's sequence of source-file labels, as
-- path_key does its activities in ticket_paths.sql). For models drawn with the labels of the export
-- rather than ticketloop's activity names.
-- No parameters.
SELECT case_key, sum(hash(event_index, source_activity)) AS variant_key
FROM selected_events
GROUP BY case_key
