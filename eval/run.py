"""Run an evaluation: ingest the articles, ask every gold question, score, write the report.

How questions are scored (see ``eval.metrics`` for the functions):

* Retrieval is scored on the distinct article ids of the passages ``ask`` returns, in order.
  A passage is a chunk, and one article often has several chunks among the best, so each
  question is asked for ``max(depth, Settings.candidates)`` passages (30 by default, which is
  also what the answerer reads anyway), where ``depth = max(k, 10)`` distinct articles are
  kept and ranked. If the passages hold fewer distinct articles than that, the list is
  shorter and a question whose evidence is not in it counts as a miss.
* The answer is what ``Assistant.ask`` gives with the store's settings; abstentions are its
  ``NOT_FOUND`` answers.
* Latency is the wall time of each ``ask`` call. The store is opened and the model loaded
  before the first one (``warm_up``), so that they do not count against the first question.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import platform
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from eval.gold import GoldQuestion, load_gold
from eval.metrics import contains_answer, distinct, first_rank, hit_at_k, reciprocal_rank
from eval.report import HIT_KS, MRR_K, QuestionResult, Report
from index.embed import Embedder
from index.errors import InputError
from index.ingest import Ingestor, IngestReport
from index.remote import is_url
from index.store import Store
from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import ConfigError, QuestionError

logger = logging.getLogger(__name__)

VERSIONED_PACKAGES = ("article-qa", "chromadb", "llama-index-core", "sentence-transformers")


def run_eval(
    gold: str | Path,
    articles: Sequence[str | Path] | None = None,
    store: str | Path | None = None,
    embed_model: str | None = None,
    out: str | Path | None = None,
    limit: int | None = None,
    k: int = 10,
    retrieval: str | None = None,
    reranker: str | None = None,
) -> Report:
    """Evaluate the assistant on the gold questions in ``gold`` (rtqa ``dev.jsonl`` format).

    ``articles`` (files or folders) are ingested first: into ``store`` when given (unchanged
    articles are skipped, so a second run reuses the first one's work), else into a temporary
    store deleted afterwards. Without ``articles`` the questions go to ``store`` as it is.
    Articles a named store already holds take part too, listed in ``articles`` or not.
    ``limit`` keeps the first N questions; ``k`` (at least 10 is used) is how many distinct
    retrieved articles each question records; ``hit@k`` is added when k is not 1, 5 or 10.
    ``report.json`` is written into the folder ``out`` when given.
    """
    if k < 1:
        raise ConfigError(f"k must be at least 1, got {k}")
    started = time.perf_counter()
    gold_path = Path(gold)
    questions = load_gold(gold_path, limit=limit)
    paths = [Path(p) for p in articles or ()]
    if not paths and (store is None or not Store(store).exists()):
        raise InputError(
            "Nothing to evaluate against: give the articles with --articles PATH, or a store "
            "you already ingested into with --store DIR."
        )
    logger.info("evaluating %d questions from %s", len(questions), gold_path)

    with contextlib.ExitStack() as stack:
        if store is None:
            tmp = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="article-qa-eval-", ignore_cleanup_errors=True)
            )
            store_path: Path | str = Path(tmp) / "store"
        else:
            store_path = store if is_url(store) else Path(store).expanduser()
        settings = Settings.load(
            store=store_path, embed_model=embed_model, retrieval=retrieval, reranker=reranker
        )
        embedder = Embedder(settings.embed_model)
        ingest = _ingest(paths, store_path, embedder) if paths else None

        assistant = Assistant(settings, embedder=embedder)
        stack.callback(assistant.store.close)
        depth = max(k, MRR_K)
        results = ask_all(assistant, questions, depth=depth, hit_ks=sorted({*HIT_KS, k}))

    config = {
        "gold": str(gold_path),
        "articles": [str(p) for p in paths],
        "store": None if store is None else str(store_path),
        "store_temporary": store is None,
        "embed_model": settings.embed_model,
        "k": k,
        "depth": depth,
        "passages_asked": max(depth, settings.candidates),
        "candidates": settings.candidates,
        "max_sentences": settings.max_sentences,
        "min_score": settings.min_score,
        "answer_mode": settings.answer_mode,
        "llm": settings.llm_model or settings.llm_model_path or None,
        "limit": limit,
        "n_questions": len(questions),
        "reference_date": "question_date",
        "retrieval": settings.retrieval,
        "reranker": settings.reranker,
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "seconds": round(time.perf_counter() - started, 1),
        "python": platform.python_version(),
        "versions": package_versions(),
    }
    report = Report(
        config=config, ingest=None if ingest is None else _ingest_dict(ingest), results=results
    )
    if out is not None:
        path = report.write(out)
        logger.info("report written to %s", path)
    return report


def _ingest(paths: Sequence[Path], store_path: Path | str, embedder: Embedder) -> IngestReport:
    """Ingest ``paths`` (the ingestor logs what it skips and a summary)."""
    target = Store(store_path)
    try:
        return Ingestor(target, embedder).ingest_paths(paths, progress=None)
    finally:
        target.close()


def _ingest_dict(report: IngestReport) -> dict[str, Any]:
    return {
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped": len(report.skipped),
        "chunks": report.chunks,
        "seconds": round(report.seconds, 1),
        "skipped_items": [f"{s.origin}: {s.reason}" for s in report.skipped[:50]],
    }


def ask_all(
    assistant: Assistant,
    questions: Sequence[GoldQuestion],
    depth: int = MRR_K,
    hit_ks: Sequence[int] = HIT_KS,
) -> list[QuestionResult]:
    """Ask every question (after ``warm_up``), with a progress bar on a terminal."""
    from tqdm.auto import tqdm

    if not questions:
        return []
    warm_up(assistant, questions[0].question)
    results = []
    for item in tqdm(questions, desc="eval", unit=" questions", disable=None):
        result = evaluate_question(assistant, item, depth=depth, hit_ks=hit_ks)
        logger.debug(
            "%s rank=%s contains_gold=%s abstained=%s %.0f ms",
            item.id,
            result.rank,
            result.contains_gold,
            result.abstained,
            result.latency_ms,
        )
        results.append(result)
    return results


def warm_up(assistant: Assistant, question: str) -> None:
    """Open the store and load the model, so that the first question's latency is like the
    others' (a retrieval of one passage and one embedding, far cheaper than a question)."""
    assistant.retriever.check_ready()
    assistant.retriever.run(question, top_k=1)
    assistant.embedder.embed([question])


def evaluate_question(
    assistant: Assistant,
    item: GoldQuestion,
    depth: int = MRR_K,
    hit_ks: Sequence[int] = HIT_KS,
) -> QuestionResult:
    """Ask one gold question and score what comes back."""
    # The date "this week" in the question refers to: the assistant's "now" for this
    # question. Date filters (since/until) are deliberately not set.
    reference_date = item.question_date
    passages = max(depth, assistant.settings.candidates)
    error = None
    started = time.perf_counter()
    try:
        answer = assistant.ask(item.question, k=passages, reference_date=reference_date)
    except QuestionError as exc:
        logger.warning("question %s could not be asked: %s", item.id, exc)
        error = str(exc)
    latency_ms = (time.perf_counter() - started) * 1000
    evidence = set(item.evidence_ids)

    if error is None:
        text, abstained = answer.text, answer.abstained
        cited = tuple(distinct(c.article_id for c in answer.citations))
        # A passage stands for its article and the copies folded into it (syndication).
        retrieved = tuple(
            distinct(
                next((a for a in (p.article_id, *p.copies) if a in evidence), p.article_id)
                for p in answer.passages
            )[:depth]
        )
        timings = dict(answer.timings)
    else:
        text, abstained, cited, retrieved, timings = "", False, (), (), {}

    scored = item.answerable and bool(evidence)
    return QuestionResult(
        id=item.id,
        question=item.question,
        question_date=None if reference_date is None else reference_date.isoformat(),
        gold_answer=item.answer,
        answerable=item.answerable,
        evidence_ids=item.evidence_ids,
        answer=text,
        abstained=abstained,
        cited_ids=cited,
        retrieved_ids=retrieved,
        rank=first_rank(retrieved, evidence) if scored else None,
        hits={f"hit@{n}": hit_at_k(retrieved, evidence, n) for n in hit_ks} if scored else {},
        reciprocal_rank=reciprocal_rank(retrieved, evidence, MRR_K) if scored else None,
        contains_gold=(
            (not abstained and contains_answer(text, item.answer)) if item.answerable else None
        ),
        cites_evidence=bool(evidence & set(cited)) if scored else None,
        latency_ms=latency_ms,
        timings=timings,
        error=error,
        source=item.source.strip() or None,
        mode=answer.mode if error is None else "",
    )


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that decide the numbers."""
    versions: dict[str, str | None] = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions
