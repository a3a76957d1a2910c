"""The dev subset's store built by the default embedding backend against one built by plain
torch fp32: retrieval and answers, question by question (issue 18's quality gate for a faster
backend: hit@5 and MRR@10 within 1 point).

Usage: python -m benchmarks.backend_stores [--set subset] [--doc docs/benchmarks.md]

Run after ``python -m benchmarks.run --set subset`` (it reads that run's
``bench-out/eval-subset``). Where ``auto`` picks torch fp32 on this machine the two stores
would be one: the section says so and nothing is ingested again. Elsewhere the set is
ingested with ``ARTICLE_QA_EMBED_BACKEND=torch`` and ``ARTICLE_QA_EMBED_PRECISION=fp32`` into
``bench-out/store-SET-fp32`` (kept: a second run skips the ingest) and the two evaluations
are compared with ``article-qa eval compare``'s paired bootstrap.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from benchmarks.common import append_section, bench_args, machine
from benchmarks.embed_backends import cpu_flags
from benchmarks.paths import REPO
from eval.compare import Comparison, compare, question_texts
from index.embed import Embedder

log = logging.getLogger("backend_stores")
GATED = ("hit@5", "mrr@10")
FP32 = {"ARTICLE_QA_EMBED_BACKEND": "torch", "ARTICLE_QA_EMBED_PRECISION": "fp32"}


def gate_rows(comparison: Comparison) -> list[str]:
    """A row per gated metric: fp32 store, default store, the difference in points, and
    whether it is within 1 point."""
    rows = []
    for d in comparison.deltas:
        if d.name in GATED:
            points = 100 * d.delta
            rows.append(
                f"| {d.name} | {d.a:.3f} | {d.b:.3f} | {points:+.1f} "
                f"| {'yes' if abs(points) <= 1.0 else 'no'} |"
            )
    return rows


def built_by(store: Path) -> list[str]:
    """The embedding backends a store records as having computed its vectors (none when
    there is no store yet)."""
    from index.store import open_store

    if not store.exists():
        return []
    opened = open_store(store)
    try:
        return opened.embed_backends
    finally:
        opened.close()


def only_fp32(store: Path, allow_empty: bool = False) -> None:
    """Stop unless torch fp32 alone built ``store`` (or, with ``allow_empty``, nothing yet)."""
    backends = built_by(store)
    if backends != ["torch-fp32"] and not (allow_empty and not backends):
        raise SystemExit(
            f"{store} holds vectors of {backends}, not only torch-fp32: delete it and run again"
        )


def main() -> None:
    args, gold, articles, store = bench_args(__doc__)
    # what built the store benchmarks.run kept (a kept store skips unchanged articles, so it
    # may be older than this machine's choice), else what would build it now
    default = ", ".join(built_by(store)) or Embedder().label
    header = [
        "",
        f"### rtqa {args.set}: default-backend store against a torch fp32 store "
        f"({dt.date.today().isoformat()})",
        "",
        f"- command: `python -m benchmarks.backend_stores --set {args.set} --store {store}`",
        f"- machine: {machine()}; CPU flags: {cpu_flags()}; store `{store}`, built by: {default}",
        "",
    ]
    if default == "torch-fp32":
        append_section(
            args.doc,
            [
                *header,
                "Torch fp32 built every vector of this store, so it is the fp32 store: nothing to "
                "compare here.",
                "",
            ],
        )
        return
    from eval.run import run_eval

    run_default = REPO / "bench-out" / f"eval-{args.set}"
    if not (run_default / "report.json").exists():
        raise SystemExit(f"{run_default} has no report.json: run benchmarks.run --set first")
    run_fp32 = REPO / "bench-out" / f"eval-{args.set}-fp32"
    fp32_store = Path(f"{store}-fp32")
    only_fp32(fp32_store, allow_empty=True)
    os.environ.update(FP32)
    run_eval(gold, articles=[articles], store=fp32_store, out=run_fp32)
    only_fp32(fp32_store)
    comparison = compare(run_fp32, run_default)
    append_section(
        args.doc,
        [
            *header,
            "| metric | torch fp32 store | default store | difference, points | within 1 point |",
            "|---|---|---|---|---|",
            *gate_rows(comparison),
            "",
            "```",
            comparison.table(question_texts(run_default)),
            "```",
            "",
        ],
    )


if __name__ == "__main__":
    main()
