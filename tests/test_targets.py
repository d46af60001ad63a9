"""KPI targets as people type them: rates in percent on the Settings form, fractions in the
settings file, out-of-range values refused with the range, never saved as 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.settings_form import SettingsForm, save_form
from mining.kpis import BY_NAME
from store.errors import SettingsError
from store.settings import DEFAULT_TARGETS, SHARE, Settings, load_settings, target_range
from tests.conftest import rows
from ticketloop.api import Store


def test_every_rate_target_is_a_share_and_the_others_have_their_scale() -> None:
    for name in DEFAULT_TARGETS:
        assert (target_range(name) == SHARE) == (BY_NAME[name].unit == "fraction"), name
    assert target_range("nps") == (-100, 100)
    assert target_range("ces_mean") == (1, 7)


def test_a_rate_target_of_70_in_the_settings_file_is_refused_with_the_range(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ticketloop.toml"
    path.write_text("[targets]\nfcr_rate = {target = 70}\n", encoding="utf-8")
    with pytest.raises(SettingsError) as refused:
        load_settings(path)
    assert str(refused.value) == (
        f"{path}: [targets] fcr_rate target = 70 is not a share 0-1 (0-100%). Write 0.7 for 70%"
    )
    path.write_text("[targets]\nnps = {target = 150}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"nps target = 150 is not from -100 to 100"):
        load_settings(path)


def _typed(kpi: str, value: object) -> SettingsForm:
    form = SettingsForm.of(Settings())
    rows = [dict(r) for r in form.targets]
    row = next(r for r in rows if r["KPI"] == kpi)
    row["target"] = value
    return SettingsForm(**{**form.__dict__, "targets": rows})


def test_the_form_shows_and_takes_rates_in_percent(writable_sample_db: Path) -> None:
    form = SettingsForm.of(Settings())
    shown = {r["KPI"]: (r["target"], r["unit"]) for r in form.targets}
    assert shown["First-contact resolution"] == (70, "%")
    assert shown["Median time to resolution"] == (24, "hours")
    assert shown["Net promoter score"] == (30, "-100 to 100")
    assert form.push_to_front_share == 80
    db = writable_sample_db
    saved = save_form(db, "helpdesk", Settings(), _typed("First-contact resolution", 65), None)
    assert saved.settings.targets["fcr_rate"].target == 0.65
    assert saved.settings.push_to_front_share == 0.8
    assert Store(db).settings_of("helpdesk").targets["fcr_rate"].target == 0.65


@pytest.mark.parametrize(
    ("kpi", "typed", "message"),
    [
        ("First-contact resolution", 700, "must be a number from 0% to 100%, not 700%"),
        ("First-contact resolution", None, "must be a number from 0% to 100%, not empty"),
        ("First-contact resolution", float("nan"), "must be a number from 0% to 100%, not empty"),
        ("First-contact resolution", "seventy", "must be a number from 0% to 100%, not seventy%"),
        ("Median time to resolution", -3, "must be a number 0 or more, not -3"),
        ("Net promoter score", 150, "must be a number from -100 to 100, not 150"),
        ("Customer effort score", 0, "must be a number from 1 to 7, not 0"),
    ],
)
def test_a_target_out_of_range_or_empty_is_refused_and_nothing_written(
    writable_sample_db: Path, kpi: str, typed: object, message: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        save_form(writable_sample_db, "helpdesk", Settings(), _typed(kpi, typed), None)
    assert str(refused.value) == f"target of {kpi} {message}"
    assert rows(writable_sample_db, "SELECT count(*) FROM dataset_settings") == [(0,)]


@pytest.mark.slow  # two pages and a report on the public log: the fast suite stays under 4 min
def test_kpis_judged_by_the_built_in_targets_say_so(
    real_helpdesk_db: Path, sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The public Helpdesk log has no settings of its own: the command, the review page, KPI
    trends and the report say its targets are the built-in ones; a desk that set them is not
    told so, nor of the part it set (the sample desk set its SLA times, not its targets)."""
    import json
    import shutil

    from click.testing import CliRunner

    from application.targets import defaults_note
    from dashboard.pages import PAGES
    from tests.conftest import SAMPLE, app_on
    from ticketloop.cli import cli

    note = defaults_note(Settings())
    assert note and note.startswith("The targets and SLA times are ticketloop's built-in defaults")
    runner = CliRunner()
    said = runner.invoke(cli, ["kpis", "--db", str(real_helpdesk_db)]).output
    assert " ".join(said.split("\nThe targets")[1].split()) == note.removeprefix("The targets ")
    doc = json.loads(runner.invoke(cli, ["kpis", "--db", str(real_helpdesk_db), "--json"]).output)
    assert doc["unset"] == ["targets", "sla"]
    # the review says it before its verdicts, KPI trends under its introduction
    review = app_on(real_helpdesk_db, monkeypatch)
    review.switch_page(next(p for p in PAGES if p.module == "weekly_review").script).run()
    assert [w.value for w in review.warning] == [note]
    trends = app_on(real_helpdesk_db, monkeypatch)
    trends.switch_page(next(p for p in PAGES if p.module == "kpi_trends").script).run()
    assert note in [c.value for c in trends.caption]
    out = tmp_path / "review.html"
    runner.invoke(cli, ["report", "--db", str(real_helpdesk_db), "--out", str(out)])
    html = out.read_text()
    assert html.index("built-in defaults, not this desk&#x27;s") < html.index(
        "What to look at next"
    )
    # a desk that set its SLA times but no target is told of its targets only
    shutil.copy(sample_db, tmp_path / "sample.duckdb")
    settings_file = tmp_path / "ticketloop.toml"
    settings_file.write_text("[sla]\nurgent = {first_response_hours = 1, resolution_hours = 8}\n")
    assert load_settings(settings_file).unset == ("targets",)
    sample = runner.invoke(
        cli, ["kpis", "--db", str(tmp_path / "sample.duckdb"), "--dataset", "helpdesk"]
    ).output
    assert "\nThe targets are ticketloop's built-in defaults" in sample
    # the sample desk's own settings set both: nothing is said
    assert load_settings(SAMPLE / "ticketloop.toml").unset == ()
    shutil.copy(SAMPLE / "ticketloop.toml", settings_file)
    sample = runner.invoke(
        cli, ["kpis", "--db", str(tmp_path / "sample.duckdb"), "--dataset", "helpdesk"]
    ).output
    assert "Median time to resolution" in sample and "built-in defaults" not in sample
