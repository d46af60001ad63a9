-- Touched tickets whose stored events all keep their place (numbered 1..n without gaps, all before
-- the new ones): most of a weekly export's, whose new events come after what the store holds. The
-- others (an event arriving late, milestones given way to history) are rewritten whole.
-- Grain: one row per such ticket of the TEMP table rewritten (stored and new events of the touched
-- tickets, numbered anew). Columns: case_key.
-- No parameters.
SELECT case_key
FROM rewritten
GROUP BY case_key
HAVING coalesce(bool_and(event_index = stored_index) FILTER (WHERE stored_index IS NOT NULL), true)
    AND coalesce(max(event_index) FILTER (WHERE stored_index IS NOT NULL), 0)
        < min(event_index) FILTER (WHERE stored_index IS NULL)
