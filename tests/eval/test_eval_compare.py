"""``eval.compare`` and ``article-qa eval compare``: paired deltas, flips, the exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from eval.compare import compare, question_scores
from eval.report import Report
from eval.result import QuestionResult
from index.errors import InputError
from qa.cli import main


def result(qid: str, right: bool, answerable: bool = True, **changes: Any) -> QuestionResult:
    fields: dict[str, Any] = {
        "id": qid,
        "question": f"Question {qid}?",
        "question_date": "2022-08-04",
        "gold_answer": "al Qaeda" if answerable else "",
        "answerable": answerable,
        "evidence_ids": ("a",) if answerable else (),
        "answer": "al Qaeda [1]" if right else "Hezbollah [1]",
        "abstained": not answerable and right,
        "cited_ids": ("a",),
        "retrieved_ids": ("a",),
        "rank": 1 if answerable else None,
        "hits": {"hit@1": True, "hit@5": True, "hit@10": True} if answerable else {},
        "reciprocal_rank": 1.0 if answerable else None,
        "contains_gold": right if answerable else None,
        "cites_evidence": True if answerable else None,
        "latency_ms": 100.0,
        "exact_match": float(right) if answerable else None,
        "f1": float(right) if answerable else None,
    }
    return QuestionResult(**{**fields, **changes})


def write_run(
    folder: Path,
    rights: list[bool],
    extra: list[QuestionResult] | None = None,
    min_score: float = 0.45,
) -> Path:
    results = [result(f"q{i}", r) for i, r in enumerate(rights)] + (extra or [])
    config = {
        "data_sha256": {"gold": "abc"},
        "settings": {"store": str(folder), "min_score": min_score},
    }
    Report(config=config, ingest=None, results=results).write(folder)
    return folder


def test_a_real_drop_is_a_regression_with_its_flips(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a", [True] * 30 + [False] * 10)
    b = write_run(
        tmp_path / "b", [False] * 15 + [True] * 15 + [True] * 2 + [False] * 8, min_score=0.6
    )
    c = compare(a, b / "report.json")
    assert c.changed == {"min_score": [0.45, 0.6]}  # the store differs too, but is no setting
    assert "settings changed: min_score 0.45 -> 0.6" in c.table()
    by_name = {d.name: d for d in c.deltas}
    contains = by_name["answer_contains_gold"]
    assert (contains.n, contains.a, contains.b) == (40, 0.75, 0.425)
    assert contains.delta == pytest.approx(-0.325)
    assert contains.significant and contains.regression and contains.high < 0
    assert not by_name["hit@1"].significant  # the same in both
    assert "answer_contains_gold" in [d.name for d in c.regressions]
    assert c.right_to_wrong == [f"q{i}" for i in range(15)]
    assert c.wrong_to_right == ["q30", "q31"]
    assert c.shared == 40 and c.only_a == [] and c.only_b == []
    table = c.table({"q0": "Question zero?"})
    assert "! worse" in table and "REGRESSION: B is significantly worse than A on" in table
    assert "right -> wrong: 15 question(s)" in table and "q0  Question zero?" in table
    data = c.to_dict()
    assert "answer_contains_gold" in data["regressions"]


def test_the_reverse_is_an_improvement_and_not_a_regression(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a", [False] * 15 + [True] * 15 + [True] * 2 + [False] * 8)
    b = write_run(tmp_path / "b", [True] * 30 + [False] * 10)
    c = compare(a, b)
    assert not c.regressions
    assert {d.name for d in c.deltas if d.improvement} >= {"answer_contains_gold", "f1"}
    assert "no significant regression" in c.table()


def test_only_shared_questions_are_paired_and_lower_is_better_counts(tmp_path: Path) -> None:
    unanswerable = [result("u1", True, answerable=False), result("u2", True, answerable=False)]
    a = write_run(tmp_path / "a", [True] * 20, unanswerable)
    slow = [result(f"q{i}", True, latency_ms=900.0) for i in range(20)]
    missed = [result("u1", False, answerable=False), result("x9", True)]
    Report(config={}, ingest=None, results=slow + missed).write(tmp_path / "b")
    c = compare(a, tmp_path / "b")
    assert (c.shared, c.only_a, c.only_b) == (21, ["u2"], ["x9"])
    latency = next(d for d in c.deltas if d.name == "latency_ms")
    assert latency.significant and latency.delta > 0 and not latency.regression  # cost: no gate
    assert c.right_to_wrong == ["u1"]


def test_old_reports_without_scores_still_compare(tmp_path: Path) -> None:
    record = {"id": "q", "answerable": True, "hits": {"hit@1": True}, "contains_gold": False}
    assert question_scores(record) == {
        "hit@1": 1.0,
        "answer_contains_gold": 0.0,
        "false_abstention_rate": 0.0,
    }


def test_runs_that_share_nothing_or_are_not_reports(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a", [True])
    other = [result("z", True)]
    Report(config={}, ingest=None, results=other).write(tmp_path / "b")
    with pytest.raises(InputError, match="share no question"):
        compare(a, tmp_path / "b")
    (tmp_path / "bad.json").write_text('{"metrics": {}}', encoding="utf-8")
    with pytest.raises(InputError, match="not an evaluation report"):
        compare(a, tmp_path / "bad.json")
    with pytest.raises(InputError, match="Cannot read"):
        compare(a, tmp_path / "missing")


def test_cli_compare_exit_codes(tmp_path: Path) -> None:
    good = write_run(tmp_path / "good", [True] * 30 + [False] * 10)
    bad = write_run(tmp_path / "bad", [False] * 15 + [True] * 15 + [True] * 2 + [False] * 8)
    runner = CliRunner()
    worse = runner.invoke(main, ["eval", "compare", str(good), str(bad)])
    assert worse.exit_code == 1, worse.output
    assert "REGRESSION" in worse.output and "answer_contains_gold" in worse.output
    better = runner.invoke(main, ["eval", "compare", str(bad), str(good), "--json"])
    assert better.exit_code == 0, better.output
    data = json.loads(better.output)
    assert data["regressions"] == [] and len(data["wrong_to_right"]) == 15
    missing = runner.invoke(main, ["eval", "compare", str(good), str(tmp_path / "nope")])
    assert missing.exit_code == 2  # click: the path does not exist
