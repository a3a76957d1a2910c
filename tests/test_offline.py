"""Nothing reaches the network: a fresh process with every non-loopback connection refused
(and no *_OFFLINE variables to hide attempts) ingests, answers and builds the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support import REPO, SAMPLES

SCRIPT = r"""
import socket, sys

real_connect = socket.socket.connect
attempts = []

def guarded(self, address):
    host = address[0] if isinstance(address, tuple) else str(address)
    if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
        attempts.append(address)
        raise OSError(f"network blocked in test: {address}")
    return real_connect(self, address)

socket.socket.connect = guarded
real_getaddrinfo = socket.getaddrinfo

def no_dns(host, *args, **kwargs):
    if host not in ("127.0.0.1", "::1", "localhost", None):
        attempts.append(("dns", host))
        raise socket.gaierror(f"DNS blocked in test: {host}")
    return real_getaddrinfo(host, *args, **kwargs)

socket.getaddrinfo = no_dns

from index.ingest import ingest
from qa import Assistant

report = ingest([sys.argv[1]], store=sys.argv[2], progress=False)
assert report.added == 16, report
result = Assistant(store=sys.argv[2]).ask("When did the rail strike end?")
assert result.citations, result
assert not attempts, attempts
import pathlib
assert list(pathlib.Path(sys.argv[3]).glob("article-qa/embedding/calibration/*.json"))
print("OFFLINE-OK", len(result.citations))
"""


def test_ingest_and_answer_with_the_network_blocked(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_OFFLINE")}
    env.pop("ARTICLE_QA_STORE", None)
    env.pop("ARTICLE_QA_EMBED_BACKEND", None)
    # a first use: the embedding backends are exported and measured here, offline too
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            str(SAMPLES),
            str(tmp_path / "store"),
            str(tmp_path / "cache"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "OFFLINE-OK" in done.stdout
