"""`ticketloop dashboard`: a busy port is one error line; SIGTERM and Ctrl+C stop Streamlit too."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port, kill_all, serving, start_dashboard

TICKETLOOP = str(Path(sys.executable).with_name("ticketloop"))


def test_a_busy_port_is_one_error_line_suggesting_a_free_one(tmp_path: Path) -> None:
    with socket.socket() as busy, socket.socket() as next_busy:
        busy.bind(("", 0))
        busy.listen()
        port = busy.getsockname()[1]
        next_busy.bind(("", port + 1))  # the next port is busy too: the suggestion skips it
        next_busy.listen()
        done = subprocess.run(
            [TICKETLOOP, "dashboard", "--db", str(tmp_path / "x.duckdb"), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 1
    assert done.stdout == ""
    head, suggested = done.stderr.rstrip("\n").rsplit(" ", 1)
    assert (
        head
        == f"error: port {port} is already in use (another dashboard?). Pick a free one: --port"
    )
    assert int(suggested) > port + 1


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl+C"])
def test_stopping_the_command_stops_streamlit(tmp_path: Path, sig: signal.Signals) -> None:
    port = free_port()
    command = start_dashboard(port, "--db", str(tmp_path / "x.duckdb"))
    try:
        command.send_signal(sig)  # only to our command, as a service manager does
        assert command.wait(timeout=20) == 0
        deadline = time.monotonic() + 10
        while serving(port) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        kill_all(command)  # a no-op once it has stopped; nothing of it outlives a failed test
    assert not serving(port), "an orphan Streamlit server is still on the port"
