"""Speed beside LlamaIndex's default pipeline, on the same articles and questions, as ratios.

Usage: python -m benchmarks.versus_llama [--articles 200] [--questions 60] [--clients 20]
       [--each 3] [--doc docs/benchmarks.md]

Both pipelines get the same embedding model object (the project's default backend), so the
ratios are those of the pipelines, not of the model:

- **Ingest**: the first ``--articles`` articles of rtqa small into a new store, timed end to
  end. Ours: ``Ingestor`` (cleaning, chunking, chunk and sentence vectors, the lexical
  index). LlamaIndex defaults: ``VectorStoreIndex.from_documents`` over a Chroma collection
  with the default ``SentenceSplitter`` (1024-token chunks; MiniLM reads only the first 256
  tokens of each, which the table counts as tokens never embedded).
- **One question**: the rtqa small questions, each asked once as if for the first time
  (the embedder's memory cleared), undated, two rounds alternating the pipelines: our
  retrieval (``Assistant.retrieve``), our whole extractive answer (``Assistant.ask``), and
  LlamaIndex's default retriever (``index.as_retriever()``, top 2; its default query engine
  needs an LLM and has no extractive answer).
- **At once**: ``--clients`` threads, each asking ``--each`` questions in turn, in this
  process (no web server in either: LlamaIndex has no app), p50/p95 and questions/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.baselines import llama_default_index
from benchmarks.common import append_section, machine
from benchmarks.embed_backends import cpu_flags
from benchmarks.paths import REPO, RTQA
from benchmarks.precompute import llama_documents
from benchmarks.scale import percentiles
from index.articles import Article, iter_articles
from index.chunking import ChunkingConfig, chunk_article
from index.embed import Embedder

log = logging.getLogger("versus_llama")


@dataclass
class Ingested:
    seconds: float
    chunks: int
    tokens: int  # tokens in the chunks' texts
    embedded: int  # of those, the tokens the model reads (at most its max_tokens a chunk)


def first_articles(path: Path, n: int) -> list[Article]:
    out: list[Article] = []
    for item in iter_articles([path]):
        if isinstance(item, Article):
            out.append(item)
        if len(out) >= n:
            break
    return out


def _token_counts(texts: Sequence[str], embedder: Embedder) -> tuple[int, int]:
    counts = embedder.count_tokens(list(texts))
    return sum(counts), sum(min(c, embedder.max_tokens) for c in counts)


def ingest_ours(articles: Sequence[Article], embedder: Embedder, folder: Path) -> Ingested:
    from index.ingest import Ingestor
    from index.store import open_store

    store = open_store(folder)
    started = time.perf_counter()
    Ingestor(store, embedder).ingest(articles, progress=False)
    seconds = time.perf_counter() - started
    store.close()
    config = ChunkingConfig(model_max_tokens=embedder.max_tokens)
    texts = [
        c.embed_text for a in articles for c in chunk_article(a, config, embedder.count_tokens)
    ]
    return Ingested(seconds, len(texts), *_token_counts(texts, embedder))


def ingest_llama(
    articles: Sequence[Article], embedder: Embedder, folder: Path
) -> tuple[Any, Ingested]:
    documents = llama_documents(articles)
    started = time.perf_counter()
    index = llama_default_index(documents, embedder, folder, progress=False)
    seconds = time.perf_counter() - started
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode

    nodes = SentenceSplitter().get_nodes_from_documents(documents)
    texts = [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes]
    return index, Ingested(seconds, len(texts), *_token_counts(texts, embedder))


def one_at_a_time(
    runs: dict[str, Callable[[str], object]],
    questions: Sequence[str],
    embedder: Embedder,
    rounds: int,
) -> dict[str, tuple[float, float]]:
    """p50/p95 seconds of each run over ``questions``, every question a first ask, the runs
    alternated question by question so that a busy moment hits each alike."""
    took: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for question in questions:
            for name, run in runs.items():
                embedder.forget()
                started = time.perf_counter()
                run(question)
                took[name].append(time.perf_counter() - started)
    return {name: percentiles(values) for name, values in took.items()}


def at_once(
    run: Callable[[str], object],
    questions: Sequence[str],
    clients: int,
    each: int,
    embedder: Embedder,
) -> tuple[float, float, float, int]:
    """``clients`` threads asking ``each`` questions in turn: p50, p95 (s), questions/s and
    failures. The embedder's memory is cleared first, so no question starts embedded."""
    embedder.forget()
    took: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def client(k: int) -> None:
        for j in range(each):
            question = questions[(k * each + j) % len(questions)]
            started = time.perf_counter()
            try:
                run(question)
            except Exception:  # counted, and the client goes on: a load run reports errors
                log.exception("question failed: %s", question)
                with lock:
                    failures[0] += 1
                continue
            with lock:
                took.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    p50, p95 = percentiles(took) if took else (float("nan"), float("nan"))
    return p50, p95, len(took) / wall, failures[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--each", type=int, default=3)
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from qa.assistant import Assistant
    from qa.config import Settings

    articles = first_articles(RTQA / "small" / "articles.jsonl", args.articles)
    questions = [
        json.loads(line)["question"]
        for line in (RTQA / "small" / "dev.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ][: args.questions]
    embedder = Embedder()
    embedder.embed(["warm-up"])
    with tempfile.TemporaryDirectory(prefix="versus-llama-") as tmp:
        folder = Path(tmp)
        llama_index, theirs = ingest_llama(articles, embedder, folder / "llama")
        ours = ingest_ours(articles, embedder, folder / "ours")
        log.info("ingested: ours %s, LlamaIndex defaults %s", ours, theirs)
        assistant = Assistant(Settings.load(env={}, store=folder / "ours"), embedder=embedder)
        retriever = llama_index.as_retriever()
        runs: dict[str, Callable[[str], object]] = {
            "LlamaIndex defaults: retrieve (top 2)": retriever.retrieve,
            "ours: retrieve": assistant.retrieve,
            "ours: ask (retrieve + extractive answer)": assistant.ask,
        }
        for run in runs.values():
            run(questions[0])  # warm-up: opens the stores
        single = one_at_a_time(runs, questions, embedder, args.rounds)
        loaded = {
            name: at_once(run, questions, args.clients, args.each, embedder)
            for name, run in runs.items()
        }
    base = next(iter(runs))
    rows = []
    for name in runs:
        p50, p95 = single[name]
        lp50, lp95, rate, failures = loaded[name]
        rows.append(
            f"| {name} | {p50 * 1000:.0f} / {p95 * 1000:.0f} | {single[base][1] / p95:.2f} "
            f"| {lp50:.2f} / {lp95:.2f} | {rate:.1f} | {rate / loaded[base][2]:.2f} | {failures} |"
        )

    def ingest_row(name: str, got: Ingested) -> str:
        return (
            f"| {name} | {got.seconds:.0f} | {len(articles) / got.seconds:.2f} | {got.chunks:,} "
            f"| {got.tokens:,} | {got.embedded:,} | {got.embedded / got.seconds:.0f} "
            f"| {theirs.seconds / got.seconds:.2f} |"
        )

    append_section(
        args.doc,
        [
            "",
            f"### Speed beside LlamaIndex's default pipeline ({dt.date.today().isoformat()})",
            "",
            f"- command: `python -m benchmarks.versus_llama --articles {args.articles} "
            f"--questions {args.questions} --clients {args.clients} --each {args.each}`",
            f"- machine: {machine()}; CPU flags: {cpu_flags()}; embedding model "
            f"{embedder.label} for both",
            f"- the first {len(articles)} articles of rtqa small; {len(questions)} of its "
            f"questions, undated, each a first ask, {args.rounds} rounds alternating",
            "",
            "| ingest | s | articles/s | chunks | tokens in chunks | tokens embedded "
            "| embedded tokens/s | speed vs LlamaIndex |",
            "|---|---|---|---|---|---|---|---|",
            ingest_row("LlamaIndex defaults", theirs),
            ingest_row("ours", ours),
            "",
            f"| one question | p50 / p95 ms | speed vs LlamaIndex (its p95 / ours) "
            f"| {args.clients} at once p50 / p95 s | questions/s | questions/s vs LlamaIndex "
            "| failures |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
        ],
    )


if __name__ == "__main__":
    main()
