"""The Settings page's form: what a user typed, checked and saved as the selected data set's
settings in the store, with an uploaded designed flow. Nothing is written unless all of it is
right."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, time
from pathlib import Path
from typing import Any

from application.format import heading, missing
from mining.bpmn import model_of
from mining.kpis import BY_NAME
from store.connection import open_store
from store.dataset_settings import DatasetSettings, save_dataset_settings
from store.errors import ModelError, SettingsError
from store.settings import (
    WEEKDAYS,
    Calendar,
    DesignedFlow,
    Settings,
    SlaTarget,
    Target,
    out_of_range,
    target_range,
)

_KPI_NAMED = {heading(k.meaning): k.name for k in BY_NAME.values()}  # a target row's KPI


@dataclass(frozen=True)
class SettingsForm:
    """The form as typed: day names, times, text areas (one holiday or deviation a line), table
    rows (targets: KPI in words, target in its unit (percent for rates), unit, better; SLA:
    priority, first_response_hours, resolution_hours), the push-to-front share in percent and an
    uploaded BPMN file's name and bytes (None: keep the current flow)."""

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
    flow_name: str = ""  # the uploaded file's name

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


def save_form(
    db: Path, dataset: str, current: Settings, form: SettingsForm, defaults: Path | None
) -> DatasetSettings:
    """Check `form` against the `current` settings of `dataset` and keep it as that data set's
    settings in the store at `db` (the values that differ from the `defaults` file's); the
    settings now. SettingsError, one line naming the field and the fix, and nothing written when
    any part is wrong."""
    flow = current.designed_flow
    if form.flow is not None:
        flow = DesignedFlow(
            form.flow_name or "designed_flow.bpmn", form.flow, f"data set '{dataset}'"
        )
        try:
            model_of(flow.name, form.flow)
        except ModelError as exc:
            raise SettingsError(str(exc)) from None
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
            designed_flow=flow,
            conformance_method=form.method,
        )
    except (ValueError, TypeError) as exc:
        raise SettingsError(str(exc)) from None
    if not chosen.calendar.workdays:
        raise SettingsError("pick at least one working day")
    with open_store(db) as con:
        return save_dataset_settings(con, dataset, chosen, defaults)


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
