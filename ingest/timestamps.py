"""Timestamp parsing: infer one format from a whole column, then parse it in DuckDB."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from store.errors import IngestError

_ISO_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$"
)
_CLOCKS = ("%H:%M:%S.%f", "%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p")


def _with_clocks(dates: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{d} {c}" for d in dates for c in _CLOCKS) + dates


# Families of strptime formats, tried in this order of preference when equally good.
FAMILIES: dict[str, tuple[str, ...]] = {
    "day-first": _with_clocks(("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")),
    "month-first": _with_clocks(("%m/%d/%Y", "%m-%d-%Y")),
    "year-first": _with_clocks(("%Y/%m/%d", "%Y.%m.%d")),
}


@dataclass(frozen=True)
class TimestampFormat:
    """How a column's timestamps are read: "iso", a family name, or one explicit format."""

    kind: str
    formats: tuple[str, ...] = ()
    ambiguous: bool = field(default=False, compare=False)
    used: tuple[str, ...] = field(default=(), compare=False)  # the formats that read values

    def describe(self) -> str:
        if self.kind == "iso":
            return "ISO 8601"
        if self.kind == "explicit":
            return self.formats[0]
        return f"{self.kind} dates ({', '.join(self.used or self.formats[:1])})"


def parse_expr(column: str, fmt: TimestampFormat) -> tuple[str, dict[str, object]]:
    """SQL turning the VARCHAR expression `column` into TIMESTAMPTZ, and its parameters.

    Runs on a connection whose session TimeZone is the zone of naive timestamps: naive values are
    wall-clock time there, values with an offset keep their offset.
    """
    if fmt.kind == "iso":
        return f"try_cast({column} AS TIMESTAMPTZ)", {}
    return f"try_strptime({column}, $ts_formats)::TIMESTAMPTZ", {"ts_formats": list(fmt.formats)}


def infer_format(
    con: duckdb.DuckDBPyConnection,
    values: str,
    params: dict[str, object],
    explicit: str | None,
    file: str,
) -> TimestampFormat:
    """The format that reads the most of `values` (a relation with text column v; NULLs skipped).

    ISO 8601 wins when it reads them all; day-first wins over month-first when both read as many.
    """
    if explicit:
        return TimestampFormat("explicit", (explicit,))
    present = f"(SELECT v FROM {values} WHERE v IS NOT NULL)"
    counts: dict[str, int] = {}
    total, counts["iso"] = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE regexp_matches(v, '{_ISO_PATTERN}')) FROM {present}",
        params,
    ).fetchall()[0]
    if total == 0 or counts["iso"] == total:
        return TimestampFormat("iso")
    for name, formats in FAMILIES.items():
        counts[name] = con.execute(
            f"SELECT count(try_strptime(v, $formats)) FROM {present}",
            {**params, "formats": list(formats)},
        ).fetchall()[0][0]
    best = max(counts, key=lambda name: counts[name])
    if counts[best] == 0:
        sample = con.execute(f"SELECT v FROM {present} LIMIT 1", params).fetchall()[0][0]
        raise IngestError(
            file,
            f'cannot read the timestamps (e.g. "{sample}")',
            'Give the format in the mapping file: [timestamp] format = "%d/%m/%Y %H:%M"',
        )
    if best == "iso":
        return TimestampFormat("iso")
    ambiguous = best == "day-first" and counts["month-first"] == counts["day-first"]
    # Which formats of the family read the values, most used first: what the note names. (The
    # format of try_strptime must be a constant; these are ours.)
    family = FAMILIES[best]
    counted = con.execute(
        "SELECT "
        + ", ".join(f"count(try_strptime(v, '{f}'))" for f in family)
        + f" FROM {present}",
        params,
    ).fetchall()[0]
    used = [f for n, f in sorted(zip(counted, family, strict=True), key=lambda p: -p[0]) if n]
    return TimestampFormat(best, family, ambiguous, tuple(used))


def check_timezone(con: duckdb.DuckDBPyConnection, tz: str, source: str) -> None:
    """Fail early, naming the mapping file, on a time zone DuckDB does not know."""
    known = con.execute("SELECT count(*) FROM pg_timezone_names() WHERE name = $tz", {"tz": tz})
    if known.fetchall()[0][0] == 0:
        where = "--timezone" if source == "--timezone" else "[timestamp] timezone"
        raise IngestError(
            source or "mapping",
            f'unknown time zone "{tz}"',
            f'Use an IANA name such as "Europe/Madrid" in {where}',
        )
