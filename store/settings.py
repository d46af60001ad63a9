"""Settings from `ticketloop.toml` beside the store: calendar, targets, SLA, thresholds, deviations.

A missing file means the documented defaults; a bad one raises SettingsError naming the key and the
fix. Every section and key is optional.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w

from store.errors import SettingsError

SETTINGS_FILE = "ticketloop.toml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Better = Literal["lower", "higher"]
# How `ticketloop conformance` names deviations, and [conformance] accepted_deviations lists them:
# "skipped: ACTIVITY" (a model activity a ticket did not do) or "unexpected: ACTIVITY".
DEVIATION_KINDS = ("skipped", "unexpected")
# How tickets are replayed on the designed flow: token replay (fast; approximate where the model
# repeats a label) or alignments (exact; slower the first time, then cached in the store).
CONFORMANCE_METHODS = ("token-replay", "alignments")


@dataclass(frozen=True)
class Calendar:
    """Business hours: the days and hours the desk works, in its time zone, less its holidays."""

    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday is 0
    opens: time = time(8, 0)
    closes: time = time(18, 0)
    timezone: str = "UTC"
    holidays: tuple[date, ...] = ()

    @property
    def hours_per_day(self) -> float:
        return (
            self.closes.hour * 60 + self.closes.minute - self.opens.hour * 60 - self.opens.minute
        ) / 60


@dataclass(frozen=True)
class Target:
    """A KPI target and which way is better."""

    target: float
    better: Better


@dataclass(frozen=True)
class SlaTarget:
    """Business-hour targets of one priority."""

    first_response_hours: float
    resolution_hours: float


DEFAULT_TARGETS: dict[str, Target] = {
    "ttr_median_hours": Target(24, "lower"),
    "frt_median_hours": Target(4, "lower"),
    "fcr_rate": Target(0.7, "higher"),
    "reopen_rate": Target(0.05, "lower"),
    "escalation_rate": Target(0.3, "lower"),
    "needless_escalation_rate": Target(0.1, "lower"),
    "handoffs_per_ticket": Target(2, "lower"),
    "abandonment_rate": Target(0.05, "lower"),
    "csat": Target(0.8, "higher"),
    "ces_mean": Target(5, "higher"),
    "nps": Target(30, "higher"),
    "survey_response_rate": Target(0.3, "higher"),
    "sla_first_response_met": Target(0.9, "higher"),
    "sla_resolution_met": Target(0.9, "higher"),
    "pause_without_reply_rate": Target(0.02, "lower"),
}
# What a target can be: (lowest, highest), None for no bound. Every KPI not named here is a rate
# or share, a fraction 0-1 (its target typed as 0-100% on the Settings page).
TARGET_RANGES: dict[str, tuple[float, float | None]] = {
    "ttr_median_hours": (0, None),
    "frt_median_hours": (0, None),
    "handoffs_per_ticket": (0, None),
    "ces_mean": (1, 7),
    "nps": (-100, 100),
}
SHARE = (0.0, 1.0)


def target_range(kpi: str) -> tuple[float, float | None]:
    """The values a target of `kpi` can take (TARGET_RANGES, else a share 0-1)."""
    return TARGET_RANGES.get(kpi, SHARE)


def out_of_range(kpi: str, target: float) -> str | None:
    """Why `target` cannot be `kpi`'s target (`is not a share 0-1 (0-100%)`), None if it can."""
    low, high = target_range(kpi)
    if math.isnan(target) or target < low or (high is not None and target > high):
        if (low, high) == SHARE:
            return "is not a share 0-1 (0-100%)"
        return f"is not from {low:g} to {high:g}" if high is not None else f"is below {low:g}"
    return None


DEFAULT_SLA: dict[str, SlaTarget] = {
    "low": SlaTarget(8, 40),
    "medium": SlaTarget(4, 24),
    "high": SlaTarget(2, 16),
    "urgent": SlaTarget(0.5, 8),
    "default": SlaTarget(4, 24),  # tickets whose priority has no targets of its own
}


@dataclass(frozen=True)
class Settings:
    """Everything `ticketloop.toml` can say; `source` is the file read, or None for the defaults."""

    calendar: Calendar = field(default_factory=Calendar)
    targets: dict[str, Target] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    sla: dict[str, SlaTarget] = field(default_factory=lambda: dict(DEFAULT_SLA))
    push_to_front_share: float = 0.8  # a category's share resolved without escalation
    accepted_deviations: tuple[str, ...] = ()
    designed_flow: Path | None = None
    conformance_method: str = "token-replay"  # one of CONFORMANCE_METHODS
    baseline_weeks: int = 12  # weeks of a KPI series its process-behaviour limits come from
    near_share: float = 0.1  # a KPI missing its target by at most this share of it is "near"
    source: Path | None = None

    def sla_for(self, priority: str | None) -> SlaTarget:
        return self.sla.get((priority or "").lower(), self.sla["default"])


def settings_path(db_path: Path | str) -> Path:
    """Where the settings of the store at `db_path` live: `ticketloop.toml` in its folder."""
    return Path(db_path).resolve().with_name(SETTINGS_FILE)


def settings_file(db_path: Path | str) -> Path:
    """The settings file the dashboard of the store at `db_path` reads and writes:
    `$TICKETLOOP_CONFIG` (`ticketloop dashboard --config`), else `settings_path(db_path)`."""
    chosen = os.environ.get("TICKETLOOP_CONFIG")
    return Path(chosen).resolve() if chosen else settings_path(db_path)


def load_settings(path: Path | str | None) -> Settings:
    """The settings in `path`; the defaults when it is None or does not exist."""
    if path is None or not Path(path).exists():
        return Settings()
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(
            f"{path}: not valid TOML ({exc}). See the README's settings example"
        ) from None
    return _Reader(path, doc).settings()


class _Reader:
    """Reads one document, raising SettingsError naming the file, the key and the fix."""

    SECTIONS = ("calendar", "targets", "sla", "escalations", "conformance", "kpis")

    def __init__(self, path: Path, doc: dict[str, Any]) -> None:
        self.path, self.doc = path, doc

    def fail(self, key: str, problem: str, fix: str) -> SettingsError:
        return SettingsError(f"{self.path}: {key} {problem}. {fix}")

    def table(self, name: str, within: dict[str, Any] | None = None) -> dict[str, Any]:
        value = (self.doc if within is None else within).get(name, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{name}]", "must be a table", f"Write it as a [{name}] section")
        return value

    def settings(self) -> Settings:
        unknown = sorted(set(self.doc) - set(self.SECTIONS))
        if unknown:
            raise self.fail(
                f"[{unknown[0]}]",
                "is not a known section",
                f"Sections are {', '.join(self.SECTIONS)}",
            )
        escalations = self.table("escalations")
        conformance = self.table("conformance")
        share = escalations.get("push_to_front_share", 0.8)
        if not isinstance(share, int | float) or not 0 < share <= 1:
            raise self.fail(
                "[escalations] push_to_front_share",
                f"= {share!r} is not a share",
                "Use 0.8 for 80%",
            )
        accepted = conformance.get("accepted_deviations", [])
        if not isinstance(accepted, list) or not all(isinstance(a, str) for a in accepted):
            raise self.fail(
                "[conformance] accepted_deviations",
                "must be a list of strings",
                'Write e.g. accepted_deviations = ["skipped: Classified"]',
            )
        for entry in accepted:
            kind, _, activity = entry.partition(": ")
            if kind not in DEVIATION_KINDS or not activity.strip():
                raise self.fail(
                    "[conformance] accepted_deviations",
                    f"has {entry!r}",
                    'Write each as "skipped: ACTIVITY" or "unexpected: ACTIVITY",'
                    " as ticketloop conformance lists them",
                )
        flow = conformance.get("designed_flow")
        if flow is not None and not isinstance(flow, str):
            raise self.fail(
                "[conformance] designed_flow", "must be a path", 'Write e.g. "designed_flow.bpmn"'
            )
        method = conformance.get("method", "token-replay")
        if method not in CONFORMANCE_METHODS:
            raise self.fail(
                "[conformance] method",
                f"= {method!r} is not a method",
                f"Use {' or '.join(repr(m) for m in CONFORMANCE_METHODS)}",
            )
        baseline_weeks, near_share = self.kpis()
        return Settings(
            calendar=self.calendar(),
            targets=self.targets(),
            sla=self.sla(),
            push_to_front_share=float(share),
            accepted_deviations=tuple(accepted),
            designed_flow=(self.path.parent / flow) if flow else None,
            conformance_method=method,
            baseline_weeks=baseline_weeks,
            near_share=near_share,
            source=self.path,
        )

    def kpis(self) -> tuple[int, float]:
        doc = self.table("kpis")
        known = {"baseline_weeks", "near_share"}
        if extra := sorted(set(doc) - known):
            raise self.fail(
                f"[kpis] {extra[0]}", "is not a known key", f"Keys are {', '.join(sorted(known))}"
            )
        weeks = doc.get("baseline_weeks", 12)
        if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 2:
            raise self.fail(
                "[kpis] baseline_weeks",
                f"= {weeks!r} is not a number of weeks (2 or more)",
                "Write e.g. baseline_weeks = 12",
            )
        near = doc.get("near_share", 0.1)
        if isinstance(near, bool) or not isinstance(near, int | float) or not 0 <= near < 1:
            raise self.fail(
                "[kpis] near_share", f"= {near!r} is not a share", "Use 0.1 for within 10%"
            )
        return weeks, float(near)

    def calendar(self) -> Calendar:
        doc = self.table("calendar")
        known = {"workdays", "opens", "closes", "timezone", "holidays"}
        if extra := sorted(set(doc) - known):
            raise self.fail(
                f"[calendar] {extra[0]}",
                "is not a known key",
                f"Keys are {', '.join(sorted(known))}",
            )
        calendar = Calendar()
        if "workdays" in doc:
            days = doc["workdays"]
            if not isinstance(days, list) or not all(
                isinstance(d, str) and d[:3].lower() in WEEKDAYS for d in days
            ):
                raise self.fail(
                    "[calendar] workdays",
                    f"= {days!r} is not a list of weekdays",
                    'Write e.g. ["Mon", "Tue", "Wed", "Thu", "Fri"]',
                )
            calendar = replace(
                calendar, workdays=tuple(sorted({WEEKDAYS.index(d[:3].lower()) for d in days}))
            )
        for key in ("opens", "closes"):
            if key in doc:
                calendar = replace(calendar, **{key: self.clock(f"[calendar] {key}", doc[key])})
        if calendar.closes <= calendar.opens:
            raise self.fail(
                "[calendar] closes",
                "is not after opens",
                'Write e.g. opens = "08:00", closes = "18:00"',
            )
        if "timezone" in doc:
            calendar = replace(calendar, timezone=self.zone("[calendar] timezone", doc["timezone"]))
        if "holidays" in doc:
            holidays = doc["holidays"]
            if not isinstance(holidays, list) or not all(type(h) is date for h in holidays):
                raise self.fail(
                    "[calendar] holidays",
                    "must be a list of dates",
                    "Write e.g. holidays = [2026-12-25, 2027-01-01]",
                )
            calendar = replace(calendar, holidays=tuple(sorted(holidays)))
        return calendar

    def clock(self, key: str, value: object) -> time:
        if isinstance(value, time):
            return value
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            raise self.fail(
                key, f"= {value!r} is not a time of day", 'Write it as "08:00"'
            ) from None

    def zone(self, key: str, value: object) -> str:
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                key,
                f"= {value!r} is not a known time zone",
                'Use an IANA name such as "Europe/Madrid"',
            ) from None
        return str(value)

    def number(self, key: str, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.fail(key, f"= {value!r} is not a number", "Write a number such as 24")
        return float(value)

    def targets(self) -> dict[str, Target]:
        targets = dict(DEFAULT_TARGETS)
        for name, spec in self.table("targets").items():
            key = f"[targets] {name}"
            if name not in DEFAULT_TARGETS:
                raise self.fail(key, "is not a KPI", f"KPIs are {', '.join(DEFAULT_TARGETS)}")
            if not isinstance(spec, dict) or "target" not in spec:
                raise self.fail(
                    key, "needs a target", f'Write {name} = {{target = 24, better = "lower"}}'
                )
            better = spec.get("better", DEFAULT_TARGETS[name].better)
            if better not in ("lower", "higher"):
                raise self.fail(key, f'has better = "{better}"', 'Use better = "lower" or "higher"')
            target = spec["target"]
            if isinstance(target, bool) or not isinstance(target, int | float):
                raise self.fail(key, f"has target = {target!r}", "Write a number, e.g. target = 24")
            if problem := out_of_range(name, float(target)):
                fix = "Write 0.7 for 70%" if target_range(name) == SHARE else "Write a number in it"
                raise self.fail(key, f"target = {target!r} {problem}", fix)
            targets[name] = Target(float(target), better)
        return targets

    def sla(self) -> dict[str, SlaTarget]:
        sla = dict(DEFAULT_SLA)
        for priority, spec in self.table("sla").items():
            key = f"[sla] {priority}"
            if not isinstance(spec, dict) or set(spec) != {
                "first_response_hours",
                "resolution_hours",
            }:
                raise self.fail(
                    key,
                    "needs first_response_hours and resolution_hours",
                    f"Write {priority} = {{first_response_hours = 4, resolution_hours = 24}}",
                )
            sla[priority.lower()] = SlaTarget(
                self.number(f"{key}.first_response_hours", spec["first_response_hours"]),
                self.number(f"{key}.resolution_hours", spec["resolution_hours"]),
            )
        return sla


def settings_toml(settings: Settings) -> str:
    """`settings` as the TOML `load_settings` reads back to equal settings."""
    cal = settings.calendar
    conformance: dict[str, object] = {
        "accepted_deviations": list(settings.accepted_deviations),
        "method": settings.conformance_method,
    }
    if settings.designed_flow is not None:
        flow = settings.designed_flow
        if settings.source is not None and flow.is_relative_to(settings.source.parent):
            flow = flow.relative_to(settings.source.parent)
        conformance["designed_flow"] = str(flow)
    return tomli_w.dumps(
        {
            "calendar": {
                "workdays": [WEEKDAYS[d].title() for d in cal.workdays],
                "opens": cal.opens.strftime("%H:%M"),
                "closes": cal.closes.strftime("%H:%M"),
                "timezone": cal.timezone,
                "holidays": list(cal.holidays),
            },
            "targets": {
                name: {"target": _n(t.target), "better": t.better}
                for name, t in settings.targets.items()
            },
            "sla": {
                p: {
                    "first_response_hours": _n(s.first_response_hours),
                    "resolution_hours": _n(s.resolution_hours),
                }
                for p, s in settings.sla.items()
            },
            "escalations": {"push_to_front_share": _n(settings.push_to_front_share)},
            "conformance": conformance,
            "kpis": {
                "baseline_weeks": settings.baseline_weeks,
                "near_share": _n(settings.near_share),
            },
        }
    )


def save_settings(settings: Settings, path: Path | str) -> Settings:
    """Check `settings` by reading its TOML back, then write it to `path` atomically; the
    settings as read from the file. SettingsError (naming the key) and nothing written if bad."""
    path = Path(path)
    text = settings_toml(replace(settings, source=path))
    checked = _Reader(path, tomllib.loads(text)).settings()
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return checked


def _n(value: float) -> int | float:
    """A whole number as an integer (`40`, not `40.0`)."""
    return int(value) if float(value).is_integer() else float(value)
