"""A real Chroma server (`chroma run`) on 127.0.0.1 for the tests that need one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from support import free_port


class ChromaServer:
    """``chroma run`` in a subprocess, on a data directory that outlives restarts."""

    def __init__(self, data: Path, log: Path) -> None:
        self.data, self.log, self.port = data, log, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    chroma,
                    "run",
                    "--path",
                    str(self.data),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")
            try:
                urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"chroma run did not answer: {self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None
