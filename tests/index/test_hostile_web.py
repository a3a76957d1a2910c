"""Hostile servers: a fetch's time limit holds whatever the server does, and no fetch reaches
a link-local (cloud metadata), private or loopback address it was not allowed to, directly,
by a redirect or by a name that resolves differently the second time."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.fetch import FetchError, address_refusal
from index.web import WebFetcher
from qa.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def trickle() -> Iterator[str]:
    """A server on 127.0.0.1 that sends its status line, then a header byte every 0.2 s,
    never finishing the headers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    def drip(conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.is_set():
                conn.sendall(b"X")
                time.sleep(0.2)
        except OSError:
            pass
        finally:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/story"
    stop.set()
    thread.join()
    server.close()


def test_a_server_that_trickles_its_headers_is_cut_off_at_the_limit(trickle: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="did not finish within 1 s") as info:
        WebFetcher(timeout=1.0, allow_private=True).fetch(trickle)
    assert time.monotonic() - started < 2.0  # the limit, plus a second at most
    assert trickle in str(info.value)


def test_the_ingest_command_gives_one_line_for_a_trickling_server(
    trickle: str, tmp_path: Path, tiny_model_dir: Path
) -> None:
    started = time.monotonic()
    store = ["--store", str(tmp_path / "store"), "--embed-model", str(tiny_model_dir)]
    result = CliRunner().invoke(
        main, ["ingest", trickle, "--timeout", "1", "--allow-private", "-q", *store]
    )
    assert time.monotonic() - started < 2.0 + 5  # (plus the command's own start)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"skipped {trickle}: {trickle} did not finish within 1 s" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("address", "private_ok", "refused"),
    [
        ("169.254.169.254", True, "cloud metadata"),
        ("fe80::1", True, "link-local"),
        ("fd00:ec2::254", True, "cloud metadata"),
        ("::ffff:169.254.169.254", True, "link-local"),
        ("0.0.0.0", True, "non-web"),
        ("10.1.2.3", False, "--allow-private"),
        ("192.168.0.10", False, "--allow-private"),
        ("127.0.0.1", False, "--allow-private"),
        ("::1", False, "--allow-private"),
    ],
)
def test_which_addresses_are_refused(address: str, private_ok: bool, refused: str) -> None:
    assert refused in address_refusal(address, allow_private=False)
    assert bool(address_refusal(address, allow_private=True)) is private_ok
    assert address_refusal("93.184.216.34", allow_private=False) == ""


def test_no_connection_reaches_a_refused_address_in_a_namespace_of_its_own() -> None:
    """tests/index/hostile_web.py runs in ``unshare -rn`` (its own network, loopback only):
    a public-looking page redirects to each kind of address, each with a listener that
    counts connections."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        ["unshare", "-rn", sys.executable, str(REPO / "tests/index/hostile_web.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["public"] == "fetched: a public page"
    for kind in ("metadata", "private", "loopback"):
        for how in ("redirect", "direct"):
            assert got[f"{kind} {how}"].startswith("refused: "), got[f"{kind} {how}"]
    assert "it redirects to 169.254.169.254" in got["metadata redirect"]
    assert "--allow-private" in got["private redirect"]
    # allowed private addresses still never include the metadata service
    assert "cloud metadata" in got["metadata redirect, allow_private"]
    assert "cloud metadata" in got["metadata direct, allow_private"]
    # a name resolved once: the connection goes to the address that was checked
    assert got["rebinding"] == "fetched: a public page" and got["rebinding lookups"] == 1
    assert got["connections"] == {"metadata": 0, "private": 0, "loopback": 0}
