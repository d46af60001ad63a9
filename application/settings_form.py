"""The Settings page's form: what a user typed, checked and saved as the settings beside the
store, with an uploaded designed flow. Nothing is written unless all of it is right."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, time
from pathlib import Path
from typing import Any

from application.format import heading, missing
from mining.bpmn import read_model_file
from mining.kpis import BY_NAME
from store.errors import ModelError, SettingsError
from store.settings import (
    WEEKDAYS,
    Calendar,
    Settings,
    SlaTarget,
    Target,
    out_of_range,
    save_settings,
    target_range,
)

FLOW_FILE = "designed_flow.bpmn"  # an uploaded flow's name, beside the settings file
_KPI_NAMED = {heading(k.meaning): k.name for k in BY_NAME.values()}  # a target row's KPI


@dataclass(frozen=True)
class SettingsForm:
    """The form as typed: day names, times, text areas (one holiday or deviation a line), table
    rows (targets: KPI in words, target in its unit (percent for rates), unit, better; SLA: priority, first_response_hours, resolution_hours)
    the push-to-front share in percent and an uploaded BPMN file's bytes (None: keep the current flow)."""

    workdays: Sequence[str]
    opens: time
    closes: time
    timezone: str
    holidays: str
    targets: Sequence[dict[str, Any]]
    sla: Sequence[dict[str, Any]]
    push_to_front_share: float
    accepted_deviations: str
    method: str
    flow: bytes | None = None

    @classmethod
    def of(cls, settings: Settings) -> SettingsForm:
        """The form as it opens on `settings`."""
        cal = settings.calendar
        return cls(
            workdays=[WEEKDAYS[d].title() for d in cal.workdays],
            opens=cal.opens,
            closes=cal.closes,
            timezone=cal.timezone,
            holidays="\n".join(h.isoformat() for h in cal.holidays),
            targets=[_target_row(k, t) for k, t in settings.targets.items()],
            sla=[
                {
                    "priority": p,
                    "first_response_hours": s.first_response_hours,
                    "resolution_hours": s.resolution_hours,
                }
                for p, s in settings.sla.items()
            ],
            push_to_front_share=round(settings.push_to_front_share * 100, 6),
            accepted_deviations="\n".join(settings.accepted_deviations),
            method=settings.conformance_method,
        )


def save_form(current: Settings, form: SettingsForm, path: Path) -> Settings:
    """Check `form` against `current` settings and write it to `path` (an uploaded flow beside
    it, as designed_flow.bpmn); the settings saved. SettingsError, one line naming the field
    and the fix, and nothing written when any part is wrong."""
    flow_path = path.with_name(FLOW_FILE)
    if form.flow is not None:
        _check_flow(form.flow, flow_path)
    try:
        chosen = replace(
            current,
            calendar=Calendar(
                tuple(sorted(WEEKDAYS.index(d.lower()) for d in form.workdays)),
                form.opens,
                form.closes,
                form.timezone.strip(),
                tuple(_dates(form.holidays)),
            ),
            targets=dict(_target(r) for r in form.targets),
            sla=_sla(form.sla, current),
            push_to_front_share=float(form.push_to_front_share) / 100,
            accepted_deviations=tuple(_lines(form.accepted_deviations)),
            designed_flow=flow_path if form.flow is not None else current.designed_flow,
            conformance_method=form.method,
        )
    except (ValueError, TypeError) as exc:
        raise SettingsError(str(exc)) from None
    if not chosen.calendar.workdays:
        raise SettingsError("pick at least one working day")
    saved = save_settings(chosen, path)
    if form.flow is not None:
        flow_path.write_bytes(form.flow)
    return saved


def _check_flow(content: bytes, flow_path: Path) -> None:
    """Refuse an upload that is not a BPMN model with named tasks (mining.bpmn)."""
    trial = flow_path.with_name(flow_path.name + ".upload")
    trial.write_bytes(content)
    try:
        read_model_file(trial)
    except ModelError as exc:
        raise SettingsError(str(exc).replace(str(trial), "the uploaded flow")) from None
    finally:
        trial.unlink(missing_ok=True)


def _target_row(kpi: str, target: Target) -> dict[str, Any]:
    """A target as the form shows it: the KPI's name in words, the target in its unit (a rate
    or share in percent: 70, not 0.7)."""
    definition = BY_NAME[kpi]
    percent = definition.unit == "fraction"
    value = round(target.target * 100, 6) if percent else target.target
    unit = "%" if percent else definition.unit
    return {
        "KPI": heading(definition.meaning),
        "target": value,
        "unit": unit,
        "better": target.better,
    }


def _target(row: dict[str, Any]) -> tuple[str, Target]:
    """A typed target row as the KPI's name and its target (a percent as a fraction);
    SettingsError naming the KPI and the range when empty, not a number or out of range."""
    kpi = _KPI_NAMED[row["KPI"]]
    suffix = "%" if row["unit"] == "%" else ""
    scale = 100 if suffix else 1
    given = row.get("target")
    typed = "" if missing(given) else str(given).strip().removesuffix("%")
    if isinstance(given, int | float) and not missing(given):
        typed = f"{given:g}"  # 700, not 700.0
    try:
        value = float(typed) / scale
    except ValueError:
        value = math.nan
    if out_of_range(kpi, value):
        low, high = (None if b is None else f"{b * scale:g}{suffix}" for b in target_range(kpi))
        allowed = f"from {low} to {high}" if high else f"{low} or more"
        raise SettingsError(
            f"target of {row['KPI']} must be a number {allowed}, not {typed + suffix if typed else 'empty'}"
        )
    return kpi, Target(value, row["better"])


def _sla(rows: Sequence[dict[str, Any]], current: Settings) -> dict[str, SlaTarget]:
    """SLA rows by priority (lower case); rows without a priority are left out, and the default
    is kept when the form drops it."""
    sla = {
        str(r["priority"]).strip().lower(): SlaTarget(
            float(r["first_response_hours"]), float(r["resolution_hours"])
        )
        for r in rows
        if str(r.get("priority") or "").strip()
    }
    sla.setdefault("default", current.sla["default"])
    return sla


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _dates(text: str) -> list[date]:
    try:
        return sorted({date.fromisoformat(line) for line in _lines(text)})
    except ValueError as exc:
        raise SettingsError(f"holidays: {exc}; write one date a line, e.g. 2026-12-25") from None
