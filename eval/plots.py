"""The plots of ``report.html`` (:mod:`eval.html`): matplotlib figures drawn with the Agg
renderer and the DejaVu fonts matplotlib ships, inlined into the page as PNG ``data:`` URIs
(so the page loads nothing). matplotlib is imported when a plot is drawn, not before.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from eval.fields import (
    LOWER_IS_BETTER,
    clip,
    metric_names,
    number,
    ordered_segments,
    pair,
    segment_metrics,
)
from eval.metrics import percentile

__all__ = ["plot_latency", "plot_metrics", "plot_segments", "png_base64"]


def png_base64(plot: Callable[..., Any], *args: Any) -> str | None:
    """``plot(*args)`` (a matplotlib ``Figure`` or None) as a base64 PNG; None when it draws
    nothing. ``ImportError`` without matplotlib."""
    import matplotlib

    with matplotlib.rc_context(cast(Any, _RC)):
        figure = plot(*args)
        if figure is None:
            return None
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "text.parse_math": False,  # a "$" in a source name is text, not mathtext
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# The metrics a segment chart may show (the first two a kind of segment holds).
_SEGMENT_PLOTTED = ("answer_contains_gold", "hit@5", "hit@10", "hit@1", "f1", "exact_match")


def plot_metrics(metrics: Mapping[str, Any], intervals: Mapping[str, tuple[float, float]]) -> Any:
    """The metrics that are shares (0 to 1) as bars with their 95% intervals; None if none."""
    from matplotlib.figure import Figure

    names = [
        n
        for n in metric_names(metrics)
        if not n.endswith("_ms") and (v := number(metrics[n])) is not None and 0 <= v <= 1
    ]
    if not names:
        return None
    values = [float(metrics[n]) for n in names]
    figure = Figure(figsize=(5.2, 0.32 * len(names) + 0.8))
    ax = figure.subplots()
    ys = list(range(len(names)))[::-1]
    colors = ["#c0504d" if n in LOWER_IS_BETTER else "#4f81bd" for n in names]
    ax.barh(ys, values, color=colors, height=0.6)
    for y, name, value in zip(ys, names, values, strict=True):
        if name in intervals:
            low, high = intervals[name]
            ax.errorbar(
                value,
                y,
                xerr=[[max(0.0, value - low)], [max(0.0, high - value)]],
                fmt="none",
                ecolor="#222",
                capsize=3,
                lw=1,
            )
        ax.text(1.02, y, f"{value:.3f}", va="center", fontsize=8)
    ax.set_yticks(ys, [clip(n, 28) for n in names])
    ax.set_xlim(0, 1)
    notes = ["95% intervals as error bars"] if any(n in intervals for n in names) else []
    if any(n in LOWER_IS_BETTER for n in names):
        notes.append("red: lower is better")
    ax.set_xlabel("share of questions" + (f" ({'; '.join(notes)})" if notes else ""))
    ax.grid(axis="x", alpha=0.3)
    return figure


def plot_latency(series: Mapping[str, Sequence[float]]) -> Any:
    """A histogram of each series of milliseconds, its p50 and p95 marked."""
    from matplotlib.figure import Figure

    names = list(series)
    columns = min(3, len(names))
    rows = math.ceil(len(names) / columns)
    figure = Figure(figsize=(3.4 * columns, 2.4 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names, strict=False):
        values = sorted(series[name])
        ax.hist(values, bins=min(30, max(5, len(values) // 3)), color="#4f81bd")
        for q, style in ((50, "-"), (95, "--")):
            ax.axvline(percentile(values, q), color="#c0504d", ls=style, lw=1, label=f"p{q}")
        ax.set_title(name)
        ax.set_xlabel("ms")
        ax.set_ylabel("questions")
        ax.legend(fontsize=7, frameon=False)
    return figure


def plot_segments(
    kind: str, segments: Mapping[str, Mapping[str, Any]], overall: Mapping[str, Any]
) -> Any:
    """Up to two metrics of the segments of one kind (the first 25) with their intervals, the
    overall values dashed; None when there is nothing to draw."""
    from matplotlib.figure import Figure

    present = set(segment_metrics(segments))
    names = [n for n in _SEGMENT_PLOTTED if n in present][:2]
    ordered = ordered_segments(kind, segments)[:25]
    if not names or not ordered:
        return None
    figure = Figure(figsize=(5.0, 0.3 * len(ordered) * len(names) + 1.0))
    ax = figure.subplots()
    height = 0.8 / len(names)
    colors = ["#4f81bd", "#9bbb59"]
    labels = [f"{clip(label, 30)} (n={values.get('n', '?')})" for label, values in ordered]
    count = len(ordered)
    for j, name in enumerate(names):
        ys = [
            count - 1 - i + (len(names) - 1 - j - (len(names) - 1) / 2) * height
            for i in range(count)
        ]
        values = [number(v.get(name)) or 0.0 for _, v in ordered]
        ax.barh(ys, values, height=height * 0.9, color=colors[j], label=name)
        for y, (_, seg) in zip(ys, ordered, strict=True):
            interval = (
                pair((seg.get("intervals") or {}).get(name))
                if isinstance(seg.get("intervals"), Mapping)
                else None
            )
            value = number(seg.get(name))
            if interval and value is not None:
                ax.errorbar(
                    value,
                    y,
                    xerr=[[max(0.0, value - interval[0])], [max(0.0, interval[1] - value)]],
                    fmt="none",
                    ecolor="#222",
                    capsize=2,
                    lw=0.8,
                )
        total = number(overall.get(name))
        if total is not None:
            ax.axvline(total, color=colors[j], ls="--", lw=1)
    ax.set_yticks(range(count)[::-1], labels)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of answerable questions (dashed: all questions)")
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return figure
