"""How retrieval scales: HNSW recall against ef_search, and query latency from 1k to 279k chunks.

Usage: python -m benchmarks.scale --store DIR [--doc docs/benchmarks.md]
           [--questions FILE ...] [--sizes 1000,10000,279000] [--ef 10,50,100,200,400]

The store in ``--store`` (an ingested one: the rtqa subset, say) is only read; everything the
benchmark builds lives in a temporary directory and is deleted at the end.

1. HNSW recall. Every vector of the store is copied into a temporary Chroma collection built
   with the store's own HNSW settings. 200 questions (MiniLM vectors) are searched for their
   top 10 and top 100 chunks twice: exactly (numpy, cosine) and through Chroma's HNSW at each
   ef_search (``collection.modify``, then the collection opened afresh: a loaded index keeps
   the ef_search it was loaded with). recall@k = share of the exact top k that HNSW returns;
   the latency is one ``collection.query`` of one vector.
2. Query latency of the whole retrieval (``Assistant.retrieve``: question embedding, Chroma
   top 100, BM25 top 100, fusion) and of the whole question (``Assistant.ask``: retrieval and
   the extractive answer, dated and undated) on temporary stores of ``--sizes`` chunks,
   p50/p95 over 100 questions after one warm-up. A size up to the store's chunk count takes
   its first chunks as they are; a larger one adds copies of the real chunks (new ids, same
   text, metadata and sentence vectors, chunk vector plus gaussian noise of sigma 0.01,
   renormalised): embedding 279k real chunks would take hours here, and the latency depends
   on the count and dimension of the vectors, not on what they mean.

Questions come from ``--questions`` in order (the subset's dev questions, then the full rtqa
dev set to reach 200). A section with the tables is appended to ``--doc``.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import machine
from benchmarks.paths import REPO, RTQA, SETS
from index.embed import DEFAULT_EMBED_MODEL, Embedder
from index.store import LocalStore
from index.store.hits import SentenceVectors

log = logging.getLogger("scale")

EF_SEARCH = (10, 50, 100, 200, 400)
SIZES = (1000, 10_000, 279_000)  # 279k: the chunks of all 25,059 rtqa articles
RECALL_QUERIES = 200
LATENCY_QUERIES = 100
NOISE_SIGMA = 0.01
_PAGE = 5000
_DEPTHS = (10, 100)  # 100 is what the dense retriever asks Chroma for (Settings.depth)


@dataclass(frozen=True)
class Chunks:
    """Chunks read from a store, in the collection's own order."""

    ids: list[str]
    documents: list[str]
    metadatas: list[dict[str, Any]]
    vectors: np.ndarray  # (n, dim) float32, unit length
    sentences: dict[str, SentenceVectors]  # chunk id -> its sentences' vectors (from ingest)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Question:
    text: str
    date: str | None
    origin: Path  # the file it was read from


@dataclass(frozen=True)
class RecallRow:
    ef_search: int
    recall: dict[int, float]  # k -> recall@k
    p50_ms: dict[int, float]  # k -> latency of a top-k query
    p95_ms: dict[int, float]


@dataclass(frozen=True)
class BuildInfo:
    path: Path
    chunks: int
    real: int
    articles: int
    chroma_s: float
    bm25_s: float
    total_s: float


@dataclass(frozen=True)
class LatencyRow:
    build: BuildInfo
    timings: dict[str, tuple[float, float]]  # part -> (p50, p95) in ms


# -- inputs ----------------------------------------------------------------------------------


def load_questions(paths: Sequence[Path], n: int) -> list[Question]:
    """The first ``n`` distinct questions of ``paths``, read in order."""
    seen: set[str] = set()
    out: list[Question] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            text = " ".join(str(row["question"]).split())
            if text in seen:
                continue
            seen.add(text)
            out.append(Question(text, row.get("question_date"), path))
            if len(out) == n:
                return out
    return out


def read_chunks(store: LocalStore) -> Chunks:
    """Every ready chunk of ``store``, with its vector (read page by page; nothing written)."""
    collection = store.collection
    unfinished = store.unfinished_ids()
    ids: list[str] = []
    documents: list[str] = []
    metadatas: list[dict[str, Any]] = []
    pages: list[np.ndarray] = []
    total = collection.count()
    for offset in range(0, total, _PAGE):
        page = collection.get(
            limit=_PAGE, offset=offset, include=["documents", "metadatas", "embeddings"]
        )
        keep = [
            i for i, meta in enumerate(page["metadatas"]) if meta["article_id"] not in unfinished
        ]
        ids.extend(page["ids"][i] for i in keep)
        documents.extend(page["documents"][i] or "" for i in keep)
        metadatas.extend(dict(page["metadatas"][i]) for i in keep)
        pages.append(np.asarray(page["embeddings"], dtype=np.float32)[keep])
    vectors = np.concatenate(pages) if pages else np.zeros((0, 0), dtype=np.float32)
    return Chunks(ids, documents, metadatas, vectors, store.sentence_vectors(ids))


# -- exact search and recall -----------------------------------------------------------------


def exact_top_k(queries: np.ndarray, vectors: np.ndarray, k: int) -> np.ndarray:
    """Row indices of the ``k`` most cosine-similar vectors to each query, best first
    (both sides unit length)."""
    scores = queries @ vectors.T
    k = min(k, vectors.shape[0])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def recall_at_k(found: Sequence[Sequence[int]], exact: np.ndarray, k: int) -> float:
    """Mean share of each exact top ``k`` that ``found`` (one list per query) contains."""
    if not len(found):
        return 0.0
    shares = [
        len(set(got[:k]) & set(want[:k].tolist())) / min(k, len(want))
        for got, want in zip(found, exact, strict=True)
    ]
    return float(np.mean(shares))


def percentiles(ms: Sequence[float]) -> tuple[float, float]:
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def _timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """``fn(*args, **kwargs)`` and the milliseconds it took."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, (time.perf_counter() - started) * 1000


def _chroma_client(path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(
        path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    )


def _batch_size(collection: Any) -> int:
    return min(_PAGE, max(1, int(collection._client.get_max_batch_size())))


def hnsw_recall(
    vectors: np.ndarray,
    queries: np.ndarray,
    hnsw: dict[str, Any],
    ef_values: Sequence[int],
    folder: Path,
) -> tuple[list[RecallRow], float]:
    """Recall and latency of Chroma's HNSW at each ef_search, against exact search.
    Returns the rows and the seconds the copy took to build."""
    exact = {k: exact_top_k(queries, vectors, k) for k in _DEPTHS}
    build = {key: hnsw[key] for key in ("space", "ef_construction", "max_neighbors") if key in hnsw}
    build.setdefault("space", "cosine")
    path = folder / "recall"
    started = time.perf_counter()
    client = _chroma_client(path)
    collection = client.create_collection(
        "recall", embedding_function=None, configuration={"hnsw": build}
    )
    step = _batch_size(collection)
    for i in range(0, len(vectors), step):
        part = vectors[i : i + step]
        collection.add(ids=[str(j) for j in range(i, i + len(part))], embeddings=part)
    build_s = time.perf_counter() - started
    log.info("copied %d vectors into a temporary collection in %.1fs", len(vectors), build_s)
    rows = []
    for ef in ef_values:
        collection.modify(configuration={"hnsw": {"ef_search": ef}})
        # A loaded HNSW index keeps the ef_search it was loaded with: open it afresh.
        client.close()
        client = _chroma_client(path)
        collection = client.get_collection("recall", embedding_function=None)
        applied = collection.configuration.get("hnsw", {}).get("ef_search")
        if applied != ef:
            raise RuntimeError(f"ef_search is {applied} after asking for {ef}")
        collection.query(query_embeddings=queries[:1], n_results=1)  # load the index
        recall, p50, p95 = {}, {}, {}
        for k in _DEPTHS:
            found: list[list[int]] = []
            times: list[float] = []
            for query in queries:
                result, ms = _timed(
                    collection.query,
                    query_embeddings=query[None, :],
                    n_results=k,
                    include=["distances"],
                )
                found.append([int(x) for x in result["ids"][0]])
                times.append(ms)
            recall[k] = recall_at_k(found, exact[k], k)
            p50[k], p95[k] = percentiles(times)
        rows.append(RecallRow(ef, recall, p50, p95))
        log.info(
            "ef_search %d: recall@10 %.4f, recall@100 %.4f, top-100 query p50 %.1f ms",
            ef,
            recall[10],
            recall[100],
            p50[100],
        )
    client.close()
    return rows, build_s


# -- temporary stores ------------------------------------------------------------------------


def perturbed(vectors: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """``vectors`` plus gaussian noise, renormalised to unit length (float32)."""
    noisy = vectors + rng.normal(0.0, sigma, size=vectors.shape).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return noisy.astype(np.float32)


def _copy_metadata(meta: dict[str, Any], new_id: str) -> dict[str, Any]:
    """A chunk's metadata for a copy with id ``new_id`` (LlamaIndex reads a node's id from
    ``_node_content``, so it is rewritten there too)."""
    copy = dict(meta)
    content = copy.get("_node_content")
    if isinstance(content, str):
        node = json.loads(content)
        node["id_"] = new_id
        copy["_node_content"] = json.dumps(node)
    return copy


def build_store(
    source: LocalStore,
    chunks: Chunks,
    n: int,
    path: Path,
    seed: int = 0,
    sigma: float = NOISE_SIGMA,
) -> BuildInfo:
    """A store at ``path`` with ``n`` chunks: the first ``n`` of ``chunks``, or all of them and
    then noisy copies (cyclically) up to ``n``. The articles are copied from ``source``'s
    registry and written with the store's own protocol (pending, chunks, ready), so the
    generation changes and BM25 is built as an ingest would."""
    if not len(chunks):
        raise ValueError("the source store has no chunks")
    model = source.embed_model
    if model is None:
        raise ValueError(f"{source.path} records no embedding model")
    m = len(chunks)
    started = time.perf_counter()
    store = LocalStore(path)
    store.bind_model(model, int(chunks.vectors.shape[1]))
    counts = collections.Counter(chunks.metadatas[i % m]["article_id"] for i in range(n))
    article_ids = list(counts)
    records = source.get_many(article_ids)
    hashes = source.states(article_ids)
    store.begin([(records[a].article, hashes[a][0]) for a in article_ids])

    rng = np.random.default_rng(seed)
    collection = store.collection
    step = _batch_size(collection)
    chroma_started = time.perf_counter()
    for begin in range(0, n, step):
        rows = np.arange(begin, min(n, begin + step))
        src, rounds = rows % m, rows // m
        vectors = chunks.vectors[src].copy()
        copies = rounds > 0
        if copies.any():
            vectors[copies] = perturbed(vectors[copies], rng, sigma)
        ids = [
            chunks.ids[s] if r == 0 else f"{chunks.ids[s]}~{r}"
            for s, r in zip(src.tolist(), rounds.tolist(), strict=True)
        ]
        metadatas = [
            chunks.metadatas[s] if r == 0 else _copy_metadata(chunks.metadatas[s], cid)
            for s, r, cid in zip(src.tolist(), rounds.tolist(), ids, strict=True)
        ]
        collection.add(
            ids=ids,
            documents=[chunks.documents[s] for s in src.tolist()],
            metadatas=metadatas,
            embeddings=vectors,
        )
        store.put_sentences(
            [
                (cid, chunks.metadatas[s]["article_id"], chunks.sentences[chunks.ids[s]])
                for s, cid in zip(src.tolist(), ids, strict=True)
                if chunks.ids[s] in chunks.sentences
            ]
        )
        log.info("store of %d: %d chunks added", n, min(n, begin + step))
    chroma_s = time.perf_counter() - chroma_started
    store.finish(dict(counts))
    bm25_started = time.perf_counter()
    store.refresh_lexical()
    bm25_s = time.perf_counter() - bm25_started
    total_s = time.perf_counter() - started
    store.close()
    return BuildInfo(path, n, min(n, m), len(article_ids), chroma_s, bm25_s, total_s)


def query_latency(
    path: Path, questions: Sequence[Question], embedder: Embedder
) -> dict[str, tuple[float, float]]:
    """p50/p95 in ms of ``Assistant.retrieve`` (default settings) on one store, and of its
    parts: ``pipeline``, ``dense`` (embedding + Chroma), ``embed`` and ``bm25``."""
    from qa.assistant import Assistant
    from qa.config import Settings

    assistant = Assistant(Settings.load(env={}, store=path), embedder=embedder)
    depth = assistant.settings.depth
    first = questions[0]
    assistant.ask(first.text, reference_date=first.date)  # warm-up: opens Chroma and BM25

    def first_time(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
        embedder.forget()  # every question as if asked for the first time
        return _timed(fn, *args, **kwargs)[1]

    pipeline = [first_time(assistant.retrieve, q.text, reference_date=q.date) for q in questions]
    retriever = assistant.retriever
    dense = [first_time(retriever.dense.run, q.text, depth) for q in questions]
    embed = [first_time(embedder.embed, [q.text]) for q in questions]
    bm25 = [first_time(retriever.store.lexical, q.text, depth) for q in questions]
    ask = [first_time(assistant.ask, q.text, reference_date=q.date) for q in questions]
    undated = [first_time(assistant.ask, q.text) for q in questions]
    return {
        "pipeline": percentiles(pipeline),
        "dense": percentiles(dense),
        "embed": percentiles(embed),
        "bm25": percentiles(bm25),
        "ask": percentiles(ask),
        "ask_undated": percentiles(undated),
    }


# -- report ----------------------------------------------------------------------------------


def _label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def section(
    *,
    command: str,
    source: Path,
    chunks: int,
    vectors: str,
    hnsw: dict[str, Any],
    question_note: str,
    recall_rows: Sequence[RecallRow],
    recall_build_s: float,
    n_queries: int,
    n_latency: int,
    latency_rows: Sequence[LatencyRow],
    seconds: float,
    load: tuple[float, float],
) -> str:
    today = dt.date.today().isoformat()
    settings = ", ".join(f"{k} {v}" for k, v in sorted(hnsw.items()))
    lines = [
        "",
        f"### Scale: HNSW recall and query latency ({today})",
        "",
        f"- command: `{command}`",
        f"- machine: {machine()}; wall time {seconds:.0f} s; load average (1 min) "
        f"{load[0]:.2f} at the start, {load[1]:.2f} at the end (other jobs on the machine "
        "slow the question embedding most)",
        f"- source store: `{source}`, {chunks:,} chunks ({vectors}); its HNSW: {settings}",
        f"- questions: {question_note}",
        "",
        "#### HNSW recall against exact search, by ef_search",
        "",
        f"All {chunks:,} vectors copied into a temporary collection with the same HNSW build "
        f"settings ({recall_build_s:.0f} s to add); {n_queries} question vectors, one per "
        "`collection.query`; exact top k by numpy cosine.",
        "",
        "| ef_search | recall@10 | recall@100 | top-10 query p50 / p95 ms "
        "| top-100 query p50 / p95 ms |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in recall_rows:
        lines.append(
            f"| {row.ef_search} | {row.recall[10]:.4f} | {row.recall[100]:.4f} "
            f"| {row.p50_ms[10]:.1f} / {row.p95_ms[10]:.1f} "
            f"| {row.p50_ms[100]:.1f} / {row.p95_ms[100]:.1f} |"
        )
    low = {round(r.recall[100], 6) for r in recall_rows if r.ef_search <= 100}
    if len([r for r in recall_rows if r.ef_search <= 100]) > 1 and len(low) == 1:
        lines += [
            "",
            "recall@100 is the same for every ef_search up to 100: hnswlib searches with "
            "max(ef_search, k) candidates, so for the dense retriever's top 100 a smaller "
            "ef_search changes nothing.",
        ]
    lines += [
        "",
        "#### Query latency by store size (`Assistant.retrieve` and `ask`, default settings)",
        "",
        f"p50 / p95 over {n_latency} questions after one warm-up, each asked as of its "
        "question date. Pipeline = question embedding + Chroma top 100 + BM25 top 100 + "
        "fusion; the parts are timed separately (dense = embedding + Chroma + node "
        "reconstruction). Ask = the whole question, retrieval and the extractive answer "
        "(`Assistant.ask`), dated and undated; the answer stage reads the sentence vectors "
        "ingest kept (copies carry their original's). Every timing is a first ask: the "
        "embedder's remembered questions are forgotten before each. Build = Chroma adds + "
        "the registry + the BM25 index.",
        "",
        "| chunks | real / copies | articles | build s (Chroma, BM25) | pipeline p50 / p95 ms "
        "| dense p50 / p95 ms | embed p50 ms | BM25 p50 / p95 ms | ask p50 / p95 ms "
        "| ask undated p50 / p95 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for latency in latency_rows:
        b, t = latency.build, latency.timings
        lines.append(
            f"| {b.chunks:,} | {b.real:,} / {b.chunks - b.real:,} | {b.articles:,} "
            f"| {b.total_s:.0f} ({b.chroma_s:.0f}, {b.bm25_s:.0f}) "
            f"| {t['pipeline'][0]:.0f} / {t['pipeline'][1]:.0f} "
            f"| {t['dense'][0]:.0f} / {t['dense'][1]:.0f} | {t['embed'][0]:.0f} "
            f"| {t['bm25'][0]:.0f} / {t['bm25'][1]:.0f} "
            f"| {t['ask'][0]:.0f} / {t['ask'][1]:.0f} "
            f"| {t['ask_undated'][0]:.0f} / {t['ask_undated'][1]:.0f} |"
        )
    synthetic = [r.build.chunks for r in latency_rows if r.build.chunks > r.build.real]
    if synthetic:
        sizes = " and ".join(f"{n:,}" for n in synthetic)
        plural = len(synthetic) > 1
        subject = f"The store{'s' if plural else ''} of {sizes} chunks {'are' if plural else 'is'}"
        lines += [
            "",
            f"{subject} partly synthetic: the {chunks:,} real chunks, then copies of them "
            "(cyclically) with new ids, the same text and metadata, and the vector plus "
            f"gaussian noise (sigma {NOISE_SIGMA}) renormalised, and the original's sentence "
            f"vectors. Embedding {synthetic[-1]:,} real chunks would take "
            f"{synthetic[-1] / 20 / 3600:.1f} hours here (MiniLM embeds 15-25 chunks/s on 2 "
            "cores), and the latency depends on the number and dimension of the vectors, not "
            "on their meaning. The copies repeat their article's text, so BM25 and fusion see "
            "more exact ties than real news would give.",
        ]
    lines.append("")
    return "\n".join(lines)


# -- entry point -----------------------------------------------------------------------------


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",") if x.strip())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="an ingested store (read only)")
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument(
        "--questions",
        type=Path,
        nargs="+",
        default=[SETS["subset"][0], RTQA / "dev.jsonl"],
        help="JSONL files with a 'question' field, read in order",
    )
    parser.add_argument("--sizes", type=_ints, default=SIZES, help="e.g. 1000,10000,120000")
    parser.add_argument("--ef", type=_ints, default=EF_SEARCH, help="e.g. 10,50,100,200,400")
    parser.add_argument("--recall-queries", type=int, default=RECALL_QUERIES)
    parser.add_argument("--latency-queries", type=int, default=LATENCY_QUERIES)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    source = LocalStore(args.store)
    if not source.exists() or source.count() == 0:
        raise SystemExit(f"No articles in {args.store}: ingest some first (article-qa ingest).")
    if source.unfinished_ids():
        raise SystemExit(
            f"{args.store} has articles being written (an ingest is running or was "
            "interrupted): wait for it to finish, or rerun the ingest, then try again."
        )
    hnsw = dict(source.collection.configuration.get("hnsw") or {})
    chunks = read_chunks(source)
    log.info("read %d chunks from %s", len(chunks), args.store)

    wanted = max(args.recall_queries, args.latency_queries)
    questions = load_questions(args.questions, wanted)
    origins = collections.Counter(q.origin for q in questions)
    note = (
        f"{len(questions)} distinct questions, in order: "
        + ", ".join(f"{origins[p]} from `{p}`" for p in args.questions if origins[p])
        + f"; recall uses the first {min(len(questions), args.recall_queries)}, latency "
        f"the first {min(len(questions), args.latency_queries)}"
    )
    model = source.embed_model or DEFAULT_EMBED_MODEL
    embedder = Embedder(model)
    query_vectors = embedder.embed([q.text for q in questions[: args.recall_queries]])

    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        folder = Path(tmp)
        recall_rows, recall_build_s = hnsw_recall(
            chunks.vectors, query_vectors, hnsw, args.ef, folder
        )
        latency_rows = []
        for n in args.sizes:
            build = build_store(source, chunks, n, folder / f"store-{n}")
            seconds = (build.total_s, build.chroma_s, build.bm25_s)
            log.info("built a store of %d chunks in %.1fs (Chroma %.1fs, BM25 %.1fs)", n, *seconds)
            timings = query_latency(build.path, questions[: args.latency_queries], embedder)
            log.info(
                "%s chunks: pipeline p50 %.0f ms, p95 %.0f ms", _label(n), *timings["pipeline"]
            )
            latency_rows.append(LatencyRow(build, timings))

    command = "python -m benchmarks.scale --store " + str(args.store)
    if args.sizes != SIZES:
        command += " --sizes " + ",".join(map(str, args.sizes))
    if tuple(args.ef) != EF_SEARCH:
        command += " --ef " + ",".join(map(str, args.ef))
    text = section(
        command=command,
        source=args.store,
        chunks=len(chunks),
        vectors=f"{chunks.vectors.shape[1]}-d {model}",
        hnsw=hnsw,
        question_note=note,
        recall_rows=recall_rows,
        recall_build_s=recall_build_s,
        n_queries=len(query_vectors),
        n_latency=len(questions[: args.latency_queries]),
        latency_rows=latency_rows,
        seconds=time.perf_counter() - started,
        load=(load_before, os.getloadavg()[0]),
    )
    with args.doc.open("a", encoding="utf-8") as handle:
        handle.write(text)
    log.info("%s", text)
    log.info("appended results to %s", args.doc)


if __name__ == "__main__":
    main()
