"""Property tests: any header survives quoting, any cell text survives a CSV round trip."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.load import ingest_files
from ingest.mapping import normalise_header
from store.fields import FIELDS, NULL_TOKENS
from store.identifiers import quote_ident

names = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=30
)
# Header names as exports have them: no control characters (DuckDB's CSV sniffer cannot place a
# header cell holding a bare carriage return).
headers = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\x00"),
    min_size=1,
    max_size=30,
)
# Cell values, other than the tokens that mean "missing" (`?`, `NULL`, ...: see store.fields).
cells = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\x00"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s.strip() and s not in NULL_TOKENS)


@given(name=names)
def test_any_name_is_one_identifier(name: str) -> None:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t ({quote_ident(name)} INTEGER)")
    assert [c[0] for c in con.execute("DESCRIBE t").fetchall()] == [name]


@given(name=names)
def test_normalised_headers_are_stable(name: str) -> None:
    once = normalise_header(name)
    assert normalise_header(once) == once
    assert once == once.lower()


@pytest.mark.slow  # 25 loads of a store: the fast suite's longest case (11 s)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case_ids=st.lists(cells, min_size=1, max_size=5), resource=cells, extra=headers)
def test_cells_and_headers_survive_a_csv_round_trip(
    tmp_path: Path, case_ids: list[str], resource: str, extra: str
) -> None:
    if any(normalise_header(extra) in f.aliases for f in FIELDS):
        return  # a recognised header is read as its field, not kept as an attribute
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(["Case ID", "Activity", "Timestamp", "Resource", extra])
    for i, case_id in enumerate(case_ids):
        out.writerow([case_id, "Ticket created", f"2025-01-01 10:{i:02d}:00", resource, resource])
    path = tmp_path / f"p{abs(hash((tuple(case_ids), resource, extra)))}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    db = path.with_suffix(".duckdb")
    report = ingest_files(db, [path], dataset="p")
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute(
            "SELECT case_id, resource FROM event_log ORDER BY source_row"
        ).fetchall()
    assert report.rows_rejected == 0
    assert stored == [(c, resource) for c in case_ids]
