-- Grain: one row per selected ticket (reads the TEMP view selected_events; the store keeps a source
-- label only where it differs from the activity name).
-- Columns: case_key, variant_key (identifies the ticket's sequence of source-file labels, as
-- path_key does its activities in ticket_paths.sql). For models drawn with the labels of the export
-- rather than ticketloop's activity names.
-- No parameters.
SELECT e.case_key, sum(hash(e.event_index, coalesce(e.source_activity, a.name))) AS variant_key
FROM selected_events e
JOIN activities a USING (activity_id)
GROUP BY e.case_key
