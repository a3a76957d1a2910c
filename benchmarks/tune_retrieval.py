"""Fusion variants scored offline on cached candidates: weights, recency shape, article votes.

Usage: python -m benchmarks.tune_retrieval --set small [--store DIR]

Each question's dense and BM25 candidates (depth 100 each, with cosine, BM25 score, date and
text) are fetched once through the real retriever; every variant then re-fuses the same
candidates (the production ``collapse_copies`` included) and is scored by article-level
hit@1/5/10 and MRR@10, the way ``article-qa eval`` scores them.

Time split: the questions sorted by ``question_date``, the variant that ranks best on the
earlier half is scored on the later half beside the default, dated (as of the question's
date) and undated (no date window: the chat's default); the table goes to docs/benchmarks.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import logging
from collections.abc import Sequence
from typing import Any

from benchmarks.common import append_section, bench_args, machine
from eval.metrics import hit_at_k, reciprocal_rank
from qa import Assistant
from qa.config import Settings
from qa.dates import resolve_time, search_text
from qa.retrieve import Passage, collapse_copies

log = logging.getLogger("tune_retrieval")
RANKED = 40  # passages kept after folding copies


@dataclasses.dataclass(frozen=True)
class Variant:
    dense: float = 0.3
    recency: float = 0.2
    shape: str = "flat"  # flat | linear (boost falls from full at the date to half at the edge)
    article_vote: float = 0.0  # share of an article's second-best chunk added to its best


def candidates(
    assistant: Assistant, question: dict[str, Any], strip_time: bool = True
) -> dict[str, Any]:
    retriever = assistant.retriever
    when = dt.date.fromisoformat(question["question_date"])
    found = resolve_time(question["question"], when)
    window = assistant._boost(found, when)
    text = search_text(question["question"], found) if strip_time else question["question"]
    depth = retriever.weights.depth
    dense = retriever.dense.run(text, depth, None)
    sparse = retriever._bm25(text, depth, None)
    passages = {p.chunk_id: p for p in dense}
    passages.update(retriever._fetch([c for c, _ in sparse if c not in passages]))
    return {
        "passages": passages,
        "cosine": {p.chunk_id: p.score for p in dense},
        "bm25": dict(sparse),
        "window": window,
        "date": when,
    }


def fuse(c: dict[str, Any], v: Variant) -> list[Passage]:
    best = max(c["bm25"].values(), default=0.0) or 1.0
    floor = min(c["cosine"].values(), default=0.0)
    window: tuple[dt.date, dt.date] | None = c["window"]
    future = c["date"] + dt.timedelta(days=3)
    scored = []
    for chunk_id, p in c["passages"].items():
        s = v.dense * c["cosine"].get(chunk_id, floor) + (1 - v.dense) * (
            c["bm25"].get(chunk_id, 0.0) / best
        )
        if window and p.published and window[0] <= p.published:
            low, high = window
            if p.published > high:
                pass
            elif v.shape == "flat":
                s += v.recency
            else:
                span = max(1, (high - low).days)
                age = (high - p.published).days
                s += v.recency * (1 - 0.5 * age / span)
        if p.published and p.published > future:
            s -= v.recency
        scored.append(dataclasses.replace(p, score=s))
    if v.article_vote:
        by_article: dict[str, list[float]] = {}
        for p in scored:
            by_article.setdefault(p.article_id, []).append(p.score)
        second = {
            a: sorted(s, reverse=True)[1] if len(s) > 1 else 0.0 for a, s in by_article.items()
        }
        scored = [
            dataclasses.replace(p, score=p.score + v.article_vote * max(0.0, second[p.article_id]))
            for p in scored
        ]
    scored.sort(key=lambda p: -p.score)
    return collapse_copies(scored, limit=RANKED)  # (enough for hit@10, far faster)


def ranked_articles(passages: Sequence[Passage], evidence: set[str]) -> list[str]:
    out: list[str] = []
    for p in passages:
        a = next((x for x in (p.article_id, *p.copies) if x in evidence), p.article_id)
        if a not in out:
            out.append(a)
    return out


def score(cached: list[tuple[dict[str, Any], set[str]]], v: Variant) -> dict[str, float]:
    ranks = [ranked_articles(fuse(c, v), gold) for c, gold in cached]
    n = len(ranks)
    pairs = list(zip(ranks, [g for _, g in cached], strict=True))
    return {
        "hit@1": sum(hit_at_k(r, g, 1) for r, g in pairs) / n,
        "hit@5": sum(hit_at_k(r, g, 5) for r, g in pairs) / n,
        "hit@10": sum(hit_at_k(r, g, 10) for r, g in pairs) / n,
        "mrr@10": sum(reciprocal_rank(r, g, 10) for r, g in pairs) / n,
    }


def undated(c: dict[str, Any]) -> dict[str, Any]:
    """The candidates as an undated question meets them: no date window, no penalty for
    articles after the question's date."""
    return {**c, "window": None, "date": dt.date.max - dt.timedelta(days=7)}


def time_split(
    questions: Sequence[dict[str, Any]],
    cached: list[tuple[dict[str, Any], set[str]]],
    grid: Sequence[Variant],
) -> list[str]:
    """Markdown rows: the variant best on the earlier half of ``questions`` and the default,
    each scored on the later half, dated and undated."""
    dates = sorted({q["question_date"] for q in questions})
    cut = dates[len(dates) // 2]
    early = [c for q, c in zip(questions, cached, strict=True) if q["question_date"] < cut]
    late = [c for q, c in zip(questions, cached, strict=True) if q["question_date"] >= cut]
    rows = [
        f"Time split at {cut}: {len(early)} questions choose, {len(late)} later ones score.",
        "",
        "| mode | variant | hit@1 | hit@5 | mrr@10 (later half) |",
        "|---|---|---|---|---|",
    ]
    for mode, view in (("dated", lambda c: c), ("undated", undated)):
        early_m = [(view(c), g) for c, g in early]
        late_m = [(view(c), g) for c, g in late]
        best = max(grid, key=lambda v: score(early_m, v)["mrr@10"])
        for name, v in (("default", Variant()), ("best on the earlier half", best)):
            m = score(late_m, v)
            rows.append(
                f"| {mode} | {name}: dense {v.dense}, recency {v.recency}, {v.shape}, "
                f"vote {v.article_vote} | {m['hit@1']:.3f} | {m['hit@5']:.3f} "
                f"| {m['mrr@10']:.3f} |"
            )
    return rows


def main() -> None:
    args, gold_path, _, store = bench_args(__doc__)
    questions = [json.loads(line) for line in gold_path.read_text("utf-8").splitlines() if line]
    questions = [q for q in questions if q.get("answerable", True) and q.get("evidence")]
    assistant = Assistant(Settings.load(store=store))
    for strip_time in (False, True):
        cached = [
            (candidates(assistant, q, strip_time), {e["article_id"] for e in q["evidence"]})
            for q in questions
        ]
        log.info(
            "relative time phrases removed: %s; default %s", strip_time, score(cached, Variant())
        )
    grid = [
        Variant(dense=d, recency=r, shape=s, article_vote=a)
        for d, r, s, a in itertools.product(
            (0.2, 0.3, 0.4, 0.5), (0.1, 0.2, 0.3), ("flat", "linear"), (0.0, 0.1, 0.2, 0.3)
        )
    ]
    results = sorted(
        ((score(cached, v), v) for v in grid), key=lambda r: (-r[0]["mrr@10"], -r[0]["hit@1"])
    )
    default = score(cached, Variant())
    log.info("%d questions; default %s", len(cached), default)
    for metrics, v in results[:15]:
        log.info("%s  %s", " ".join(f"{k} {x:.3f}" for k, x in metrics.items()), v)
    lines = [
        "",
        f"### Fusion weights on a time split, rtqa {args.set}: {dt.date.today().isoformat()}",
        "",
        f"- command: `python -m benchmarks.tune_retrieval --set {args.set} --store {store}`",
        f"- machine: {machine()}",
        f"- {len(cached)} answerable questions with evidence; grid of {len(grid)} variants "
        "(dense weight, recency boost, its shape, article vote); the shipped default is "
        f"{Variant()}",
        "",
        *time_split(questions, cached, grid),
        "",
    ]
    append_section(args.doc, lines)


if __name__ == "__main__":
    main()
