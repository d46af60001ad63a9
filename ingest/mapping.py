"""Which source column feeds which canonical field: header recognition and the mapping file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from store.errors import IngestError
from store.fields import BY_NAME, NULL_TOKENS, REQUIRED

FIELDS = tuple(BY_NAME)
ACTIVITY_JOINER = " "  # between the values of the columns [columns] activity names together


def normalise_header(name: str) -> str:
    """Lower case with runs of space, underscore and hyphen folded into one space."""
    return re.sub(r"[\s_\-]+", " ", name.lstrip("\ufeff")).strip().lower()


@dataclass(frozen=True)
class Mapping:
    """What the user told us in a mapping file; every part optional."""

    columns: dict[str, str] = field(default_factory=dict)
    # [columns] activity naming several columns: their values joined with ACTIVITY_JOINER make
    # the activity (columns["activity"] holds the first)
    activity_columns: tuple[str, ...] = ()
    activities: dict[str, str] = field(default_factory=dict)
    timestamp_format: str | None = None
    timezone: str = "UTC"
    null_tokens: tuple[str, ...] = NULL_TOKENS
    levels: dict[str, int] = field(default_factory=dict)  # team name (lower case) -> level 1-4
    source: str = ""

    def to_toml(self) -> str:
        """This mapping's columns and timestamp format as a mapping file, for `--map`."""
        doc: dict[str, object] = {"columns": dict(self.columns)}
        if len(self.activity_columns) > 1:
            doc["columns"] = {**self.columns, "activity": list(self.activity_columns)}
        if self.timestamp_format:
            doc["timestamp"] = {"format": self.timestamp_format}
        return tomli_w.dumps(doc)


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file (TOML with [columns], [activities], [timestamp], [csv],
    [levels])."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IngestError(str(path), "no such mapping file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise IngestError(
            str(path), f"not valid TOML ({exc})", "See the README's mapping example"
        ) from None
    unknown = set(doc) - {"columns", "activities", "timestamp", "csv", "levels"}
    if unknown:
        raise IngestError(
            str(path),
            f"unknown section [{sorted(unknown)[0]}]",
            "Sections are [columns], [activities], [timestamp], [csv] and [levels]",
        )
    joined = (
        doc.get("columns", {}).get("activity") if isinstance(doc.get("columns"), dict) else None
    )
    activity_columns: tuple[str, ...] = ()
    if isinstance(joined, list):
        if not joined or not all(isinstance(c, str) for c in joined):
            raise IngestError(
                str(path),
                "[columns] activity must name a column, or a list of columns to join",
                'Write e.g. activity = ["concept:name", "lifecycle:transition"]',
            )
        activity_columns = tuple(joined)
        doc = {**doc, "columns": {**doc["columns"], "activity": joined[0]}}
    columns = _string_table(doc, "columns", path)
    bad = sorted(set(columns) - set(FIELDS))
    if bad:
        raise IngestError(
            str(path), f'[columns] has unknown field "{bad[0]}"', f"Fields are: {', '.join(FIELDS)}"
        )
    ts = _string_table(doc, "timestamp", path)
    bad = sorted(set(ts) - {"format", "timezone"})
    if bad:
        raise IngestError(
            str(path), f'[timestamp] has unknown key "{bad[0]}"', "Keys are format and timezone"
        )
    csv = doc.get("csv", {})
    nulls = csv.get("null", list(NULL_TOKENS)) if isinstance(csv, dict) else None
    if (
        set(csv) - {"null"}
        or not isinstance(nulls, list)
        or not all(isinstance(n, str) for n in nulls)
    ):
        raise IngestError(
            str(path),
            "[csv] takes one key, null: a list of strings",
            'Write e.g. null = ["", "?", "NULL", "N/A"]',
        )
    return Mapping(
        columns=columns,
        activity_columns=activity_columns,
        activities=_string_table(doc, "activities", path),
        timestamp_format=ts.get("format"),
        timezone=ts.get("timezone", "UTC"),
        null_tokens=tuple(nulls),
        levels=_levels(doc, path),
        source=str(path),
    )


def _levels(doc: dict, path: Path) -> dict[str, int]:
    """[levels]: team name = support level 1-4, keyed by the name in lower case."""
    table = doc.get("levels", {})
    if not isinstance(table, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 4 for v in table.values()
    ):
        raise IngestError(
            str(path),
            "[levels] must map team names to support levels 1-4",
            'Write e.g. "IT Support" = 2',
        )
    return {team.strip().lower(): level for team, level in table.items()}


def _string_table(doc: dict, section: str, path: Path) -> dict[str, str]:
    table = doc.get(section, {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise IngestError(str(path), f"[{section}] must map names to quoted strings")
    return table


def resolve_columns(headers: list[str], mapping: Mapping, file: str) -> dict[str, str]:
    """Map canonical fields to the file's headers: the mapping file first, then known headers."""
    resolved: dict[str, str] = {}
    for name, column in mapping.columns.items():
        if column not in headers:
            raise IngestError(
                file,
                f'the mapping names column "{column}" for {name}, but the file has no such column',
                f"Found: {_listing(headers)}. Fix [columns] {name} in {mapping.source}",
            )
        resolved[name] = column
    for column in mapping.activity_columns:
        if column not in headers:
            raise IngestError(
                file,
                f'the mapping names column "{column}" for activity, but the file has no such column',
                f"Found: {_listing(headers)}. Fix [columns] activity in {mapping.source}",
            )
    by_normal: dict[str, str] = {}
    for header in headers:
        by_normal.setdefault(normalise_header(header), header)
    # a column joined into the activity feeds no other field (its lifecycle is in the name)
    taken = set(resolved.values()) | set(mapping.activity_columns)
    for name in FIELDS:
        if name in resolved:
            continue
        for candidate in BY_NAME[name].aliases:
            header = by_normal.get(candidate)
            if header is not None and header not in taken:
                resolved[name] = header
                taken.add(header)
                break
    missing = [name for name in REQUIRED if name not in resolved]
    if missing:
        example = "\n".join(f'{name} = "..."' for name in missing)
        raise IngestError(
            file,
            f"no column for the {', '.join(missing).replace('_', ' ')}; found {_listing(headers)}",
            f"Map it with --map MAPPING.toml: [columns] {example.splitlines()[0]}",
        )
    return resolved


def _listing(headers: list[str], limit: int = 12) -> str:
    shown = ", ".join(headers[:limit])
    return shown + (f" and {len(headers) - limit} more" if len(headers) > limit else "")
