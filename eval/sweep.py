"""Sweeps: one evaluation per point of a grid of settings, on one ingested store.

``--set k=5,10 --set reranker=none,sentence`` is the grid of every combination (4 points).
A name is any setting of ``qa.config.Settings`` (except ``store`` and ``embed_model``, which
need a store of their own: run ``eval`` once per model and ``compare`` the runs); ``k`` is
both the eval's cut-off (hit@k, recall@k, nDCG@k) and the assistant's ``k``. The articles
are ingested once; each point's assistant is derived from the first one
(``Assistant.derive``), so query-time settings (``Assistant.QUERY_TIME``) share its store and
retriever, and other retrieval settings share its store and embedding model. Each point
writes its own ``report.json`` into a subfolder named after it, and ``sweep.json`` (with the
table) holds the comparison.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.metrics import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from eval.report import Report
from qa.config import Settings
from qa.errors import ConfigError

logger = logging.getLogger(__name__)

# The metrics of the sweep table.
SWEEP_METRICS = (
    "hit@1",
    "hit@5",
    "mrr@10",
    "recall@10",
    "answer_contains_gold",
    "f1",
    "citation_recall",
    "false_abstention_rate",
    "abstention_accuracy",
    "latency_p50_ms",
)
NOT_SWEPT = frozenset({"store", "embed_model"})


def parse_grid(specs: Sequence[str]) -> dict[str, list[str]]:
    """``["k=5,10", "reranker=none,sentence"]`` as ``{"k": ["5", "10"], ...}``, checked
    against the settings' names (``ConfigError`` saying which are known)."""
    known = {f.name for f in dataclasses.fields(Settings)}
    grid: dict[str, list[str]] = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not name or not values.strip():
            raise ConfigError(f"--set {spec!r}: write NAME=VALUE[,VALUE...], e.g. k=5,10")
        if name in NOT_SWEPT:
            raise ConfigError(
                f"--set {name}: {name} needs a store of its own; run `article-qa eval` once "
                "per value (each with its --store) and compare the runs"
            )
        if name not in known:
            raise ConfigError(
                f"--set {name}: no such setting; known: {', '.join(sorted(known - NOT_SWEPT))}"
            )
        if name in grid:
            raise ConfigError(f"--set {name} is given twice; list its values once: {name}=a,b")
        grid[name] = list(dict.fromkeys(v.strip() for v in values.split(",") if v.strip()))
    return grid


def grid_points(grid: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    """Every combination of the grid's values, the first name varying slowest."""
    names = list(grid)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]


def point_name(point: Mapping[str, str]) -> str:
    """A folder name for a point: ``k-5_reranker-sentence`` (unsafe characters made ``-``)."""
    parts = [f"{name}-{value}" for name, value in point.items()]
    name = re.sub(r"[^\w.=-]+", "-", "_".join(parts))
    return re.sub(r"-{2,}", "-", name).strip("-") or "default"


@dataclass
class SweepResult:
    grid: dict[str, list[str]]
    points: list[dict[str, str]]
    reports: list[Report]
    folders: list[Path | None]

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for point, report, folder in zip(self.points, self.reports, self.folders, strict=True):
            out.append(
                {
                    "point": dict(point),
                    "folder": None if folder is None else str(folder),
                    "metrics": {name: report.metrics.get(name) for name in SWEEP_METRICS},
                    "intervals": {
                        name: report.intervals[name]
                        for name in SWEEP_METRICS
                        if name in report.intervals
                    },
                    "warnings": report.warnings,
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"grid": self.grid, "metrics": list(SWEEP_METRICS), "points": self.rows()}

    def write(self, out: str | Path) -> Path:
        path = Path(out) / "sweep.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", "utf-8")
        return path

    def table(self) -> str:
        """One row per point: its settings, then the metrics (the best value of each
        marked ``*``)."""
        names = list(self.grid)
        rows = [(*names, *SWEEP_METRICS)]
        best: dict[str, float] = {}
        for metric in SWEEP_METRICS:
            values = [float(v) for r in self.reports if (v := r.metrics.get(metric)) is not None]
            if values:
                lower = metric in ("false_abstention_rate",) or metric.endswith("_ms")
                best[metric] = min(values) if lower else max(values)
        for point, report in zip(self.points, self.reports, strict=True):
            cells = []
            for metric in SWEEP_METRICS:
                value = report.metrics.get(metric)
                if value is None:
                    cells.append("-")
                    continue
                shown = f"{value:.0f}" if metric.endswith("_ms") else f"{value:.3f}"
                star = "*" if len(self.reports) > 1 and value == best.get(metric) else " "
                cells.append(shown + star)
            rows.append((*(point[n] for n in names), *cells))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = []
        for r in rows:
            lines.append(
                "  ".join(
                    c.ljust(w) if i < len(names) else c.rjust(w)
                    for i, (c, w) in enumerate(zip(r, widths, strict=True))
                )
            )
        lines.insert(1, "-" * len(lines[0]))
        head = f"sweep: {len(self.points)} point(s); * marks the best value of each metric"
        return "\n".join([head, *lines])


def run_sweep(
    gold: str | Path,
    grid: Mapping[str, Sequence[str]],
    articles: Sequence[str | Path] | None = None,
    store: str | Path | None = None,
    embed_model: str | None = None,
    out: str | Path | None = None,
    limit: int | None = None,
    k: int = 10,
    retrieval: str | None = None,
    reranker: str | None = None,
    *,
    seed: int = BOOTSTRAP_SEED,
    resamples: int = BOOTSTRAP_RESAMPLES,
    strict: bool = False,
    undated: bool = True,
    remove_evidence: bool = True,
) -> SweepResult:
    """Evaluate every point of ``grid`` (see the module doc); ``out`` gets one subfolder
    per point and ``sweep.json``. The other arguments are those of ``eval.run.run_eval``."""
    from eval.run import prepared

    points = grid_points(grid)
    if not points:
        raise ConfigError("the sweep grid is empty")
    reports: list[Report] = []
    folders: list[Path | None] = []
    with prepared(
        gold,
        articles,
        store,
        embed_model,
        limit,
        k,
        retrieval=retrieval,
        reranker=reranker,
        strict=strict,
    ) as run:
        run.undated, run.remove_evidence = undated, remove_evidence
        base = run.assistant
        for i, point in enumerate(points, start=1):
            changes: dict[str, Any] = dict(point)
            point_k = int(point["k"]) if "k" in point else k
            if point_k < 1:
                raise ConfigError(f"k must be at least 1, got {point_k}")
            if "k" in point and "candidates" not in point:
                changes["candidates"] = max(base.settings.candidates, point_k)
            assistant = base.derive(**changes)
            logger.info("sweep point %d/%d: %s", i, len(points), point)
            try:
                report = run.evaluate(
                    assistant,
                    k=point_k,
                    seed=seed,
                    resamples=resamples,
                    extra={"sweep_point": dict(point)},
                )
            finally:
                if assistant.store is not base.store:  # a retrieval setting changed
                    assistant.store.close()
            folder = None
            if out is not None:
                folder = Path(out) / point_name(point)
                report.write(folder)
            reports.append(report)
            folders.append(folder)
    result = SweepResult({n: list(v) for n, v in grid.items()}, points, reports, folders)
    if out is not None:
        path = result.write(out)
        logger.info("sweep table written to %s", path)
    return result
