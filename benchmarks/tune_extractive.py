"""Learn the extractive answerer's sentence weights from a gold set.

Usage: python -m benchmarks.tune_extractive --set dev --store STORE [--cache FILE]

1. Every question is retrieved as ``Assistant.ask`` does (as of its ``question_date``) and
   the answerer's shortlisted sentences are taken with their features
   (``qa.answer.FEATURES``); a sentence is a positive when it holds the gold answer
   (``eval.metrics.contains_answer``). ``--cache`` keeps this, the slow part, for reruns.
2. Sentence weights: a softmax over each answerable question's sentences, fitted so the
   sentences holding the answer come first (L2-regularised gradient descent), for
   ``ExtractiveWeights``. Checked by two-fold cross-validation (fit on the even questions,
   score the odd ones, and back): answer-contains-gold of the sentences ``choose`` picks.
3. The abstention models and the short-answer model are fitted by ``benchmarks.tune_trust``
   (for these weights, with a time split).

It prints the fitted values for qa/answer.py and appends the cross-validated numbers to
docs/benchmarks.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.common import append_section, bench_args, cache_option, machine, tuning_items
from eval.metrics import contains_answer
from qa.answer import FEATURES, ExtractiveAnswerer, ExtractiveWeights, SentenceFeatures
from qa.assistant import Assistant

log = logging.getLogger("tune")

MARGINS = (1.0, 1.5, 2.0, 3.0)


@dataclasses.dataclass
class Item:
    """One gold question with what the answerer saw."""

    row: dict[str, Any]
    reference: dt.date
    passages: list[Any]
    found: SentenceFeatures
    gold: np.ndarray  # per sentence: holds the answer

    @property
    def answerable(self) -> bool:
        return bool(self.row.get("answerable", True))


def collect(assistant: Assistant, rows: Sequence[dict[str, Any]]) -> list[Item]:
    items = []
    started = time.perf_counter()
    for i, row in enumerate(rows, start=1):
        reference = dt.date.fromisoformat(row["question_date"])
        passages, _ = assistant._retrieve(
            row["question"], k=None, sources=None, since=None, until=None, reference_date=reference
        )
        found = assistant.answerer.features(row["question"], passages, reference)
        answer = row.get("answer") or ""
        gold = np.array([bool(answer) and contains_answer(s[3], answer) for s in found.sentences])
        items.append(Item(row, reference, passages, found, gold))
        if i % 100 == 0:
            log.info("%d/%d questions (%.0f s)", i, len(rows), time.perf_counter() - started)
    return items


def fit_weights(items: Sequence[Item], l2: float = 1e-3) -> np.ndarray:
    """Weights for FEATURES putting each question's answer-holding sentences first."""
    from benchmarks.tune_trust import fit_softmax

    groups = [(it.found.values, it.gold.astype(float)) for it in items if it.answerable]
    return fit_softmax(groups, l2)


def answerer_for(assistant: Assistant, weights: np.ndarray, margin: float) -> ExtractiveAnswerer:
    """An answerer with these FEATURES weights and margin that never abstains."""
    fields: dict[str, Any] = {
        name: round(float(v), 3) for name, v in zip(FEATURES, weights, strict=True)
    }
    return ExtractiveAnswerer(
        assistant.embedder,
        max_sentences=assistant.settings.max_sentences,
        min_score=-np.inf,
        weights=dataclasses.replace(ExtractiveWeights(), margin=margin, **fields),
    )


def contains_rate(items: Sequence[Item], answerer: ExtractiveAnswerer) -> float:
    hits = [
        contains_answer(
            " ".join(s.text for s in answerer.choose(answerer.rank(it.found))),
            str(it.row["answer"]),
        )
        for it in items
        if it.answerable
    ]
    return sum(hits) / max(1, len(hits))


def main() -> None:
    args, gold_path, articles_path, store = bench_args(__doc__, cache_option)
    started = time.perf_counter()
    assistant, items = tuning_items(store, articles_path, gold_path, collect, args.cache)
    current = assistant.answerer
    before = contains_rate(items, current)
    halves = [items[0::2], items[1::2]]
    lines = [
        "",
        f"### Learned sentence weights, rtqa {args.set}: {dt.date.today().isoformat()}",
        "",
        f"- command: `python -m benchmarks.tune_extractive --set {args.set} --store {store}`",
        f"- machine: {machine()}",
        f"- contains-gold of the chosen sentences with the weights in the code: {before:.3f} "
        "(no abstention)",
        "",
        "Sentence weights, two-fold cross-validation (contains-gold on the held-out half):",
        "",
        "| margin | fit even, score odd | fit odd, score even | fit all, score all |",
        "|---|---|---|---|",
    ]
    fitted = [fit_weights(half) for half in halves]
    weights = fit_weights(items)
    for margin in MARGINS:
        held = [
            contains_rate(halves[1 - i], answerer_for(assistant, fitted[i], margin)) for i in (0, 1)
        ]
        whole = contains_rate(items, answerer_for(assistant, weights, margin))
        lines.append(f"| {margin} | {held[0]:.3f} | {held[1]:.3f} | {whole:.3f} |")
    log.info("ExtractiveWeights: %s", dict(zip(FEATURES, np.round(weights, 3), strict=True)))
    lines += ["", f"Wall time {time.perf_counter() - started:.0f} s.", ""]
    append_section(args.doc, lines)


if __name__ == "__main__":
    # run from the imported module, so that the cache pickles benchmarks.tune_extractive.Item
    from benchmarks.tune_extractive import main as run_main

    run_main()
