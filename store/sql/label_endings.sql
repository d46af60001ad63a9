-- Grain: one row per label of $labels that data set $d's events carry (as the log wrote it).
-- Columns: label, tickets (how many have it), ended (how many of them it ends: their last event
-- comes at most a hundredth of the ticket's span, and a second at least, after its last one).
-- Parameters: $d (the data set's id), $labels (the source labels to look at).
SELECT
    l.label,
    count(*) AS tickets,
    count(*) FILTER (
        WHERE epoch(f.last_ts) - epoch(l.at)
            <= greatest(0.01 * (epoch(f.last_ts) - epoch(f.first_ts)), 1)
    ) AS ended
FROM (
    SELECT e.case_key, coalesce(e.source_activity, a.name) AS label, max(e.ts) AS at
    FROM events e
    JOIN activities a USING (activity_id)
    WHERE e.dataset_id = $d AND list_contains($labels, coalesce(e.source_activity, a.name))
    GROUP BY ALL
) l
JOIN ticket_facts f ON f.dataset_id = $d AND f.case_key = l.case_key
GROUP BY l.label
