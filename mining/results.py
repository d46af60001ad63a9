"""Result frames as JSON-ready records (missing values as None, timestamps ISO 8601 with `T`), and
`Rows`: a query's result as Python rows, for the fronts that need no pandas."""

from __future__ import annotations

import math
import sys
from collections import namedtuple
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

# DuckDB's integer types as `.df()` gives them when a column has no NULL (with one: Int64).
_INTEGERS = {
    "TINYINT": "int8",
    "SMALLINT": "int16",
    "INTEGER": "int32",
    "BIGINT": "int64",
    "UTINYINT": "uint8",
    "USMALLINT": "uint16",
    "UINTEGER": "uint32",
    "UBIGINT": "uint64",
}
_FLOATS = {"DOUBLE": "float64", "FLOAT": "float32", "HUGEINT": "float64"}
# A value resting on fewer tickets (answers) than this says so beside it, and a comparison with
# fewer on a side is too few to read as a finding.
SMALL_BASIS = 30


def too_few(*bases: int) -> bool:
    """Whether a comparison of groups of `bases` tickets (answers) rests on too few on a side."""
    return min(bases) < SMALL_BASIS


@dataclass(frozen=True)
class Rows:
    """A query's result as Python values, with the pandas dtype `.df()` gives each column (decided
    on the whole result, so a part keeps its columns' dtypes, as a part of a DataFrame does).
    The CLI's text and JSON read the rows and never import pandas (0.3 s, most of a query
    command's start); `frame()` builds the DataFrame for the dashboard and the Python API."""

    columns: tuple[str, ...]
    dtypes: tuple[
        str, ...
    ]  # "str", "object", "Int64", "int64", "float64", "list" (of text: arrays, NA for NULL)...
    values: tuple[tuple[Any, ...], ...]

    @classmethod
    def fetch(
        cls, con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None
    ) -> Rows:
        """The rows of `sql`; ValueError for a column type `frame()` cannot give as `.df()` does."""
        result = con.execute(sql, params)
        values = tuple(result.fetchall())
        dtypes = tuple(
            _dtype(
                str(kind),
                any(row[i] is not None for row in values),
                all(row[i] is not None for row in values),
            )
            for i, (_, kind, *_) in enumerate(result.description)
        )
        return cls(tuple(d[0] for d in result.description), dtypes, values)

    def where(self, column: str, value: Any) -> Rows:
        """The rows whose `column` equals `value`."""
        i = self.columns.index(column)
        return Rows(self.columns, self.dtypes, tuple(r for r in self.values if r[i] == value))

    def pick(self, columns: Sequence[str] | Mapping[str, str]) -> Rows:
        """These columns in this order (a mapping renames: old name -> new name)."""
        names = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
        at = [self.columns.index(c) for c in names]
        return Rows(
            tuple(names.values()),
            tuple(self.dtypes[i] for i in at),
            tuple(tuple(r[i] for i in at) for r in self.values),
        )

    def column(self, name: str) -> list[Any]:
        i = self.columns.index(name)
        return [r[i] for r in self.values]

    def tuples(self) -> list[Any]:
        """One named tuple per row (fields by column name), as `DataFrame.itertuples` reads."""
        row = namedtuple("Row", self.columns, rename=True)  # type: ignore[misc]
        return [row(*r) for r in self.values]

    def records(self) -> list[dict[str, Any]]:
        """One dict per row, with JSON-ready values (as `records` gives for `frame()`)."""
        return [{c: plain(v) for c, v in zip(self.columns, r, strict=True)} for r in self.values]

    def __len__(self) -> int:
        return len(self.values)

    def frame(self) -> pd.DataFrame:
        """The DataFrame DuckDB's `.df()` gives for the same result (same dtypes, lists of text
        as object arrays, a fresh RangeIndex)."""
        import numpy as np
        import pandas as pd

        data = {}
        for i, (name, dtype) in enumerate(zip(self.columns, self.dtypes, strict=True)):
            values = [r[i] for r in self.values]
            if dtype == "list":
                values = [pd.NA if v is None else np.array(v, dtype=object) for v in values]
                data[name] = pd.Series(values, dtype=object)
            else:
                data[name] = pd.Series(values, dtype=dtype)
        return pd.DataFrame(data, columns=list(self.columns))


def frame_of(field: str) -> cached_property[pd.DataFrame]:
    """A result's property: the DataFrame of its `Rows` in `field`, built when first read."""
    return cached_property(lambda result: getattr(result, field).frame())


def _dtype(kind: str, some: bool, every: bool) -> str:
    """The dtype `.df()` gives a column of DuckDB type `kind` holding some or every value."""
    if kind == "VARCHAR":
        return "str" if some else "object"
    if kind == "VARCHAR[]":
        return "list"
    if kind in _INTEGERS:
        return _INTEGERS[kind] if every else "Int64"
    if kind in _FLOATS:
        return _FLOATS[kind]
    raise ValueError(f"Rows cannot give a {kind} column as DuckDB's .df() does; use .df()")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One dict per row, with plain Python values."""
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def missing(value: object) -> bool:
    """None, NaN, NaT or pandas' NA (a list, array or text, even empty, is not missing). pandas
    is asked only once imported: before that, no NaT or NA can exist."""
    if value is None:
        return True
    if hasattr(value, "__len__"):
        return False
    pandas = sys.modules.get("pandas")
    if pandas is not None:
        return bool(pandas.isna(value))
    return isinstance(value, float) and math.isnan(value)


def plain(value: Any) -> Any:
    """A JSON-ready value: NaN, NaT and NA as None, datetimes as ISO 8601, numpy scalars and
    arrays as Python numbers and lists."""
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:  # numpy arrays
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if missing(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value
