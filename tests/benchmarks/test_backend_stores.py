"""benchmarks/backend_stores.py: the quality gate of a store built by a faster backend."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.backend_stores import gate_rows
from eval.compare import compare


def _run(folder: Path, hits: list[float], mrr: list[float]) -> Path:
    folder.mkdir()
    questions = [
        {"id": f"q{i}", "contains_gold": True, "scores": {"hit@5": h, "mrr@10": m, "f1": 0.5}}
        for i, (h, m) in enumerate(zip(hits, mrr, strict=True))
    ]
    (folder / "report.json").write_text(json.dumps({"questions": questions}), "utf-8")
    return folder


def test_gate_rows_show_the_gated_metrics_in_points_and_whether_within_one(
    tmp_path: Path,
) -> None:
    fp32 = _run(tmp_path / "fp32", [1, 1, 0, 1], [1.0, 0.5, 0.0, 1.0])
    fast = _run(tmp_path / "fast", [1, 1, 1, 1], [1.0, 0.5, 0.0, 1.0])
    rows = gate_rows(compare(fp32, fast, resamples=200))
    assert rows == [
        "| hit@5 | 0.750 | 1.000 | +25.0 | no |",
        "| mrr@10 | 0.625 | 0.625 | +0.0 | yes |",
    ]
