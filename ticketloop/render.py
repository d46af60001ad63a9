"""What the analysis commands print: JSON documents and text reports of mining results."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from application.format import DAYS_FROM_HOURS, after_resolution_note, count, missing
from mining.results import SMALL_BASIS, too_few
from ticketloop import text

if TYPE_CHECKING:
    from application.vocabulary import VocabularyChange
    from mining.bottlenecks import Bottlenecks
    from mining.escalations import Escalations
    from mining.pauses import Pauses
    from mining.rootcause import RootCause
    from ticketloop.api import Analysis

TEXT_EXAMPLES = 2  # example ticket ids shown per row in text; JSON has all (up to five)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def jsonable(value: Any) -> Any:
    """`value` as plain JSON types: dataclasses and dicts as objects, DataFrames as lists of row
    objects, and the rest as `mining.results.plain` makes it (NaN and NA as null, timestamps as
    ISO 8601 with `T`, numpy values as Python ones)."""
    from mining.results import plain

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a DataFrame
        return [jsonable(row) for row in value.to_dict("records")]
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return plain(value)


def header(analysis: Analysis, tickets: int) -> str:
    """The first line of every report: data set, ticket count and filters."""
    return f"{analysis.selection.dataset}: {count(tickets, 'ticket')} ({analysis.selection.describe()})"


# --- bottlenecks --------------------------------------------------------------------------------


def bottlenecks_json(
    analysis: Analysis, result: Bottlenecks, pauses: Pauses | None = None
) -> dict[str, Any]:
    return {
        "pauses": jsonable(pauses),
        "dataset": analysis.selection.dataset,
        "selection": analysis.selection.describe(),
        **jsonable(result),
        "customer_waits": jsonable(result.customer_waits)[0]
        if result.customer_waits is not None
        else None,
        "customer_hours": result.customer_hours,
        "internal_hours": result.waiting_hours - result.customer_hours,
        "after_resolution_hours": result.after_resolution_hours,
        "notes": bottleneck_notes(result),
    }


def bottleneck_notes(result: Bottlenecks) -> list[str]:
    """One line for each part the data set cannot show or the report leaves out."""
    notes = []
    if left_out := after_resolution_note(
        result.after_resolution, business=result.in_business_hours
    ):
        notes.append(f"{left_out[:1].lower()}{left_out[1:]}; --include-after-resolution adds them")
    if result.customer_waits is None:
        notes.append(
            "waiting for the customer: none told apart, no `Information requested` or no"
            " `Customer replied` event"
        )
    if result.team_queues is None:
        notes.append("team queues: absent, no `Assigned` event names a team")
    if result.activity_durations is None:
        notes.append("activity durations: absent, no events with lifecycle `start` and `complete`")
    if result.resolutions_unread:
        notes.append(
            "resolutions (by weekday and hour, and which waits come after them):"
            f" {result.resolutions_unread}"
        )
    return notes


LEVELS_HINT = (
    "(a move to a team of a higher level is an escalation: give the teams' levels with [levels]"
    " in a mapping file and apply it with ticketloop map --map FILE, or on the Data page, or give"
    " a level column;"
    " sample_logs/helpdesk_levels.toml is one)"
)
DURATION_HEAD = ["total", "mean", "median", "p90", "e.g."]


def _durations(row: Any, hours: Callable[[Any], str]) -> list[str]:
    """The cells under DURATION_HEAD, durations by `hours`."""
    return [
        hours(row.total_hours),
        hours(row.mean_hours),
        hours(row.median_hours),
        hours(row.p90_hours),
        _examples(row.example_tickets),
    ]


def bottlenecks_text(
    analysis: Analysis, result: Bottlenecks, limit: int, pauses: Pauses | None = None
) -> list[str]:
    lines = [header(analysis, result.tickets) + f"; durations in {result.clock}", ""]
    # business hours stay hours: a "day" would read as a working day, not 24 business hours
    hours = _business_hours if result.in_business_hours else _hours
    transitions = result.transitions
    lines.append(
        f"Transitions by the waiting they add (count x mean), top {min(limit, len(transitions))}"
        f" of {len(transitions):,}"
    )
    lines += _table(
        ["from -> to", "count", *DURATION_HEAD],
        [
            [f"{r.from_activity} -> {r.to_activity}", _int(r.transitions), *_durations(r, hours)]
            for r in transitions.head(limit).itertuples()
        ],
    )
    if result.customer_waits is not None:
        waits = result.customer_waits.iloc[0]
        customer, total = result.customer_hours, result.waiting_hours
        internal = total - customer
        lines += [
            "",
            "Waiting for the customer: from `Information requested` to the next `Customer replied`"
            " (or the ticket's last event)",
            f"  {hours(customer)} ({_share(customer / total if total else None)} of all waiting)"
            f" in {_int(waits.requests)} requests of {_int(waits.tickets)} tickets"
            f"{_eg(waits.example_tickets)}",
            f"  per request: mean {hours(waits.mean_hours)}, median {hours(waits.median_hours)},"
            f" p90 {hours(waits.p90_hours)}",
            f"  internal waiting: {hours(internal)}"
            f" ({_share(internal / total if total else None)})",
        ]
    if pauses is not None:
        lines += ["", *pauses_text(pauses, limit)]
    if result.team_queues is not None:
        lines += ["", "Team queues: from `Assigned` to the team's next activity"]
        lines += _table(
            ["team", "waits", "not acted on", *DURATION_HEAD],
            [
                [r.team, _int(r.assignments), _int(r.not_acted_on), *_durations(r, hours)]
                for r in result.team_queues.head(limit).itertuples()
            ],
        )
    if result.activity_durations is not None:
        durations = result.activity_durations
        timed = durations[durations["pairs"] > 0]
        lines += ["", "Activity durations: lifecycle start to complete"]
        lines += _table(
            ["activity", "pairs", "unpaired", *DURATION_HEAD],
            [
                [r.activity, _int(r.pairs), _int(r.unpaired), *_durations(r, hours)]
                for r in timed.head(limit).itertuples()
            ],
        )
        untimed = sorted(set(durations["activity"]) - set(timed["activity"]))
        if untimed:
            lines.append(
                f"  no start event, so no duration: {len(untimed)}"
                f" activit{'y' if len(untimed) == 1 else 'ies'}"
                f" ({', '.join(untimed[:TEXT_EXAMPLES])}{', ...' * (len(untimed) > TEXT_EXAMPLES)})"
            )
    lines += ["", *_arrivals_grid(result.arrivals, analysis.selection.timezone)]
    lines += ["", *(f"note: {note}" for note in bottleneck_notes(result))]
    return _trim(lines)


def pauses_text(pauses: Pauses, limit: int) -> list[str]:
    """Who pauses tickets, by team and agent against the desk (a log without customer replies)."""
    lines = [
        "Pauses: `Information requested`, until the ticket's next event (no `Customer replied`"
        " in the log ends them)",
        f"  desk: {_int(pauses.pauses)} pauses in {_int(pauses.paused_tickets)} of"
        f" {_int(pauses.tickets)} tickets ({_share(pauses.share)}), median"
        f" {_hours(pauses.median_hours)}, {_hours(pauses.total_hours)} in all"
        f"{_eg(pauses.example_tickets)}",
    ]
    for frame, who in ((pauses.teams, "team"), (pauses.agents, "agent")):
        if frame is None:
            lines.append(f"  by {who}: no pause names one")
            continue
        lines += _table(
            [
                who,
                "pauses",
                "tickets",
                "of handled",
                "vs desk",
                "median",
                "vs desk",
                "total",
                "e.g.",
            ],
            [
                [
                    getattr(r, who),
                    _int(r.pauses),
                    _int(r.tickets),
                    _share(r.share),
                    _times(r.share_vs_desk),
                    _hours(r.median_hours),
                    _times(r.median_vs_desk),
                    _hours(r.total_hours),
                    _examples(r.example_tickets),
                ]
                for r in frame.head(limit).itertuples()
            ],
        )
    return lines


def _arrivals_grid(grid: Any, zone: str) -> list[str]:
    """Tickets created (in) and resolved (out) per weekday and hour, one line per weekday each."""
    kinds = [("in", "arrivals")]
    if grid["resolutions"].sum():
        kinds.append(("out", "resolutions"))
    title = (
        "Tickets created (in) and `Resolved` events (out)" if len(kinds) == 2 else "Tickets created"
    )
    # each count with a space before it, however many tickets a desk has
    width = max(4, 1 + max(len(f"{int(grid[column].max())}") for _, column in kinds))
    lines = [f"{title} by weekday and hour, {zone}"]
    lines.append("        " + "".join(f"{h:>{width}}" for h in range(24)))
    for day in range(1, 8):
        rows = grid[grid["weekday"] == day]
        for n, (label, column) in enumerate(kinds):
            name = WEEKDAYS[day - 1] if n == 0 else ""
            lines.append(
                f"{name:<3} {label:<3} " + "".join(f"{int(v):>{width}}" for v in rows[column])
            )
    return lines


# --- escalations --------------------------------------------------------------------------------


def escalations_json(analysis: Analysis, result: Escalations) -> dict[str, Any]:
    from mining.escalations import BREAKDOWNS

    doc = {
        "dataset": analysis.selection.dataset,
        "selection": analysis.selection.describe(),
        "tickets": result.tickets,
        # no count the data set cannot tell: null, and the reason beside
        **{
            f"{kind}_tickets": None if why else getattr(result, f"{kind}_tickets")
            for kinds, why in (
                (("escalated", "de_escalated", "ping_pong"), result.moves_not_measured),
                (
                    ("bounce_back", "push_to_front", "needless_escalation"),
                    result.needless_not_measured,
                ),
            )
            for kind in kinds
        },
        "needless_escalation_rate": result.needless_escalation_rate,
        "moves_not_measured": result.moves_not_measured,
        "needless_not_measured": result.needless_not_measured,
        "push_to_front_share": result.push_to_front_share,
        "example_tickets": result.example_tickets,
        "cost": jsonable(result.cost)[0],
    }
    return doc | {f"by_{name}": jsonable(result.by(name)) for name in BREAKDOWNS}


def escalations_text(analysis: Analysis, result: Escalations, limit: int) -> list[str]:
    lines = [header(analysis, result.tickets), ""]
    escalated = result.escalated_tickets
    examples = result.example_tickets
    # no figure from what the log cannot tell
    not_measured = (
        "bounce-back, push-to-front and needless escalations: not measured,"
        f" {result.needless_not_measured}"
    )
    if result.moves_not_measured:
        lines.append(
            "escalated, de-escalated, ping-pong, bounce-back, push-to-front and needless"
            f" escalations: not measured, {result.moves_not_measured}"
        )
    elif escalated:
        lines.append(
            f"escalated      {_int(escalated):>7}  {_share(escalated / result.tickets)} of tickets"
            f"{_eg(examples['escalated'])}"
        )
        down = result.de_escalated_tickets
        lines.append(
            f"de-escalated   {_int(down):>7}  {_share(down / result.tickets)} of tickets"
            f"{_eg(examples['de_escalated'])}"
        )
        if result.needless_not_measured:
            lines.append(not_measured)
        else:
            for kind, label, count in (
                ("bounce_back", "bounce-back", result.bounce_back_tickets),
                ("push_to_front", "push-to-front", result.push_to_front_tickets),
            ):
                lines.append(
                    f"{label:<14} {_int(count):>7}  {_share(count / escalated)} of escalated"
                    f"{_eg(examples[kind])}"
                )
            lines.append(
                f"needless escalation rate: {_share(result.needless_escalation_rate)}"
                " (bounce-back or push-to-front tickets over escalated tickets)"
            )
    else:
        if result.levels_known:
            lines.append("escalated: none, no `Escalated` event and no rise in support level")
        else:
            lines.append("escalated: none, no `Escalated` event and no support levels")
            if result.teams_known:
                lines.append(f"  {LEVELS_HINT}")
        if result.needless_not_measured:
            lines.append(not_measured)
    if result.told["ping_pong"]:
        share = _share(result.ping_pong_tickets / result.tickets)
        lines.append(
            f"ping-pong      {_int(result.ping_pong_tickets):>7}  {share} of tickets"
            f"{_eg(examples['ping_pong'])}"
        )
    elif not result.teams_known:
        lines.append("ping-pong: absent, no event names a team")
    categories = result.by("category")
    if escalated and len(categories):
        best = categories.sort_values(
            ["resolved_without_escalation_share", "value"], ascending=[False, True]
        ).iloc[0]
        qualifying = categories[categories["push_to_front_category"].astype(bool)]
        highest = (
            f"highest share {best['value']} {_share(best['resolved_without_escalation_share'])}"
            if best["resolved_without_escalation_share"]
            else "no selected ticket was resolved without escalation"
        )
        lines.append(
            f"push-to-front categories (resolved without escalation >="
            f" {_share(result.push_to_front_share)}): {', '.join(qualifying['value']) or 'none'};"
            f" {highest}"
        )
    if escalated:
        cost = result.cost.iloc[0]
        lines += [
            "",
            "Cost of escalation: escalated tickets against tickets resolved without escalation,"
            " month of creation by month",
        ]
        means = (cost.ttr_mean_hours, cost.baseline_ttr_mean_hours, cost.extra_ttr_hours)
        per, unit = _unit_of(means)  # one unit for the line: not 2.3 d against 14.4 h
        ours, theirs, extra = (None if missing(v) else v / per for v in means)
        lines.append(
            f"  time to resolution: mean {_number(ours)} {unit} against {_number(theirs)} {unit},"
            f" {_signed(extra)} {unit}"
            f" ({_int(cost.resolved_tickets)} escalated and {_int(cost.baseline_tickets)} other"
            " resolved tickets, of the months that have both)"
            + (f"; {_FEW}" if too_few(cost.resolved_tickets, cost.baseline_tickets) else "")
        )
        lines.append("  " + _csat_gap_text(cost))
        # a column the data set cannot fill is left out, not a column of dashes
        shown = {
            "bounce": result.told["bounce_back"],
            "push": result.told["push_to_front"],
            "ping-pong": result.told["ping_pong"],
            "CSAT gap": result.surveyed,
        }
        absent, small = [], False
        # one unit for every breakdown's extra time, so that they compare across tables too
        divisor, unit = _unit_of([result.largest_extra_hours])
        for name, title, what in _BREAKDOWNS:
            frame = result.by(name)
            if not len(frame):
                absent.append(what)
                continue
            lines += ["", title]
            head = [
                name,
                "escalated",
                "bounce",
                "push",
                "ping-pong",
                f"extra TTR ({unit})",
                "CSAT gap",
                "e.g.",
            ]
            rows = [
                [
                    r.value,
                    _int(r.escalated_tickets),
                    _int(r.bounce_back_tickets),
                    _int(r.push_to_front_tickets),
                    _int(r.ping_pong_tickets),
                    _ttr_gap(r.extra_ttr_hours / divisor, r.resolved_tickets, r.baseline_tickets),
                    _gap(r.csat_gap, r.csat_answers, r.baseline_csat_answers),
                    _examples(r.example_tickets),
                ]
                for r in frame.head(limit).itertuples()
            ]
            kept = [i for i, column in enumerate(head) if shown.get(column, True)]
            lines += _table([head[i] for i in kept], [[row[i] for i in kept] for row in rows])
            small |= any(SMALL_MARK in cell for row in rows for cell in row)
        if small:
            lines += ["", _SMALL_GAPS]
        if absent:
            lines += ["", f"Not broken down by {', '.join(absent)}: no values in the selection"]
    return _trim(lines)


# The breakdowns of escalations: dimension, title, and the dimension in words.
_BREAKDOWNS = (
    (
        "team",
        "By team escalated to (first escalation); baseline: tickets resolved without escalation in the same months",
        "team escalated to",
    ),
    (
        "category",
        "By category; baseline: the category's tickets resolved without escalation in the same months",
        "category",
    ),
    (
        "agent",
        "By agent who escalated (first escalation); baseline: tickets resolved without escalation in the same months",
        "agent who escalated",
    ),
    (
        "channel",
        "By channel; baseline: the channel's tickets resolved without escalation in the same months",
        "channel",
    ),
)


def _csat_gap_text(cost: Any) -> str:
    if not cost.csat_answers and not cost.baseline_csat_answers:
        return "CSAT: no gap, as no ticket has a survey answer"
    if not cost.csat_answers or not cost.baseline_csat_answers:
        escalated, baseline = _int(cost.csat_answers), _int(cost.baseline_csat_answers)
        side = "the escalated tickets have" if not cost.csat_answers else "the other tickets have"
        return f"CSAT: no gap, as {side} no survey answer ({escalated} against {baseline})"
    few = too_few(cost.csat_answers, cost.baseline_csat_answers)
    return (
        f"CSAT (1-5): mean {cost.csat_mean:.2f} against {cost.baseline_csat_mean:.2f},"
        f" {_signed(cost.csat_gap, 2)} ({_int(cost.csat_answers)} against"
        f" {_int(cost.baseline_csat_answers)} answers{f'; {_FEW}' if few else ''})"
    )


def _gap(gap: float | None, answers: int, baseline_answers: int) -> str:
    """A CSAT gap with the answers it rests on, e.g. `-0.91 (554/987)`; `-` without answers;
    marked SMALL_MARK when either side has fewer than SMALL_BASIS answers."""
    small = _small(gap, answers, baseline_answers)
    return f"{_signed(gap, 2)} ({_int(answers)}/{_int(baseline_answers)}){small}"


def _ttr_gap(extra: float | None, tickets: int, baseline_tickets: int) -> str:
    """Extra time to resolution (in its column's unit) with the resolved tickets it compares,
    e.g. `+6.2 (39/796)`; marked SMALL_MARK when either side has fewer than SMALL_BASIS."""
    counts = f"({_int(tickets)}/{_int(baseline_tickets)})"
    return f"{_signed(extra)} {counts}{_small(extra, tickets, baseline_tickets)}"


def _unit_of(hours: Iterable[Any]) -> tuple[float, str]:
    """(divisor, unit) of durations in hours read side by side: days (`d`) when the largest
    reads 48 hours or more, else hours (`h`), so that they compare at a glance."""
    largest = max((abs(v) for v in hours if not missing(v)), default=0.0)
    return (24.0, "d") if largest >= DAYS_FROM_HOURS else (1.0, "h")


def _number(value: float | None) -> str:
    return "-" if missing(value) else f"{value:,.1f}"


def _small(value: float | None, *bases: int) -> str:
    return SMALL_MARK if not missing(value) and too_few(*bases) else ""


SMALL_MARK = "*"
_FEW = f"fewer than {SMALL_BASIS} on a side: too few to read as a finding"
_SMALL_GAPS = f"(n/m): the escalated and other tickets (answers) compared; {SMALL_MARK} {_FEW}"


# --- rootcause ----------------------------------------------------------------------------------


def rootcause_json(analysis: Analysis, result: RootCause) -> dict[str, Any]:
    return {
        "dataset": analysis.selection.dataset,
        "selection": analysis.selection.describe(),
        **jsonable(result),
        "overall_rate": result.overall_rate,
    }


def rootcause_text(analysis: Analysis, result: RootCause, limit: int) -> list[str]:
    lines = [
        header(analysis, result.selected),
        f"{result.target}: {result.definition}: {_int(result.target_tickets)} of"
        f" {_int(result.tickets)} {result.population} ({_share(result.overall_rate)})",
        "",
    ]
    values = result.values
    if not len(values):
        lines.append(
            f"no attribute value has {result.min_tickets:,} {result.population} or more;"
            " lower --min-tickets"
        )
        if result.target == "slow" and result.tickets < result.selected / 2:
            lines.append(
                "note: a ticket is resolved at its last `Resolved` event; if your log names"
                " resolution otherwise, map its label on the Data page or with ticketloop map"
            )
    else:
        lines.append(
            f"Values with at least {result.min_tickets:,} tickets, highest lift first"
            f" (top {min(limit, len(values))} of {len(values):,})"
        )
        lines += _table(
            [
                "attribute",
                "value",
                "tickets",
                result.target,
                "rate",
                "95% interval",
                "lift",
                "e.g.",
            ],
            [
                [
                    r.attribute,
                    r.value,
                    _int(r.tickets),
                    _int(r.target_tickets),
                    _share(r.target_rate),
                    f"{_share(r.rate_low)}-{_share(r.rate_high)}",
                    f"{r.lift:.2f}",
                    _examples(r.example_tickets),
                ]
                for r in values.head(limit).itertuples()
            ],
            text=2,
        )
    if result.absent:
        lines += ["", f"note: no values in the selection for: {', '.join(result.absent)}"]
    return lines


# --- formatting ---------------------------------------------------------------------------------


def _int(value: Any) -> str:
    return "-" if missing(value) else f"{int(value):,}"


def _hours(value: Any) -> str:
    """Hours in the unit that reads best: `45 s`, `12 min`, `5.2 h`, `3.4 d`."""
    return "-" if missing(value) else text.hours(value)


def _business_hours(value: Any) -> str:
    return "-" if missing(value) else text.hours(value, business=True)


def _signed_hours(value: Any) -> str:
    return "-" if missing(value) else ("+" if value >= 0 else "-") + text.hours(abs(value))


def _signed(value: Any, digits: int = 1) -> str:
    return "-" if missing(value) else f"{value:+,.{digits}f}"


def _times(value: Any) -> str:
    """A ratio to the desk's figure: `x1.6`."""
    return "-" if missing(value) else f"x{value:.1f}"


def _share(value: Any) -> str:
    return "-" if missing(value) else f"{100 * value:.1f}%"


def _examples(ids: Sequence[str]) -> str:
    shown = list(ids)[:TEXT_EXAMPLES]
    return ", ".join(shown) + (", ..." if len(ids) > TEXT_EXAMPLES else "")


def _eg(ids: Sequence[str]) -> str:
    return f"  e.g. {_examples(ids)}" if len(ids) else ""


def _table(head: list[str], rows: Iterable[list[str]], text: int = 1) -> list[str]:
    """Rows as aligned columns: the first `text` and the last (examples) left-aligned, the
    numbers between right-aligned."""
    rows = [head, *rows]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            left = i < text or i == len(head) - 1
            cells.append(f"{cell!s:<{widths[i]}}" if left else f"{cell!s:>{widths[i]}}")
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def _trim(lines: list[str]) -> list[str]:
    """Without trailing blank lines."""
    while lines and not lines[-1]:
        lines.pop()
    return lines


def vocabulary_change_text(change: VocabularyChange) -> list[str]:
    """What `ticketloop map` did: labels remapped, teams' levels, KPIs made computable."""
    from application.vocabulary import kpi_names

    lines = [f"data set '{change.dataset}':"]
    if not change.remapped and not change.levels:
        lines.append("nothing changed: the data set already had this vocabulary")
    for label, before, after, events in change.remapped:
        # the label itself when it was shown as loaded, else what it was shown as
        shown = f"{label!r}" if before == label else f"{label!r} (shown as {before})"
        lines.append(f"  {shown} -> {after} ({count(events, 'event')})")
    for team, before, after, events in change.levels:
        lines.append(
            f"  team {team!r}: level {before or 'none'} -> {after or 'none'}"
            f" ({count(events, 'event')})"
        )
    for names, verb in ((change.computable, "now computable"), (change.lost, "no longer computed")):
        if names:
            lines.append(f"{verb}: {kpi_names(names)}")
    if change.unknown_labels:
        lines.append(
            "note: no event has the label "
            + ", ".join(map(repr, change.unknown_labels))
            + " (kept: a later append may bring it)"
        )
    if change.unknown_teams:
        lines.append(
            "note: no event has the team "
            + ", ".join(map(repr, change.unknown_teams))
            + " (kept: a later append may bring it)"
        )
    return lines
