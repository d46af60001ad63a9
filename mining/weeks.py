"""Which week values of a KPI series are judged (against limits, in headlines) and why the others
are not: a week the data covers in part, the warm-up at a log's start, recent weeks whose tickets
have not had time to close, and values resting on too few tickets or answers.

The rules, with H the desk's own 90th percentile of time to resolution (wall clock, over the
selection's resolved tickets; in a log that records no resolution the KPIs read, of its tickets'
span from their first event to their last):
- partial week: the week is not wholly within the days tickets were created in the data (from the
  first ticket's creation day to the last's); its counts and rates miss tickets of their own.
- warm-up: a KPI counted in the week of a later event (resolution, first response, survey answer)
  and the backlog, in a week that begins less than H after the first ticket's creation: before
  then the tickets resolved (or open) that week are only those the log happened to start with,
  the quick ones, and the backlog is still filling up.
- still closing: an outcome of the tickets created that week (first-contact resolution, reopens,
  escalations, SLA, handoffs, ...) while less than H has passed from the week's end to the data's
  end: about 90% of its tickets could have closed only after that, so the quick ones dominate.
- small basis: fewer than `[kpis] min_tickets` tickets (`min_answers` survey answers for the
  survey KPIs) under the value; the backlog, a stock, has no such basis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

JUDGED = "judged"
NO_VALUE = "no value"
PARTIAL = "partial week"
WARM_UP = "warm-up"
CLOSING = "still closing"
SMALL = "small basis"
EDGES = (PARTIAL, WARM_UP, CLOSING)  # never flagged, drawn hollow
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Edges:
    """Where the data starts and ends, in the desk's local time: the first and last ticket
    creation days, the last event, and H (hours, 0 without resolved tickets)."""

    first_created: date
    last_created: date
    data_end: datetime
    horizon_h: float

    def week_status(
        self, week: date, *, counted_in: str, stock: bool, outcome: bool, basis: float, least: int
    ) -> str:
        """The status of one week value with a value (see the module's rules, in that order).
        `counted_in`: the event whose week the KPI counts in (created, resolved, ...); `outcome`:
        the value depends on how its tickets ended; `least`: the minimum basis."""
        horizon = timedelta(hours=self.horizon_h)
        if week < self.first_created or week + WEEK - timedelta(days=1) > self.last_created:
            return PARTIAL
        begins = datetime.combine(week, datetime.min.time())
        if (stock or counted_in != "created") and begins < datetime.combine(
            self.first_created, datetime.min.time()
        ) + horizon:
            return WARM_UP
        if outcome and begins + WEEK + horizon > self.data_end:
            return CLOSING
        if not stock and (basis is None or math.isnan(basis) or basis < least):
            return SMALL
        return JUDGED
