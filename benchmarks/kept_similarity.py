"""Refit ``ExtractiveWeights.kept_similarity``: the line that maps the question similarity of
a sentence vector kept at ingest (the sentence read in its chunk, ``index.pooling``) onto
that of the same sentence embedded alone, the scale the answer weights were fitted on.

Usage: python -m benchmarks.kept_similarity [--set small] [--store DIR]

For every question of the set, the answer stage's shortlisted sentences are scored both
ways; the line is fitted by least squares on the questions of the earlier half by
``question_date`` and checked on the later half. Prints the fit; changes nothing.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging

import numpy as np

from benchmarks.common import bench_args

log = logging.getLogger("kept_similarity")


def main() -> None:
    args, gold, _articles, store = bench_args(__doc__)
    from index.store import open_store
    from qa.answer import FEATURES
    from qa.assistant import Assistant
    from qa.config import Settings

    if open_store(store).is_empty():
        raise SystemExit(f"No articles in {store}: run `python -m benchmarks.run --set {args.set}`")
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line]
    dates = sorted(str(r.get("question_date") or "") for r in rows)
    cut = dates[len(dates) // 2]
    assistant = Assistant(Settings.load(env={}, store=store))
    kept = assistant.answerer
    kept.weights = dataclasses.replace(kept.weights, kept_similarity=(1.0, 0.0))  # unmapped
    alone = copy.copy(kept)
    alone.sentence_vectors = None  # every shortlisted sentence embedded alone
    column = FEATURES.index("similarity")
    pairs: dict[str, list[tuple[float, float]]] = {"earlier": [], "later": []}
    for row in rows:
        question = str(row["question"])
        passages = assistant.retrieve(question)
        read_in_chunk = kept.features(question, passages).values[:, column]
        read_alone = alone.features(question, passages).values[:, column]
        half = "earlier" if str(row.get("question_date") or "") < cut else "later"
        pairs[half].extend(zip(read_in_chunk.tolist(), read_alone.tolist(), strict=True))
    x, y = np.array(pairs["earlier"]).T
    slope, intercept = np.polyfit(x, y, 1)
    log.info(
        "fitted on %d sentences of the questions before %s: kept_similarity = (%.4f, %.4f)",
        len(x),
        cut,
        slope,
        intercept,
    )
    for half, values in pairs.items():
        x, y = np.array(values).T
        mapped = slope * x + intercept
        log.info(
            "%s half, %d sentences: mean %.3f in chunk, %.3f mapped, %.3f alone; mean absolute "
            "gap %.3f -> %.3f; correlation %.3f",
            half,
            len(x),
            x.mean(),
            mapped.mean(),
            y.mean(),
            np.abs(x - y).mean(),
            np.abs(mapped - y).mean(),
            np.corrcoef(x, y)[0, 1],
        )


if __name__ == "__main__":
    main()
