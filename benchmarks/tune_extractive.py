"""Tune the extractive answerer's weights and abstention threshold on a gold set.

Usage: python -m benchmarks.tune_extractive STORE GOLD.jsonl

For every question it retrieves the candidate passages once, computes each sentence's
features (question overlap, passage score, answer type, MiniLM similarity), then scores a
grid of weights by answer-contains-gold, and prints the best-sentence score distribution of
answerable and unanswerable questions, from which ``Settings.min_score`` is chosen.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from eval.metrics import contains_answer
from qa.answer import (
    _near_duplicate,
    _weighted_overlap,
    content_words,
    offers_answer,
    question_type,
)
from qa.assistant import Assistant
from qa.config import Settings

log = logging.getLogger("tune")


def features(assistant: Assistant, question: str) -> dict[str, Any]:
    from index.sentences import sentence_spans

    passages = assistant.retriever.run(question, top_k=assistant.settings.candidates)
    found, seen = [], set()
    for p in passages:
        for s, e in sentence_spans(p.text):
            text = p.text[s:e]
            if (p.article_id, p.start + s) in seen or len(content_words(text)) < 3:
                continue
            seen.add((p.article_id, p.start + s))
            found.append((p.score, text))
    texts = [t for _, t in found]
    if not texts:
        return {"texts": []}
    q_words, kind = set(content_words(question)), question_type(question)
    vectors = assistant.embedder.embed([question, *texts], batch_size=64)
    return {
        "texts": texts,
        "passage": np.array([s for s, _ in found]),
        "overlap": _weighted_overlap(question, texts),
        "answer_type": np.array([offers_answer(q_words, kind, t) for t in texts], dtype=float),
        "similarity": vectors[1:] @ vectors[0],
    }


def choose(f: dict[str, Any], w: dict[str, float], margin: float) -> tuple[float, str]:
    score = sum(w[name] * f[name] for name in w)
    order = np.argsort(-score)
    chosen: list[int] = []
    for i in order:
        if len(chosen) >= 3 or score[i] < score[order[0]] - margin:
            break
        if not any(_near_duplicate(f["texts"][i], f["texts"][j]) for j in chosen):
            chosen.append(int(i))
    return float(score[order[0]]), " ".join(f["texts"][i] for i in chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("store", type=Path)
    parser.add_argument("gold", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    assistant = Assistant(Settings.load(store=args.store))
    rows = [json.loads(line) for line in args.gold.read_text("utf-8").splitlines() if line]
    feats = [(row, features(assistant, row["question"])) for row in rows]
    feats = [(r, f) for r, f in feats if f["texts"]]
    answerable = [(r, f) for r, f in feats if r.get("answerable", True)]
    grid = []
    for sim, ov, ps, at, margin in itertools.product(
        [0.2, 0.3, 0.5], [0.3, 0.45, 0.6], [0.0, 0.1, 0.2], [0.0, 0.1, 0.2], [0.1, 0.2]
    ):
        w = {"similarity": sim, "overlap": ov, "passage": ps, "answer_type": at}
        hits = sum(contains_answer(choose(f, w, margin)[1], r["answer"]) for r, f in answerable)
        grid.append((hits / len(answerable), w, margin))
    grid.sort(key=lambda g: -g[0])
    for acc, w, margin in grid[:8]:
        log.info("answer_contains_gold %.3f  %s margin %.2f", acc, w, margin)
    current = Settings.load(store=args.store)
    weights = assistant.answerer.weights
    w = {k: getattr(weights, k) for k in ("similarity", "overlap", "passage", "answer_type")}
    best = {
        True: sorted(choose(f, w, weights.margin)[0] for r, f in answerable),
        False: sorted(choose(f, w, weights.margin)[0] for r, f in feats if not r["answerable"]),
    }
    log.info("current weights %s: best-sentence scores", w)
    for label, scores in (("answerable", best[True]), ("unanswerable", best[False])):
        if scores:
            pct = {p: round(float(np.percentile(scores, p)), 3) for p in (0, 5, 10, 25, 50)}
            log.info("  %s (n=%d): percentiles %s", label, len(scores), pct)
    threshold = current.min_score
    false_abs = sum(s < threshold for s in best[True]) / max(1, len(best[True]))
    abstained = sum(s < threshold for s in best[False]) / max(1, len(best[False]))
    log.info(
        "min_score %.2f: false abstentions %.3f, unanswerable abstained %.3f",
        threshold,
        false_abs,
        abstained,
    )


if __name__ == "__main__":
    main()
