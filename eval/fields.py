"""Reading a ``report.json`` dict (``Report.to_dict()``) leniently, for the page
(:mod:`eval.html`), its plots (:mod:`eval.plots`) and its failure analysis
(:mod:`eval.analysis`).

Every field is read with ``.get`` and a field of the wrong type reads as absent, so reports
written before a field existed (no passages, no checks, no intervals) still render, with less
detail. Also here: the metrics a report holds in the order the page shows them, and what each
one means.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# What each metric means, and which questions it counts (a key of ``COUNTS``).
METRICS: dict[str, tuple[str, str]] = {
    "mrr@10": ("mean of 1/rank of the first evidence article (0 beyond rank 10)", "evidence"),
    "answer_contains_gold": (
        "the answer contains the gold answer (an abstention never does)",
        "answerable",
    ),
    "exact_match": ("the answer is an accepted answer (after normalising)", "answerable"),
    "f1": ("word overlap (F1) of the answer with the best accepted answer", "answerable"),
    "mc_accuracy": (
        "the choice best supported by the answer and its passages is the right one",
        "questions",
    ),
    "cites_evidence": ("the answer cites an evidence article", "evidence"),
    "citation_recall": (
        "share of the answer's sentences that their cited passages support (ALCE)",
        "answered",
    ),
    "citation_precision": (
        "share of the citations that support their sentence, alone or as needed (ALCE)",
        "answered",
    ),
    "citations_valid": ("every [n] of the answer points at one of its sources", "answered"),
    "abstention_recall": ("unanswerable questions on which it abstained", "unanswerable"),
    "abstention_precision": ("abstentions that were on unanswerable questions", "abstentions"),
    "false_abstention_rate": (
        "abstained although the articles hold the answer (lower is better)",
        "answerable",
    ),
    "abstention_accuracy": ("said it could not find the answer, as it should", "unanswerable"),
    "off_topic_citation_rate": (
        "citations from a non-evidence article whose passage lacks the gold answer "
        "(padding or a wrong story; lower is better)",
        "answered",
    ),
    "removed_right_rate": (
        "evidence articles left out: it said not found, or still found the answer elsewhere",
        "evidence",
    ),
    "undated_answer_contains_gold": (
        "asked without a date (the chat's default), the answer contains the gold answer",
        "answerable",
    ),
    "undated_exact_match": (
        "asked without a date, the short answer is an accepted answer",
        "answerable",
    ),
    "undated_false_abstention_rate": (
        "asked without a date, abstained although the articles hold the answer",
        "answerable",
    ),
    "undated_off_topic_citation_rate": (
        "asked without a date, off-topic citations (lower is better)",
        "answered",
    ),
    "undated_removed_right_rate": (
        "asked without a date, evidence left out: not found, or the answer found elsewhere",
        "evidence",
    ),
    "latency_p50_ms": ("median time to answer one question (ms)", "questions"),
    "latency_p95_ms": ("95th percentile of the time per question (ms)", "questions"),
}
# The questions a metric counts: key of ``METRICS`` -> (the count's key in the metrics, label).
COUNTS = {
    "evidence": ("n_retrieval_scored", "answerable with evidence"),
    "answerable": ("n_answerable", "answerable"),
    "unanswerable": ("n_unanswerable", "unanswerable"),
    "answered": ("n_answered", "answered"),
    "questions": ("n_questions", "questions"),
}
LOWER_IS_BETTER = {
    "false_abstention_rate",
    "off_topic_citation_rate",
    "undated_false_abstention_rate",
    "undated_off_topic_citation_rate",
}


# --- the report's parts ---------------------------------------------------------------------


def config_of(report: Mapping[str, Any]) -> Mapping[str, Any]:
    config = report.get("config")
    return config if isinstance(config, Mapping) else {}


def metrics_of(report: Mapping[str, Any]) -> Mapping[str, Any]:
    metrics = report.get("metrics")
    return metrics if isinstance(metrics, Mapping) else {}


def questions_of(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return records(report.get("questions"))


def records(value: Any) -> list[Mapping[str, Any]]:
    """The mappings in a list field (questions, a question's passages or checks); none when
    the field is not a list."""
    if not isinstance(value, Sequence):
        return []
    return [v for v in value if isinstance(v, Mapping)]


def intervals_of(report: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """The metrics' 95% intervals: name -> (low, high); those not readable left out."""
    given = report.get("intervals")
    if not isinstance(given, Mapping):
        return {}
    out = {}
    for name, value in given.items():
        interval = pair(value)
        if interval is not None:
            out[str(name)] = interval
    return out


def pair(value: Any) -> tuple[float, float] | None:
    """An interval given as ``[low, high]`` or ``{"low": .., "high": ..}``; None otherwise."""
    if isinstance(value, Mapping):
        value = [value.get("low"), value.get("high")]
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        low, high = number(value[0]), number(value[1])
        if low is not None and high is not None:
            return (low, high)
    return None


def depth_of(report: Mapping[str, Any]) -> int:
    """How many articles were retrieved per question: the config's ``depth``, else the most
    any question lists (at least 10)."""
    depth = config_of(report).get("depth")
    if isinstance(depth, int) and depth > 0:
        return depth
    lengths = [len(strings(q.get("retrieved_ids"))) for q in questions_of(report)]
    return max([*lengths, 10]) if lengths else 10


def latencies_of(report: Mapping[str, Any]) -> dict[str, list[float]]:
    """Milliseconds per question: "total" and each stage of ``timings``."""
    series: dict[str, list[float]] = {}
    for q in questions_of(report):
        given = q.get("timings")
        timings: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        total = number(q.get("latency_ms"))
        if total is None:
            total = number(timings.get("total_ms"))
        if total is not None:
            series.setdefault("total", []).append(total)
        for key, value in timings.items():
            milliseconds = number(value)
            if key == "total_ms" or milliseconds is None:
                continue
            series.setdefault(str(key).removesuffix("_ms"), []).append(milliseconds)
    return series


# --- the metrics, in order ------------------------------------------------------------------


def metric_names(metrics: Mapping[str, Any]) -> list[str]:
    """The numeric metrics worth a row, in a fixed order (hits by k, then ``METRICS``,
    then any other), without the counts."""
    numeric = [
        k
        for k, v in metrics.items()
        if number(v) is not None and not k.startswith("n_") and not isinstance(v, bool)
    ]
    hits = sorted((k for k in numeric if re.fullmatch(r"hit@\d+", k)), key=lambda k: int(k[4:]))
    known = [k for k in METRICS if k in numeric]
    rest = [k for k in numeric if k not in hits and k not in known]
    return [*hits, *known, *rest]


def meaning(name: str) -> tuple[str, str]:
    """What the metric ``name`` means and which questions it counts (a key of ``COUNTS``);
    empty strings for a metric not known here."""
    if re.fullmatch(r"hit@\d+", name):
        return (f"an evidence article is among the first {name[4:]} retrieved", "evidence")
    if name in METRICS:
        return METRICS[name]
    return ("", "")


def segment_metrics(segments: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The metrics the segments of one kind hold, in the order of ``metric_names``."""
    names: list[str] = []
    for values in segments.values():
        for key, value in values.items():
            if key in ("n", "intervals") or key.startswith("n_") or key in names:
                continue
            if number(value) is not None or value is None:
                names.append(key)
    return metric_names(dict.fromkeys(names, 0.0))


def ordered_segments(
    kind: str, segments: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, Mapping[str, Any]]]:
    """Years in order; other segments the largest first."""
    items = list(segments.items())
    if kind == "year":
        return sorted(items)
    return sorted(items, key=lambda item: (-(number(item[1].get("n")) or 0), item[0]))


# --- values ---------------------------------------------------------------------------------


def strings(value: Any) -> list[str]:
    """``value`` as a list of strings: a string is one, a list is its items, else none."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        return []
    return [str(v) for v in value if v is not None]


def number(value: Any) -> float | None:
    """``value`` as a float when it is a number (not a bool, not NaN); None otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return None if math.isnan(value) else float(value)


def clip(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters, an ellipsis ending a cut one."""
    return text if len(text) <= n else text[: n - 1] + "…"
