"""Ingest on real files into real DuckDB stores: formats, mapping, dedupe, atomicity, bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from ingest.load import ingest_files
from ingest.mapping import load_mapping
from store.errors import IngestError
from tests.conftest import SAMPLE, rows, write

HEADER = "Case ID,Activity,Timestamp,Resource\n"


def events(db: Path, dataset: str = "t") -> list[tuple]:
    return rows(
        db,
        "SELECT case_id, activity, ts, resource FROM event_log JOIN datasets USING (dataset_id)"
        " WHERE name = $n ORDER BY case_key, event_index",
        {"n": dataset},
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- formats --------------------------------------------------------------------------------------

# Every column but the provenance ones: a CSV's source_row counts its header line, an XES's does not.
STORE_COLUMNS = (
    "case_key, event_index, case_id, activity_id, activity, source_activity, ts, lifecycle,"
    " resource, team, level, channel, priority, category, attributes"
)


def test_csv_and_xes_of_the_sample_give_identical_stores(sample_db: Path, tmp_path: Path) -> None:
    xes_db = tmp_path / "xes.duckdb"
    report = ingest_files(xes_db, [SAMPLE / "helpdesk.xes.gz"], dataset="helpdesk")
    assert report.rows_rejected == 0
    sql = f"SELECT {STORE_COLUMNS} FROM event_log ORDER BY case_key, event_index"
    csv_events, xes_events = rows(sample_db, sql), rows(xes_db, sql)
    assert len(csv_events) == 44_861
    assert csv_events == xes_events
    cases = "SELECT * EXCLUDE (attributes) FROM cases ORDER BY case_key"
    assert rows(sample_db, cases) == rows(xes_db, cases)


def test_sample_load_report(tmp_path: Path) -> None:
    report = ingest_files(tmp_path / "s.duckdb", [SAMPLE / "helpdesk.csv"])
    assert report.to_json() | {"files": None, "notes": None} == {
        "dataset": "helpdesk",
        "events_loaded": 44_861,
        "duplicates_skipped": 0,
        "rows_rejected": 0,
        "values_nulled": 0,
        "cases": 5_000,
        "first_ts": "2025-01-06T02:08:45+00:00",
        "last_ts": "2025-07-14T19:29:49+00:00",
        "files": None,
        "notes": None,
        "rejects": [],
    }


@pytest.mark.parametrize(
    "header",
    [
        "case:concept:name,concept:name,time:timestamp,org:resource",
        "CASE:CONCEPT:NAME,Concept:Name,TIME:TIMESTAMP,Org:Resource",
        "Case ID,Activity,Complete Timestamp,Resource",
        "case_id,activity_name,timestamp,agent",
        "Ticket ID,Event,Start Timestamp,User",
    ],
)
def test_common_headers_are_recognised_in_any_case(db: Path, tmp_path: Path, header: str) -> None:
    path = write(tmp_path / "log.csv", header + "\nT1,Ticket created,2025-01-06 09:00:00,Ana\n")
    ingest_files(db, [path], dataset="t")
    assert events(db) == [("T1", "Ticket created", utc("2025-01-06 09:00:00"), "Ana")]


def test_complete_timestamp_is_preferred_over_start(db: Path, tmp_path: Path) -> None:
    text = "Case ID,Activity,Start Timestamp,Complete Timestamp\nT1,A,2025-01-01 08:00,2025-01-01 09:00\n"
    ingest_files(db, [write(tmp_path / "l.csv", text)], dataset="t")
    assert events(db)[0][2] == utc("2025-01-01 09:00:00")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "latin-1"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_encodings_and_delimiters(db: Path, tmp_path: Path, encoding: str, delimiter: str) -> None:
    lines = [
        ["Case ID", "Activity", "Timestamp", "Resource"],
        ["T1", "Ticket created", "2025-01-06 09:00:00", "João Araújo"],
        ["T1", "Resolved", "2025-01-06 10:00:00", "Úrsula Méndez"],
    ]
    text = "\n".join(delimiter.join(cells) for cells in lines) + "\n"
    ingest_files(db, [write(tmp_path / "log.csv", text, encoding)], dataset="t")
    assert [e[3] for e in events(db)] == ["João Araújo", "Úrsula Méndez"]


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_an_accent_across_the_first_megabyte_is_read_in_its_encoding(
    db: Path, tmp_path: Path, encoding: str
) -> None:
    """The encoding is told by a read in 1 MB chunks: an 'é' whose first byte ends the first
    chunk, before a chunk of plain ASCII, is still read in the file's encoding."""
    header = "Case ID,Activity,Timestamp,Resource\n"
    last = "T1,Resolved,2025-01-06 10:00:00,Jos"
    fill = "T1,Ticket created,2025-01-06 09:00:00,"
    pad = (1 << 20) - 1 - len(header) - len(fill) - len("\n") - len(last)
    text = (
        f"{header}{fill}{'x' * pad}\n{last}é\n"
        + "T2,Ticket created,2025-01-07 09:00:00,Ana\n" * 30_000
    )
    path = tmp_path / "log.csv"
    path.write_bytes(text.encode(encoding))
    assert path.read_bytes()[(1 << 20) - 1 : (1 << 20)] == "é".encode(encoding)[:1]
    report = ingest_files(db, [path], dataset="t")
    assert report.rows_rejected == 0
    assert rows(db, "SELECT resource FROM events WHERE source_row = 3") == [("José",)]


def test_quoted_fields_keep_delimiters_and_newlines(db: Path, tmp_path: Path) -> None:
    text = HEADER + 'T1,"Ticket created","2025-01-06 09:00:00","Díaz, Ana"\n'
    ingest_files(db, [write(tmp_path / "q.csv", text)], dataset="t")
    assert events(db)[0][3] == "Díaz, Ana"


def test_xes_keeps_lifecycle_and_trace_attributes(db: Path, tmp_path: Path) -> None:
    xes = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <trace>
    <string key="concept:name" value="T9"/>
    <string key="channel" value="chat"/>
    <string key="region" value="North"/>
    <event>
      <string key="concept:name" value="Investigation"/>
      <string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2025-03-03T10:00:00.000+01:00"/>
      <string key="org:resource" value="Irene"/>
      <list key="tags"><string key="x" value="nested, ignored"/></list>
    </event>
    <event>
      <string key="concept:name" value="Investigation"/>
      <string key="lifecycle:transition" value="complete"/>
      <date key="time:timestamp" value="2025-03-03T11:30:00.000+01:00"/>
      <string key="org:resource" value="Irene"/>
      <int key="minutes" value="90"/>
    </event>
  </trace>
</log>
"""
    ingest_files(db, [write(tmp_path / "t.xes", xes)], dataset="t")
    got = rows(db, "SELECT lifecycle, ts, channel, attributes FROM event_log ORDER BY event_index")
    assert got == [
        ("start", utc("2025-03-03 09:00:00"), "chat", None),
        ("complete", utc("2025-03-03 10:30:00"), "chat", '{"minutes":"90"}'),
    ]
    assert rows(db, "SELECT channel, attributes FROM cases") == [
        ("chat", '{"case:region":"North"}')
    ]


# --- mapping file -------------------------------------------------------------------------------

MAPPED = """Ticket Nr;Step;When (local);Handled by;Tier;Canal;Satisfaction
A-1;New;29/02/2016 09:15:00;web;;web form;
A-1;Solved;01/03/2016 10:00:00;Ana;L1;web form;
A-1;Survey;02/03/2016 08:00:00;customer;;web form;4
"""

MAPPING = """
[columns]
case_id = "Ticket Nr"
activity = "Step"
timestamp = "When (local)"
resource = "Handled by"
level = "Tier"
channel = "Canal"
csat = "Satisfaction"

[activities]
"New" = "Ticket created"
"Solved" = "Resolved"
"Survey" = "Survey answered"

[timestamp]
format = "%d/%m/%Y %H:%M:%S"
timezone = "Europe/Madrid"
"""


def test_mapping_file_names_columns_activities_and_time_zone(db: Path, tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path / "map.toml", MAPPING))
    ingest_files(db, [write(tmp_path / "export.csv", MAPPED)], dataset="t", mapping=mapping)
    got = rows(
        db, "SELECT activity, source_activity, ts, level FROM event_log ORDER BY event_index"
    )
    assert got == [
        ("Ticket created", "New", utc("2016-02-29 08:15:00"), None),
        ("Resolved", "Solved", utc("2016-03-01 09:00:00"), 1),
        ("Survey answered", "Survey", utc("2016-03-02 07:00:00"), None),
    ]
    assert rows(db, "SELECT case_id, channel, csat FROM cases") == [("A-1", "web form", 4)]


def test_the_readme_mapping_example_is_valid(tmp_path: Path) -> None:
    readme = (SAMPLE.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    mapping = load_mapping(write(tmp_path / "example.toml", example))
    assert mapping.columns["case_id"] == "Ticket Nr"
    assert (mapping.timestamp_format, mapping.timezone) == ("%d/%m/%Y %H:%M:%S", "Europe/Madrid")


def test_mapping_to_a_missing_column_names_the_columns_found(db: Path, tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path / "map.toml", '[columns]\ntimestamp = "When"\n'))
    path = write(tmp_path / "e.csv", "id,what,when_local\n1,a,2025-01-01\n")
    with pytest.raises(IngestError) as caught:
        ingest_files(db, [path], mapping=mapping)
    assert str(caught.value) == (
        f'{path}: the mapping names column "When" for timestamp, but the file has no such column.'
        f" Found: id, what, when_local. Fix [columns] timestamp in {tmp_path / 'map.toml'}"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[columns\n", "not valid TOML"),
        ("[colums]\n", "unknown section [colums]"),
        ('[columns]\nticket = "x"\n', 'unknown field "ticket"'),
        ("[columns]\ncase_id = 3\n", "[columns] must map names to quoted strings"),
        ('[timestamp]\nzone = "UTC"\n', 'unknown key "zone"'),
    ],
)
def test_bad_mapping_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(IngestError, match=message.replace("[", r"\[")):
        load_mapping(write(tmp_path / "m.toml", text))


def test_unknown_time_zone_is_named(db: Path, tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path / "m.toml", '[timestamp]\ntimezone = "Mars/Olympus"\n'))
    path = write(tmp_path / "e.csv", HEADER + "T1,A,2025-01-01 10:00,x\n")
    with pytest.raises(IngestError, match='unknown time zone "Mars/Olympus"'):
        ingest_files(db, [path], mapping=mapping)


def test_headers_without_a_mapping_say_what_to_map(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "tickets.csv", "id,what,when_local\n1,a,b\n")
    with pytest.raises(IngestError) as caught:
        ingest_files(db, [path])
    assert str(caught.value) == (
        f"{path}: no column for the case id, activity, timestamp; found id, what, when_local."
        ' Map it with --map MAPPING.toml: [columns] case_id = "..."'
    )
    assert not db.exists()


# --- timestamps -----------------------------------------------------------------------------------


def test_one_late_day_first_value_settles_the_whole_column(db: Path, tmp_path: Path) -> None:
    body = "".join(f"T{i},A,0{1 + i % 9}/0{1 + i % 7}/2016 10:00\n" for i in range(60_000))
    path = write(
        tmp_path / "d.csv", "Case ID,Activity,Timestamp\n" + body + "T0,B,29/02/2016 10:00\n"
    )
    report = ingest_files(db, [path], dataset="t")
    assert report.rows_rejected == 0
    assert report.notes == [f"{path}: timestamps read as day-first dates (%d/%m/%Y %H:%M)"]
    assert rows(db, "SELECT ts FROM event_log WHERE activity = 'B'") == [
        (utc("2016-02-29 10:00:00"),)
    ]
    assert rows(db, "SELECT ts FROM event_log WHERE case_id = 'T10'") == [
        (utc("2016-04-02 10:00:00"),)
    ]


def test_month_first_is_recognised_and_ambiguity_is_reported(db: Path, tmp_path: Path) -> None:
    us = write(tmp_path / "us.csv", "Case ID,Activity,Timestamp\nT1,A,12/31/2024 11:59 PM\n")
    ingest_files(db, [us], dataset="us")
    assert rows(db, "SELECT ts FROM event_log") == [(utc("2024-12-31 23:59:00"),)]
    both = write(tmp_path / "both.csv", "Case ID,Activity,Timestamp\nT1,A,03/04/2025 10:00\n")
    report = ingest_files(db, [both], dataset="both")
    assert "day and month both fit; day-first chosen" in report.notes[0]


def test_offsets_are_kept_and_naive_times_are_utc_by_default(db: Path, tmp_path: Path) -> None:
    text = (
        HEADER
        + "T1,A,2025-06-01T10:00:00+02:00,x\nT1,B,2025-06-01 10:00:00,x\nT1,C,2025-06-01T10:00:00Z,x\n"
    )
    ingest_files(db, [write(tmp_path / "o.csv", text)], dataset="t")
    assert [e[2] for e in events(db)] == [
        utc("2025-06-01 08:00:00"),
        utc("2025-06-01 10:00:00"),
    ] * 1 + [utc("2025-06-01 10:00:00")]


def test_ties_keep_their_order_in_the_source_file(db: Path, tmp_path: Path) -> None:
    text = (
        HEADER
        + "T1,Z first,2025-01-01 10:00,x\nT1,A second,2025-01-01 10:00,x\nT1,M third,2025-01-01 10:00,x\n"
    )
    ingest_files(db, [write(tmp_path / "ties.csv", text)], dataset="t")
    assert [e[1] for e in events(db)] == ["Z first", "A second", "M third"]


# --- idempotence and overlap ----------------------------------------------------------------------

FIRST = HEADER + (
    "T1,Ticket created,2025-01-06 09:00,Customer\n"
    "T1,Escalated,2025-01-06 09:10,Ana\n"
    "T1,Escalated,2025-01-06 09:10,Ana\n"
    "T2,Ticket created,2025-01-06 10:00,Customer\n"
)
LATER = FIRST + (
    "T1,Escalated,2025-01-06 09:10,Ana\n"
    "T1,Resolved,2025-01-07 09:00,Bo\n"
    "T3,Ticket created,2025-01-08 08:00,Customer\n"
)


def test_loading_the_same_file_again_adds_nothing(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "first.csv", FIRST)
    ingest_files(db, [path], dataset="t")
    before = events(db)
    report = ingest_files(db, [path], dataset="t")
    assert (report.events_loaded, report.files[0].already_loaded) == (0, True)
    assert events(db) == before
    assert rows(db, "SELECT count(*) FROM source_files") == [(1,)]


def test_a_renamed_copy_is_deduplicated_event_by_event(db: Path, tmp_path: Path) -> None:
    ingest_files(db, [write(tmp_path / "a.csv", FIRST)], dataset="t")
    report = ingest_files(db, [write(tmp_path / "b.csv", FIRST + "\n")], dataset="t")
    assert (report.events_loaded, report.duplicates_skipped) == (0, 4)


def test_identical_events_are_a_multiset(db: Path, tmp_path: Path) -> None:
    ingest_files(db, [write(tmp_path / "first.csv", FIRST)], dataset="t")
    assert [e[1] for e in events(db)].count("Escalated") == 2  # both repeats kept, as pm4py does
    report = ingest_files(db, [write(tmp_path / "later.csv", LATER)], dataset="t")
    # the later export holds a third identical Escalated, a resolution and a new ticket
    assert (report.events_loaded, report.duplicates_skipped, report.cases) == (3, 4, 3)
    assert [e[1] for e in events(db) if e[0] == "T1"] == [
        "Ticket created",
        "Escalated",
        "Escalated",
        "Escalated",
        "Resolved",
    ]
    assert rows(db, "SELECT case_id, event_index FROM event_log WHERE activity = 'Resolved'") == [
        ("T1", 5)
    ]


def test_overlapping_files_in_one_ingest_keep_each_event_once(db: Path, tmp_path: Path) -> None:
    a, b = write(tmp_path / "a.csv", FIRST), write(tmp_path / "b.csv", LATER)
    report = ingest_files(db, [a, b], dataset="t")
    assert report.events_loaded == 7
    assert [f.events_loaded for f in report.files] == [4, 3]


def test_later_survey_answers_update_the_ticket(db: Path, tmp_path: Path) -> None:
    header = "Case ID,Activity,Timestamp,CSAT,NPS\n"
    ingest_files(
        db, [write(tmp_path / "a.csv", header + "T1,Resolved,2025-01-01 10:00,,\n")], dataset="t"
    )
    later = header + "T1,Resolved,2025-01-01 10:00,4,9\nT1,Survey answered,2025-01-02 10:00,4,9\n"
    ingest_files(db, [write(tmp_path / "b.csv", later)], dataset="t")
    assert rows(db, "SELECT csat, ces, nps FROM cases") == [(4, None, 9)]


# --- atomicity and bad input ----------------------------------------------------------------------


def test_a_failing_ingest_leaves_the_store_exactly_as_it_was(db: Path, tmp_path: Path) -> None:
    ingest_files(db, [write(tmp_path / "good.csv", FIRST)], dataset="t")
    before = {
        t: rows(db, f"SELECT * FROM {t} ORDER BY ALL") for t in ("events", "cases", "source_files")
    }
    broken = write(tmp_path / "broken.csv", "")
    with pytest.raises(IngestError, match="the file is empty"):
        ingest_files(db, [write(tmp_path / "more.csv", LATER), broken], dataset="t")
    after = {t: rows(db, f"SELECT * FROM {t} ORDER BY ALL") for t in before}
    assert after == before


def test_a_failed_first_ingest_leaves_no_database_behind(db: Path, tmp_path: Path) -> None:
    with pytest.raises(IngestError):
        ingest_files(db, [write(tmp_path / "x.csv", "a,b\n1,2\n")])
    assert not db.exists()
    assert not db.with_name(db.name + ".wal").exists()


BAD_ROWS = HEADER.replace("\n", ",Level,CSAT\n") + (
    "T1,Ticket created,2025-01-06 09:00,Customer,,\n"
    ",Classified,2025-01-06 09:05,Ana,L1,\n"
    "T1,,2025-01-06 09:06,Ana,L1,\n"
    "T1,Assigned,yesterday,Ana,L1,\n"
    "T1,Assigned,2025-01-06 09:07,Ana,L7,\n"
    "T1,Survey answered,2025-01-07 09:00,Customer,,6\n"
    "T1,too,many,fields,here,x,y\n"
    "T1,Resolved,2025-01-06 10:00,Ana,L1,\n"
)


def test_bad_rows_are_rejected_with_row_and_reason_and_the_rest_loads(
    db: Path, tmp_path: Path
) -> None:
    path = write(tmp_path / "bad.csv", BAD_ROWS)
    report = ingest_files(db, [path], dataset="t")
    assert (report.events_loaded, report.rows_rejected, report.values_nulled) == (4, 4, 2)
    assert rows(db, "SELECT row_number, reason FROM rejects ORDER BY row_number") == [
        (3, 'no case id (column "Case ID")'),
        (4, 'no activity (column "Activity")'),
        (5, 'timestamp "yesterday" does not match ISO 8601 (column "Timestamp")'),
        (8, "malformed CSV row: has 7 fields, the header 6"),
    ]
    # A bad optional value keeps its event, with the field empty and the value recorded.
    assert rows(db, "SELECT row_number, field, raw_value, reason FROM field_issues") == [
        (
            6,
            "level",
            "L7",
            "not a support level 1-4 (L1, Tier 2, 2nd level, specialists, process owner, ...)",
        ),
        (7, "csat", "6", "not a whole number from 1 to 5"),
    ]
    assert rows(db, "SELECT source_row, level FROM event_log ORDER BY source_row") == [
        (2, None),
        (6, None),
        (7, None),
        (9, 1),
    ]
    assert rows(db, "SELECT csat FROM cases WHERE case_id = 'T1'") == [(None,)]
    assert report.files[0].rows_read == 8
    raw = rows(db, "SELECT raw_row FROM rejects WHERE row_number = 5")[0][0]
    assert raw == (
        '{"Case ID":"T1","Activity":"Assigned","Timestamp":"yesterday","Resource":"Ana",'
        '"Level":"L1","CSAT":null}'
    )


def test_a_file_of_only_malformed_rows_loads_nothing_and_says_why(db: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path / "m.csv", "Case ID,Activity,Timestamp\nT1,A,2025-01-01,x\nT2,B,2025-01-02,y\n"
    )
    with pytest.raises(IngestError) as caught:
        ingest_files(db, [path], dataset="t")
    assert str(caught.value).startswith(
        f"{path}: 2 rows read as CSV event log, none gives an event (row 2: malformed CSV row:"
    )
    assert "; row 3: malformed CSV row: " in str(caught.value)
    assert not db.exists()


def test_strict_refuses_the_whole_load(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "bad.csv", BAD_ROWS)
    with pytest.raises(IngestError) as caught:
        ingest_files(db, [path], dataset="t", strict=True)
    assert str(caught.value) == (
        f'{path}: 4 rows rejected, the first at row 3: no case id (column "Case ID").'
        " Nothing was loaded (--strict); fix the rows or load without --strict"
    )
    assert not db.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "the file is empty. Export it again from the helpdesk tool"),
        ("header.csv", b"Case ID,Activity,Timestamp\n", "no data rows below the header"),
        ("image.csv", bytes(range(256)) * 40, "is not a text file (it looks like binary data"),
        ("sheet.csv", b"PK\x03\x04" + bytes(100), "is a zip or Excel workbook, not a CSV file"),
        ("cut.xes.gz", (SAMPLE / "helpdesk.xes.gz").read_bytes()[:200_000], "truncated or corrupt"),
        (
            "notxes.xes",
            b"<html><body>hi</body></html>",
            "not an XES file (its root element is <html>",
        ),
        ("broken.xes", b"<log><trace><event>", "not valid XES"),
        ("none.xes", b"<log></log>", "the XES log has no events"),
    ],
)
def test_unreadable_files_fail_with_one_clear_line(
    db: Path, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        ingest_files(db, [path])
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not db.exists()


def test_missing_file(db: Path, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        ingest_files(db, [tmp_path / "nope.csv"])


XML_BOMB = """<?xml version="1.0"?>
<!DOCTYPE log [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
  <!ENTITY secret SYSTEM "file:///etc/hostname">
]>
<log><trace><string key="concept:name" value="T1"/>
<event><string key="concept:name" value="&e;"/><string key="org:resource" value="&secret;"/>
<date key="time:timestamp" value="2025-01-01T10:00:00Z"/></event></trace></log>
"""


def test_xml_entities_are_never_expanded(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "bomb.xes", XML_BOMB)
    try:
        ingest_files(db, [path], dataset="t")
    except IngestError as exc:  # refusing the file is fine too; expanding it is not
        assert "bomb.xes" in str(exc)
        return
    activity, resource = rows(db, "SELECT source_activity, resource FROM event_log")[0]
    assert len(activity or "") < 1000
    hostname = Path("/etc/hostname").read_text().strip()
    assert hostname not in (resource or "")


def test_hostile_column_names_are_only_names(db: Path, tmp_path: Path) -> None:
    text = 'Case ID,Activity,Timestamp,"x"" FROM secrets --"\nT1,A,2025-01-01 10:00,boom\n'
    ingest_files(db, [write(tmp_path / "h.csv", text)], dataset="t")
    assert rows(db, "SELECT attributes FROM event_log") == [('{"x\\" FROM secrets --":"boom"}',)]


# --- field registry: levels, null tokens ------------------------------------------------------

# Every level label the README names, and kin, with the level it means.
LEVEL_LABELS = [
    ("1", 1),
    ("L1", 1),
    ("l2", 2),
    ("Tier 3", 3),
    ("tier 2", 2),
    ("2nd level", 2),
    ("3rd line", 3),
    ("first level", 1),
    ("Second level", 2),
    ("second line", 2),
    ("specialists", 3),
    ("Specialist team", 3),
    ("process owner", 4),
    ("4", 4),
]


@pytest.mark.parametrize(("label", "level"), LEVEL_LABELS)
def test_level_labels_are_recognised(db: Path, tmp_path: Path, label: str, level: int) -> None:
    path = write(tmp_path / "l.csv", f"Case ID,Activity,Timestamp,Level\nT1,A,2025-01-01,{label}\n")
    report = ingest_files(db, [path], dataset="t")
    assert report.values_nulled == 0
    assert rows(db, "SELECT level FROM events") == [(level,)]


def test_null_tokens_are_missing_values_by_default(db: Path, tmp_path: Path) -> None:
    path = write(
        tmp_path / "n.csv",
        "number,incident_state,sys_updated_at,assigned_to,assignment_group\n"
        "INC1,New,2016-02-29 01:16,?,?\n"
        "INC1,Active,2016-02-29 02:16,NULL,N/A\n"
        "INC1,Resolved,2016-02-29 03:16,Ana,Service Desk\n",
    )
    mapping = write(
        tmp_path / "m.toml",
        '[columns]\ncase_id = "number"\nactivity = "incident_state"\n'
        'timestamp = "sys_updated_at"\nresource = "assigned_to"\nteam = "assignment_group"\n',
    )
    ingest_files(db, [path], dataset="t", mapping=load_mapping(mapping))
    assert rows(db, "SELECT resource, team FROM events ORDER BY event_index") == [
        (None, None),
        (None, None),
        ("Ana", "Service Desk"),
    ]


def test_null_tokens_are_configurable(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "n.csv", "Case ID,Activity,Timestamp,Resource\nT1,A,2025-01-01,?\n")
    mapping = write(tmp_path / "m.toml", '[csv]\nnull = ["", "-"]\n')
    ingest_files(db, [path], dataset="t", mapping=load_mapping(mapping))
    assert rows(db, "SELECT resource FROM events") == [("?",)]


def test_a_bad_csv_section_names_the_fix(tmp_path: Path) -> None:
    mapping = write(tmp_path / "m.toml", '[csv]\nnulls = ["?"]\n')
    with pytest.raises(IngestError) as caught:
        load_mapping(mapping)
    assert str(caught.value) == (
        f"{mapping}: [csv] takes one key, null: a list of strings."
        ' Write e.g. null = ["", "?", "NULL", "N/A"]'
    )


# --- appends ------------------------------------------------------------------------------------


def test_an_append_rewrites_only_the_tickets_it_touches(db: Path, tmp_path: Path) -> None:
    base = write(
        tmp_path / "w1.csv",
        HEADER
        + "T1,Ticket created,2025-01-06 09:00,Customer\n"
        + "T1,Assigned,2025-01-06 09:10,Ana\n"
        + "T2,Ticket created,2025-01-06 10:00,Customer\n"
        + "T2,Resolved,2025-01-06 11:00,Ana\n",
    )
    ingest_files(db, [base], dataset="t")
    week2 = write(
        tmp_path / "w2.csv",
        HEADER
        + "T1,Assigned,2025-01-06 09:10,Ana\n"  # already stored
        + "T1,Information requested,2025-01-06 09:05,Ana\n"  # earlier than a stored event
        + "T1,Resolved,2025-01-13 09:00,Ana\n"
        + "T3,Ticket created,2025-01-13 10:00,Customer\n",
    )
    report = ingest_files(db, [week2], dataset="t")
    assert (report.events_loaded, report.duplicates_skipped) == (3, 1)
    assert rows(
        db, "SELECT case_id, event_index, activity FROM event_log ORDER BY case_id, event_index"
    ) == [
        ("T1", 1, "Ticket created"),
        ("T1", 2, "Information requested"),
        ("T1", 3, "Assigned"),
        ("T1", 4, "Resolved"),
        ("T2", 1, "Ticket created"),
        ("T2", 2, "Resolved"),
        ("T3", 1, "Ticket created"),
    ]
    # T2 was not touched: its rows stay where the first load wrote them; the touched ticket T1
    # is rewritten whole after them, with the new T3.
    keys = rows(db, "SELECT case_key FROM events ORDER BY rowid")
    assert [k for (k,) in keys] == [2, 2, 1, 1, 1, 1, 3]
    assert rows(db, "SELECT version FROM datasets") == [(2,)]


def test_an_append_after_the_stored_events_moves_no_stored_row(db: Path, tmp_path: Path) -> None:
    base = write(
        tmp_path / "w1.csv",
        HEADER
        + "T1,Ticket created,2025-01-06 09:00,Customer\n"
        + "T1,Assigned,2025-01-06 09:10,Ana\n"
        + "T2,Ticket created,2025-01-06 10:00,Customer\n",
    )
    ingest_files(db, [base], dataset="t")
    week2 = write(
        tmp_path / "w2.csv",
        HEADER + "T1,Resolved,2025-01-13 09:00,Ana\nT2,Resolved,2025-01-13 10:00,Ana\n",
    )
    ingest_files(db, [week2], dataset="t")
    appended = rows(
        db,
        "SELECT case_key, event_index, next_activity_id, next_ts FROM events ORDER BY rowid",
    )
    assert [(key, index) for key, index, _, _ in appended] == [
        (1, 1),
        (1, 2),
        (2, 1),
        (1, 3),
        (2, 2),
    ]
    # The same events loaded in one go: the same numbering and the same next events.
    once = tmp_path / "once.duckdb"
    ingest_files(once, [base, week2], dataset="t")
    by_key = "SELECT case_key, event_index, next_activity_id, next_ts FROM events ORDER BY ALL"
    assert rows(db, by_key) == rows(once, by_key)
    assert rows(db, by_key)[1][2] is not None  # T1's `Assigned` gained its next event


def test_weekly_appends_of_the_sample_store_what_one_load_of_it_stores(tmp_path: Path) -> None:
    """The sample split into four exports by time (each carries new tickets, later events of
    open tickets, and a few events older than what is stored), appended one by one: the same
    numbering, next events and ticket facts as the whole file loaded at once."""
    con = duckdb.connect()
    source = str(SAMPLE / "helpdesk.csv")
    weeks = []
    for week, (low, high) in enumerate([(None, 9), (9, 16), (16, 22), (22, None)]):
        path = tmp_path / f"week{week}.csv"
        # A few events arrive a week late (every 50th of the previous week's, if its time is its
        # ticket's alone: a tie is ordered by file, so it would differ from one load's order).
        con.execute(
            "COPY (SELECT * EXCLUDE (late, w) FROM (SELECT *,"
            ' row_number() OVER () % 50 = 0 AND count(*) OVER (PARTITION BY "Case ID", "Timestamp")'
            ' = 1 AS late, week("Timestamp"::TIMESTAMP) AS w FROM read_csv($src, all_varchar = true))'
            " WHERE w >= coalesce($low, 0) + late::INT AND w < coalesce($high, 99) + late::INT)"
            f" TO '{path}' (HEADER)",
            {"src": source, "low": low, "high": high},
        )
        weeks.append(path)
    appended, once = tmp_path / "appended.duckdb", tmp_path / "once.duckdb"
    for path in weeks:
        ingest_files(appended, [path], dataset="t")
    ingest_files(once, [SAMPLE / "helpdesk.csv"], dataset="t")
    by_ticket = (
        "SELECT c.case_id, e.event_index, e.activity_id, e.ts, e.next_activity_id, e.next_ts,"
        " e.next_team FROM events e JOIN cases c USING (dataset_id, case_key) ORDER BY ALL"
    )
    facts = (
        "SELECT c.case_id, f.* EXCLUDE (dataset_id, case_key) FROM ticket_facts f"
        " JOIN cases c USING (dataset_id, case_key) ORDER BY ALL"
    )
    assert rows(appended, by_ticket) == rows(once, by_ticket)
    assert rows(appended, facts) == rows(once, facts)


def test_a_file_without_a_data_set_name_never_joins_another_log_of_that_name(
    db: Path, tmp_path: Path
) -> None:
    """Without --dataset a file makes a data set named after it, made unique when the name is
    taken (another log of the same name never joins the stored one); the same file again is
    already loaded where it is; an explicit --dataset adds to a data set."""
    ingest_files(db, [SAMPLE / "helpdesk.csv"])
    other = tmp_path / "helpdesk.csv"
    write(other, "case_id,activity,timestamp\nX1,Ticket created,2025-08-01 09:00:00\n")
    report = ingest_files(db, [other])
    assert report.dataset == "helpdesk-2" and report.cases == 1
    assert (
        "a data set named 'helpdesk' exists already: loaded as a new data set 'helpdesk-2'."
        " To add to the other, load with --dataset NAME"
    ) in report.notes
    again = ingest_files(db, [SAMPLE / "helpdesk.csv"])  # where it is, nothing added
    assert (again.dataset, again.events_loaded) == ("helpdesk", 0)
    assert ingest_files(db, [other]).dataset == "helpdesk-2"
    added = tmp_path / "added.csv"
    write(added, "case_id,activity,timestamp\nX2,Ticket created,2025-08-02 09:00:00\n")
    explicit = ingest_files(db, [added], dataset="helpdesk")
    assert explicit.dataset == "helpdesk" and not any("exists already" in n for n in explicit.notes)
    assert rows(db, "SELECT name FROM datasets ORDER BY name") == [("helpdesk",), ("helpdesk-2",)]


SNAPSHOT_MAPPING = """[columns]
case_id = "number"
activity = "incident_state"
timestamp = "sys_updated_at"
resource = "sys_updated_by"
team = "assignment_group"

[timestamp]
format = "%d/%m/%Y %H:%M:%S"
"""


def test_the_users_mapping_wins_over_recognition(tmp_path: Path) -> None:
    """A ServiceNow snapshot export is recognised as one, but a mapping whose [columns] name its
    fields reads it as the user mapped it, each row an event, with the format of the raw file;
    --format still forces the vendor's reader, which that format does not fit."""
    from click.testing import CliRunner

    from ticketloop.cli import cli

    export = SAMPLE / "helpdesk_servicenow_snapshots.csv.gz"
    mapping = write(tmp_path / "snapshots.toml", SNAPSHOT_MAPPING)
    db = tmp_path / "s.duckdb"
    report = ingest_files(db, [export], dataset="sn", mapping=load_mapping(mapping))
    assert (report.files[0].format, report.files[0].recognised_as) == ("csv", "CSV event log")
    # one event per row: every version, work notes' too
    assert (report.events_loaded, report.rows_rejected, report.cases) == (35_915, 0, 5_000)
    assert rows(db, "SELECT count(DISTINCT team) > 1, min(ts) FROM events") == [
        (True, datetime(2025, 1, 6, 2, 8, 45, tzinfo=UTC))
    ]
    forced_db = str(tmp_path / "f.duckdb")
    forced = CliRunner().invoke(
        cli,
        [
            "ingest",
            str(export),
            "--db",
            forced_db,
            "--map",
            str(mapping),
            "--format",
            "servicenow-snapshot",
        ],
    )
    assert forced.exit_code == 1
    assert "rows read as ServiceNow incident snapshots (one row per version), none gives" in (
        forced.output
    )
    assert not (tmp_path / "f.duckdb").exists()


def test_a_mapping_naming_columns_the_file_lacks_leaves_recognition_alone(tmp_path: Path) -> None:
    from ingest.sources import detect_source

    export = SAMPLE / "helpdesk_servicenow_snapshots.csv.gz"
    assert detect_source(export, mapped=["number", "sys_updated_at"]).name == "csv"
    assert detect_source(export, mapped=["number", "when"]).name == "servicenow-snapshot"
    assert detect_source(export).name == "servicenow-snapshot"
    semicolons = write(tmp_path / "log.txt", "ref;step;stamp\nT1;Open;2025-01-06 08:00\n")
    assert detect_source(semicolons, mapped=["ref", "step", "stamp"]).name == "csv"


def test_a_file_giving_no_event_is_an_error_and_the_store_is_unchanged(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ticketloop.cli import cli

    db = tmp_path / "s.duckdb"
    good = write(tmp_path / "good.csv", "Case ID,Activity,Timestamp\nA,Open,2025-01-06 08:00\n")
    ingest_files(db, [good], dataset="d")
    before = rows(db, "SELECT version, (SELECT count(*) FROM events) FROM datasets")
    bad = write(
        tmp_path / "bad.csv",
        "ref,step,stamp\nB,Open,06.01.2025 08:00\nB,Closed,07.01.2025 09:30\n",
    )
    mapping = write(
        tmp_path / "m.toml",
        '[columns]\ncase_id = "ref"\nactivity = "step"\ntimestamp = "stamp"\n'
        '[timestamp]\nformat = "%m/%d/%Y %H:%M"\n',
    )
    result = CliRunner().invoke(
        cli, ["ingest", str(bad), "--db", str(db), "--dataset", "d", "--map", str(mapping)]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"error: {bad}: 2 rows read as CSV event log, none gives an event (row 2: timestamp"
        ' "06.01.2025 08:00" does not match %m/%d/%Y %H:%M (column "stamp"); row 3: timestamp'
        ' "07.01.2025 09:30" does not match %m/%d/%Y %H:%M (column "stamp")). Nothing was loaded.'
        " Fix the rows, or the mapping's"
        " [columns] and [timestamp] format (--map), or force another reader with --format\n"
    )
    assert rows(db, "SELECT version, (SELECT count(*) FROM events) FROM datasets") == before
    assert rows(db, "SELECT count(*) FROM rejects") == [(0,)]
