"""Rows: results read as Python rows give the very DataFrames DuckDB's `.df()` gives, and the
query commands that print them (dfg, variants) never import pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mining.dfg import EDGE_COLUMNS, directly_follows
from mining.results import Rows
from mining.selection import Selection
from mining.tickets import load_ticket_paths, select_tickets
from mining.variants import variants
from store.connection import open_store
from store.queries import sql_text
from tests.conftest import BPI2012_DB, ROOT

STORES = ["sample_db", "real_helpdesk_db", BPI2012_DB]


def assert_same(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    # floats to 1e-12: two runs of one aggregate may differ in the last bits (parallel sums)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("db_fixture", STORES)
def test_dfg_frames_are_those_of_df(db_fixture: str, request) -> None:
    """The graph's frames equal those built from `.df()` as the DataFrame route built them."""
    db = request.getfixturevalue(db_fixture)
    with open_store(db, read_only=True) as con:
        graph = directly_follows(con, Selection("helpdesk"))
        frame = con.execute(sql_text("mining", "dfg.sql")).df()
    edges = frame[frame["kind"] == "edge"][[*EDGE_COLUMNS, "examples"]].reset_index(drop=True)
    assert_same(graph.edges, edges)
    for kind, ours in (("start", graph.starts), ("end", graph.ends)):
        part = frame[frame["kind"] == kind].rename(
            columns={"source": "activity", "count": "tickets"}
        )
        assert_same(ours, part[["activity", "tickets", "examples"]].reset_index(drop=True))
    assert len(graph.edges) > 10 and len(graph.starts) and len(graph.ends)


@pytest.mark.parametrize("db_fixture", STORES)
def test_variant_table_is_that_of_df(db_fixture: str, request) -> None:
    db = request.getfixturevalue(db_fixture)
    with open_store(db, read_only=True) as con:
        found = variants(con, Selection("helpdesk"))
        load_ticket_paths(con, select_tickets(con, Selection("helpdesk")))
        theirs = con.execute(sql_text("mining", "variants.sql"), {"limit": None}).df()
    assert_same(found.table, theirs)
    assert found.to_json()["variants"][0]["activities"] == list(theirs["activities"][0])


@pytest.mark.parametrize(
    "sql",
    [
        # NULLs in every type: nullable integers, text with and without values, lists
        "SELECT * FROM (VALUES (1::BIGINT, NULL::VARCHAR, ['a', 'b'], 2.5::DOUBLE, NULL::VARCHAR),"
        " (NULL, 'x', NULL, NULL, NULL), (3, 'y', [], 1, NULL)) t(n, s, l, d, none)",
        "SELECT NULL::BIGINT AS n, NULL::VARCHAR AS s, NULL::DOUBLE AS d, NULL::VARCHAR[] AS l",
        "SELECT 1::BIGINT AS n, 'a' AS s, 1::DOUBLE AS d, ['a'] AS l LIMIT 0",
        "SELECT 2::INTEGER AS i, 3::HUGEINT AS h, 4::UBIGINT AS u, 0.5::FLOAT AS f",
    ],
)
def test_rows_give_the_dtypes_of_df(sql: str) -> None:
    con = duckdb.connect()
    rows = Rows.fetch(con, sql)
    assert_same(rows.frame(), con.execute(sql).df())
    part = rows.where(rows.columns[0], None).pick(rows.columns[:2])  # a part keeps its dtypes
    whole = con.execute(sql).df()
    assert_same(part.frame(), whole[whole.iloc[:, 0].isna()].iloc[:, :2].reset_index(drop=True))


def test_a_type_rows_cannot_give_says_so() -> None:
    with pytest.raises(ValueError, match="Rows cannot give a TIMESTAMP WITH TIME ZONE column"):
        Rows.fetch(duckdb.connect(), "SELECT now() AS ts")


@pytest.mark.parametrize(
    "command",
    [
        ["dfg"],
        ["variants", "--limit", "5"],
        ["dfg", "--json"],
        ["kpis"],
        ["kpis", "--weekly", "--json"],
        ["kpis", "--by", "channel"],
    ],
)
def test_query_commands_do_not_import_pandas(command: list[str], sample_db: Path) -> None:
    """pandas takes 0.3 s to import, most of a query command's start: dfg, variants and kpis
    print without it (nor pyarrow, which pandas brings)."""
    script = (
        "import sys\n"
        "from ticketloop.cli import main\n"
        "sys.argv = ['ticketloop', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit as done:\n    assert not done.code, done.code\n"
        "print('imported:', sorted({'pandas', 'pyarrow'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *command, "--db", str(sample_db), "--dataset", "helpdesk"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert done.stdout.rstrip().endswith("imported: []")
    assert "5,000 tickets" in done.stdout or '"tickets": 5000' in done.stdout
