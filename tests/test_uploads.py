"""Uploads on the Data page never mix data sets by accident: a data set of their own by default,
adding to one only by choice (told first what it holds of the file), the same file again is
said to be loaded already, the desk's time zone and a mapping file come with the upload, and no
message shows where the server kept the file."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from application import uploads
from dashboard import texts
from dashboard.markdown import reason, say
from dashboard.pages import PAGES
from ingest.load import ingest_files
from store.connection import open_store
from store.errors import TicketloopError
from tests.conftest import APP, REAL_HELPDESK, SAMPLE, app_on, real_log, rows, write

ESCALATIONS = next(p for p in PAGES if p.module == "escalations")
STAGED = "ticketloop-upload-"  # the prefix of the folders uploads are staged in


def _data_page(db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("TICKETLOOP_DB", str(db))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/data.py").run()
    assert not at.exception, at.exception
    return at


def _put(at: AppTest, name: str, content: bytes, key: str = "upload_files") -> None:
    at.file_uploader(key=key).set_value((name, content, "application/octet-stream")).run()
    assert not at.exception, at.exception


def _load(at: AppTest) -> None:
    at.button(key="upload_load").click().run()
    assert not at.exception, at.exception


def _shown(at: AppTest) -> str:
    """Every text the page shows: messages, captions, markdown and the tables' cells."""
    kinds = (at.markdown, at.caption, at.info, at.success, at.warning, at.error, at.subheader)
    texts_shown = [str(e.value) for kind in kinds for e in kind]
    tables = [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(texts_shown + tables)


def _tickets(db: Path, dataset: str) -> int:
    sql = "SELECT count(*) FROM cases JOIN datasets USING (dataset_id) WHERE name = $d"
    return rows(db, sql, {"d": dataset})[0][0]


def _sample_cut(ids: tuple[str, ...], extra: str = "") -> bytes:
    """The sample CSV's rows of tickets `ids`, and `extra` rows."""
    lines = (SAMPLE / "helpdesk.csv").read_text(encoding="utf-8").splitlines()
    kept = [lines[0], *(line for line in lines[1:] if line.split(",")[0] in ids)]
    return ("\n".join(kept) + "\n" + extra).encode()


def test_an_upload_makes_a_data_set_of_its_own_named_after_the_file(
    writable_sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = real_log(REAL_HELPDESK).read_bytes()
    at = _data_page(writable_sample_db, monkeypatch)
    assert at.radio(key="upload_mode").value == texts.UPLOAD_NEW  # the default
    _put(at, "helpdesk.xes.gz", content)
    assert at.text_input(key="upload_dataset").proto.placeholder == "helpdesk-2"
    _load(at)
    assert [s.value for s in at.success] == [
        texts.UPLOAD_DONE.format(dataset="helpdesk-2", cases=4_580, events=21_348)
    ]
    assert _tickets(writable_sample_db, "helpdesk") == 5_000  # the sample is untouched
    assert _tickets(writable_sample_db, "helpdesk-2") == 4_580

    _put(at, "helpdesk.xes.gz", content)  # the same file again: said, not loaded
    _load(at)
    assert not at.success
    assert at.info[0].value == texts.UPLOAD_SAME.format(
        files="helpdesk.xes.gz", dataset="helpdesk-2"
    )
    assert _tickets(writable_sample_db, "helpdesk-3") == 0

    # another file of the same name: the next free name
    _put(at, "helpdesk.csv", _sample_cut(("HD-000001", "HD-000002")))
    assert at.text_input(key="upload_dataset").proto.placeholder == "helpdesk-3"
    _load(at)
    assert at.success[0].value.startswith("Loaded into data set 'helpdesk-3': 2 tickets")
    assert STAGED not in _shown(at)


def test_adding_a_log_that_shares_no_ticket_warns_before_loading(
    writable_sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = "OTHER-1,Ticket created,2013-03-01T09:00:00+01:00,Customer,Customer,,web,low,,,,\n"
    at = _data_page(writable_sample_db, monkeypatch)
    _put(at, "other.csv", _sample_cut((), other))
    at.radio(key="upload_mode").set_value(texts.UPLOAD_ADD).run()
    assert [w.value for w in at.warning] == [
        texts.UPLOAD_HELD_NONE.format(total=1, files="other.csv", dataset="helpdesk")
    ]
    assert not any("already" in i.value for i in at.info)


def test_adding_to_a_data_set_is_a_choice_told_first_what_it_holds(
    writable_sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_ticket = "NEW-1,Ticket created,2025-07-01T09:00:00+02:00,Customer,Customer,,web,low,,,,\n"
    content = _sample_cut(("HD-000001", "HD-000002", "HD-000003"), new_ticket)
    at = _data_page(writable_sample_db, monkeypatch)
    _put(at, "july.csv", content)
    at.radio(key="upload_mode").set_value(texts.UPLOAD_ADD).run()
    assert at.selectbox(key="upload_add_to").value == "helpdesk"
    assert at.info[0].value == texts.UPLOAD_HELD.format(
        held=3, total=4, files="july.csv", dataset="helpdesk"
    )
    _load(at)
    assert [s.value for s in at.success] == [
        texts.UPLOAD_DONE.format(dataset="helpdesk", cases=5_001, events=1)
    ]
    assert _tickets(writable_sample_db, "july") == 0

    at.radio(key="upload_mode").set_value(texts.UPLOAD_ADD).run()
    assert at.info[0].value == texts.UPLOAD_HELD.format(
        held=4, total=4, files="july.csv", dataset="helpdesk"
    )
    _load(at)  # the same file into the same data set: neutral, not a green "+0 events"
    assert not at.success
    assert texts.UPLOAD_ALREADY.format(files="july.csv", dataset="helpdesk") in [
        i.value for i in at.info
    ]
    assert STAGED not in _shown(at)


# Day-first times (a note names the file), a row without a timestamp (a reject names the file).
ODD_CSV = """Case ID,Activity,Timestamp
T-1,Ticket created,13/03/2025 09:00
T-1,Resolved,13/03/2025 15:30
T-2,Ticket created,
T-2,Ticket created,14/03/2025 10:00
"""


def test_no_message_or_stored_name_shows_where_an_upload_was_staged(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _data_page(db, monkeypatch)
    _put(at, "odd.csv", ODD_CSV.encode())
    _load(at)
    shown = _shown(at)
    assert "odd.csv: timestamps read as" in shown  # the note, the table, the quality report
    assert STAGED not in shown
    assert rows(db, "SELECT DISTINCT file_name FROM source_files") == [("odd.csv",)]
    assert rows(db, "SELECT DISTINCT file_name FROM rejects") == [("odd.csv",)]

    _put(at, "empty.csv", b"Case ID,Activity,Timestamp\nT-9,Ticket created,\n")
    _load(at)
    assert [e.value for e in at.error] == [
        say(
            texts.UPLOAD_FAILED,
            message="empty.csv: 1 rows read as CSV event log, none gives an event (row 2: no"
            ' timestamp (column "Timestamp")). Nothing was loaded. Fix the rows, or the mapping\'s'
            " [columns]"
            " and [timestamp] format (--map), or force another reader with --format",
        )
    ]
    _put(at, "bad.toml", b"[columns\n", key="upload_mapping")
    assert at.error[0].value.startswith(texts.UPLOAD_MAPPING_BAD.format(message="bad.toml: "))
    assert STAGED not in _shown(at)


# A desk in Madrid whose export writes wall-clock times without an offset, and a `topic` column
# no reader takes for the category.
MADRID_CSV = """Case ID,Activity,Timestamp,topic
M-1,Ticket created,2025-03-03 06:12:00,billing
M-1,Resolved,2025-03-03 09:30:00,billing
"""
MADRID_MAP = b'[columns]\ncategory = "topic"\n'


def test_the_time_zone_and_a_mapping_file_come_with_the_upload(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _data_page(db, monkeypatch)
    assert at.selectbox(key="upload_timezone").value == "UTC"  # the calendar's, by default
    _put(at, "madrid.csv", MADRID_CSV.encode())
    _put(at, "madrid.toml", MADRID_MAP, key="upload_mapping")
    at.selectbox(key="upload_timezone").set_value("Europe/Madrid").run()
    _load(at)
    assert at.success[0].value.startswith("Loaded into data set 'madrid': 1 tickets")
    assert texts.UPLOAD_SPAN.format(
        first="2025-03-03 06:12", last="2025-03-03 09:30", zone="Europe/Madrid"
    ) in [c.value for c in at.caption]
    created = rows(
        db, "SELECT strftime(created_at AT TIME ZONE 'UTC', '%H:%M'), category FROM cases"
    )
    assert created == [("05:12", "billing")]  # 06:12 in Madrid (CET) is 05:12 UTC


def test_a_new_data_set_name_is_the_files_made_unique() -> None:
    assert uploads.unique_dataset("helpdesk.xes.gz", []) == "helpdesk"
    assert uploads.unique_dataset("helpdesk.xes.gz", ["helpdesk"]) == "helpdesk-2"
    assert uploads.unique_dataset("helpdesk.csv", ["helpdesk", "helpdesk-2"]) == "helpdesk-3"


def test_what_a_data_set_holds_of_a_file_is_counted_on_its_ticket_ids(sample_db: Path) -> None:
    paths = uploads.stage([("helpdesk.xes.gz", (SAMPLE / "helpdesk.xes.gz").read_bytes())])
    try:
        ids = uploads.file_tickets(paths)
        with open_store(sample_db, read_only=True) as con:
            assert (uploads.tickets_held(con, "helpdesk", ids), len(ids)) == (5_000, 5_000)
            assert uploads.loaded_before(con, paths) == {}  # the CSV was loaded, not this file
    finally:
        uploads.discard(paths)


FLAT_CSV = """Case ID,Activity,Timestamp,Team
E-1,Ticket created,2025-03-03 09:00,Desk
E-1,Escalated,2025-03-03 10:00,Desk
E-1,Resolved,2025-03-04 10:00,Back office
E-2,Ticket created,2025-03-03 11:00,Desk
E-2,Resolved,2025-03-03 12:00,Desk
"""


def test_the_escalations_page_advises_the_upload_with_a_mapping_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "flat.duckdb"
    ingest_files(db, [write(tmp_path / "flat.csv", FLAT_CSV)], dataset="flat")
    at = app_on(db, monkeypatch)
    at.switch_page(ESCALATIONS.script).run()
    assert not at.exception, at.exception
    [needless] = [m for m in at.metric if m.label == texts.ESC_METRIC_NEEDLESS]
    assert needless.value == "n/a"
    assert needless.proto.help.endswith(
        reason(
            '[columns] category = "column" in a mapping file, given with the upload on the Data'
            " page (as a new data set), or to ticketloop ingest --map)"
        )
    )


def _mentions(db: Path, text: str) -> int:
    """Rows of any table of the store that mention `text` (any case)."""
    with open_store(db, read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return sum(
            con.execute(
                f'SELECT count(*) FROM "{t}" x WHERE x::VARCHAR ILIKE $p',
                {"p": f"%{text}%"},
            ).fetchall()[0][0]
            for t in tables
        )


@pytest.mark.parametrize("pseudonymise", [False, True])
def test_an_upload_can_pseudonymise_its_customers(
    writable_sample_db: Path, monkeypatch: pytest.MonkeyPatch, pseudonymise: bool
) -> None:
    content = (
        b"case_id,activity,timestamp,requester,subject\n"
        b"P1,Ticket created,2025-07-01T09:00:00+02:00,Jane Roe,Call +34 612 345 678"
        b" or jane.roe@example.com\n"
        b"P1,Resolved,2025-07-01T10:00:00+02:00,Jane Roe,\n"
    )
    at = _data_page(writable_sample_db, monkeypatch)
    _put(at, "people.csv", content)
    if pseudonymise:
        at.checkbox(key="upload_pseudonymise").check().run()
    _load(at)
    assert at.success[0].value.startswith("Loaded into data set 'people'")
    found = [_mentions(writable_sample_db, t) for t in ("jane", "612 345 678")]
    assert (found == [0, 0]) if pseudonymise else all(found)


NAMES = [
    "..",
    ".",
    "/",
    "",
    "a/../../etc/passwd",
    "..\\..\\x.csv",
    "nul\x00.csv",
    "x" * 400 + ".csv",
]


@pytest.mark.parametrize(
    "name", NAMES, ids=["dotdot", "dot", "slash", "empty", "path", "dos", "nul", "long"]
)
def test_any_upload_name_is_staged_as_one_file_in_its_own_folder_and_removed_after_the_load(
    name: str, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    [path] = uploads.stage([(name, _sample_cut(("HD-000001",)))])
    assert path.is_file() and path.parent.parent == tmp_path / "tmp"
    assert len(path.name.encode()) <= 150 and "\x00" not in path.name
    try:
        uploads.load_staged(db, [path], dataset="named")
    except TicketloopError as exc:  # a name without .csv: read as what it is, said in one line
        assert "\n" not in str(exc) and str(tmp_path) not in str(exc)
    assert list((tmp_path / "tmp").iterdir()) == []  # loaded or not, nothing is kept


def test_an_upload_named_dotdot_loads_on_the_data_page_and_leaves_no_file(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    at = _data_page(db, monkeypatch)
    _put(at, "..", _sample_cut(("HD-000001", "HD-000002")))
    _load(at)
    assert not at.error, [e.value for e in at.error]
    assert rows(db, "SELECT name FROM datasets") == [("upload",)]
    assert list((tmp_path / "tmp").iterdir()) == []


def test_an_unexpected_failure_of_a_load_removes_the_staged_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    paths = uploads.stage([("helpdesk.csv", _sample_cut(("HD-000001",)))])
    (tmp_path / "folder.duckdb").mkdir()  # not a store: the load fails
    with pytest.raises(TicketloopError):
        uploads.load_staged(tmp_path / "folder.duckdb", paths, dataset="x")
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_server_starting_removes_the_uploads_an_earlier_one_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.Popen(["true"])
    gone.wait()
    left = tmp_path / f"{uploads.STAGED}{gone.pid}-abc"
    left.mkdir()
    (left / "customers.csv").write_text("Jane Doe")
    mine = uploads.stage([("kept.csv", b"x")])[0].parent  # this running process's
    assert uploads.remove_leftovers() == [left]
    assert not left.exists() and mine.exists()
