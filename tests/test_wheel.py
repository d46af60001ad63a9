"""The installed package is the product: a wheel built from the repository, installed into a fresh
virtual environment, runs the demo and the weekly report in an empty folder."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_layers import PACKAGES

SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"
]
# Folders of the repository that are not the product.
NOT_SHIPPED = {"tests", "benchmarks", "build", "sample_logs"}
# What `ticketloop demo` and the API's default designed flow read, shipped as package data: the
# helpdesk and the complaints desk, each with its designed flow and settings.
SAMPLE_FILES = {
    "helpdesk.csv",
    "designed_flow.bpmn",
    "ticketloop.toml",
    "complaints.csv",
    "complaints_flow.bpmn",
    "complaints.toml",
}


def _package_folders() -> set[str]:
    """Every folder of the repository holding Python modules, as a dotted package name."""
    folders = {path.parent.relative_to(ROOT) for path in ROOT.rglob("*.py")}
    return {
        ".".join(folder.parts)
        for folder in folders
        if folder.parts
        and folder.parts[0] not in NOT_SHIPPED
        and not folder.parts[0].startswith(".")
        and "__pycache__" not in folder.parts
    }


def test_the_wheel_lists_every_package_folder_and_its_data() -> None:
    """pyproject.toml lists the packages (to map sample_logs/ under ticketloop): a new package
    folder, or data files no package-data glob covers, would be missing from an installed
    ticketloop."""
    packages = set(SETUPTOOLS["packages"])
    listed, folders = packages - {"ticketloop.sample_logs"}, _package_folders()
    assert listed == folders, (
        f"[tool.setuptools] packages: add {sorted(folders - listed)}, drop {sorted(listed - folders)}"
    )
    assert SETUPTOOLS["package-dir"] == {"ticketloop.sample_logs": "sample_logs"}
    data = SETUPTOOLS["package-data"]
    assert set(data["ticketloop.sample_logs"]) == SAMPLE_FILES
    assert all((ROOT / "sample_logs" / name).is_file() for name in SAMPLE_FILES)
    for package in packages - {"ticketloop.sample_logs"}:
        folder = ROOT.joinpath(*package.split("."))
        shipped = {path for glob in data.get(package, []) for path in folder.glob(glob)}
        files = {
            path
            for path in folder.rglob("*")
            if path.is_file()
            and path.suffix not in {".py", ".pyc"}
            and "__pycache__" not in path.parts
            and ".".join(path.parent.relative_to(ROOT).parts) not in packages - {package}
        }
        assert files <= shipped, f"{package}: {sorted(map(str, files - shipped))} not shipped"


def _run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command outside the repository: no PYTHONPATH, no store or settings from the
    environment, so only the installed package can answer."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "VIRTUAL_ENV", "TICKETLOOP_DB", "TICKETLOOP_CONFIG"}
    }
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True
    )


@pytest.mark.slow
def test_an_installed_wheel_runs_the_demo_and_the_report_in_an_empty_folder(
    tmp_path: Path,
) -> None:
    uv = Path(sys.executable).parent / "uv"
    dist, venv, folder = tmp_path / "dist", tmp_path / "venv", tmp_path / "empty"
    # sdist, then the wheel from it: what a release builds, with no stale build/ of the clone.
    # Online if need be: the build's own setuptools is not in the lock file that `make install`
    # puts in uv's cache (the installs below are offline from that cache).
    built = _run(uv, "build", "--quiet", "--out-dir", dist, ROOT)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("ticketloop-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if ".dist-info/" not in name}
    assert top == set(PACKAGES)  # the layers, and neither tests/ nor benchmarks/
    assert {f"ticketloop/sample_logs/{name}" for name in SAMPLE_FILES} <= set(names)

    for step in (
        (uv, "venv", "--quiet", "--python", sys.executable, venv),
        (uv, "pip", "sync", "--quiet", "--offline", "--python", venv / "bin" / "python",
         ROOT / "requirements.lock"),
        (uv, "pip", "install", "--quiet", "--offline", "--python", venv / "bin" / "python",
         wheel),
    ):  # fmt: skip
        done = _run(*step)
        assert done.returncode == 0, done.stderr

    folder.mkdir()
    ticketloop = venv / "bin" / "ticketloop"
    demo = _run(ticketloop, "demo", "--no-serve", cwd=folder)
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.startswith(
        "sample data set 'helpdesk' (incidents, Europe/Madrid) in ticketloop.duckdb: 5,000 tickets"
    )
    assert "sample data set 'complaints' (complaints, Europe/Berlin)" in demo.stdout
    shown = _run(ticketloop, "settings", "--json", cwd=folder)
    flows = {
        d["dataset"]: next(
            s["value"] for s in d["settings"] if s["key"] == "conformance.designed_flow"
        )
        for d in json.loads(shown.stdout)
    }
    assert flows == {"helpdesk": "designed_flow.bpmn", "complaints": "complaints_flow.bpmn"}

    report = _run(
        ticketloop, "report", "--dataset", "helpdesk", "--week", "last", "--out", "r.html",
        cwd=folder,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert report.stdout == "wrote r.html: weekly review of 2025-W27\n"
    html = (folder / "r.html").read_text(encoding="utf-8")
    assert "<h1>Weekly review 2025-W27: helpdesk</h1>" in html
    trends = html.split("<h2>Trends")[1].split("<h2>")[0]
    mondays = [str(date(2025, 1, 6) + timedelta(weeks=week)) for week in range(26)]
    assert sorted(set(re.findall(r"2025-\d\d-\d\d", trends))) == mondays  # the sample's 26 weeks
    assert "Knowledge base rollout" in trends  # the desk's change, recorded by the demo
    deviations = html.split("<h2>Top deviations from the designed flow</h2>")[1].split("<h2>")[0]
    assert deviations.count("<tr>") > 1 and "HD-" in deviations  # replayed on the designed flow
