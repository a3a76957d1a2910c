"""A long day of use: the app's memory over 1,000 questions, and its own routes under load.

Usage: python -m benchmarks.soak --set small [--store DIR] [--questions 1000] [--clients 4]

1. Soak: ``article-qa serve`` on the set's store (ingested first; unchanged articles are
   skipped), ``--clients`` threads asking the set's questions in turn through the app's
   ``/ask`` API (``gradio_client``, as an integration would) until ``--questions`` are
   answered. The server's resident memory (``VmRSS``) is read every ``--every`` questions.
   After the warm-up (the first fifth of the questions) it may grow by at most 10%.
2. Load: ``--burst`` (20) clients ask at once while another reads ``/gradio_api/info`` and
   the page every half second; every one of those must answer, and the slowest is reported.

Results (a table, and a plot of memory against questions in docs/soak.png) go to
docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.common import append_section, bench_args, machine
from benchmarks.paths import REPO

log = logging.getLogger("soak")
GROWTH_LIMIT = 0.10  # after the warm-up


def rss_mib(pid: int) -> float:
    """Resident memory of process ``pid`` (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(store: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    binary = Path(sys.executable).parent / "article-qa"
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            [str(binary), "serve", "--store", str(store), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app stopped: {log_path.read_text(errors='replace')}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
            return process
        except OSError:
            time.sleep(1)
    process.kill()
    raise RuntimeError("the app did not start within 300 s")


def timed_get(url: str, timeout: float = 30.0) -> float:
    started = time.perf_counter()
    urllib.request.urlopen(url, timeout=timeout).read()
    return time.perf_counter() - started


@contextlib.contextmanager
def probing(url: str) -> Iterator[tuple[list[float], list[str]]]:
    """While the block runs, a thread reads the app's own routes (``/gradio_api/info`` and
    the page) every half second: ``(seconds of each read, "PATH: error" of each failure)``."""
    probes: list[float] = []
    errors: list[str] = []
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            for path in ("/gradio_api/info", "/"):
                try:
                    probes.append(timed_get(url + path, timeout=30))
                except OSError as exc:
                    errors.append(f"{path}: {exc}")
            time.sleep(0.5)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        yield probes, errors
    finally:
        stop.set()
        prober.join()


class Askers:
    """``clients`` threads asking ``questions`` in turn through ``/ask`` until ``total``."""

    def __init__(self, url: str, questions: list[str], total: int) -> None:
        self.url, self.questions, self.total = url, questions, total
        self.taken = 0  # questions handed to a client
        self.done = 0  # answered
        self.failed: list[str] = []
        self.lock = threading.Lock()

    def take(self) -> int | None:
        with self.lock:
            if self.taken >= self.total:
                return None
            self.taken += 1
            return self.taken - 1

    def run(self, after_each: Any = None) -> None:
        """Ask until ``total`` are taken; ``after_each(answered so far)`` after each answer."""
        from gradio_client import Client

        client = Client(self.url, verbose=False)
        while (n := self.take()) is not None:
            try:
                client.predict(self.questions[n % len(self.questions)], api_name="/ask")
            except Exception as exc:  # (a failure is a result here)
                with self.lock:
                    self.failed.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            with self.lock:
                self.done += 1
                answered = self.done
            if after_each is not None:
                after_each(answered)


def soak(
    url: str, pid: int, questions: list[str], total: int, clients: int, every: int
) -> list[tuple[int, float, float]]:
    """``(questions answered, RSS MiB, seconds)`` every ``every`` questions."""
    started = time.perf_counter()
    samples = [(0, rss_mib(pid), 0.0)]
    marks = set(range(every, total + 1, every))
    lock = threading.Lock()

    def after_each(n: int) -> None:
        with lock:
            if n in marks:
                marks.discard(n)
                samples.append((n, rss_mib(pid), time.perf_counter() - started))
                log.info("%d questions: %.0f MiB", n, samples[-1][1])

    askers = Askers(url, questions, total)
    threads = [threading.Thread(target=askers.run, args=(after_each,)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if askers.failed:
        log.warning("%d questions failed, e.g. %s", len(askers.failed), askers.failed[0])
    return sorted(samples)


def run_probed(url: str, threads: list[threading.Thread]) -> tuple[float, list[float], list[str]]:
    """Run ``threads`` to the end while the app's own routes are read (``probing``):
    ``(seconds, probe times, probe errors)``."""
    started = time.perf_counter()
    with probing(url) as (probes, probe_errors):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
    return seconds, probes, probe_errors


def burst(url: str, questions: list[str], clients: int) -> dict[str, Any]:
    """``clients`` asking at once (two questions each), while the app's own routes are read
    every half second: the slowest answer of those, and any failure."""
    askers = Askers(url, questions, clients * 2)
    threads = [threading.Thread(target=askers.run) for _ in range(clients)]
    seconds, probes, probe_errors = run_probed(url, threads)
    return {
        "clients": clients,
        "answered": askers.done,
        "failed": askers.failed,
        "seconds": seconds,
        "probes": len(probes),
        "probe_max_s": max(probes, default=0.0),
        "probe_errors": probe_errors,
    }


def plot(samples: list[tuple[int, float, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=110)
    ax.plot([s[0] for s in samples], [s[1] for s in samples], marker="o", markersize=3)
    ax.set_xlabel("questions answered")
    ax.set_ylabel("app resident memory (MiB)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.set_title("article-qa serve: memory over a soak")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    def extend(parser: Any) -> None:
        parser.add_argument("--questions", type=int, default=1000)
        parser.add_argument("--clients", type=int, default=4)
        parser.add_argument("--every", type=int, default=50)
        parser.add_argument("--burst", type=int, default=20)
        parser.add_argument("--plot", type=Path, default=REPO / "docs" / "soak.png")

    args, gold, articles, store = bench_args(__doc__, extend)
    from index.ingest import Ingestor
    from index.store import open_store

    Ingestor(open_store(store)).ingest_paths([articles], progress=False)
    questions = [json.loads(line)["question"] for line in gold.read_text("utf-8").splitlines()]
    port = free_port()
    server_log = store.parent / f"soak-{args.set}.log"
    process = start_server(store, port, server_log)
    url = f"http://127.0.0.1:{port}"
    try:
        started_rss = rss_mib(process.pid)
        samples = soak(url, process.pid, questions, args.questions, args.clients, args.every)
        loaded = burst(url, questions, args.burst)
    finally:
        process.terminate()
        process.wait(timeout=60)
    warm = [s for s in samples if s[0] >= args.questions // 5]
    growth = (warm[-1][1] - warm[0][1]) / warm[0][1] if len(warm) > 1 else 0.0
    plot(samples, args.plot)
    rate = samples[-1][0] / samples[-1][2] if samples[-1][2] else 0.0
    lines = [
        "",
        f"### Soak and load, rtqa {args.set}: {dt.date.today().isoformat()}",
        "",
        f"- command: `python -m benchmarks.soak --set {args.set} --questions {args.questions} "
        f"--clients {args.clients}`",
        f"- machine: {machine()}",
        f"- `article-qa serve` on {store} ({open_store(store).count()} articles); "
        f"{args.clients} clients asking the set's {len(questions)} questions in turn "
        f"through `/ask` (gradio_client): {samples[-1][0]} answered in "
        f"{samples[-1][2]:.0f} s ({rate:.1f} a second). Memory at start "
        f"{started_rss:.0f} MiB, after warm-up ({warm[0][0] if warm else 0} questions) "
        f"{warm[0][1] if warm else 0:.0f} MiB, at the end {samples[-1][1]:.0f} MiB: "
        f"{growth:+.1%} after warm-up (limit +{GROWTH_LIMIT:.0%}: "
        f"{'met' if growth <= GROWTH_LIMIT else 'NOT MET'}). Plot: `{args.plot.name}`.",
        f"- load: {loaded['clients']} clients at once, {loaded['answered']} answers "
        f"({len(loaded['failed'])} failed) in {loaded['seconds']:.0f} s; meanwhile "
        f"{loaded['probes']} reads of `/gradio_api/info` and `/`, the slowest "
        f"{loaded['probe_max_s']:.2f} s, {len(loaded['probe_errors'])} failed.",
        "",
        "| questions | RSS MiB | seconds |",
        "|---|---|---|",
        *(f"| {n} | {mib:.0f} | {sec:.0f} |" for n, mib, sec in samples),
        "",
    ]
    append_section(args.doc, lines)
    if loaded["failed"] or loaded["probe_errors"]:
        log.warning("load failures: %s %s", loaded["failed"][:3], loaded["probe_errors"][:3])


if __name__ == "__main__":
    main()
