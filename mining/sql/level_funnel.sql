-- Grain: one row per support level some selected ticket reached (reads the TEMP views
-- selected_cases and selected_events). Columns: level, tickets (selected tickets whose highest
-- level is at least this one), share (0-1 of the selected tickets), examples (up to five of them,
-- the first loaded first). Tickets without any level count in no row.
-- No parameters.
WITH top AS (
    SELECT case_key, max(level) AS top_level FROM selected_events GROUP BY case_key
),
levels AS (
    SELECT DISTINCT level FROM selected_events WHERE level IS NOT NULL
)
SELECT
    l.level,
    count(*)::BIGINT AS tickets,
    count(*) / (SELECT count(*) FROM selected_cases) AS share,
    min_by(c.case_id, c.case_key, 5) AS examples
FROM levels l
JOIN top t ON t.top_level >= l.level
JOIN selected_cases c USING (case_key)
GROUP BY l.level
ORDER BY l.level
