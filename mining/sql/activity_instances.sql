-- Grain: one row per activity instance of data set $d's tickets, read as Disco reads start and
-- complete events. An event whose lifecycle opens work (schedule, assign, reassign, start,
-- suspend, resume; in any case) is part of an instance and makes no row; every other event
-- (complete, no lifecycle, any other word) is an instance, or closes one: a log with complete
-- events only reads as it is stored. Work scheduled or started and never completed in the log
-- makes no instance. In each ticket, each `complete` of an activity is paired with the earliest
-- still open `start` of the same activity (first in, first out); a `complete` with no open
-- `start` has none.
-- Columns: the `events` columns of the instance's event, with event_index renumbered over the
-- ticket's instances (source_index keeps the stored one), start_ts (the paired `start`, NULL
-- without one: the processing time runs from start_ts to ts), and next_activity_id, next_ts,
-- next_team of the ticket's next instance, where next_ts is when that instance begins (its start,
-- else its own time) but never before this one ends: the time between two instances is the wait
-- between the activities, without their processing time.
-- Parameters: $d the data set id.
WITH marked AS (
    SELECT
        * EXCLUDE (next_activity_id, next_ts, next_team),
        coalesce(
            lower(lifecycle) IN ('schedule', 'assign', 'reassign', 'start', 'suspend', 'resume'),
            false
        ) AS opens
    FROM events
    WHERE dataset_id = $d
),
marks AS (
    SELECT case_key, activity_id, event_index, ts, lower(lifecycle) = 'start' AS is_start
    FROM marked
    WHERE lower(lifecycle) IN ('start', 'complete')
),
counted AS (
    SELECT
        *,
        count(*) FILTER (WHERE is_start) OVER w AS starts,
        count(*) FILTER (WHERE NOT is_start) OVER w AS completes
    FROM marks
    WINDOW w AS (PARTITION BY case_key, activity_id ORDER BY event_index ROWS UNBOUNDED PRECEDING)
),
-- A complete is unpaired when it finds no open start: the running excess of completes over
-- starts then reaches a new high. The completes paired so far are those minus the unpaired ones,
-- and the n-th paired complete closes the n-th start.
numbered AS (
    SELECT
        *,
        if(is_start, starts, completes - greatest(0, max(completes - starts) OVER (
            PARTITION BY case_key, activity_id ORDER BY event_index ROWS UNBOUNDED PRECEDING
        ))) AS pair_number,
        NOT is_start AND completes - starts > greatest(0, coalesce(max(completes - starts) OVER (
            PARTITION BY case_key, activity_id ORDER BY event_index
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ), 0)) AS unpaired
    FROM counted
),
paired AS (
    SELECT c.case_key, c.event_index, s.ts AS start_ts
    FROM numbered c
    JOIN numbered s
        ON s.case_key = c.case_key AND s.activity_id = c.activity_id
        AND s.pair_number = c.pair_number AND s.is_start
    WHERE NOT c.is_start AND NOT c.unpaired
),
instances AS (
    SELECT m.* EXCLUDE (opens, event_index), m.event_index AS source_index, p.start_ts
    FROM marked m
    LEFT JOIN paired p USING (case_key, event_index)
    WHERE NOT m.opens
)
SELECT
    *,
    row_number() OVER w::INTEGER AS event_index,
    lead(activity_id) OVER w AS next_activity_id,
    greatest(ts, lead(coalesce(start_ts, ts)) OVER w) AS next_ts,
    lead(team) OVER w AS next_team
FROM instances
WINDOW w AS (PARTITION BY case_key ORDER BY source_index)
ORDER BY case_key, event_index
