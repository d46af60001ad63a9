"""Result frames as JSON-ready records: missing values as None, timestamps ISO 8601 with `T`."""

from __future__ import annotations

from typing import Any

import pandas as pd


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One dict per row, with plain Python values."""
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def plain(value: Any) -> Any:
    """A JSON-ready value: NaN, NaT and NA as None, datetimes as ISO 8601, numpy scalars and
    arrays as Python numbers and lists."""
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:  # numpy arrays
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if pd.isna(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value
