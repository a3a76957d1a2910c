"""Retrieval quality of ours against two plain baselines, on the same articles and questions.

Usage: python -m benchmarks.baselines [--set small] [--store DIR] [--doc docs/benchmarks.md]
       [--without llama-defaults|bm25]

- LlamaIndex defaults: ``VectorStoreIndex`` over a Chroma collection, the default
  ``SentenceSplitter`` (1024 tokens), the same MiniLM model, top 10, nothing else.
- Plain BM25: LlamaIndex ``BM25Retriever`` over 256-token ``SentenceSplitter`` chunks, top 10.
- Ours: the default settings, each question asked as of its ``question_date``, through the
  store in ``--store`` (ingested first when needed).

Scores are article-level hit@1/5/10 and MRR@10 over answerable questions (evidence articles),
then hit@5 and MRR@10 again by quiz source and by year of ``question_date``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import append_section, bench_args, bench_embedder, machine
from benchmarks.precompute import llama_documents
from eval.metrics import distinct, hit_at_k, reciprocal_rank, segments, year_of
from index.articles import Article, iter_articles
from index.embed import Embedder

log = logging.getLogger("baselines")

# The scores of each retriever shown in the breakdown table (all four would be too wide).
BREAKDOWN_METRICS = ("hit@5", "mrr@10")


def llama_default_index(
    documents: list[Any], embedder: Embedder, folder: Path, progress: bool = True
) -> Any:
    """LlamaIndex's default pipeline: a ``VectorStoreIndex`` over a Chroma collection in
    ``folder``, the default ``SentenceSplitter``, ``embedder``'s model."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    client = chromadb.PersistentClient(
        path=str(folder / "llama-defaults"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.get_or_create_collection("baseline", embedding_function=None)
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(collection))
    return VectorStoreIndex.from_documents(
        documents,
        storage_context=storage,
        embed_model=embedder.as_llama_index(),
        transformations=[SentenceSplitter()],
        show_progress=progress,
    )


def llama_defaults(
    documents: list[Any], embedder: Embedder, folder: Path
) -> Callable[[str], list[str]]:
    retriever = llama_default_index(documents, embedder, folder).as_retriever(similarity_top_k=10)
    return lambda q: [n.node.metadata["article_id"] for n in retriever.retrieve(q)]


def plain_bm25(documents: list[Any]) -> Callable[[str], list[str]]:
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.retrievers.bm25 import BM25Retriever

    nodes = SentenceSplitter(chunk_size=256, chunk_overlap=20).get_nodes_from_documents(documents)
    retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=10)
    return lambda q: [n.node.metadata["article_id"] for n in retriever.retrieve(q)]


def ours(store: Path) -> Callable[[str, dt.date], list[str]]:
    from qa.assistant import Assistant
    from qa.config import Settings

    assistant = Assistant(Settings.load(store=store))

    def run(question: str, when: dt.date) -> list[str]:
        passages = assistant.retrieve(question, reference_date=when)
        out: list[str] = []
        for p in passages:
            out.append(p.article_id)
            out.extend(p.copies)
        return out

    return run


def score(ranked: list[list[str]], gold: list[set[str]]) -> dict[str, float]:
    n = len(gold)
    tops = [distinct(r)[:10] for r in ranked]
    return {
        "hit@1": sum(hit_at_k(t, g, 1) for t, g in zip(tops, gold, strict=True)) / n,
        "hit@5": sum(hit_at_k(t, g, 5) for t, g in zip(tops, gold, strict=True)) / n,
        "hit@10": sum(hit_at_k(t, g, 10) for t, g in zip(tops, gold, strict=True)) / n,
        "mrr@10": sum(reciprocal_rank(t, g, 10) for t, g in zip(tops, gold, strict=True)) / n,
    }


def breakdown_table(
    questions: Sequence[Mapping[str, Any]], ranked: Mapping[str, Sequence[list[str]]]
) -> list[str]:
    """The markdown table of the scores by quiz source and by year, as lines: a row per
    segment (``source CNN (n=12)``, ``year 2023 (n=30)``, grouped by ``eval.metrics.segments``),
    ``BREAKDOWN_METRICS`` of each retriever as columns.

    ``questions`` are gold records (answerable, with evidence); ``ranked`` holds, for each
    retriever, the article ids it retrieved for each question, in the order of ``questions``.
    No lines when no question has a source or a date.
    """
    for name, lists in ranked.items():
        if len(lists) != len(questions):
            raise ValueError(
                f"{name}: {len(lists)} ranked lists for {len(questions)} questions; "
                "give one list per question, in the same order"
            )
    gold = [{e["article_id"] for e in q["evidence"]} for q in questions]
    groups = segments(
        range(len(questions)),
        source=lambda i: questions[i].get("source"),
        year=lambda i: year_of(questions[i].get("question_date")),
    )
    rows = []
    for kind, labels in groups.items():
        for label, members in labels.items():
            cells = []
            for lists in ranked.values():
                values = score([lists[i] for i in members], [gold[i] for i in members])
                cells += [f"{values[m]:.3f}" for m in BREAKDOWN_METRICS]
            rows.append(f"| {kind} {label} (n={len(members)}) | " + " | ".join(cells) + " |")
    if not rows:
        return []
    columns = [f"{name} {m}" for name in ranked for m in BREAKDOWN_METRICS]
    return ["| segment | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns), *rows]


LLAMA_DEFAULTS = "LlamaIndex defaults"
PLAIN_BM25 = "plain BM25, 256-token chunks"
SKIPPABLE = {"llama-defaults": LLAMA_DEFAULTS, "bm25": PLAIN_BM25}


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--without",
        action="append",
        choices=sorted(SKIPPABLE),
        default=[],
        help="leave a baseline out (repeatable); the table says so",
    )


def main() -> None:
    args, gold_path, articles_path, store = bench_args(__doc__, _options)
    left_out = [SKIPPABLE[name] for name in args.without]
    if len(left_out) == len(SKIPPABLE):
        raise SystemExit("--without: keep at least one baseline to compare with")
    questions = [
        json.loads(line) for line in gold_path.read_text("utf-8").splitlines() if line.strip()
    ]
    questions = [q for q in questions if q.get("answerable", True) and q.get("evidence")]
    gold = [{e["article_id"] for e in q["evidence"]} for q in questions]
    started = time.perf_counter()

    from index.ingest import Ingestor
    from index.store import open_store

    embedder = bench_embedder(args)
    Ingestor(open_store(store), embedder=embedder).ingest_paths([articles_path])
    articles = [a for a in iter_articles([articles_path]) if isinstance(a, Article)]
    documents = llama_documents(articles)
    ranked: dict[str, list[list[str]]] = {}
    if LLAMA_DEFAULTS not in left_out:
        with tempfile.TemporaryDirectory() as tmp:
            baseline = llama_defaults(documents, embedder, Path(tmp))
            ranked[LLAMA_DEFAULTS] = [baseline(q["question"]) for q in questions]
            log.info("%s: %s", LLAMA_DEFAULTS, score(ranked[LLAMA_DEFAULTS], gold))
    if PLAIN_BM25 not in left_out:
        bm25 = plain_bm25(documents)
        ranked[PLAIN_BM25] = [bm25(q["question"]) for q in questions]
    run = ours(store)
    ranked["article-qa (default)"] = [
        run(q["question"], dt.date.fromisoformat(q["question_date"])) for q in questions
    ]
    results = {name: score(lists, gold) for name, lists in ranked.items()}
    seconds = time.perf_counter() - started
    better = max(
        (name for name in (LLAMA_DEFAULTS, PLAIN_BM25) if name in results),
        key=lambda name: results[name]["mrr@10"],
    )
    names = ("hit@1", "hit@5", "hit@10", "mrr@10")
    lines = [
        "",
        f"### Baselines, rtqa {args.set}: {dt.date.today().isoformat()}",
        "",
        f"- command: `python -m benchmarks.baselines --set {args.set} --store {store}"
        + "".join(f" --without {name}" for name in args.without)
        + "`",
        f"- machine: {machine()}; wall time {seconds:.0f} s; {len(questions)} answerable "
        "questions; article-level scores over the top 10",
        "",
        "| retriever | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    lines += [f"| {name} | not run (`--without`) | | | |" for name in left_out]
    for name, values in results.items():
        lines.append(f"| {name} | " + " | ".join(f"{values[m]:.3f}" for m in names) + " |")
    mine, base = results["article-qa (default)"], results[better]
    lines.append(
        f"| difference vs {better} | "
        + " | ".join(f"{mine[m] - base[m]:+.3f}" for m in names)
        + " |"
    )
    lines.append(
        f"| ratio vs {better} | "
        + " | ".join(f"{mine[m] / base[m]:.2f}" if base[m] else "-" for m in names)
        + " |"
    )
    segment_lines = breakdown_table(questions, ranked)
    if segment_lines:
        lines += ["", "By quiz source and by year of the question:", "", *segment_lines]
    lines.append("")
    append_section(args.doc, lines)


if __name__ == "__main__":
    main()
