"""The quality gate: a fixed slice of the real rtqa small set, evaluated end to end.

The slice is built at test time from ../shared/data/rtqa/small (never copied into the
project): its first 10 answerable and first 2 unanswerable questions, with every article
that is evidence for them or was published within 5 days of a question's date (the
look-alikes). The floors live in tests/eval/thresholds.json; raising one is a deliberate,
committed change.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from support import RTQA

from eval.run import run_eval

THRESHOLDS = Path(__file__).with_name("thresholds.json")


def _build_slice(folder: Path) -> tuple[Path, Path]:
    questions = [
        json.loads(line) for line in (RTQA / "small" / "dev.jsonl").read_text("utf-8").splitlines()
    ]
    chosen = [q for q in questions if q["answerable"]][:10]
    chosen += [q for q in questions if not q["answerable"]][:2]
    evidence = {e["article_id"] for q in chosen for e in q["evidence"]}
    dates = [dt.date.fromisoformat(q["question_date"]) for q in chosen]

    def wanted(article: dict) -> bool:
        if article["id"] in evidence:
            return True
        try:
            published = dt.date.fromisoformat(article["published_at"])
        except (TypeError, ValueError):
            return False
        return any(abs((published - d).days) <= 5 for d in dates)

    gold = folder / "gold.jsonl"
    gold.write_text("".join(json.dumps(q) + "\n" for q in chosen), encoding="utf-8")
    articles = folder / "articles.jsonl"
    with (RTQA / "small" / "articles.jsonl").open(encoding="utf-8") as src:
        kept = [line for line in src if wanted(json.loads(line))]
    articles.write_text("".join(kept), encoding="utf-8")
    return gold, articles


@pytest.mark.slow
def test_rtqa_slice_clears_the_floors(tmp_path: Path) -> None:
    gold, articles = _build_slice(tmp_path)
    report = run_eval(gold, articles=[articles], store=tmp_path / "store", out=tmp_path / "out")
    metrics = report.to_dict()["metrics"]
    floors = json.loads(THRESHOLDS.read_text(encoding="utf-8"))["rtqa_slice"]["floors"]
    below = {
        name: (metrics[name], floor)
        for name, floor in floors.items()
        if metrics[name] is None or metrics[name] < floor
    }
    ceilings = json.loads(THRESHOLDS.read_text(encoding="utf-8"))["rtqa_slice"]["ceilings"]
    above = {
        name: (metrics[name], ceiling)
        for name, ceiling in ceilings.items()
        if metrics[name] is None or metrics[name] > ceiling
    }
    assert not below, f"below the floor (value, floor): {below}"
    assert not above, f"above the ceiling (value, ceiling): {above}"
    # every gated number comes with its bootstrap interval, around it
    intervals = report.to_dict()["intervals"]
    for name in [*floors, *ceilings]:
        low, high = intervals[name]
        assert low <= metrics[name] <= high, (name, metrics[name], intervals[name])
    # the quiz source of every question is a segment, and all questions have choices
    assert set(report.breakdown["source"]) == {q.source for q in report.results if q.answerable}
    assert sum(1 for q in report.results if q.choice_picked is not None) == 12
