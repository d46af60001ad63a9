"""Settings: calendar, targets, SLA, thresholds, deviations and the designed flow.

A data set's settings are its own values (kept in the store: store/dataset_settings.py) over the
defaults of `ticketloop.toml` beside the store (or `--config`), over the built-in defaults. Every
section and key of a settings document is optional; a bad one raises SettingsError naming the key
and the fix.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, time
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import tomli_w

from store.errors import SettingsError
from store.plausible import MAX_YEARS_AHEAD, TIME_FLOOR
from store.vocabulary import CONFORMANCE_METHODS, DEVIATION_KINDS

SETTINGS_FILE = "ticketloop.toml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Better = Literal["lower", "higher"]


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
class DesignedFlow:
    """A designed flow: its file name, its BPMN bytes (None when a settings file names a file
    that is not there) and where it comes from (the file's path, or the data set that keeps it)."""

    name: str
    data: bytes | None
    origin: str


@dataclass(frozen=True)
class IngestLimits:
    """What one ingest accepts: timestamps from `earliest` to `latest_years_ahead` years after
    the load (rows outside are rejected), at most `max_columns` columns, `max_row_mb` per CSV row
    (a longer row is rejected, not the file), `max_inflated_mb` of decompressed data per file,
    and `memory_limit_mb` of DuckDB memory."""

    earliest: date = date(1990, 1, 1)
    latest_years_ahead: int = 1
    max_columns: int = 1000
    max_row_mb: int = 1
    max_inflated_mb: int = 2048
    memory_limit_mb: int = 1024


@dataclass(frozen=True)
class Settings:
    """Everything a settings document can say."""

    calendar: Calendar = field(default_factory=Calendar)
    targets: dict[str, Target] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    sla: dict[str, SlaTarget] = field(default_factory=lambda: dict(DEFAULT_SLA))
    push_to_front_share: float = 0.8  # a category's share resolved without escalation
    accepted_deviations: tuple[str, ...] = ()
    designed_flow: DesignedFlow | None = None
    conformance_method: str = "token-replay"  # one of CONFORMANCE_METHODS
    baseline_weeks: int = 12  # weeks of a KPI series its process-behaviour limits come from
    near_share: float = 0.1  # a KPI missing its target by at most this share of it is "near"
    # a week's value resting on fewer tickets (survey answers) is drawn, never judged
    min_tickets: int = 20
    min_answers: int = 10
    ingest: IngestLimits = field(default_factory=IngestLimits)
    # Of the targets and SLA times, those nobody set (no file nor data set says one of them):
    # the KPIs are judged by another desk's idea of good. Not part of what the settings are.
    unset: tuple[str, ...] = field(default=("targets", "sla"), compare=False)

    def sla_for(self, priority: str | None) -> SlaTarget:
        return self.sla.get((priority or "").lower(), self.sla["default"])


def settings_path(db_path: Path | str) -> Path:
    """The defaults of the store at `db_path`'s data sets: `ticketloop.toml` in its folder."""
    return Path(db_path).resolve().with_name(SETTINGS_FILE)


def settings_file(db_path: Path | str) -> Path:
    """The defaults file the dashboard of the store at `db_path` reads: `$TICKETLOOP_CONFIG`
    (`ticketloop dashboard --config`), else `settings_path(db_path)`."""
    chosen = os.environ.get("TICKETLOOP_CONFIG")
    return Path(chosen).resolve() if chosen else settings_path(db_path)


def read_document(path: Path | str | None) -> dict[str, Any]:
    """The settings document in `path`, checked; {} when it is None or does not exist."""
    if path is None or not Path(path).exists():
        return {}
    path = Path(path)
    if path.is_dir():
        raise SettingsError(
            f"{path}: is a folder, not a settings file. Rename or remove it, or give --config a"
            " TOML file"
        )
    try:
        # utf-8-sig: editors on Windows save TOML with a byte-order mark, which TOML forbids.
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(
            f"{path}: not valid TOML ({exc}). See the README's settings example"
        ) from None
    except RecursionError:
        raise SettingsError(
            f"{path}: not valid settings (arrays or tables nested too deeply)."
            " See the README's settings example"
        ) from None
    except OSError as exc:
        raise SettingsError(
            f"{path}: cannot be read ({exc.strerror}). Check its permissions"
        ) from None
    _Reader(str(path), doc, path.parent).settings()
    return doc


def load_settings(path: Path | str | None) -> Settings:
    """The settings in `path` over the built-in defaults; the defaults when it is None or does not
    exist."""
    doc = read_document(path)
    return settings_of(doc, str(path), Path(path).parent) if doc else Settings()


def settings_of(doc: dict[str, Any], where: str, base: Path | None) -> Settings:
    """The settings a document says (SettingsError naming `where`, the key and the fix); a
    designed flow it names is read relative to `base`."""
    return _Reader(where, doc, base).settings()


class _Reader:
    """Reads one document, raising SettingsError naming the file, the key and the fix."""

    SECTIONS = ("calendar", "targets", "sla", "escalations", "conformance", "kpis", "ingest")

    def __init__(self, where: str, doc: dict[str, Any], base: Path | None) -> None:
        self.where, self.doc, self.base = where, doc, base

    def fail(self, key: str, problem: str, fix: str) -> SettingsError:
        return SettingsError(f"{self.where}: {key} {problem}. {fix}")

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
        if flow is not None and (not isinstance(flow, str) or self.base is None):
            raise self.fail(
                "[conformance] designed_flow",
                "must be a path" if self.base is not None else "cannot be a path here",
                'Write e.g. "designed_flow.bpmn"'
                if self.base is not None
                else "Set the flow with ticketloop settings --flow FILE.bpmn",
            )
        method = conformance.get("method", "token-replay")
        if method not in CONFORMANCE_METHODS:
            raise self.fail(
                "[conformance] method",
                f"= {method!r} is not a method",
                f"Use {' or '.join(repr(m) for m in CONFORMANCE_METHODS)}",
            )
        baseline_weeks, near_share, min_tickets, min_answers = self.kpis()
        return Settings(
            unset=tuple(name for name in ("targets", "sla") if not self.table(name)),
            calendar=self.calendar(),
            targets=self.targets(),
            sla=self.sla(),
            push_to_front_share=float(share),
            accepted_deviations=tuple(accepted),
            designed_flow=_flow_file(self.base / flow) if flow and self.base else None,
            conformance_method=method,
            baseline_weeks=baseline_weeks,
            near_share=near_share,
            min_tickets=min_tickets,
            min_answers=min_answers,
            ingest=self.ingest(),
        )

    def ingest(self) -> IngestLimits:
        doc = self.table("ingest")
        known = {f.name for f in fields(IngestLimits)}
        if extra := sorted(set(doc) - known):
            raise self.fail(
                f"[ingest] {extra[0]}", "is not a known key", f"Keys are {', '.join(sorted(known))}"
            )
        earliest = doc.get("earliest", IngestLimits.earliest)
        if type(earliest) is not date or earliest < TIME_FLOOR:
            raise self.fail(
                "[ingest] earliest",
                f"= {earliest!r} is not a date from {TIME_FLOOR}",
                "Write e.g. earliest = 1990-01-01",
            )
        numbers = {}
        for key, low, high in (
            ("latest_years_ahead", 0, MAX_YEARS_AHEAD),
            ("max_columns", 1, 100_000),
            ("max_row_mb", 1, 1024),
            ("max_inflated_mb", 1, 1 << 20),
            ("memory_limit_mb", 128, 1 << 20),
        ):
            n = doc.get(key, getattr(IngestLimits, key))
            if isinstance(n, bool) or not isinstance(n, int) or not low <= n <= high:
                raise self.fail(
                    f"[ingest] {key}",
                    f"= {n!r} is not a whole number from {low:,} to {high:,}",
                    f"Write e.g. {key} = {getattr(IngestLimits, key)}",
                )
            numbers[key] = n
        return IngestLimits(earliest, **numbers)

    def kpis(self) -> tuple[int, float, int, int]:
        doc = self.table("kpis")
        known = {"baseline_weeks", "near_share", "min_tickets", "min_answers"}
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
        minimums = []
        for key, default in (("min_tickets", 20), ("min_answers", 10)):
            n = doc.get(key, default)
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise self.fail(
                    f"[kpis] {key}",
                    f"= {n!r} is not a number (1 or more)",
                    f"Write e.g. {key} = {default}",
                )
            minimums.append(n)
        return weeks, float(near), *minimums

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
            if (
                not isinstance(days, list)
                or not days
                or not all(isinstance(d, str) and d[:3].lower() in WEEKDAYS for d in days)
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
            known = str(value) in duckdb_zones()  # Python knows some DuckDB does not: localtime
        except (ZoneInfoNotFoundError, ValueError):
            known = False
        if not known:
            raise self.fail(
                key,
                f"= {value!r} is not a known time zone",
                'Use an IANA name such as "Europe/Madrid"',
            )
        return str(value)

    def hours(self, key: str, value: object) -> float:
        """A number of hours: finite and above 0."""
        if _finite(value) and value > 0:  # type: ignore[operator]
            return float(value)  # type: ignore[arg-type]
        raise self.fail(key, f"= {value!r} is not a number of hours", "Write a number such as 24")

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
            # NPS runs from -100 to 100; every other KPI is a count, a time or a share.
            if not _finite(target) or target < (-100 if name == "nps" else 0):
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
                self.hours(f"{key}.first_response_hours", spec["first_response_hours"]),
                self.hours(f"{key}.resolution_hours", spec["resolution_hours"]),
            )
        return sla


def _finite(value: object) -> bool:
    """Whether `value` is a number TOML can hold that is not nan or inf (nor a boolean)."""
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


@cache
def duckdb_zones() -> frozenset[str]:
    """The time zones DuckDB knows, which every query of a calendar's times sets."""
    with duckdb.connect() as con:
        return frozenset(
            r[0] for r in con.execute("SELECT name FROM pg_timezone_names()").fetchall()
        )


def _flow_file(path: Path) -> DesignedFlow:
    try:
        data: bytes | None = path.read_bytes()
    except OSError:
        data = None
    return DesignedFlow(path.name, data, str(path))


def settings_document(settings: Settings) -> dict[str, dict[str, Any]]:
    """`settings` as a settings document (all but the designed flow, which a data set keeps as
    BPMN and a file names by path), which `settings_of` reads back to equal settings."""
    cal = settings.calendar
    return {
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
        "conformance": {
            "accepted_deviations": list(settings.accepted_deviations),
            "method": settings.conformance_method,
        },
        "kpis": {
            "baseline_weeks": settings.baseline_weeks,
            "near_share": _n(settings.near_share),
            "min_tickets": settings.min_tickets,
            "min_answers": settings.min_answers,
        },
        "ingest": asdict(settings.ingest),
    }


def settings_toml(settings: Settings) -> str:
    """`settings` as TOML (the designed flow left out: `ticketloop settings --flow` sets it)."""
    return tomli_w.dumps(settings_document(settings))


def _n(value: float) -> int | float:
    """A whole number as an integer (`40`, not `40.0`)."""
    return int(value) if float(value).is_integer() else float(value)
