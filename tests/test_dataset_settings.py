"""Settings per data set, kept in the store: two processes in one store each judged by their own
calendar, targets and designed flow; the defaults file only fills what a data set does not set."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from application.flow import no_flow
from ingest.load import ingest_files
from store.connection import open_store
from store.errors import SettingsError
from store.schema import SCHEMA_VERSION, migration
from store.settings import settings_path
from tests.conftest import SAMPLE, rows, write
from ticketloop.api import Store
from ticketloop.cli import cli

VENDOR = """
[calendar]
timezone = "Europe/Rome"
opens = "09:00"
closes = "17:00"

[targets]
ttr_median_hours = {target = 72, better = "lower"}

[sla]
default = {first_response_hours = 8, resolution_hours = 80}
"""


@pytest.fixture(scope="module")
def two_desks(tmp_path_factory: pytest.TempPathFactory, real_logs: Path) -> Path:
    """The sample incidents and the public Helpdesk log in one store, each with settings of
    its own: the incidents' with their designed flow, the vendor's calendar and targets."""
    folder = tmp_path_factory.mktemp("two")
    db = folder / "two.duckdb"
    ingest_files(db, [SAMPLE / "helpdesk.csv"], dataset="incidents")
    ingest_files(db, [real_logs / "helpdesk.xes.gz"], dataset="vendor")
    store = Store(db)
    store.import_settings("incidents", SAMPLE / "ticketloop.toml")
    store.import_settings("vendor", write(folder / "vendor.toml", VENDOR))
    return db


def test_each_data_set_has_its_own_settings(two_desks: Path) -> None:
    store = Store(two_desks)
    incidents, vendor = store.settings_of("incidents"), store.settings_of("vendor")
    assert (incidents.calendar.timezone, vendor.calendar.timezone) == (
        "Europe/Madrid",
        "Europe/Rome",
    )
    assert vendor.targets["ttr_median_hours"].target == 72
    assert incidents.targets["ttr_median_hours"].target == 24  # the built-in default
    assert vendor.sla_for("no such priority").resolution_hours == 80  # its default SLA
    assert store.select("vendor").selection.timezone == "Europe/Rome"  # its weeks, its clock
    assert store.select("vendor").kpis().to_json(vendor.targets)["kpis"]  # judged by its own
    assert (
        incidents.designed_flow is not None and incidents.designed_flow.name == "designed_flow.bpmn"
    )
    assert vendor.designed_flow is None


def test_a_flow_set_for_one_data_set_is_never_put_on_another(
    two_desks: Path, tmp_path: Path
) -> None:
    db = tmp_path / "two.duckdb"
    shutil.copy(two_desks, db)
    store = Store(db)
    assert store.select("incidents").fit().conformance is not None
    assert store.select("vendor").fit().reason == no_flow("vendor")
    assert "ticketloop settings --dataset vendor --flow FLOW.bpmn" in no_flow("vendor")
    discovered = tmp_path / "vendor.bpmn"
    discovered.write_text(store.select("vendor").discover(noise=0.2).bpmn, encoding="utf-8")
    store.set_flow("vendor", discovered)
    vendor_fit = store.select("vendor").fit()
    assert vendor_fit.flow == "vendor.bpmn" and vendor_fit.conformance is not None
    assert store.select("incidents").fit().flow == "designed_flow.bpmn"  # unchanged
    discovered.unlink()  # the flow is kept in the store, not as a path
    assert store.select("vendor").fit().conformance is not None


def test_settings_travel_with_the_store_file(two_desks: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "moved" / "copy.duckdb"
    elsewhere.parent.mkdir()
    shutil.copy(two_desks, elsewhere)  # no settings file, no BPMN beside it
    moved = Store(elsewhere).settings_of("incidents")
    assert moved == Store(two_desks).settings_of("incidents")
    assert moved.designed_flow is not None and moved.designed_flow.data is not None


def test_the_settings_command_shows_every_data_set_and_where_each_value_comes_from(
    two_desks: Path,
) -> None:
    shown = CliRunner().invoke(cli, ["settings", "--db", str(two_desks), "--json"])
    assert shown.exit_code == 0, shown.output
    docs = {d["dataset"]: {s["key"]: s for s in d["settings"]} for d in json.loads(shown.output)}
    assert set(docs) == {"incidents", "vendor"}
    assert docs["vendor"]["calendar.timezone"] == {
        "key": "calendar.timezone",
        "value": "Europe/Rome",
        "source": "data set",
    }
    assert docs["vendor"]["calendar.workdays"]["source"] == "built-in default"
    assert docs["incidents"]["conformance.designed_flow"]["value"] == "designed_flow.bpmn"
    assert docs["vendor"]["conformance.designed_flow"]["value"] is None
    text = CliRunner().invoke(cli, ["settings", "--db", str(two_desks), "--dataset", "vendor"])
    assert "Settings of data set 'vendor'" in text.output
    assert "calendar.timezone" in text.output and "Europe/Rome  [data set]" in text.output
    assert "incidents" not in text.output and "[built-in]" in text.output
    one = CliRunner().invoke(
        cli, ["settings", "--db", str(two_desks), "--dataset", "vendor", "--json"]
    )
    assert json.loads(one.output)["dataset"] == "vendor"  # one object for one data set


def test_the_defaults_file_fills_only_what_a_data_set_does_not_set(
    two_desks: Path, tmp_path: Path
) -> None:
    db = tmp_path / "two.duckdb"
    shutil.copy(two_desks, db)
    defaults = write(settings_path(db), '[calendar]\ntimezone = "Asia/Tokyo"\nopens = "07:00"\n')
    shown = Store(db).dataset_settings("vendor")
    assert shown.settings.calendar.timezone == "Europe/Rome"  # its own wins
    assert shown.settings.calendar.opens.hour == 9  # its own
    assert Store(db).settings_of("incidents").calendar.opens.hour == 8  # the sample's own
    assert shown.sources["calendar.timezone"] == "data set"
    Store(db).forget_settings("vendor")
    again = Store(db).dataset_settings("vendor")
    assert again.settings.calendar.timezone == "Asia/Tokyo"
    assert again.sources["calendar.timezone"] == str(defaults)
    assert again.sources["calendar.closes"] == "built-in default"


def test_a_store_from_before_keeps_the_settings_beside_it(tmp_path: Path) -> None:
    """A store made before settings lived in it is migrated: its data sets keep what the
    ticketloop.toml beside it says, as defaults."""
    db = tmp_path / "old.duckdb"
    ingest_files(db, [SAMPLE / "helpdesk.csv"], dataset="helpdesk")
    with open_store(db) as con:  # as the store was at schema version 9
        con.execute("DROP TABLE dataset_settings")
        con.execute("DROP TABLE dataset_privacy")
        con.execute("DROP TABLE audit_log")
        for later in ("014_kpi_facts.sql", "015_ticket_case_columns.sql"):
            for column in re.findall(r"ADD COLUMN (\w+)", migration(later)):
                con.execute(f"ALTER TABLE ticket_facts DROP COLUMN {column}")
        con.execute("DELETE FROM schema_version WHERE version >= 10")
    write(settings_path(db), '[calendar]\ntimezone = "Europe/Madrid"\n')
    with open_store(db):  # any write command migrates the store
        pass
    assert Store(db).settings_of("helpdesk").calendar.timezone == "Europe/Madrid"
    assert rows(db, "SELECT max(version) FROM schema_version") == [(SCHEMA_VERSION,)]


def test_renaming_keeps_and_deleting_drops_a_data_sets_settings(
    two_desks: Path, tmp_path: Path
) -> None:
    db = tmp_path / "two.duckdb"
    shutil.copy(two_desks, db)
    from store.datasets import rename_dataset

    with open_store(db) as con:
        rename_dataset(con, "vendor", "italian desk")
    assert Store(db).settings_of("italian desk").calendar.timezone == "Europe/Rome"
    Store(db).delete_dataset("italian desk")
    assert rows(db, "SELECT count(*) FROM dataset_settings") == [(1,)]  # the incidents' only


def test_a_settings_file_naming_a_missing_flow_is_refused_whole(
    two_desks: Path, tmp_path: Path
) -> None:
    db = tmp_path / "two.duckdb"
    shutil.copy(two_desks, db)
    bad = write(tmp_path / "bad.toml", '[conformance]\ndesigned_flow = "nowhere.bpmn"\n')
    before = Store(db).settings_of("vendor")
    with pytest.raises(SettingsError, match=r"nowhere\.bpmn, which is not there"):
        Store(db).import_settings("vendor", bad)
    assert Store(db).settings_of("vendor") == before


def test_the_settings_page_edits_the_selected_data_set_only(
    two_desks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import texts
    from dashboard.pages import PAGES
    from tests.conftest import opened_from_a_link

    db = tmp_path / "two.duckdb"
    shutil.copy(two_desks, db)
    settings_page = next(p for p in PAGES if p.module == "settings")
    at = opened_from_a_link(db, monkeypatch, dataset="incidents")
    at.switch_page(settings_page.script).run()
    assert at.text_input(key="set_timezone").value == "Europe/Madrid"
    at.text_input(key="set_timezone").set_value("Asia/Tokyo").run()  # typed, never saved
    at.selectbox(key="dataset").set_value("vendor").run()
    assert at.text_input(key="set_timezone").value == "Europe/Rome"  # the vendor's, not typed
    at.text_area(key="set_deviations").set_value("skipped: Closed")
    at.button(key="FormSubmitter:settings_form-" + texts.SETTINGS_SAVE).click().run()
    assert not at.exception, at.exception
    store = Store(db)
    assert store.settings_of("vendor").accepted_deviations == ("skipped: Closed",)
    assert store.settings_of("vendor").calendar.timezone == "Europe/Rome"
    assert store.settings_of("incidents").accepted_deviations == ()
    assert store.settings_of("incidents").calendar.timezone == "Europe/Madrid"
    (sources,) = [f.value for f in at.dataframe if list(f.value.columns)[:1] == ["setting"]]
    by_key = sources.set_index("setting")
    assert by_key.loc["conformance.accepted_deviations", "from"] == "this data set"
    assert by_key.loc["calendar.workdays", "from"] == "built-in default"


def test_a_new_data_set_read_in_a_zone_keeps_it_as_its_calendars(tmp_path: Path) -> None:
    """Times without an offset read in the desk's zone: the new data set shows them on that
    clock (not as UTC), and an appended file or another data set does not change it."""
    export = write(
        tmp_path / "madrid.csv",
        "case_id,activity,timestamp\nT1,Created,2025-01-06 06:12:00\nT1,Resolved,2025-01-06 09:00:00\n",
    )
    db = tmp_path / "desk.duckdb"
    loaded = CliRunner().invoke(
        cli, ["ingest", str(export), "--db", str(db), "--timezone", "Europe/Madrid"]
    )
    assert loaded.exit_code == 0, loaded.output
    assert (
        "the new data set 'madrid' starts with Europe/Madrid as its calendar's time zone"
        in loaded.output
    )
    assert Store(db).settings_of("madrid").calendar.timezone == "Europe/Madrid"
    shown = CliRunner().invoke(cli, ["ticket", "T1", "--db", str(db)])
    assert "2025-01-06 06:12" in shown.output and "07:12" not in shown.output
    assert rows(db, "SELECT min(ts) FROM events")[0][0].hour == 5  # stored in UTC
    other = write(
        tmp_path / "other.csv", "case_id,activity,timestamp\nU1,Created,2025-01-06 06:12:00\n"
    )
    Store(db).load(other, dataset="other")  # no zone given: UTC, the defaults'
    assert Store(db).settings_of("other").calendar.timezone == "UTC"


def test_a_value_a_data_set_set_stays_its_own_when_saved_equal_to_a_default(
    two_desks: Path, tmp_path: Path
) -> None:
    """Saving the page's whole form keeps what the data set set itself, even a value equal to
    the built-in default, so a defaults file beside another copy cannot take it over."""
    from dataclasses import replace

    from store.dataset_settings import dataset_settings, save_dataset_settings

    db = tmp_path / "two.duckdb"
    shutil.copy(two_desks, db)
    with open_store(db) as con:  # the incidents set their workdays (Mon-Fri, the default)
        before = dataset_settings(con, "incidents", None)
        assert before.sources["calendar.workdays"] == "data set"
        save_dataset_settings(
            con, "incidents", replace(before.settings, push_to_front_share=0.75), None
        )
    write(settings_path(db), '[calendar]\nworkdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]\n')
    after = Store(db).dataset_settings("incidents")
    assert after.settings.calendar.workdays == (0, 1, 2, 3, 4)
    assert after.sources["calendar.workdays"] == "data set"
    assert after.settings.push_to_front_share == 0.75
