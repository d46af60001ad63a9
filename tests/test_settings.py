"""Settings (`ticketloop.toml`): defaults when absent, every key read, one line naming a bad key."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date, time
from pathlib import Path

import pytest

from application.settings_form import SettingsForm, save_form
from store.connection import open_store
from store.dataset_settings import save_dataset_settings
from store.errors import SettingsError
from store.settings import (
    DEFAULT_TARGETS,
    Calendar,
    DesignedFlow,
    Settings,
    SlaTarget,
    Target,
    load_settings,
    settings_of,
    settings_path,
    settings_toml,
)
from tests.conftest import write

FULL = """
[calendar]
workdays = ["Mon", "Tue", "Wed", "Thu"]
opens = "09:00"
closes = "17:30"
timezone = "Europe/Madrid"
holidays = [2025-12-25, 2025-01-01]

[targets]
ttr_median_hours = {target = 12, better = "lower"}
csat = {target = 0.85}

[sla]
Urgent = {first_response_hours = 0.25, resolution_hours = 4}

[escalations]
push_to_front_share = 0.75

[conformance]
accepted_deviations = ["skipped: Classified"]
designed_flow = "flows/desk.bpmn"
method = "alignments"

[kpis]
baseline_weeks = 8
near_share = 0.05
"""


def test_a_missing_file_means_the_documented_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "ticketloop.toml")
    assert settings == Settings()
    assert settings.calendar.workdays == (0, 1, 2, 3, 4)
    assert (settings.calendar.opens, settings.calendar.closes) == (time(8), time(18))
    assert settings.calendar.timezone == "UTC"
    assert settings.sla_for("nonsense") == SlaTarget(4, 24)
    assert settings.push_to_front_share == 0.8
    assert (settings.baseline_weeks, settings.near_share) == (12, 0.1)
    assert settings.conformance_method == "token-replay"


def test_every_key_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "ticketloop.toml", FULL)
    settings = load_settings(path)
    assert settings.calendar.workdays == (0, 1, 2, 3)
    assert (settings.calendar.opens, settings.calendar.closes) == (time(9), time(17, 30))
    assert settings.calendar.hours_per_day == 8.5
    assert settings.calendar.timezone == "Europe/Madrid"
    assert settings.calendar.holidays == (date(2025, 1, 1), date(2025, 12, 25))
    assert settings.targets["ttr_median_hours"] == Target(12, "lower")
    assert settings.targets["csat"] == Target(0.85, "higher")
    assert settings.targets["nps"] == DEFAULT_TARGETS["nps"]
    assert settings.sla_for("URGENT") == SlaTarget(0.25, 4)
    assert settings.sla_for("low") == SlaTarget(8, 40)
    assert settings.push_to_front_share == 0.75
    assert settings.accepted_deviations == ("skipped: Classified",)
    flow = tmp_path / "flows" / "desk.bpmn"
    assert settings.designed_flow == DesignedFlow("desk.bpmn", None, str(flow))  # not there
    assert settings.conformance_method == "alignments"
    assert (settings.baseline_weeks, settings.near_share) == (8, 0.05)


def test_the_settings_live_beside_the_store(tmp_path: Path) -> None:
    assert settings_path(tmp_path / "desk.duckdb") == (tmp_path / "ticketloop.toml").resolve()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[calender]\n",
            "[calender] is not a known section. Sections are calendar, targets, sla, escalations, conformance, kpis",
        ),
        (
            '[calendar]\nopens = "25:00"\n',
            "[calendar] opens = '25:00' is not a time of day. Write it as \"08:00\"",
        ),
        (
            '[calendar]\nopens = "18:00"\ncloses = "08:00"\n',
            '[calendar] closes is not after opens. Write e.g. opens = "08:00", closes = "18:00"',
        ),
        (
            '[calendar]\ntimezone = "Mars/Olympus"\n',
            "[calendar] timezone = 'Mars/Olympus' is not a known time zone. Use an IANA name such as \"Europe/Madrid\"",
        ),
        (
            '[calendar]\nworkdays = ["Funday"]\n',
            '[calendar] workdays = [\'Funday\'] is not a list of weekdays. Write e.g. ["Mon", "Tue", "Wed", "Thu", "Fri"]',
        ),
        (
            '[calendar]\nholidays = ["Christmas"]\n',
            "[calendar] holidays must be a list of dates. Write e.g. holidays = [2026-12-25, 2027-01-01]",
        ),
        (
            "[targets]\nspeed = {target = 1}\n",
            "[targets] speed is not a KPI. KPIs are " + ", ".join(DEFAULT_TARGETS),
        ),
        (
            '[targets]\ncsat = {target = 0.8, better = "up"}\n',
            '[targets] csat has better = "up". Use better = "lower" or "higher"',
        ),
        (
            "[targets]\ncsat = 0.8\n",
            '[targets] csat needs a target. Write csat = {target = 24, better = "lower"}',
        ),
        (
            "[sla]\nhigh = {first_response_hours = 2}\n",
            "[sla] high needs first_response_hours and resolution_hours. Write high = {first_response_hours = 4, resolution_hours = 24}",
        ),
        (
            "[sla]\nhigh = {first_response_hours = -2, resolution_hours = 4}\n",
            "[sla] high.first_response_hours = -2 is not a number of hours. Write a number such as 24",
        ),
        (
            "[sla]\nhigh = {first_response_hours = 0, resolution_hours = 4}\n",
            "[sla] high.first_response_hours = 0 is not a number of hours. Write a number such as 24",
        ),
        (
            "[sla]\nhigh = {first_response_hours = 2, resolution_hours = inf}\n",
            "[sla] high.resolution_hours = inf is not a number of hours. Write a number such as 24",
        ),
        (
            "[targets]\ncsat = {target = nan}\n",
            "[targets] csat has target = nan. Write a number, e.g. target = 24",
        ),
        (
            "[targets]\nttr_median_hours = {target = -inf}\n",
            "[targets] ttr_median_hours has target = -inf. Write a number, e.g. target = 24",
        ),
        (
            "[targets]\nreopen_rate = {target = -0.05}\n",
            "[targets] reopen_rate has target = -0.05. Write a number, e.g. target = 24",
        ),
        (
            "[escalations]\npush_to_front_share = nan\n",
            "[escalations] push_to_front_share = nan is not a share. Use 0.8 for 80%",
        ),
        (
            "[kpis]\nnear_share = nan\n",
            "[kpis] near_share = nan is not a share. Use 0.1 for within 10%",
        ),
        (
            "[calendar]\nworkdays = []\n",
            '[calendar] workdays = [] is not a list of weekdays. Write e.g. ["Mon", "Tue", "Wed", "Thu", "Fri"]',
        ),
        (
            '[calendar]\ntimezone = "localtime"\n',
            "[calendar] timezone = 'localtime' is not a known time zone. Use an IANA name such as \"Europe/Madrid\"",
        ),
        (
            '[calendar]\ntimezone = "posixrules"\n',
            "[calendar] timezone = 'posixrules' is not a known time zone. Use an IANA name such as \"Europe/Madrid\"",
        ),
        (
            "[calendar]\nholidays = " + "[" * 3_000 + "]" * 3_000 + "\n",
            "not valid settings (arrays or tables nested too deeply). See the README's settings example",
        ),
        (
            "[escalations]\npush_to_front_share = 80\n",
            "[escalations] push_to_front_share = 80 is not a share. Use 0.8 for 80%",
        ),
        (
            '[conformance]\naccepted_deviations = "all"\n',
            '[conformance] accepted_deviations must be a list of strings. Write e.g. accepted_deviations = ["skipped: Classified"]',
        ),
        (
            '[conformance]\nmethod = "exact"\n',
            "[conformance] method = 'exact' is not a method. Use 'token-replay' or 'alignments'",
        ),
        (
            "[kpis]\nbaseline_weeks = 1\n",
            "[kpis] baseline_weeks = 1 is not a number of weeks (2 or more). Write e.g. baseline_weeks = 12",
        ),
        (
            "[kpis]\nnear_share = 10\n",
            "[kpis] near_share = 10 is not a share. Use 0.1 for within 10%",
        ),
        (
            "[kpis]\nbaseline = 12\n",
            "[kpis] baseline is not a known key. Keys are baseline_weeks, min_answers, min_tickets, near_share",
        ),
        ("calendar = [\n", "not valid TOML"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_key_and_the_fix(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path / "ticketloop.toml", text)
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_npss_target_may_be_below_zero(tmp_path: Path) -> None:
    path = write(tmp_path / "ticketloop.toml", "[targets]\nnps = {target = -20}\n")
    assert load_settings(path).targets["nps"] == Target(-20, "higher")


def test_a_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ticketloop.toml"
    path.write_bytes(b"\xef\xbb\xbf" + FULL.encode())
    assert load_settings(path).calendar.timezone == "Europe/Madrid"


def test_a_folder_named_like_the_settings_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ticketloop.toml"
    folder.mkdir()
    with pytest.raises(SettingsError) as caught:
        load_settings(folder)
    assert str(caught.value) == (
        f"{folder}: is a folder, not a settings file. Rename or remove it, or give --config a"
        " TOML file"
    )


def test_the_settings_page_refuses_a_zone_duckdb_does_not_know(writable_sample_db: Path) -> None:
    current = load_settings(None)
    form = replace(SettingsForm.of(current), timezone="localtime")
    with pytest.raises(SettingsError) as caught:
        save_form(writable_sample_db, "helpdesk", current, form, None)
    assert str(caught.value) == (
        "the settings of data set 'helpdesk': [calendar] timezone = 'localtime' is not a known"
        ' time zone. Use an IANA name such as "Europe/Madrid"'
    )
    with open_store(writable_sample_db) as con:
        assert con.execute("SELECT count(*) FROM dataset_settings").fetchall() == [(0,)]


def test_settings_round_trip_through_a_document() -> None:
    original = Settings(
        calendar=Calendar(
            (0, 2, 4), time(7, 30), time(19, 0), "Europe/Madrid", (date(2026, 12, 25),)
        ),
        targets={**Settings().targets, "csat": Target(0.85, "higher")},
        sla={**Settings().sla, 'VIP "gold"': SlaTarget(0.25, 4)},
        push_to_front_share=0.75,
        accepted_deviations=("skipped: Classified", "unexpected: Investigation"),
        conformance_method="alignments",
        baseline_weeks=8,
        near_share=0.05,
    )
    again = settings_of(tomllib.loads(settings_toml(original)), "test", None)
    assert again.calendar == original.calendar
    assert again.targets["csat"] == Target(0.85, "higher")
    assert again.sla['vip "gold"'] == SlaTarget(0.25, 4)
    assert again.accepted_deviations == original.accepted_deviations
    assert again.conformance_method == "alignments"
    assert (again.baseline_weeks, again.near_share) == (8, 0.05)


def test_invalid_settings_are_refused_and_nothing_written(writable_sample_db: Path) -> None:
    with open_store(writable_sample_db) as con:
        with pytest.raises(SettingsError, match="push_to_front_share") as caught:
            save_dataset_settings(con, "helpdesk", Settings(push_to_front_share=1.5), None)
        assert str(caught.value).startswith("the settings of data set 'helpdesk': ")
        assert con.execute("SELECT count(*) FROM dataset_settings").fetchall() == [(0,)]
