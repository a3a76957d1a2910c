"""Many users at once: 1, 5 and 20 clients asking through the app's ``/ask`` API, per
embedding backend, while another client reads the app's own routes.

Usage: python -m benchmarks.load --set small [--store DIR] [--each 3] [--clients 1,5,20]
       [--backends torch,openvino] [--concurrency 3] (ARTICLE_QA_CONCURRENCY values)

For each backend, ``article-qa serve`` runs on the set's store (ingested first; unchanged
articles are skipped) with ``ARTICLE_QA_EMBED_BACKEND`` set; after one warm-up question,
each round starts ``clients`` threads (their ``gradio_client`` connections made before the
clock starts) that ask ``--each`` questions of the set one after another, while a prober
reads ``/gradio_api/info`` and the page every half second. Reported: p50 and p95 of the
time to an answer, questions/s, failures, and the slowest probe.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
from typing import Any

import numpy as np

from benchmarks.common import append_section, bench_args, machine
from benchmarks.embed_backends import cpu_flags
from benchmarks.paths import REPO
from benchmarks.soak import free_port, run_probed, start_server

log = logging.getLogger("load")


def round_of(url: str, questions: list[str], clients: int, each: int) -> dict[str, Any]:
    from gradio_client import Client

    connections = [Client(url, verbose=False) for _ in range(clients)]
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def ask(i: int) -> None:
        for j in range(each):
            question = questions[(i * each + j) % len(questions)]
            began = time.perf_counter()
            try:
                connections[i].predict(question, api_name="/ask")
            except Exception as exc:  # (a failure is a result here)
                with lock:
                    failures.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            with lock:
                latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(clients)]
    seconds, probes, probe_errors = run_probed(url, threads)
    failures += [f"probe {error}" for error in probe_errors]
    p50, p95 = np.percentile(latencies, [50, 95]) if latencies else (float("nan"),) * 2
    return {
        "clients": clients,
        "answered": len(latencies),
        "p50": float(p50),
        "p95": float(p95),
        "per_s": len(latencies) / seconds,
        "failures": failures,
        "probe_max": max(probes, default=0.0),
    }


def main() -> None:
    def extend(parser: Any) -> None:
        parser.add_argument("--each", type=int, default=3)
        parser.add_argument("--clients", default="1,5,20")
        parser.add_argument("--backends", default="torch,openvino")
        parser.add_argument("--concurrency", default="3", help="ARTICLE_QA_CONCURRENCY values")

    args, gold, articles, store = bench_args(__doc__, extend)
    from index.ingest import Ingestor
    from index.store import open_store

    Ingestor(open_store(store)).ingest_paths([articles], progress=False)
    questions = [
        json.loads(line)["question"] for line in gold.read_text("utf-8").splitlines() if line
    ]
    rows = []
    runs = [(b, c) for b in args.backends.split(",") for c in args.concurrency.split(",")]
    for backend, at_once in runs:
        os.environ["ARTICLE_QA_EMBED_BACKEND"] = backend
        os.environ["ARTICLE_QA_CONCURRENCY"] = at_once
        port = free_port()
        logs = REPO / "bench-out"
        logs.mkdir(exist_ok=True)
        server = start_server(store, port, logs / f"load-{backend}-{at_once}.log")
        url = f"http://127.0.0.1:{port}"
        try:
            round_of(url, questions, 1, 1)  # warm-up
            for clients in (int(c) for c in args.clients.split(",")):
                got = round_of(url, questions, clients, args.each)
                log.info("%s, %s at once, %d clients: %s", backend, at_once, clients, got)
                rows.append(
                    f"| {backend} | {at_once} | {clients} | {got['answered']} | {got['p50']:.2f} "
                    f"| {got['p95']:.2f} | {got['per_s']:.2f} | {len(got['failures'])} "
                    f"| {got['probe_max']:.2f} |"
                )
        finally:
            server.terminate()
            server.wait(timeout=60)
    append_section(
        args.doc,
        [
            "",
            f"### Load through the app's /ask, per embedding backend ({dt.date.today()})",
            "",
            f"- command: `python -m benchmarks.load --set {args.set} --each {args.each} "
            f"--clients {args.clients} --backends {args.backends} "
            f"--concurrency {args.concurrency}`",
            f"- machine: {machine()}; CPU flags: {cpu_flags()}",
            f"- store: {store} ({open_store(store).count()} articles)",
            "",
            "| backend | answered at once | clients | answered | p50 s | p95 s | questions/s "
            "| failures | slowest probe s |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
        ],
    )


if __name__ == "__main__":
    main()
