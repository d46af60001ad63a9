-- Grain: one row per label of $labels that data set $d's events carry (as the log wrote it).
-- Columns: label, tickets (how many have it), ended (how many of them it ends: after its last
-- event, the ticket's work ends within a hundredth of its span, and a second at least; only its
-- closing may follow later, the labels of $closing: an auto-close, a survey).
-- Parameters: $d (the data set's id), $labels (the source labels to look at), $closing (the
-- labels that close a ticket rather than work on it).
WITH labelled AS (
    SELECT e.case_key, coalesce(e.source_activity, a.name) AS label, e.ts
    FROM events e
    JOIN activities a USING (activity_id)
    WHERE e.dataset_id = $d
),
last_seen AS (
    SELECT case_key, label, max(ts) AS at
    FROM labelled
    WHERE list_contains($labels, label)
    GROUP BY ALL
),
-- each such ticket's last event that is not its closing
work AS (
    SELECT case_key, max(ts) FILTER (WHERE NOT list_contains($closing, label)) AS work_end
    FROM labelled
    WHERE case_key IN (SELECT case_key FROM last_seen)
    GROUP BY case_key
)
SELECT
    l.label,
    count(*) AS tickets,
    count(*) FILTER (
        WHERE epoch(w.work_end) - epoch(l.at)
            <= greatest(0.01 * (epoch(f.last_ts) - epoch(f.first_ts)), 1)
    ) AS ended
FROM last_seen l
JOIN work w USING (case_key)
JOIN ticket_facts f ON f.dataset_id = $d AND f.case_key = l.case_key
GROUP BY l.label
