"""Mining results as plain text for the terminal: durations in words, shares as percentages,
survey means with the answers they rest on ("no survey answers" rather than NaN)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from application.format import DAYS_FROM_HOURS, missing, setting
from application.format import count as plural
from application.format import heading as capital
from store.fields import BY_NAME

if TYPE_CHECKING:
    from mining.conformance import Conformance
    from mining.dfg import DirectlyFollowsGraph
    from mining.discovery import DiscoveredProcess
    from mining.timeline import TicketTimeline
    from mining.variants import Variants
    from store.dataset_settings import DatasetSettings

ARROW = " → "
NO_ANSWERS = "no survey answers"
SURVEYS = (("CSAT", "csat"), ("CES", "ces"), ("NPS", "nps"))


def duration(seconds: float | None) -> str:
    """A duration in the largest unit that keeps it readable: 45 s, 12 min, 5.2 h, 3.4 d."""
    if missing(seconds):
        return "–"
    assert seconds is not None
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < DAYS_FROM_HOURS * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.1f} d"


def hours(value: float | None, *, business: bool = False) -> str:
    """Hours as `duration` says them; `business` hours never in days: `6 min`, `1,234.5 h`."""
    if business and not missing(value) and value >= 1:  # type: ignore[operator]
        return f"{value:,.1f} h"
    return duration(None if missing(value) else value * 3600)  # type: ignore[operator]


def resolution(median_hours: float | None) -> str:
    """A median time to resolution; `none resolved` when no ticket has one."""
    return "none resolved" if missing(median_hours) else hours(median_hours)


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def survey(name: str, mean: float | None, count: int) -> str:
    """`CSAT 4.31/5 (414 answers)`, or `CSAT: no answers`."""
    if not count or missing(mean):
        return f"{name}: no answers"
    return f"{_mean(name, mean)} ({plural(count, 'answer')})"


def _mean(name: str, mean: float | None) -> str:
    """A survey's mean answer over the top of its scale: `CSAT 4.31/5`, `NPS 8.04/10` (answers,
    not the NPS percentage or the CSAT share of the KPIs)."""
    scale = BY_NAME[name.lower()].scale
    assert scale is not None  # every survey field has one
    return f"{name} {mean:.2f}/{scale[1]}"


def surveys(row: Any, suffix: str = "") -> str:
    """CSAT, CES and NPS means of a result row (columns csat_mean{suffix}, csat_answers{suffix},
    ...), with the answers they rest on, said once when all rest on the same tickets."""
    scores = [(name, key) for name, key in SURVEYS if hasattr(row, f"{key}_mean{suffix}")]
    counts = [getattr(row, f"{key}_answers{suffix}") for _, key in scores]
    if not any(counts):
        return NO_ANSWERS
    if len(set(counts)) == 1:
        means = ", ".join(_mean(name, getattr(row, f"{key}_mean{suffix}")) for name, key in scores)
        return f"{means} ({plural(counts[0], 'answer')})"
    return ", ".join(
        survey(name, getattr(row, f"{key}_mean{suffix}"), n)
        for (name, key), n in zip(scores, counts, strict=True)
    )


def examples(ids: Any) -> str:
    return "e.g. " + ", ".join(ids) if ids is not None and len(ids) else ""


def heading(result: Any) -> str:
    """`data set 'helpdesk', all tickets (5,000 tickets)`."""
    return (
        f"data set '{result.selection.dataset}', {result.selection.describe()}"
        f" ({plural(result.tickets, 'ticket')})"
    )


def dfg_lines(graph: DirectlyFollowsGraph) -> list[str]:
    edges = graph.edge_rows.tuples()
    lines = [f"Directly-follows graph of {heading(graph)}: {len(edges):,} edges"]
    width = max([len(e.source) + len(e.target) + len(ARROW) for e in edges] + [4])
    lines.append(f"  {'edge':<{width}} {'count':>9} {'median':>9} {'mean':>9} {'p90':>9}")
    for edge in edges:
        name = f"{edge.source}{ARROW}{edge.target}"
        lines.append(
            f"  {name:<{width}} {edge.count:>9,} {duration(edge.median_seconds):>9}"
            f" {duration(edge.mean_seconds):>9} {duration(edge.p90_seconds):>9}"
        )
    for title, rows in (("start activities", graph.start_rows), ("end activities", graph.end_rows)):
        listing = " · ".join(f"{r.activity} {r.tickets:,}" for r in rows.tuples())
        lines.append(f"{title} (tickets): {listing}")
    lines.append("Times are from one event to the next; trace an edge with ticketloop ticket ID.")
    return lines


def variants_lines(found: Variants) -> list[str]:
    table = found.rows.tuples()
    shown = len(table)
    covered = table[-1].coverage if shown else 0.0
    lines = [
        f"Variants of {heading(found)}: {found.total:,} variants;"
        f" {'all' if shown == found.total else f'the {shown:,} most frequent'} cover {covered:.1%}",
        f"{'Time to resolution' if found.resolution.by_resolved else 'Duration'}:"
        f" {found.resolution.describe()}.",
    ]
    answered = bool(found.answered)
    if not answered:
        lines.append(f"These tickets have {NO_ANSWERS}.")
    measure = "time to resolution" if found.resolution.by_resolved else "duration"
    for v in table:
        facts = [
            f"{plural(v.tickets, 'ticket')} ({v.share:.1%}, cumulative {v.coverage:.1%})",
            f"median {measure} {resolution(v.median_ttr_hours)}",
        ]
        if answered:
            facts.append(surveys(v))
        lines += [
            f"#{v.rank} " + " · ".join(facts),
            "    " + ARROW.join(v.activities),
            "    " + examples(v.examples),
        ]
    return lines


def discovery_lines(found: DiscoveredProcess, out: str | None) -> list[str]:
    lines = [
        f"Process discovered in {heading(found)} from {found.variants:,} variants"
        f" (inductive miner, noise {found.noise:g}): {found.tasks} tasks, {found.gateways} gateways",
        f"  {found.process_tree}",
        "  (-> in sequence, X one of, + in parallel, * loop: do, then redo; tau: nothing)",
    ]
    if found.left_out:
        listed = ", ".join(f"'{a}' ({plural(n, 'ticket')})" for a, n in found.left_out.items())
        lines.append(
            f"left out by the noise filter ({found.noise:g}): {listed}. Conformance against"
            " this model names them unexpected; --noise 0 keeps every activity"
        )
    if out:
        lines += [
            f"wrote {out} (BPMN 2.0 with layout: open it in bpmn.io or Camunda Modeler)",
            f"check the tickets against it: ticketloop conformance --model {out}"
            f" --dataset {found.selection.dataset}",
            "or make it the data set's designed flow: ticketloop settings"
            f" --dataset {found.selection.dataset} --flow {out}",
        ]
    else:
        lines.append("write it as BPMN with --out model.bpmn")
    return lines


def conformance_lines(result: Conformance, weeks: int = 0) -> list[str]:
    """The result as text; `weeks` > 0 shows only the last so many weeks."""
    method = "alignments" if result.method == "alignments" else "token replay"
    source = (
        "all from the cache"
        if not result.replayed
        else f"{result.replayed:,} replayed now" + (", cached" if result.cached else "")
    )
    lines = [
        f"Conformance of {heading(result)} with {shown(Path(result.model))}, by {method}",
        f"  log fitness {result.log_fitness:.3f} · tickets that fit the model"
        f" {result.fitting_ticket_share:.1%} · {result.variants:,} variants ({source})",
    ]
    lines += [f"note: {note}" for note in result.notes]
    weekly = result.weekly.tail(weeks) if weeks else result.weekly
    hidden = len(result.weekly) - len(weekly)
    lines += [
        "",
        f"  {'week':<9} {'tickets':>8} {'fitness':>8} {'fit':>7}"
        + (
            f"   (the last {len(weekly)} of {len(result.weekly)} weeks; --weeks 0 shows all)"
            if hidden
            else ""
        ),
    ]
    for w in weekly.itertuples():
        some = [] if missing(w.examples) else list(w.examples)[:2]  # none: every ticket fits
        unfit = f"   not fitting: {', '.join(some)}" if some else ""
        lines.append(
            f"  {w.week:<9} {w.tickets:>8,} {w.log_fitness:>8.3f} {w.fitting_ticket_share:>7.1%}"
            + unfit
        )
    deviations = result.deviations
    if deviations.empty:
        return [*lines, "", "No deviations: every ticket fits the model."]
    first = deviations.iloc[0]
    answered = bool(first["csat_answers_affected"] + first["csat_answers_rest"])
    answered |= bool(first["nps_answers_affected"] + first["nps_answers_rest"])
    by_resolved = result.resolution.by_resolved
    measure = "time to resolution" if by_resolved else "duration"
    lines += [
        "",
        f"Deviations, with the affected tickets' median {measure}"
        + (" and survey answers" if answered else "")
        + " against the other tickets'"
        + ("" if answered else f" (these tickets have {NO_ANSWERS})")
        + ":",
    ]
    lines.append(f"  ({capital(measure)}: {result.resolution.describe()}.)")
    for d in deviations.itertuples():
        accepted = "  (accepted)" if d.accepted else ""
        everyone = d.tickets == result.tickets  # nothing to compare with
        lines += [
            f"  {d.deviation} · {plural(d.tickets, 'ticket')} ({d.share:.1%}){accepted}",
            f"      {measure} {resolution(d.ttr_median_hours_affected)}"
            + ("" if everyone else f" vs {resolution(d.ttr_median_hours_rest)}"),
        ]
        if answered:
            rest = "" if everyone else f" vs {surveys(d, '_rest')}"
            lines.append(f"      {surveys(d, '_affected')}{rest}")
        lines.append("      " + examples(d.examples))
    return lines


def ticket_lines(ticket: TicketTimeline, timezone: str) -> list[str]:
    zone = ZoneInfo(timezone)

    def local(ts: datetime) -> str:
        return ts.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")

    given = [(BY_NAME[name], value) for name, value in ticket.values.items() if value is not None]
    attributes = [f"{f.name} {value}" for f, value in given if f.parser != "score"]
    answers = [f"{f.name.upper()} {value}" for f, value in given if f.parser == "score"]
    lines = [
        f"Ticket {ticket.case_id} of data set '{ticket.dataset}', created"
        f" {local(ticket.created_at)} ({timezone})",
        "  " + " · ".join([*attributes, ", ".join(answers) if answers else NO_ANSWERS]),
    ]
    lines += [f"  {key}: {value}" for key, value in ticket.attributes.items()]
    rows = [("time", "activity", "resource", "team", "level", "wait")]
    for e in ticket.events.itertuples():
        activity = (
            e.activity if e.activity == e.source_activity else f"{e.activity} ({e.source_activity})"
        )
        if not missing(e.lifecycle):
            activity += f" [{e.lifecycle}]"
        level = "" if missing(e.level) else f"L{int(e.level)}"
        resource, team = ("" if missing(x) else str(x) for x in (e.resource, e.team))
        rows.append((local(e.ts), activity, resource, team, level, duration(e.wait_seconds)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=False)]
        lines.append("  " + "  ".join([*cells, row[-1].rjust(widths[-1])]).rstrip())
    return lines


def settings_lines(shown: DatasetSettings) -> list[str]:
    """A data set's settings, one a line, with where each comes from."""
    from store.dataset_settings import BUILT_IN, OWN

    origin = {OWN: "data set", BUILT_IN: "built-in"}
    defaults = f" over {shown.defaults}" if shown.defaults else ""
    lines = [f"Settings of data set '{shown.dataset}': its own values{defaults} over the defaults"]
    rows = [
        (key, setting(value), origin.get(source, Path(source).name))
        for key, value, source in shown.values()
    ]
    width = max(len(key) for key, _, _ in rows)
    lines += [f"  {key:<{width}}  {value}  [{source}]" for key, value, source in rows]
    return lines
