"""What `ticketloop kpis` prints: KPIs under their names in words, in their units, against their
targets; a breakdown says which value a ticket counts under; weekly, a table of weeks by KPIs."""

from __future__ import annotations

import textwrap
from typing import Any

from application.format import count, heading, kpi_value
from mining.kpis import COUNTS_UNDER
from mining.signals import RUN_LENGTH
from ticketloop.render import _table

WIDTH = 118  # a weekly table wider than this is printed in blocks of KPIs, each with its weeks
MARKS = {"better": "+", "worse": "!"}  # a signal, by its direction for the KPI
SIGNAL = "*"  # a signal of a KPI without a better direction
JUDGED = (None, "judged", "no value")
SHORT_NOTE = 40  # characters: a note this long or shorter reads best in its row, even repeated


def kpi_name(doc: dict[str, Any], kpi: str) -> str:
    """`Median time to resolution`: the KPI's meaning, as people name it."""
    return heading(doc["definitions"][kpi]["meaning"])


def group_name(doc: dict[str, Any], group: object) -> str:
    """A breakdown's group: its value (`level 2` for a level), or `no team` for the tickets
    without one."""
    if group is None:
        return f"no {doc['by']}"
    return f"level {group}" if doc["by"] == "level" else str(group)


def kpis_lines(doc: dict[str, Any]) -> list[str]:
    """`kpis --json`'s document as text."""
    lines = [f"data set '{doc['dataset']}': {count(doc['tickets'], 'ticket')} ({doc['selection']})"]
    if doc["by"]:
        lines.append(breakdown_rule(doc["by"]))
    rows = doc["weekly" if "weekly" in doc else "kpis"]
    if "weekly" in doc:
        return lines + _weekly(doc, rows)
    groups: dict[object, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row.get("group"), []).append(row)
    for group, members in groups.items():
        if doc["by"]:
            tickets = next(int(r["value"]) for r in members if r["kpi"] == "tickets")
            lines += ["", f"{group_name(doc, group)}: {count(tickets, 'ticket')}"]
        lines += _totals(doc, members)
    return lines


def breakdown_rule(by: str) -> str:
    """Which value of `by` a ticket counts under, and how the filter of that name differs."""
    under = COUNTS_UNDER.get(by, f"its {by}")
    rule = f"Each ticket counts under {under}; tickets without one under 'no {by}'."
    if by in COUNTS_UNDER:
        rule += f" (--{by} selects every ticket with that {by} on any of its events.)"
    return rule


def _totals(doc: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """The KPIs as a table, each against its target (also when it has no value); a long note is
    numbered, and said once below."""
    notes = ["; ".join(r for r in (row.get("reason"), row.get("note")) if r) for row in rows]
    shared = [n for n in dict.fromkeys(notes) if len(n) > SHORT_NOTE]
    table = []
    for row, note in zip(rows, notes, strict=True):
        definition = doc["definitions"][row["kpi"]]
        unit, target = definition["unit"], definition["target"]
        table.append(
            [
                kpi_name(doc, row["kpi"]),
                kpi_value(row["value"], unit, like=target),
                "" if target is None else kpi_value(target, unit, like=row["value"]),
                definition["better"] or "",
                row["status"] or "",
                f"[{shared.index(note) + 1}]" if note in shared else note,
            ]
        )
    said = [f"  [{number}] {note}" for number, note in enumerate(shared, 1)]
    return _table(["KPI", "value", "target", "better", "status", "note"], table) + said


def _weekly(doc: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """Rows weeks, columns KPIs (in blocks that fit WIDTH); a KPI no week has a value of is said
    once with its reason; a value beyond its limits or in a run is marked."""
    never = _never_computed(rows)
    alike: dict[str, list[str]] = {}  # KPIs with one reason, said once
    for kpi, why in never.items():
        alike.setdefault(why, []).append(kpi_name(doc, kpi))
    lines = [f"{', '.join(names)}: n/a in every week ({why})" for why, names in alike.items()]
    kpis = [k for k in dict.fromkeys(r["kpi"] for r in rows) if k not in never]
    groups = list(dict.fromkeys(r.get("group") for r in rows))
    for group in groups:
        cells: dict[str, dict[str, str]] = {}
        for r in rows:
            if r.get("group") != group or r["kpi"] in never:
                continue
            unit = doc["definitions"][r["kpi"]]["unit"]
            shown = kpi_value(r["value"], unit)
            if r.get("week_status") not in JUDGED:
                shown = f"({shown})"
            elif r.get("signal"):
                shown += MARKS.get(r.get("direction") or "", SIGNAL)
            cells.setdefault(r["iso_week"], {})[r["kpi"]] = shown
        if doc["by"]:
            lines += ["", f"{group_name(doc, group)}:"]
        lines += _blocks(doc, kpis, cells)
    lines += [
        f"{MARKS['better']} a signal, better; {MARKS['worse']} a signal, worse ({SIGNAL}: no"
        " direction): beyond its phase's limits,",
        f"  or a run of {RUN_LENGTH} weeks on one side of its centre line",
        "(value) not judged: a partial, warm-up or still-closing week, or too small a basis",
    ]
    return lines


def _blocks(doc: dict[str, Any], kpis: list[str], cells: dict[str, dict[str, str]]) -> list[str]:
    """The weeks-by-KPIs table in blocks of columns no wider than WIDTH, headers wrapped."""
    widths = {
        k: max(10, *(len(c.get(k, "")) for c in cells.values()), min(len(kpi_name(doc, k)), 14))
        for k in kpis
    }
    blocks: list[list[str]] = [[]]
    used = 9
    for k in kpis:
        if blocks[-1] and used + widths[k] + 2 > WIDTH:
            blocks.append([])
            used = 9
        blocks[-1].append(k)
        used += widths[k] + 2
    lines = []
    for block in blocks:
        heads = {k: textwrap.wrap(kpi_name(doc, k), widths[k]) for k in block}
        depth = max(len(h) for h in heads.values())
        lines.append("")
        for i in range(depth):
            words = [heads[k][i] if i < len(heads[k]) else "" for k in block]
            week = "week" if i == depth - 1 else ""
            lines.append(
                f"  {week:<8}"
                + "".join(f"  {w:>{widths[k]}}" for w, k in zip(words, block, strict=True))
            )
        for week, values in cells.items():
            lines.append(
                f"  {week:<8}" + "".join(f"  {values.get(k, 'n/a'):>{widths[k]}}" for k in block)
            )
    return lines


def _never_computed(rows: list[dict[str, Any]]) -> dict[str, str]:
    """The KPIs of weekly `rows` with no value in any row and one reason for it: kpi -> reason."""
    reasons: dict[str, set[str]] = {}
    valued: set[str] = set()
    for row in rows:
        if row["value"] is None:
            reasons.setdefault(row["kpi"], set()).add(row.get("reason") or "")
        else:
            valued.add(row["kpi"])
    return {k: next(iter(r)) for k, r in reasons.items() if k not in valued and len(r) == 1}
