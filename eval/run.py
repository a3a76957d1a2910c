"""Run an evaluation: check the gold set, ingest the articles, ask every gold question, score,
write the report.

How questions are scored (``eval.scoring`` scores each answer with the functions of
``eval.metrics``; ``eval.report`` says which questions count for which metric):

* The gold file is read and checked first (every line; all bad lines reported together), so
  nothing is ingested for a broken set. After the ingest, evidence given by url or title is
  resolved to article ids, and evidence that matches no stored article is a warning (in the
  log, the table and ``report.json``; an error with ``strict=True``).
* Retrieval is scored on the distinct article ids of the passages the answer comes with, in
  order. A passage is a chunk, and one article often has several chunks among the best, so
  each question is asked for ``max(depth, Settings.candidates)`` passages (30 by default,
  which is also what the answerer reads anyway), where ``depth = max(k, 10)`` distinct
  articles are kept and ranked. hit@k, recall@k (share of the evidence articles), MRR@10 and
  nDCG@k come from those ranks; the ``quote_`` forms rank the passages themselves, a gold
  quote being found where it lies inside a passage (both normalised).
* The answer is what ``Assistant.ask`` gives (``Assistant.chat`` with the earlier turns, for
  a question with a ``conversation``), each asked as of its ``question_date``. Abstentions
  are its ``NOT_FOUND`` answers. Exact match and F1 compare the answer's short answer phrase
  (else its text without ``[n]`` marks) with the best accepted answer; an abstention scores 0.
  Multiple choice picks a choice with :func:`eval.choices.pick_for_answer`.
* Citations are checked with :class:`qa.verify.CitationChecker` (the runtime's check, with the
  same embedding model): citation recall is the share of the answer's sentences its cited
  passages support (an uncited sentence is not supported); citation precision the share of
  citations that support their sentence, alone or as needed with the others (ALCE). An answer
  has valid citations when it has ``[n]`` marks and each points at one of its citations.
* Latency is the wall time of each question, and each stage the answer timed. The store is
  opened and the model loaded before the first one (``warm_up``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import logging
import platform
import tempfile
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from eval.gold import GoldQuestion, read_gold, resolve_evidence
from eval.metrics import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
)
from eval.report import Report
from eval.result import HIT_KS, MRR_K, QuestionResult
from eval.scoring import (
    PASSAGES_RECORDED,
    TwoPassChecker,
    retrieval_scores,
    score_answer,
    trust_scores,
)
from index.embed import Embedder
from index.errors import InputError
from index.ingest import Ingestor, IngestReport
from index.store import is_named, open_store
from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import ConfigError, QuestionError
from qa.types import Answer

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
    *,
    settings: Mapping[str, Any] | None = None,
    seed: int = BOOTSTRAP_SEED,
    resamples: int = BOOTSTRAP_RESAMPLES,
    strict: bool = False,
    undated: bool = True,
    remove_evidence: bool = True,
) -> Report:
    """Evaluate the assistant on the gold questions in ``gold`` (JSONL or CSV, see
    ``eval.gold``).

    ``articles`` (files or folders) are ingested first: into ``store`` when given (unchanged
    articles are skipped, so a second run reuses the first one's work), else into a temporary
    store deleted afterwards. Without ``articles`` the questions go to ``store`` as it is.
    Articles a named store already holds take part too, listed in ``articles`` or not.
    ``limit`` keeps the first N questions; ``k`` (at least 10 is used) is how many distinct
    retrieved articles each question records; ``hit@k``, ``recall@k`` and ``ndcg@k`` are
    added when k is not 1, 5 or 10. ``settings`` are more ``Settings`` overrides
    (``{"min_score": 0.5}``). ``seed`` and ``resamples`` drive the bootstrap intervals;
    ``strict`` makes evidence that matches no stored article an error. ``report.json`` is
    written into the folder ``out`` when given.

    Each question is asked as of its ``question_date``; with ``undated`` also without a date
    (the ``undated_`` metrics: what the chat, ``ask`` and ``answer()`` meet by default); with
    ``remove_evidence`` each answerable question with evidence again with its evidence
    articles left out, dated and undated (the trust check: ``removed_right_rate`` is the
    share that abstain or still contain a gold answer). See ``trust_scores``.
    """
    with prepared(
        gold,
        articles,
        store,
        embed_model,
        limit,
        k,
        retrieval=retrieval,
        reranker=reranker,
        settings=settings,
        strict=strict,
    ) as run:
        run.undated, run.remove_evidence = undated, remove_evidence
        report = run.evaluate(run.assistant, seed=seed, resamples=resamples)
    if out is not None:
        path = report.write(out)
        logger.info("report written to %s", path)
    return report


@dataclass
class PreparedRun:
    """A checked gold set, an ingested store and an assistant on it: what every run (and
    every point of a sweep) shares."""

    questions: list[GoldQuestion]
    assistant: Assistant
    config: dict[str, Any]
    ingest: dict[str, Any] | None
    warnings: list[str]
    k: int
    started: float
    undated: bool = True  # each question asked again without a date
    remove_evidence: bool = True  # ... and with its evidence articles left out

    def evaluate(
        self,
        assistant: Assistant,
        *,
        k: int | None = None,
        seed: int = BOOTSTRAP_SEED,
        resamples: int = BOOTSTRAP_RESAMPLES,
        extra: Mapping[str, Any] | None = None,
    ) -> Report:
        """Ask every question of the set with ``assistant`` and make the report (``k``:
        the cut-off, the prepared one by default)."""
        started = time.perf_counter()
        k = self.k if k is None else k
        depth = max(k, MRR_K)
        results = ask_all(
            assistant,
            self.questions,
            depth=depth,
            hit_ks=sorted({*HIT_KS, k}),
            undated=self.undated,
            remove_evidence=self.remove_evidence,
        )
        s = assistant.settings
        config = {
            **self.config,
            **settings_config(s),
            "k": k,
            "depth": depth,
            "passages_asked": max(depth, s.candidates),
            "passages_recorded": PASSAGES_RECORDED,
            "undated": self.undated,
            "remove_evidence": self.remove_evidence,
            "bootstrap_seed": seed,
            "bootstrap_resamples": resamples,
            "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "seconds": round(time.perf_counter() - self.started, 1),
            "seconds_asking": round(time.perf_counter() - started, 1),
            **(extra or {}),
        }
        return Report(
            config=config, ingest=self.ingest, results=results, warnings=list(self.warnings)
        )


def settings_config(s: Settings) -> dict[str, Any]:
    """The settings that decide the numbers, as the report's config shows them."""
    return {
        "embed_model": s.embed_model,
        "candidates": s.candidates,
        "max_sentences": s.max_sentences,
        "min_score": s.min_score,
        "answer_mode": s.answer_mode,
        "llm": s.llm_model or s.llm_model_path or None,
        "retrieval": s.retrieval,
        "fusion": s.fusion,
        "dense_weight": s.dense_weight,
        "reranker": s.reranker,
        "settings": {
            f.name: str(getattr(s, f.name))
            if isinstance(getattr(s, f.name), Path)
            else getattr(s, f.name)
            for f in dataclasses.fields(s)
        },
    }


@contextlib.contextmanager
def prepared(
    gold: str | Path,
    articles: Sequence[str | Path] | None = None,
    store: str | Path | None = None,
    embed_model: str | None = None,
    limit: int | None = None,
    k: int = 10,
    *,
    retrieval: str | None = None,
    reranker: str | None = None,
    settings: Mapping[str, Any] | None = None,
    strict: bool = False,
) -> Iterator[PreparedRun]:
    """Check the gold set, ingest ``articles`` into ``store`` (a temporary one when ``None``,
    deleted on leaving), resolve the evidence and build the assistant."""
    if k < 1:
        raise ConfigError(f"k must be at least 1, got {k}")
    started = time.perf_counter()
    gold_path = Path(gold)
    gold_set = read_gold(gold_path, limit=limit)
    paths = [Path(p) for p in articles or ()]
    if not paths and (store is None or not open_store(store).exists()):
        raise InputError(
            "Nothing to evaluate against: give the articles with --articles PATH, or a store "
            "you already ingested into with --store DIR."
        )
    overrides = {**(settings or {})}
    for name, value in (
        ("embed_model", embed_model),
        ("retrieval", retrieval),
        ("reranker", reranker),
    ):
        if value is not None:
            overrides[name] = value
    logger.info("evaluating %d questions from %s", len(gold_set.questions), gold_path)

    with contextlib.ExitStack() as stack:
        if store is None:
            tmp = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="article-qa-eval-", ignore_cleanup_errors=True)
            )
            store_path: Path | str = Path(tmp) / "store"
        else:
            store_path = store if is_named(store) else Path(store).expanduser()
        base = Settings.load(store=store_path, **overrides)
        embedder = Embedder(base.embed_model)
        ingest = _ingest(paths, store_path, embedder) if paths else None

        assistant = Assistant(base, embedder=embedder)
        stack.callback(assistant.store.close)
        questions, warnings = resolve_evidence(gold_set.questions, assistant.store)
        if strict and warnings:
            raise InputError(f"{warnings[0]} (run without --strict to evaluate anyway)")
        config = {
            "gold": str(gold_path),
            "articles": [str(p) for p in paths],
            "store": None if store is None else str(store_path),
            "store_temporary": store is None,
            "k": k,
            "limit": limit,
            "n_questions": len(questions),
            "reference_date": "question_date",
            "overrides": {name: str(v) for name, v in overrides.items()},
            "data_sha256": data_hashes(gold_path, paths),
            "python": platform.python_version(),
            "versions": package_versions(),
        }
        yield PreparedRun(
            questions=questions,
            assistant=assistant,
            config=config,
            ingest=None if ingest is None else _ingest_dict(ingest),
            warnings=[*gold_set.warnings, *warnings],
            k=k,
            started=started,
        )


def _ingest(paths: Sequence[Path], store_path: Path | str, embedder: Embedder) -> IngestReport:
    """Ingest ``paths`` (the ingestor logs what it skips and a summary)."""
    target = open_store(store_path)
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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_hashes(gold: Path, articles: Sequence[Path]) -> dict[str, str]:
    """sha256 of the gold file and of each article path (a folder: of its files' relative
    paths and contents, in order), keyed ``gold`` and by path."""
    out = {"gold": file_sha256(gold)}
    for path in articles:
        if path.is_dir():
            digest = hashlib.sha256()
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                digest.update(str(file.relative_to(path)).encode("utf-8") + b"\0")
                digest.update(file_sha256(file).encode("ascii"))
            out[str(path)] = digest.hexdigest()
        elif path.is_file():
            out[str(path)] = file_sha256(path)
    return out


def ask_all(
    assistant: Assistant,
    questions: Sequence[GoldQuestion],
    depth: int = MRR_K,
    hit_ks: Sequence[int] = HIT_KS,
    *,
    undated: bool = True,
    remove_evidence: bool = True,
) -> list[QuestionResult]:
    """Ask every question (after ``warm_up``), with a progress bar on a terminal
    (``undated``, ``remove_evidence``: see ``evaluate_question``)."""
    from tqdm.auto import tqdm

    if not questions:
        return []
    warm_up(assistant, questions[0].question)
    checker = TwoPassChecker(assistant.embedder)
    results = []
    for item in tqdm(questions, desc="eval", unit=" questions", disable=None):
        result = evaluate_question(
            assistant,
            item,
            depth=depth,
            hit_ks=hit_ks,
            checker=checker,
            undated=undated,
            remove_evidence=remove_evidence,
        )
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
    checker: TwoPassChecker | None = None,
    *,
    undated: bool = True,
    remove_evidence: bool = True,
) -> QuestionResult:
    """Ask one gold question and score what comes back. With ``undated`` it is asked again
    without a reference date (as the chat, ``ask`` and ``answer()`` do by default); with
    ``remove_evidence`` an answerable question with evidence is asked again, dated and
    undated, with its evidence articles left out (``trust_scores``)."""
    # The date "this week" in the question refers to: the assistant's "now" for this
    # question. Date filters (since/until) are deliberately not set.
    reference_date = item.question_date
    passages = max(depth, assistant.settings.candidates)
    error = None
    answer: Answer | None = None
    started = time.perf_counter()
    try:
        answer = _ask(assistant, item, passages, reference_date)
    except QuestionError as exc:
        logger.warning("question %s could not be asked: %s", item.id, exc)
        error = str(exc)
    latency_ms = (time.perf_counter() - started) * 1000
    evidence = set(item.evidence_ids)
    scored = item.answerable and bool(evidence)
    base = QuestionResult(
        id=item.id,
        question=item.question,
        question_date=None if reference_date is None else reference_date.isoformat(),
        gold_answer=item.answer,
        answerable=item.answerable,
        evidence_ids=item.evidence_ids,
        answer="",
        abstained=False,
        cited_ids=(),
        retrieved_ids=(),
        rank=None,
        hits={f"hit@{n}": False for n in hit_ks} if scored else {},
        reciprocal_rank=0.0 if scored else None,
        contains_gold=False if item.answerable else None,
        cites_evidence=False if scored else None,
        latency_ms=latency_ms,
        error=error,
        source=item.source.strip() or None,
        answers=item.answers,
        exact_match=0.0 if item.answerable else None,
        f1=0.0 if item.answerable else None,
        choices=item.choices,
        tags=item.tags,
        turns=len(item.conversation),
        retrieval=retrieval_scores([], [], item, hit_ks) if scored else {},
    )
    if answer is None:
        return base
    result = score_answer(base, item, answer, depth, hit_ks, checker, assistant.embedder)
    trust = trust_scores("", item, answer)
    again: list[tuple[str, dt.date | None, Collection[str]]] = []
    if undated:
        again.append(("undated_", None, ()))
    if remove_evidence and scored:
        again += [("removed_", reference_date, evidence), ("undated_removed_", None, evidence)]
    for prefix, when, left_out in again:
        try:
            other: Answer | None = _ask(assistant, item, passages, when, exclude=left_out)
        except QuestionError:
            other = None  # (could not be asked that way: no score)
        trust.update(trust_scores(prefix, item, other))
    return dataclasses.replace(result, trust=trust)


def _ask(
    assistant: Assistant,
    item: GoldQuestion,
    passages: int,
    reference_date: dt.date | None,
    exclude: Collection[str] = (),
) -> Answer:
    """``item`` asked for ``passages`` passages as of ``reference_date``, without the articles
    ``exclude`` (with its earlier turns, for a follow-up)."""
    if item.conversation:
        history = [(t.question, t.answer) for t in item.conversation]
        return assistant.chat(
            item.question, history, k=passages, reference_date=reference_date, exclude=exclude
        )
    return assistant.ask(item.question, k=passages, reference_date=reference_date, exclude=exclude)


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that decide the numbers."""
    versions: dict[str, str | None] = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions
