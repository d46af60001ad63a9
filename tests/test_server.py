"""A shared dashboard: local by default, sign-in and roles when shared, writes refused on the
server to a role that lacks them, every write in the audit log (issue 20)."""

from __future__ import annotations

import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from application.access import add_user, read_users, sign_in, users_path
from dashboard import texts
from store.connection import open_store
from tests.conftest import APP, SAMPLE, free_port, rows, start_dashboard
from ticketloop.cli import cli, serve_command

TICKETLOOP = str(Path(sys.executable).with_name("ticketloop"))
PASSWORD = "correct horse battery"


def _other_address() -> str:
    """An address of this machine that is not a loopback one."""
    found = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=True)
    addresses = [a for a in found.stdout.split() if "." in a and not a.startswith("127.")]
    assert addresses, "the machine needs a non-loopback IPv4 address for this test"
    return addresses[0]


def _reaches(address: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex((address, port)) == 0


def test_the_dashboard_listens_on_this_machine_only_and_shows_no_error_details(
    tmp_path: Path,
) -> None:
    command = serve_command(Path("app.py"), 8501, "127.0.0.1", 200)
    options = dict(zip(command[5::2], command[6::2], strict=False))
    assert options["--server.address"] == "127.0.0.1"
    assert options["--client.showErrorDetails"] == "none"
    port = free_port()
    server = start_dashboard(port, "--db", str(tmp_path / "x.duckdb"))
    try:
        assert _reaches("127.0.0.1", port)
        assert not _reaches(_other_address(), port)
    finally:
        server.terminate()
        server.communicate(timeout=20)


def test_sharing_without_users_refuses_to_start_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [TICKETLOOP, "dashboard", "--db", str(tmp_path / "x.duckdb"), "--address", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == (
        "error: --address 0.0.0.0 shares the dashboard, and sign-in needs users: add one with"
        " ticketloop users add NAME --role lead (or serve on 127.0.0.1)\n"
    )


def test_users_add_asks_for_the_password_hidden_and_keeps_only_a_hash(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    result = CliRunner().invoke(
        cli,
        ["users", "add", "ana", "--role", "lead", "--db", str(db)],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # the prompt hides what is typed
    path = users_path(db)
    assert result.output.endswith(f"user ana (lead) kept in {path}\n")
    assert PASSWORD not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = read_users(path)
    assert users["ana"]["role"] == "lead" and users["ana"]["password"].startswith("scrypt$")
    assert sign_in(users, "ana", PASSWORD).role == "lead"
    assert sign_in(users, "ana", PASSWORD + "x") is None
    assert sign_in(users, "nobody", PASSWORD) is None
    short = CliRunner().invoke(
        cli, ["users", "add", "joe", "--role", "viewer", "--db", str(db), "--password", "short"]
    )
    assert short.exit_code == 1
    assert short.output == "error: the password is shorter than 8 characters. Give a longer one\n"


@pytest.fixture
def shared(writable_sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample store with a viewer, an analyst and a lead."""
    for name, role in (("vera", "viewer"), ("anna", "analyst"), ("lea", "lead")):
        add_user(users_path(writable_sample_db), name, role, PASSWORD)
    monkeypatch.setenv("TICKETLOOP_DB", str(writable_sample_db))
    st.cache_data.clear()
    return writable_sample_db


def _signed_in(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_the_sign_in_form_comes_before_any_data(shared: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == [texts.SIGN_IN_TITLE]
    assert not at.dataframe and not at.get("plotly_chart") and not at.selectbox
    assert "helpdesk" not in str(at)  # not even the data set's name
    at.text_input(key="sign_in_name").input("vera")
    at.text_input(key="sign_in_password").input("wrong password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [texts.SIGN_IN_FAILED]
    assert not at.dataframe


def test_a_viewer_reads_the_pages_but_gets_no_upload_nor_settings(shared: Path) -> None:
    at = _signed_in("vera")
    assert texts.SIGNED_IN_AS.format(name="vera", role="viewer") in [c.value for c in at.caption]
    assert at.get("plotly_chart")  # the weekly review, with its charts
    at.switch_page("views/data.py").run()
    assert not at.exception, at.exception
    assert not at.get("file_uploader")
    assert not [b for b in at.button if b.key in ("delete", "rename", "vocab_apply")]
    assert texts.AUDIT_TITLE in [s.value for s in at.subheader]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/settings.py")  # not in the viewer's menu at all


def _delete_as(db: str) -> None:  # AppTest runs this source alone: plain types
    """A script that tries to delete data set `helpdesk` through the dashboard's seam."""
    from pathlib import Path

    import streamlit as st

    from dashboard import data
    from store.errors import TicketloopError

    try:
        data.delete_dataset(Path(db), "helpdesk")
    except TicketloopError as exc:
        st.error(str(exc))
    else:
        st.success("deleted")


def test_a_write_a_role_lacks_is_refused_on_the_server(shared: Path) -> None:
    from application.access import User

    at = AppTest.from_function(_delete_as, args=(str(shared),), default_timeout=60)
    at.session_state["signed_in"] = User("vera", "viewer")
    at.run()
    assert [e.value for e in at.error] == [texts.NOT_ALLOWED.format(action="delete", role="viewer")]
    assert rows(shared, "SELECT count(*) FROM datasets WHERE name = 'helpdesk'") == [(1,)]


def test_read_only_lets_nobody_write(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from application.access import User

    monkeypatch.setenv("TICKETLOOP_READ_ONLY", "1")
    at = AppTest.from_function(_delete_as, args=(str(shared),), default_timeout=60)
    at.session_state["signed_in"] = User("lea", "lead")
    at.run()
    assert [e.value for e in at.error] == [
        texts.NOT_ALLOWED.format(action="delete", role="read-only")
    ]


def test_the_audit_log_shows_an_analysts_upload(shared: Path) -> None:
    at = _signed_in("anna")
    at.switch_page("views/data.py").run()
    content = (SAMPLE / "helpdesk.csv").read_text(encoding="utf-8").splitlines()[:12]
    upload = ("desk.csv", ("\n".join(content) + "\n").encode(), "text/csv")
    at.file_uploader(key="upload_files").set_value(upload).run()
    at.button(key="upload_load").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    log = next(f.value for f in at.dataframe if "who" in f.value.columns)
    first = log.iloc[0]
    assert (first["who"], first["action"], first["dataset"]) == ("anna", "upload", "desk")
    assert first["detail"] == "desk.csv: 2 tickets, 11 events"
    with open_store(shared, read_only=True) as con:
        assert con.execute("SELECT who, action FROM audit_log").fetchall() == [("anna", "upload")]


def test_an_unexpected_error_shows_one_line_and_no_path(
    shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.views import overview

    def broken(ctx: object) -> None:
        raise RuntimeError(f"boom in {shared}")

    at = _signed_in("lea")
    monkeypatch.setattr(overview, "render", broken)
    at.switch_page("views/overview.py").run()
    assert not at.exception, at.exception  # no traceback element
    assert [e.value for e in at.error] == [texts.UNEXPECTED]
    assert str(shared) not in str(at)


def test_a_store_problem_names_no_server_path_to_a_signed_in_user(shared: Path) -> None:
    from dashboard import data

    at = _signed_in("lea")
    assert data.let_go(shared.resolve())
    shared.write_bytes(b"not a store")
    st.cache_data.clear()
    at.switch_page("views/overview.py").run()
    assert not at.exception, at.exception
    [error] = at.error
    assert error.value.startswith(texts.STORE_PROBLEM.format(message=shared.name))
    assert str(shared.parent) not in str(at)
