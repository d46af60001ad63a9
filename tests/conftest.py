"""Shared fixtures: the real sample exports, real DuckDB stores in tmp_path."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import settings

from ingest.load import ingest_files

# CI explores the same examples every run; locally, hypothesis keeps looking for new ones. No
# deadline on either: speed lives in benchmarks/, and a busy machine is not a failing test.
settings.register_profile("local", deadline=None)
settings.register_profile("ci", derandomize=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "local")

# A run started in the background of a script (`make test &`) ignores Ctrl+C, and so would every
# command a test starts: the tests that press Ctrl+C need it to reach them. (A Python handler, unlike
# an ignored signal, is not inherited by a started command.)
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs"
APP = str(ROOT / "dashboard" / "app.py")


def loaded_once(factory: pytest.TempPathFactory, name: str, source: Path) -> Path:
    """A store holding `source` as data set `helpdesk`, loaded once per test run and copied for
    each pytest-xdist worker (they share the run's folder; the first loads under a lock, the
    others wait for it): a worker of its own never writes to another's store."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    shared = factory.getbasetemp().parent if worker else factory.getbasetemp()
    loaded = shared / f"{name}.duckdb"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not loaded.exists():
            ingest_files(loaded, [source], dataset="helpdesk")
    copy = factory.mktemp(name) / f"{name}.duckdb"
    shutil.copy(loaded, copy)
    return copy


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the sample CSV as data set `helpdesk`; copy it before writing to it."""
    return loaded_once(tmp_path_factory, "sample", SAMPLE / "helpdesk.csv")


@pytest.fixture
def writable_sample_db(sample_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(sample_db, copy)
    return copy


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def name_designed_flow(db: Path, accepted: tuple[str, ...] = ()) -> Path:
    """The sample's designed flow beside `db`, named with `accepted` deviations in the defaults
    file beside it (ticketloop.toml: what data sets without settings of their own use)."""
    import tomli_w

    from store.settings import settings_path

    flow = db.with_name("designed_flow.bpmn")
    flow.write_bytes((SAMPLE / "designed_flow.bpmn").read_bytes())
    conformance = {"designed_flow": flow.name, "accepted_deviations": list(accepted)}
    settings_path(db).write_text(tomli_w.dumps({"conformance": conformance}), encoding="utf-8")
    return flow


def rows(db_path: Path, sql: str, params: dict | None = None) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql, params or {}).fetchall()


def chart_values(values: object) -> list:
    """A Plotly array as a list, unpacking the typed arrays (dtype + base64 bdata) of its JSON."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)  # type: ignore[call-overload]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving(port: int) -> bool:
    """Whether a Streamlit server answers its health check on `port` of localhost."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.read() == b"ok"
    except OSError:
        return False


def start_dashboard(port: int, *args: str) -> subprocess.Popen:
    """`ticketloop dashboard --port PORT ARGS` as a shell starts it, once it serves on localhost
    (output piped, as text), in a process group of its own: the caller stops it (`kill_all`)."""
    command = [str(Path(sys.executable).with_name("ticketloop")), "dashboard", "--port", str(port)]
    server = subprocess.Popen(
        [*command, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not serving(port):
        if time.monotonic() > deadline or server.poll() is not None:
            raise AssertionError(kill_all(server))
        time.sleep(0.3)
    return server


def kill_all(server: subprocess.Popen) -> str:
    """Kill a command of `start_dashboard` and what it started (its Streamlit, which would
    otherwise hold its pipe open); what it printed. A no-op on a group that has gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    return server.communicate()[0]


def app_on(db: Path, monkeypatch: pytest.MonkeyPatch):
    """The dashboard (AppTest, run once) on store `db`, with fresh caches."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TICKETLOOP_DB", str(db))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    return at


MONDAY = datetime(2025, 1, 6, 8, tzinfo=UTC)  # 08:00 UTC on Monday 6 January 2025


def at(hours: float) -> str:
    """The ISO 8601 timestamp `hours` after MONDAY."""
    return (MONDAY + timedelta(hours=hours)).isoformat()


def csv_text(header: str, rows: list[tuple]) -> str:
    """A CSV export: the header line, then one line per row (None as an empty cell)."""
    lines = [header] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def hand_made_store(tmp_path: Path, csv_text: str, dataset: str = "t") -> Path:
    """A store holding one hand-made CSV export (header first) as data set `dataset`."""
    db = tmp_path / f"{dataset}.duckdb"
    ingest_files(db, [write(tmp_path / f"{dataset}.csv", csv_text)], dataset=dataset)
    return db


REAL_LOGS = ROOT.parent / "shared" / "real_logs"
REAL_HELPDESK = REAL_LOGS / "helpdesk.xes.gz"
REAL_BPI2012 = REAL_LOGS / "bpic2012.xes.gz"


def real_log(path: Path) -> Path:
    """`path`, under ../shared/real_logs (the public logs are the test). Without it CI fails the
    test (a skip would pass unseen); elsewhere it is skipped, with the reason in the summary."""
    if not path.exists():
        message = f"{path} not found: the real logs are the test; lay shared/ beside the clone"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI needs them)", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def real_logs() -> Path:
    """The folder of the public logs, ../shared/real_logs (real_log says what its absence does)."""
    return real_log(REAL_LOGS)


@pytest.fixture(scope="session")
def real_helpdesk_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the public Helpdesk log (raw labels, no surveys) as data set `helpdesk`."""
    return loaded_once(tmp_path_factory, "real", real_log(REAL_HELPDESK))


# BPI 2012's store takes ~10 s to load: the tests on it are slow cases (`make test-slow`, and CI).
BPI2012_DB = pytest.param("real_bpi2012_db", marks=pytest.mark.slow)


@pytest.fixture(scope="session")
def real_bpi2012_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding BPI Challenge 2012 (a loan process, start and complete events) as data
    set `helpdesk`, like the other stores, so tests select it the same way."""
    return loaded_once(tmp_path_factory, "bpi", real_log(REAL_BPI2012))


def pm4py_frame(path: Path, labels: dict[str, str] | None = None, cases: list[str] | None = None):
    """The log at `path` (CSV with Case ID, Activity, Timestamp, or XES) as pm4py reads it;
    `labels` renames activities (e.g. to the names the store gave the source labels); `cases`
    keeps only those tickets of a CSV, before pm4py sees it (filtering a formatted frame, with
    pandas or pm4py, leaves pm4py 2.7 replaying no trace at all)."""
    import sys
    import warnings

    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]
    os.environ["PM4PY_SHOW_PROGRESS_BAR"] = "False"  # read when pm4py is first imported
    import pandas as pd
    import pm4py

    if path.suffix == ".csv":
        frame = pd.read_csv(path)
        if cases is not None:
            frame = frame[frame["Case ID"].isin(cases)]
        frame = pm4py.format_dataframe(
            frame, case_id="Case ID", activity_key="Activity", timestamp_key="Timestamp"
        )
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "install r4pm to read faster"
            frame = pm4py.format_dataframe(pm4py.read_xes(str(path)))
    if labels:
        frame["concept:name"] = frame["concept:name"].replace(labels)
    return frame


def store_labels(db: Path) -> dict[str, str]:
    """Source label -> activity name, as the store at `db` mapped them at ingest."""
    return dict(
        rows(
            db,
            "SELECT DISTINCT source_activity, activity FROM event_log",
        )
    )


def opened_from_a_link(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str):
    """The dashboard on `db` (AppTest, caches empty) as a link with these query parameters
    opens it."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TICKETLOOP_DB", str(db))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()
