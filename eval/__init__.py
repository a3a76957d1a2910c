"""Evaluate the assistant on gold questions: metrics with intervals, breakdowns, reports.

>>> from eval import evaluate
>>> report = evaluate("gold.jsonl", articles=["articles/"], out="eval-out")  # doctest: +SKIP
>>> report.metrics["hit@5"], report.intervals["hit@5"]                       # doctest: +SKIP

``evaluate`` is :func:`eval.run.run_eval` (same arguments, the same :class:`eval.report.Report`
as ``article-qa eval``); importing this package loads no model and no store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eval.report import Report

__all__ = ["evaluate"]


def evaluate(*args: Any, **kwargs: Any) -> Report:
    """Run an evaluation: see :func:`eval.run.run_eval` for the arguments."""
    from eval.run import run_eval

    return run_eval(*args, **kwargs)
