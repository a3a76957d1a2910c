"""``report.html``: an evaluation as one self-contained page.

The page is written from the ``report.json`` dict (``Report.to_dict()``) and needs nothing
else to be read: its CSS and JavaScript are inline and its plots are PNG images inlined as
``data:`` URIs (:mod:`eval.plots`), so it opens offline, from a file, and loads nothing.

What it shows, top to bottom: a header (what was run, when, with which versions and data),
a plain-language summary, the metrics with their 95% intervals, latency histograms, the
metrics by segment (quiz source, year, tag), the worst segments, and every failed question,
worst first (:mod:`eval.analysis` finds them and says why), each with a one-line diagnosis,
the retrieved passages (the gold evidence marked) and the verdicts of the answer check. A
filter (kind of failure, segment, free text) narrows the list in the browser.

This module works out what each section shows (:mod:`eval.failure_card` what the card of a
failure shows); the Jinja2 templates in ``eval/templates/`` (``report.html.j2`` and its
partials, ``report.css``, ``report.js``) say how it looks. They escape everything they show
(autoescape): questions, answers, articles and sources are data, and no pre-built HTML
reaches them. Every field is read leniently (:mod:`eval.fields`):
reports written before a field existed still render, with less detail.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from eval.analysis import FAILURE_KINDS, Failure, find_failures, worst_segments
from eval.failure_card import failure_card
from eval.fields import (
    COUNTS,
    clip,
    config_of,
    depth_of,
    intervals_of,
    latencies_of,
    meaning,
    metric_names,
    metrics_of,
    number,
    ordered_segments,
    questions_of,
    segment_metrics,
    strings,
)
from eval.metrics import percentile
from eval.plots import plot_latency, plot_metrics, plot_segments, png_base64

__all__ = ["render_html", "write_html"]

_WORST_QUESTIONS = 10  # in the summary's table


def write_html(report: Mapping[str, Any], path: Path) -> Path:
    """Write ``render_html(report)`` to ``path`` (its folder made if needed); the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_html(report), encoding="utf-8")
    tmp.replace(path)
    return path


def render_html(report: Mapping[str, Any]) -> str:
    """The report (a ``report.json`` dict) as one self-contained HTML page."""
    failures = find_failures(report)
    title = "article-qa evaluation"
    date = config_of(report).get("date")
    if date:
        title += f" · {date}"
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            header=_header(report),
            warnings=strings(report.get("warnings")),
            notes=_degraded_notes(report),
            summary=_summary(report, failures),
            metrics=_metrics(report),
            latency=_latency(report),
            segments=_segments(report),
            worst_segments=_worst_segments(report, failures),
            failures=_failures(report, failures),
        )
    )


@cache
def _environment() -> Environment:
    """The templates of ``eval/templates``, escaping what they show (built on first use)."""
    environment = Environment(
        loader=PackageLoader("eval", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,  # a misspelt name fails the render instead of vanishing
        finalize=lambda value: "" if value is None else value,  # None shows as nothing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["kind_label"] = lambda kind: FAILURE_KINDS[kind][0]
    return environment


# --- header, warnings, summary --------------------------------------------------------------


def _header(report: Mapping[str, Any]) -> dict[str, Any]:
    """The facts of the run (name, value) and its full configuration as JSON."""
    c = config_of(report)
    m = metrics_of(report)
    facts: list[tuple[str, Any]] = [
        ("run on", c.get("date")),
        ("gold questions", c.get("gold")),
        ("articles", ", ".join(strings(c.get("articles"))) or None),
        ("store", c.get("store")),
        ("questions", m.get("n_questions", len(questions_of(report)) or None)),
        ("answers", _answer_mode(c)),
        (
            "retrieval",
            " · ".join(
                str(x)
                for x in (
                    c.get("retrieval"),
                    c.get("embed_model"),
                    None if c.get("reranker") in (None, "none") else f"reranker {c['reranker']}",
                    None if c.get("k") is None else f"k={c['k']}",
                )
                if x
            )
            or None,
        ),
        ("took", None if c.get("seconds") is None else f"{c['seconds']} s"),
    ]
    versions = c.get("versions")
    if isinstance(versions, Mapping):
        shown = [f"{k} {v}" for k, v in versions.items() if v]
        if c.get("python"):
            shown.insert(0, f"python {c['python']}")
        facts.append(("versions", ", ".join(shown)))
    for key, value in _hashes(report):
        facts.append((key, value))
    ingest = report.get("ingest")
    if isinstance(ingest, Mapping):
        facts.append(
            (
                "ingest",
                ", ".join(
                    f"{k} {ingest[k]}"
                    for k in ("added", "updated", "unchanged", "skipped", "chunks")
                    if k in ingest
                ),
            )
        )
    return {
        "facts": [(k, v) for k, v in facts if v not in (None, "")],
        "config": json.dumps(dict(c), ensure_ascii=False, indent=2, sort_keys=True, default=str),
    }


def _answer_mode(c: Mapping[str, Any]) -> str | None:
    mode = c.get("answer_mode")
    if mode is None:
        return None
    text = str(mode)
    if c.get("llm"):
        text += f" ({c['llm']})"
    return text


def _hashes(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The data fingerprints the report holds: keys naming a hash or sha, in the config, in
    the config's nested dicts and in ``report["hashes"]``."""
    out: list[tuple[str, str]] = []

    def visit(prefix: str, mapping: Mapping[str, Any]) -> None:
        for key, value in mapping.items():
            name = f"{prefix}{key}"
            if isinstance(value, Mapping):
                if re.search(r"hash|sha|digest|fingerprint", str(key), re.I):
                    out.extend((f"{name} {k}", str(v)) for k, v in value.items())
                else:
                    visit(f"{name}.", value)
            elif re.search(r"hash|sha|digest|fingerprint", str(key), re.I) and value:
                out.append((name, str(value)))

    visit("", config_of(report))
    extra = report.get("hashes")
    if isinstance(extra, Mapping):
        out.extend((f"hash {k}", str(v)) for k, v in extra.items())
    return out


def _degraded_notes(report: Mapping[str, Any]) -> list[str]:
    """What the page cannot show because the report.json predates it."""
    questions = questions_of(report)
    notes = []
    if questions and not any(q.get("passages") for q in questions):
        notes.append(
            "This report.json holds no retrieved passages: each failure lists the retrieved "
            "article ids only (reports from a newer article-qa show the passages)."
        )
    if metrics_of(report) and not report.get("intervals"):
        notes.append("This report.json holds no confidence intervals for the metrics.")
    return notes


def _summary(report: Mapping[str, Any], failures: Sequence[Failure]) -> dict[str, Any]:
    """The headline numbers, the causes of the failures counted, and the worst questions."""
    m = metrics_of(report)
    intervals = intervals_of(report)
    n = m.get("n_questions", len(questions_of(report)))
    count = None
    if isinstance(n, int):
        count = {"n": n, "answerable": m.get("n_answerable")}
        count["unanswerable"] = m.get("n_unanswerable", 0)
    shares: list[dict[str, Any]] = []

    def share(name: str, text: str) -> None:
        value = number(m.get(name))
        if value is None:
            return
        interval = None
        if name in intervals:
            low, high = intervals[name]
            interval = f"{_percent(low)}–{_percent(high)}"
        shares.append({"text": text, "value": _percent(value), "interval": interval})

    share("answer_contains_gold", "The answer contains the gold answer")
    hit = "hit@5" if "hit@5" in m else next((k for k in m if k.startswith("hit@")), None)
    if hit:
        share(hit, f"The evidence article is among the first {hit[4:]} retrieved")
    share("abstention_accuracy", "Unanswerable questions on which it rightly abstained")
    share("undated_answer_contains_gold", "Asked without a date, the answer contains it")
    share(
        "removed_right_rate",
        "With its evidence articles left out, it said not found or found the answer elsewhere",
    )
    share("off_topic_citation_rate", "Citations off the topic (lower is better)")
    median = number(m.get("latency_p50_ms"))
    kinds = Counter(k for f in failures for k in f.kinds)
    worst = [
        {
            "number": i,
            "question": clip(str(f.question.get("question", "")), 110),
            "gold": clip(str(f.question.get("gold_answer") or "-"), 40),
            "kinds": f.kinds,
            "diagnosis": f.diagnosis,
        }
        for i, f in enumerate(failures[:_WORST_QUESTIONS], 1)
    ]
    return {
        "questions": count,
        "shares": shares,
        "median_ms": None if median is None else f"{median:.0f}",
        "failed": len(failures),
        "kinds": ", ".join(
            f"{FAILURE_KINDS[k][0]}: {kinds[k]}" for k in FAILURE_KINDS if kinds.get(k)
        ),
        "causes": Counter(f.cause for f in failures).most_common(),
        "worst": worst,
    }


# --- metrics, latency, segments -------------------------------------------------------------


def _metrics(report: Mapping[str, Any]) -> dict[str, Any] | None:
    """Each metric's row (value, interval, the questions it counts, meaning) and the plot;
    None when the report holds no metrics."""
    m = metrics_of(report)
    if not m:
        return None
    intervals = intervals_of(report)
    rows = []
    for name in metric_names(m):
        means, over_key = meaning(name)
        over = ""
        if over_key in COUNTS:
            count_key, label = COUNTS[over_key]
            if m.get(count_key) is not None:
                over = f"{m[count_key]} {label}"
        interval = ""
        if name in intervals:
            low, high = intervals[name]
            interval = f"{_fmt(name, low)} – {_fmt(name, high)}"
        rows.append(
            {
                "name": name,
                "value": _fmt(name, m[name]),
                "interval": interval,
                "over": over,
                "meaning": means,
            }
        )
    modes = m.get("answer_modes")
    return {
        "rows": rows,
        "with_intervals": bool(intervals),
        "answer_modes": (
            ", ".join(f"{k} {v}" for k, v in modes.items())
            if isinstance(modes, Mapping) and modes
            else None
        ),
        "n_errors": m.get("n_errors"),
        "plot": _plot(plot_metrics, m, intervals, alt="the metrics with their 95% intervals"),
    }


def _latency(report: Mapping[str, Any]) -> dict[str, Any] | None:
    """p50, p95 and max per stage, and their histograms; None without timings."""
    series = latencies_of(report)
    if not series:
        return None
    rows = []
    for name, values in series.items():
        ordered = sorted(values)
        rows.append(
            {
                "stage": name,
                "n": len(ordered),
                "p50": f"{percentile(ordered, 50):.0f}",
                "p95": f"{percentile(ordered, 95):.0f}",
                "max": f"{ordered[-1]:.0f}",
            }
        )
    plot = _plot(plot_latency, series, alt="histograms of the time per question and stage")
    return {"rows": rows, "plot": plot}


def _segments(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """For each kind of segment (source, year, tag): its metrics, its rows and its plot."""
    breakdown = report.get("breakdown")
    if not isinstance(breakdown, Mapping) or not any(breakdown.values()):
        return []
    overall = metrics_of(report)
    parts = []
    for kind, members in breakdown.items():
        if not isinstance(members, Mapping) or not members:
            continue
        segments = {str(k): v for k, v in members.items() if isinstance(v, Mapping)}
        names = segment_metrics(segments)
        rows = [
            {
                "label": label,
                "show": _show(kind, label),
                "n": values.get("n", ""),
                "cells": [_fmt(n, values.get(n)) for n in names],
            }
            for label, values in ordered_segments(str(kind), segments)
        ]
        plot = _plot(plot_segments, str(kind), segments, overall, alt=f"the metrics by {kind}")
        parts.append({"kind": kind, "names": names, "rows": rows, "plot": plot})
    return parts


def _worst_segments(report: Mapping[str, Any], failures: Sequence[Failure]) -> dict[str, Any]:
    """The worst segments as a table (its columns, its rows with their failures counted)."""
    given, computed = worst_segments(report)
    first = ["kind", "label", "segment", "metric", "value", "overall", "n"]
    keys = [k for k in first if any(k in r for r in given)]
    keys += [k for r in given for k in r if k not in keys]
    keys = list(dict.fromkeys(keys))
    fails = Counter(seg for f in failures for seg in f.segments)
    rows = []
    for r in given:
        segment = (str(r.get("kind")), str(r.get("label")))
        rows.append(
            {
                "cells": [_cell(r.get(k)) for k in keys],
                "show": _show(*segment) if "kind" in r and "label" in r else None,
                "failures": fails.get(segment, 0),
            }
        )
    return {"columns": keys, "rows": rows, "computed": computed}


# --- failures -------------------------------------------------------------------------------


def _failures(report: Mapping[str, Any], failures: Sequence[Failure]) -> dict[str, Any]:
    """The kinds and segments of the failures counted (the filter's options) and each
    failure's card, worst first."""
    depth = depth_of(report)
    kinds = Counter(k for f in failures for k in f.kinds)
    segments = Counter(seg for f in failures for seg in f.segments)
    return {
        "kinds": [
            (kind, label, means, kinds[kind])
            for kind, (label, means) in FAILURE_KINDS.items()
            if kinds.get(kind)
        ],
        "segments": [
            (kind, label, count)
            for (kind, label), count in sorted(segments.items(), key=_segment_order)
        ],
        "cards": [failure_card(i, f, depth) for i, f in enumerate(failures, 1)],
    }


# --- small helpers --------------------------------------------------------------------------


def _plot(plot: Callable[..., Any], *args: Any, alt: str) -> dict[str, Any] | None:
    """``plot(*args)`` as an inline PNG (``data``) with its ``alt`` text; ``data`` None
    without matplotlib; None when the plot draws nothing."""
    try:
        data = png_base64(plot, *args)
    except ImportError:
        return {"alt": alt, "data": None}
    return None if data is None else {"alt": alt, "data": data}


def _show(kind: Any, label: Any) -> str:
    """The filter's value for the segment (``kind=label``, as JSON) a button shows."""
    return json.dumps(f"{kind}={label}")


def _segment_order(item: tuple[tuple[str, str], int]) -> tuple[int, str, int, str]:
    (kind, label), count = item
    rank = {"source": 0, "year": 1, "tag": 2}.get(kind, 3)
    return (rank, kind, -count if kind != "year" else 0, label)


def _fmt(name: str, value: Any) -> str:
    value_number = number(value)
    if value_number is None:
        return "-" if value is None else str(value)
    if name.endswith("_ms"):
        return f"{value_number:.0f}"
    if isinstance(value, int):
        return str(value)
    return f"{value_number:.3f}"


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    return "" if value is None else str(value)
