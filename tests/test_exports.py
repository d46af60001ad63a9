"""Helpdesk exports (Zendesk, ServiceNow, Freshdesk, Jira) on real-shaped fixtures and on the
generated sample: recognised, read into canonical events, joined on the ticket id, and equal to
the generic log of the same tickets."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.load import ingest_files
from ingest.mapping import load_mapping
from ingest.sources import BY_NAME, detect_source
from mining.escalations import escalations
from mining.selection import Selection
from store.connection import open_store
from store.errors import IngestError
from tests.conftest import ROOT, SAMPLE, rows, write
from ticketloop.synthetic import generate, simulate
from ticketloop.vendor_exports import VendorExports

FIXTURES = ROOT / "tests" / "fixtures" / "exports"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def events(db: Path, columns: str = "case_id, activity, source_activity, ts, resource") -> list:
    return rows(db, f"SELECT {columns} FROM event_log ORDER BY case_key, event_index")


# --- recognition --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "source"),
    [
        (FIXTURES / "zendesk_tickets.csv", "zendesk-tickets"),
        (FIXTURES / "zendesk_audits.json", "zendesk-audits"),
        (FIXTURES / "zendesk_ticket_events.json", "zendesk-ticket-events"),
        (FIXTURES / "zendesk_ratings.json", "zendesk-ratings"),
        (FIXTURES / "servicenow_incidents.csv", "servicenow-incidents"),
        (FIXTURES / "servicenow_snapshot.csv", "servicenow-snapshot"),
        (FIXTURES / "servicenow_sys_audit.csv", "servicenow-audit"),
        (FIXTURES / "freshdesk_tickets.csv", "freshdesk-tickets"),
        (FIXTURES / "freshdesk_activities.json", "freshdesk-activities"),
        (FIXTURES / "jira_issues.csv", "jira-issues"),
        (FIXTURES / "jira_issues_es.csv", "jira-issues"),
        (FIXTURES / "jira_changelog.json", "jira-changelog"),
        (SAMPLE / "helpdesk_zendesk_tickets.csv.gz", "zendesk-tickets"),
        (SAMPLE / "helpdesk_zendesk_audits.json.gz", "zendesk-audits"),
        (SAMPLE / "helpdesk_zendesk_ratings.json", "zendesk-ratings"),
        (SAMPLE / "helpdesk_servicenow_incidents.csv.gz", "servicenow-incidents"),
        (SAMPLE / "helpdesk_servicenow_snapshots.csv.gz", "servicenow-snapshot"),
        (SAMPLE / "helpdesk_freshdesk_tickets.csv.gz", "freshdesk-tickets"),
        (SAMPLE / "helpdesk_freshdesk_activities.json.gz", "freshdesk-activities"),
        (SAMPLE / "helpdesk_jira_issues.csv.gz", "jira-issues"),
        (SAMPLE / "helpdesk_jira_changelog.json.gz", "jira-changelog"),
        (SAMPLE / "helpdesk.csv", "csv"),
        (SAMPLE / "helpdesk.xes.gz", "xes"),
    ],
)
def test_each_export_is_recognised(path: Path, source: str) -> None:
    assert detect_source(path).name == source


def test_a_forced_format_that_does_not_fit_names_what_is_missing(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "odd.csv", "Id,Subject,Status\n1,x,open\n")
    with pytest.raises(IngestError) as caught:
        ingest_files(db, [path], fmt="zendesk-tickets")
    assert str(caught.value) == (
        f"{path}: this Zendesk ticket export has no created column. Export it again with that"
        " column, or force another reader with --format"
    )


@pytest.mark.parametrize(
    ("path", "forced", "found"),
    [
        (FIXTURES / "freshdesk_tickets.csv", "zendesk-tickets", "freshdesk-tickets"),
        (SAMPLE / "helpdesk_zendesk_ratings.json", "jira-issues", "zendesk-ratings"),
    ],
)
def test_a_forced_format_of_another_tool_s_export_says_whose_it_is(
    db: Path, path: Path, forced: str, found: str
) -> None:
    """A ratings JSON forced as a Jira issue CSV answered that it had 11,027 columns."""
    with pytest.raises(IngestError) as caught:
        ingest_files(db, [path], fmt=forced)
    assert str(caught.value) == (
        f"{path}: reads as {BY_NAME[found].description}, not as {BY_NAME[forced].description}"
        f" (--format {forced}). Load it with --format auto (or --format {found})"
    )


# --- history exports: one event per change ------------------------------------------------------


def test_zendesk_audits_become_events_with_team_and_level_carried(db: Path) -> None:
    ingest_files(db, [FIXTURES / "zendesk_audits.json"], dataset="t")
    assert events(db, "case_id, activity, source_activity, ts, resource, team, level") == [
        ("4711", "Ticket created", "Created", utc("2024-05-13 07:02:11"), "Customer", None, None),
        ("4711", "Assigned", "Group assigned", utc("2024-05-13 08:05:40"), "Ana Souza",
         "Service Desk L1", 1),
        ("4711", "Classified", "Type set", utc("2024-05-13 08:12:00"), "Ana Souza",
         "Service Desk L1", 1),
        ("4711", "First response", "First public reply", utc("2024-05-13 08:12:00"), "Ana Souza",
         "Service Desk L1", 1),
        ("4711", "Information requested", "pending", utc("2024-05-13 08:30:00"), "Ana Souza",
         "Service Desk L1", 1),
        ("4711", "Customer replied", "open after pending", utc("2024-05-14 10:00:00"), "Customer",
         "Service Desk L1", 1),
        ("4711", "Escalated", "Group to a higher level", utc("2024-05-14 11:00:00"), "Ana Souza",
         "Service Desk L1", 1),
        ("4711", "Assigned", "Assignee set", utc("2024-05-14 13:20:00"), "Luis Romero",
         "Finance L2", 2),
        ("4711", "Resolved", "solved", utc("2024-05-14 15:45:00"), "Luis Romero", "Finance L2", 2),
        ("4711", "Survey answered", "Satisfaction rating", utc("2024-05-15 09:00:00"), "Customer",
         "Finance L2", 2),
        ("4711", "Closed", "closed", utc("2024-05-18 16:00:00"), "System", "Finance L2", 2),
        ("4712", "Ticket created", "Created", utc("2024-05-13 09:00:00"), "Customer", None, None),
        ("4712", "Assigned", "Assignee set", utc("2024-05-13 09:30:00"), "Ana Souza",
         "Service Desk L1", 1),
        ("4712", "First response", "First public reply", utc("2024-05-13 09:30:00"), "Ana Souza",
         "Service Desk L1", 1),
        ("4712", "Resolved", "solved", utc("2024-05-13 09:30:00"), "Ana Souza", "Service Desk L1",
         1),
        ("4712", "Reopened", "open after solved", utc("2024-05-13 17:10:00"), "Customer",
         "Service Desk L1", 1),
    ]  # fmt: skip
    assert rows(db, "SELECT case_id, channel, priority, category, csat FROM cases ORDER BY 1") == [
        ("4711", "web", "normal", "question", 5),
        ("4712", "email", None, None, None),
    ]


def test_zendesk_incremental_ticket_events(db: Path) -> None:
    ingest_files(db, [FIXTURES / "zendesk_ticket_events.json"], dataset="t")
    assert events(db) == [
        ("4720", "Ticket created", "Created", utc("2024-05-13 09:00:00"), "Customer"),
        ("4720", "Assigned", "Assignee set", utc("2024-05-13 09:30:00"), "52001"),
        ("4720", "First response", "First public reply", utc("2024-05-13 10:00:00"), "52001"),
        ("4720", "Resolved", "solved", utc("2024-05-13 10:00:00"), "52001"),
    ]


def test_servicenow_snapshots_emit_only_changes_in_version_order(db: Path) -> None:
    report = ingest_files(db, [FIXTURES / "servicenow_snapshot.csv"], dataset="t")
    assert (report.files[0].rows_read, report.events_loaded) == (14, 13)
    # version 3 of INC0000045 is a second save at the same time; version 2 of INC0000047, saved
    # later by an agent with nothing tracked changed, is work on it (a work note, most often)
    assert report.files[0].details == {"snapshot_rows_unchanged": 1}
    # rows out of order in the file, `?` for empty, day-first dates with and without zeros
    assert events(db, "case_id, activity, source_activity, ts") == [
        ("INC0000045", "Ticket created", "Created", utc("2016-02-29 01:16:00")),
        ("INC0000045", "Assigned", "Assignee set", utc("2016-02-29 04:57:00")),
        ("INC0000045", "Resolved", "Resolved", utc("2016-02-29 08:53:00")),
        ("INC0000045", "Closed", "Closed", utc("2016-03-05 12:00:00")),
        ("INC0000047", "Ticket created", "Created", utc("2016-02-29 04:40:00")),
        ("INC0000047", "Escalated", "Group to a higher level", utc("2016-02-29 05:01:00")),
        ("INC0000047", "Investigation", "Saved by an agent", utc("2016-02-29 06:10:00")),
        ("INC0000047", "Information requested", "Awaiting User Info", utc("2016-02-29 10:15:00")),
        ("INC0000047", "Customer replied", "Active after Awaiting User Info",
         utc("2016-03-01 08:40:00")),
        ("INC0000047", "Resolved", "Resolved", utc("2016-03-01 09:52:00")),
        ("INC0000047", "Reopened", "Active after Resolved", utc("2016-03-02 14:00:00")),
        ("INC0000047", "Resolved", "Resolved", utc("2016-03-02 16:30:00")),
        ("INC0000047", "Closed", "Closed", utc("2016-03-06 10:00:00")),
    ]  # fmt: skip


def test_a_snapshot_counter_that_goes_up_alone_is_an_event(db: Path, tmp_path: Path) -> None:
    text = (
        "number,incident_state,sys_mod_count,sys_updated_at,sys_updated_by,assignment_group,"
        "reassignment_count,reopen_count\n"
        "INC1,New,0,29/2/2016 01:00,ana,Desk,0,0\n"
        "INC1,Active,1,29/2/2016 02:00,ana,Desk,1,0\n"  # reassigned inside the group
        "INC1,Active,2,29/2/2016 03:00,ana,Desk,1,0\n"  # saved later, no change: work
        "INC1,Active,3,29/2/2016 04:00,ana,Desk,1,1\n"  # a reopen the state does not show
    )
    ingest_files(db, [write(tmp_path / "s.csv", text)], dataset="t")
    assert [e[1:3] for e in events(db)] == [
        ("Ticket created", "Created"),
        ("Assigned", "Reassigned"),
        ("Investigation", "Saved by an agent"),
        ("Reopened", "Reopened"),
    ]


def test_hostile_column_names_in_a_vendor_export_are_only_names(db: Path, tmp_path: Path) -> None:
    text = (FIXTURES / "zendesk_tickets.csv").read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    path = write(
        tmp_path / "t.csv", f'{header},"x"" FROM secrets --"\n' + rest.replace("\n", ",1\n")
    )
    ingest_files(db, [path], dataset="t")
    keys = rows(db, "SELECT unnest(json_keys(attributes)) FROM cases WHERE case_id = '4711'")
    assert [k for (k,) in keys if "secrets" in k] == [
        'case:x"" FROM secrets --'
    ]  # as DuckDB reads it


def test_servicenow_sys_audit_reads_state_codes_and_comments(db: Path) -> None:
    ingest_files(db, [FIXTURES / "servicenow_sys_audit.csv"], dataset="t")
    assert [e[1:] for e in events(db)] == [
        ("Ticket created", "Created", utc("2024-05-13 07:02:11"), "Customer"),
        ("Assigned", "Group assigned", utc("2024-05-13 07:30:00"), "beth.anglin"),
        ("First response", "First public reply", utc("2024-05-13 07:45:00"), "beth.anglin"),
        ("Information requested", "On Hold", utc("2024-05-13 07:46:00"), "beth.anglin"),
        ("Customer replied", "In Progress after On Hold", utc("2024-05-13 12:00:00"), "Customer"),
        ("Escalated", "Group to a higher level", utc("2024-05-13 12:30:00"), "beth.anglin"),
        ("Assigned", "Assignee set", utc("2024-05-13 13:10:00"), "fred.luddy"),
        ("Investigation", "Work note", utc("2024-05-13 14:30:00"), "fred.luddy"),
        ("Resolved", "Resolved", utc("2024-05-13 15:40:00"), "fred.luddy"),
        ("Closed", "Closed", utc("2024-05-16 15:40:00"), "System"),
    ]


def test_freshdesk_activities_drop_duplicate_records(db: Path) -> None:
    report = ingest_files(db, [FIXTURES / "freshdesk_activities.json"], dataset="t")
    assert report.files[0].details == {"duplicate_records": 1}
    assert [e[1] for e in events(db) if e[0] == "301"] == [
        "Ticket created",
        "Assigned",
        "First response",
        "Information requested",
        "Customer replied",
        "Investigation",  # a private note: the agent's own record of work
        "Resolved",
        "Closed",
    ]
    note = ("301", "Investigation", "Private note", utc("2022-01-03 09:00:00"), "Carla Mendez")
    assert events(db)[5] == note
    assert events(db)[4] == (
        "301",
        "Customer replied",
        "Open after Waiting on Customer",
        utc("2022-01-03 08:00:00"),  # `03-01-2022 08:00:00 +0000`: day first
        "Customer",
    )


def test_jira_changelog_with_public_comments(db: Path) -> None:
    ingest_files(db, [FIXTURES / "jira_changelog.json"], dataset="t")
    assert events(db) == [
        ("SD-101", "Ticket created", "Created", utc("2024-05-11 13:26:00"), "Customer"),
        ("SD-101", "Assigned", "Group assigned", utc("2024-05-11 13:31:12"), "Hugo Torres"),
        ("SD-101", "First response", "First public reply", utc("2024-05-11 13:40:00"),
         "Hugo Torres"),
        ("SD-101", "Investigation", "Internal comment", utc("2024-05-11 13:45:00"), "Hugo Torres"),
        ("SD-101", "Information requested", "Waiting for customer", utc("2024-05-11 13:50:00"),
         "Hugo Torres"),
        ("SD-101", "Customer replied", "Waiting for support after Waiting for customer",
         utc("2024-05-12 07:00:00"), "Customer"),
        ("SD-101", "Escalated", "Group to a higher level", utc("2024-05-12 08:00:00"),
         "Hugo Torres"),
        ("SD-101", "Assigned", "Assignee set", utc("2024-05-12 14:20:00"), "Irene Castro"),
        # she moves the issue she holds to In Progress: work; Hugo's on SD-102, not his, is not
        ("SD-101", "Investigation", "Start progress", utc("2024-05-12 14:25:00"), "Irene Castro"),
        # her worklog, started 15:00 for 2 h 30 min: the work's end
        ("SD-101", "Investigation", "Worklog", utc("2024-05-12 17:30:00"), "Irene Castro"),
        ("SD-101", "Resolved", "Resolved", utc("2024-05-13 09:05:00"), "Irene Castro"),
        ("SD-102", "Ticket created", "Created", utc("2024-05-13 06:00:00"), "Customer"),
        ("SD-102", "In Progress", "In Progress", utc("2024-05-13 06:20:00"), "Hugo Torres"),
        ("SD-102", "Rejected", "Declined", utc("2024-05-13 06:30:00"), "Hugo Torres"),
    ]  # fmt: skip


# --- flat exports: milestones and the state at export time ----------------------------------------


def test_zendesk_ticket_csv_milestones_in_the_account_time_zone(db: Path) -> None:
    ingest_files(db, [FIXTURES / "zendesk_tickets.csv"], dataset="t", timezone="Europe/Madrid")
    assert events(db)[:5] == [
        ("4711", "Ticket created", "Created at", utc("2024-05-13 07:02:11"), "Customer"),
        ("4711", "Assigned", "Initially assigned at", utc("2024-05-13 08:05:40"), None),
        # Created at + First reply time in minutes (70); never the business-hours figure
        ("4711", "First response", "First reply", utc("2024-05-13 08:12:11"), "Luis Romero"),
        ("4711", "Resolved", "Solved at", utc("2024-05-14 15:45:00"), "Luis Romero"),
        ("4711", "Closed", "Closed (updated at)", utc("2024-05-18 16:00:00"), "System"),
    ]
    status, reopens, csat = rows(
        db,
        "SELECT attributes->>'case:Status', attributes->>'case:Reopens', csat FROM cases"
        " WHERE case_id = '4711'",
    )[0]
    assert (status, reopens, csat) == ("Closed", "0", 5)


def test_without_timezone_naive_times_are_utc(db: Path) -> None:
    ingest_files(db, [FIXTURES / "zendesk_tickets.csv"], dataset="t")
    assert events(db)[0][3] == utc("2024-05-13 09:02:11")


def test_freshdesk_ticket_csv_in_upper_case_headers(db: Path) -> None:
    ingest_files(db, [FIXTURES / "freshdesk_tickets.csv"], dataset="t")
    assert [e[1:4] for e in events(db) if e[0] == "301"] == [
        ("Ticket created", "Created time", utc("2022-01-02 09:33:38")),
        ("First response", "Initial response time", utc("2022-01-02 10:05:12")),
        ("Resolved", "Resolved time", utc("2022-01-03 09:30:00")),
        ("Closed", "Closed time", utc("2022-01-06 09:30:00")),
    ]
    assert rows(db, "SELECT case_id, csat, channel, attributes->>'case:FIRST RESPONSE TIME"
                " (IN HRS)' FROM cases ORDER BY case_id") == [
        ("301", 5, "Email", "0.53"),
        ("302", None, "Phone", "21.0"),
        ("303", None, "Portal", None),
    ]  # fmt: skip


def test_servicenow_incident_list_with_labels_as_headers(db: Path) -> None:
    ingest_files(db, [FIXTURES / "servicenow_incidents.csv"], dataset="t")
    assert [e[:3] for e in events(db)] == [
        ("INC0010001", "Ticket created", "Opened"),
        ("INC0010001", "Resolved", "Resolved"),
        ("INC0010001", "Closed", "Closed"),
        ("INC0010002", "Ticket created", "Opened"),
        ("INC0010003", "Ticket created", "Opened"),
        ("INC0010003", "Resolved", "Resolved"),
    ]
    assert rows(
        db, "SELECT priority, category, channel FROM cases WHERE case_id = 'INC0010002'"
    ) == [("1 - Critical", "Network", "Phone")]


@pytest.mark.parametrize("name", ["jira_issues.csv", "jira_issues_es.csv"])
def test_jira_issue_csv_repeated_comments_and_translated_headers(db: Path, name: str) -> None:
    ingest_files(db, [FIXTURES / name], dataset="t")
    first = events(db)[:2]
    assert [e[1] for e in first] == ["Ticket created", "First response"]
    # `11/May/24 03:26 PM`; the first comment not by the reporter is the first response
    assert [e[3] for e in first] == [utc("2024-05-11 15:26:00"), utc("2024-05-11 15:40:00")]


def test_bad_times_are_rejected_with_their_row_and_the_rest_loads(db: Path, tmp_path: Path) -> None:
    text = (FIXTURES / "zendesk_tickets.csv").read_text(encoding="utf-8")
    path = write(tmp_path / "t.csv", text.replace("2024-05-20 08:00:00", "yesterday", 1))
    report = ingest_files(db, [path], dataset="t")
    assert report.rejects == [
        (str(path), 4, 'timestamp "yesterday" does not match ISO 8601 (column "timestamp")'),
    ]
    assert report.cases == 2


# --- mapping: levels and activities ---------------------------------------------------------------


def test_levels_come_from_the_mapping_file(db: Path, tmp_path: Path) -> None:
    text = (FIXTURES / "zendesk_audits.json").read_text(encoding="utf-8")
    path = write(tmp_path / "a.json", text.replace(" L1", "").replace(" L2", ""))
    ingest_files(db, [path], dataset="plain")
    assert "Escalated" not in [e[1] for e in events(db)]  # no level: a transfer
    mapping = load_mapping(
        write(tmp_path / "m.toml", '[levels]\n"Service Desk" = 1\n"Finance" = 2\n')
    )
    ingest_files(tmp_path / "b.duckdb", [path], dataset="t", mapping=mapping)
    assert ("Escalated", "Service Desk", 1) in rows(
        tmp_path / "b.duckdb", "SELECT activity, team, level FROM event_log"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[levels]\n"IT" = 5\n', r"\[levels\] must map team names to support levels 1-4"),
        ('[levels]\n"IT" = "2"\n', r"\[levels\] must map team names to support levels 1-4"),
    ],
)
def test_bad_levels(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        load_mapping(write(tmp_path / "m.toml", text))


def test_the_mapping_file_overrides_the_default_activities(db: Path, tmp_path: Path) -> None:
    mapping = load_mapping(
        write(tmp_path / "m.toml", '[activities]\n"pending" = "Waiting for customer"\n')
    )
    ingest_files(db, [FIXTURES / "zendesk_audits.json"], dataset="t", mapping=mapping)
    assert ("Waiting for customer", "pending") in rows(
        db, "SELECT activity, source_activity FROM event_log"
    )


# --- the generated sample: history == generic log, flat == its milestones --------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """400 tickets written as the generic CSV (loaded) and as every vendor's exports."""
    out = tmp_path_factory.mktemp("vendors")
    generate(400, 3, out, "generic")
    ingest_files(out / "generic.duckdb", [out / "generic.csv"], dataset="g")
    with VendorExports(out, "s", keep_lost=True) as exports:
        for ticket in simulate(400, 3):
            exports.write(ticket)
    assert exports.lost is not None
    paths = exports.paths
    return {
        "dir": out,
        "exports": {vendor: (paths, exports.lost[vendor]) for vendor in exports.lost},
        "mapping": load_mapping(paths["levels"]),
    }


def _ticket(case_id: str) -> str:
    """HD-000042 from a vendor's id for it (42, INC0000042, SD-42)."""
    return f"HD-{int(''.join(c for c in case_id if c.isdigit())):06d}"


HISTORY = {
    "zendesk": "zendesk_audits",
    "servicenow": "servicenow_snapshots",
    "freshdesk": "freshdesk_activities",
    "jira": "jira_changelog",
}
FLAT = {
    "zendesk": "zendesk_tickets",
    "servicenow": "servicenow_incidents",
    "freshdesk": "freshdesk_tickets",
    "jira": "jira_issues",
}


# When each investigation began (the event before it), and by whom.
BEGAN = """
SELECT case_id, ts, resource FROM (
    SELECT case_id, activity, lag(ts) OVER w AS ts, resource FROM event_log
    WINDOW w AS (PARTITION BY case_key ORDER BY event_index)
) WHERE activity = 'Investigation'
"""


@pytest.mark.parametrize("vendor", list(HISTORY))
def test_the_history_export_gives_the_generic_logs_events(generated: dict, vendor: str) -> None:
    paths, lost = generated["exports"][vendor]
    db = generated["dir"] / f"{vendor}_history.duckdb"
    ingest_files(db, [paths[HISTORY[vendor]]], dataset="v", mapping=generated["mapping"])
    log = "SELECT case_id, activity, ts, resource FROM event_log WHERE source_activity <> $s"
    got = Counter((_ticket(c), a, ts, r) for c, a, ts, r in rows(db, log, {"s": "Start progress"}))
    generic = Counter(rows(generated["dir"] / "generic.duckdb", log, {"s": ""}))
    # Jira's starts of progress: an agent's, when an investigation of theirs began, as their work
    # unless it came with a move to another team
    started = Counter(
        (_ticket(c), ts, r)
        for c, ts, r in rows(
            db,
            "SELECT case_id, ts, resource FROM event_log WHERE source_activity = 'Start progress'",
        )
    )
    assert started <= Counter(rows(generated["dir"] / "generic.duckdb", BEGAN))
    assert bool(started) == (vendor == "jira")
    # what the vendor's history cannot hold, at the generic log's precision (seconds)
    left_out = Counter(lost)
    assert left_out <= generic
    assert got == generic - left_out
    assert sum(got.values()) > 0.7 * sum(generic.values())
    assert {"Escalated", "De-escalated", "Customer replied", "Reopened"} <= {k[1] for k in got}


MILESTONES = """
SELECT case_id,
    min(ts) FILTER (WHERE activity = 'Ticket created') AS created,
    min(ts) FILTER (WHERE activity = 'First response') AS first_response,
    max(ts) FILTER (WHERE activity = 'Resolved') AS resolved,
    max(ts) FILTER (WHERE activity = 'Closed') AS closed
FROM event_log GROUP BY case_id
"""


@pytest.mark.parametrize("vendor", list(FLAT))
def test_the_flat_export_gives_the_same_milestones(generated: dict, vendor: str) -> None:
    paths, _ = generated["exports"][vendor]
    db = generated["dir"] / f"{vendor}_flat.duckdb"
    zone = "UTC" if vendor == "servicenow" else "Europe/Madrid"
    report = ingest_files(db, [paths[FLAT[vendor]]], dataset="v", timezone=zone)
    assert report.rows_rejected == 0
    generic = {r[0]: r[1:] for r in rows(generated["dir"] / "generic.duckdb", MILESTONES)}
    flat = {_ticket(r[0]): r[1:] for r in rows(db, MILESTONES)}
    assert flat.keys() == generic.keys()  # every ticket is one ticket
    minute = vendor == "jira"  # Jira's CSV has no seconds
    for case_id, (created, first, resolved, closed) in generic.items():
        got = flat[case_id]
        trim = (lambda t: t and t.replace(second=0)) if minute else (lambda t: t)
        assert (got[0], got[2], got[3]) == (trim(created), trim(resolved), trim(closed)), case_id
        if vendor == "servicenow":
            assert got[1] is None  # the incident list has no first response
        elif vendor == "zendesk":  # whole minutes after creation
            assert (first is None) == (got[1] is None)
            assert first is None or abs((got[1] - first).total_seconds()) <= 30
        else:
            assert got[1] == trim(first), case_id
    ttr = "SELECT avg(epoch(resolved - created)) / 3600 FROM (" + MILESTONES + ")"
    assert rows(db, ttr)[0][0] == pytest.approx(
        rows(generated["dir"] / "generic.duckdb", ttr)[0][0], abs=0.02
    )


def test_a_joined_upload_equals_the_sum_of_its_parts(generated: dict) -> None:
    paths, _ = generated["exports"]["zendesk"]
    files = [paths["zendesk_tickets"], paths["zendesk_audits"], paths["zendesk_ratings"]]
    joined = generated["dir"] / "joined.duckdb"
    kwargs = {"dataset": "z", "mapping": generated["mapping"], "timezone": "Europe/Madrid"}
    report = ingest_files(joined, files, **kwargs)
    # the ratings' answers came with the audits: the file adds nothing, and is said to lose none
    ratings = report.files[2]
    assert ratings.events_loaded == 0 and ratings.duplicates_skipped > 0
    assert (
        f"{paths['zendesk_ratings']}: each of its {ratings.duplicates_skipped:,} events is already"
        " in the data set or another file of this load" in " ".join(report.notes)
    )
    for order in (files, files[::-1]):
        parts = generated["dir"] / f"parts_{order[0].name}.duckdb"
        for path in order:
            ingest_files(parts, [path], **kwargs)
        log = "SELECT case_id, activity, ts, resource FROM event_log ORDER BY ALL"
        assert rows(parts, log) == rows(joined, log)
        cases = "SELECT case_id, created_at, csat, attributes FROM cases ORDER BY case_id"
        assert rows(parts, cases) == rows(joined, cases)
    history = generated["dir"] / "audits_only.duckdb"
    ingest_files(history, [paths["zendesk_audits"]], **kwargs)
    log = "SELECT case_id, activity, ts, resource FROM event_log ORDER BY ALL"
    assert rows(joined, log) == rows(history, log)  # the flat milestones gave way to the history
    assert rows(joined, "SELECT count(*) FROM cases WHERE attributes->>'case:Status' IS NULL") == [
        (0,)
    ]  # and every ticket has its state at export time from the flat file


@pytest.mark.slow
def test_the_samples_load_with_no_option(tmp_path: Path) -> None:
    for path in sorted(SAMPLE.glob("helpdesk_*_*.gz")):
        report = ingest_files(tmp_path / f"{path.name}.duckdb", [path], dataset="s")
        assert (report.cases, report.rows_rejected) == (5000, 0), path


# --- escalations: the same from every vendor's exports as from the generic log ------------------

# What a desk loads of each tool: its flat ticket export and its history (ServiceNow's in UTC).
LOADED = {
    "zendesk": ("zendesk_tickets", "zendesk_audits"),
    "servicenow": ("servicenow_incidents", "servicenow_snapshots"),
    "jira": ("jira_issues", "jira_changelog"),
    "freshdesk": ("freshdesk_tickets", "freshdesk_activities"),
}


def _escalation_figures(db: Path) -> tuple[int, int, int, float]:
    with open_store(db) as con:
        found = escalations(con, Selection("d"))
    assert found.needless_escalation_rate is not None
    return (
        found.bounce_back_tickets,
        found.ping_pong_tickets,
        found.push_to_front_tickets,
        found.needless_escalation_rate,
    )


@pytest.fixture(scope="module")
def escalation_figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Bounce-backs, ping-pong, push-to-front and the needless rate of 800 tickets, from the
    generic CSV and from each vendor's exports (with the levels file as the mapping)."""
    out = tmp_path_factory.mktemp("escalations")
    generate(800, 11, out, "generic")
    with VendorExports(out, "s") as exports:
        for ticket in simulate(800, 11):
            exports.write(ticket)
    ingest_files(out / "generic.duckdb", [out / "generic.csv"], dataset="d")
    figures = {"canonical": _escalation_figures(out / "generic.duckdb")}
    mapping = load_mapping(exports.paths["levels"])
    for vendor, files in LOADED.items():
        db = out / f"{vendor}.duckdb"
        zone = "UTC" if vendor == "servicenow" else "Europe/Madrid"
        paths = [exports.paths[f] for f in files]
        ingest_files(db, paths, dataset="d", mapping=mapping, timezone=zone)
        figures[vendor] = _escalation_figures(db)
    return figures


@pytest.mark.parametrize("vendor", list(LOADED))
def test_escalations_from_a_vendors_exports_match_the_generic_log(
    escalation_figures: dict[str, tuple], vendor: str
) -> None:
    """The second level's work recorded as the tool records it tells a worked de-escalation from
    a bounce-back: every figure within 10% of the generic log's (equal, on this sample)."""
    canonical = escalation_figures["canonical"]
    assert canonical[0] >= 30 and canonical[1] >= 10 and canonical[2] >= 3  # enough to compare
    for got, want in zip(escalation_figures[vendor], canonical, strict=True):
        assert got == pytest.approx(want, rel=0.10)
