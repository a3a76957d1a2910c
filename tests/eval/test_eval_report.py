from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from eval.report import Report, summarize
from eval.result import QuestionResult


def result(**changes: Any) -> QuestionResult:
    fields: dict[str, Any] = {
        "id": "q",
        "question": "Who?",
        "question_date": "2022-08-04",
        "gold_answer": "al Qaeda",
        "answerable": True,
        "evidence_ids": ("a",),
        "answer": "The leader of al Qaeda was killed. [1]",
        "abstained": False,
        "cited_ids": ("a",),
        "retrieved_ids": ("a", "b"),
        "rank": 1,
        "hits": {"hit@1": True, "hit@5": True, "hit@10": True},
        "reciprocal_rank": 1.0,
        "contains_gold": True,
        "cites_evidence": True,
        "latency_ms": 100.0,
    }
    return QuestionResult(**{**fields, **changes})


BREAKDOWN_KEYS = {"n", "n_retrieval_scored", "hit@1", "hit@5", "hit@10", "mrr@10"}
BREAKDOWN_KEYS |= {"answer_contains_gold"}
MISS = {"hit@1": False, "hit@5": False, "hit@10": False}
THIRD = {"hit@1": False, "hit@5": True, "hit@10": True}


def sample_results() -> list[QuestionResult]:
    return [
        result(id="a1", latency_ms=100.0),
        result(id="a2", rank=3, hits=THIRD, reciprocal_rank=1 / 3, latency_ms=200.0),
        result(
            id="a3",
            rank=None,
            hits=MISS,
            reciprocal_rank=0.0,
            abstained=True,
            contains_gold=False,
            cites_evidence=False,
            latency_ms=300.0,
        ),
        result(
            id="a4",
            evidence_ids=(),
            rank=None,
            hits={},
            reciprocal_rank=None,
            contains_gold=False,
            cites_evidence=None,
            latency_ms=400.0,
        ),
        result(
            id="u1",
            answerable=False,
            gold_answer="",
            evidence_ids=(),
            abstained=True,
            rank=None,
            hits={},
            reciprocal_rank=None,
            contains_gold=None,
            cites_evidence=None,
            latency_ms=500.0,
        ),
        result(
            id="u2",
            answerable=False,
            evidence_ids=(),
            rank=None,
            hits={},
            reciprocal_rank=None,
            contains_gold=None,
            cites_evidence=None,
            latency_ms=600.0,
        ),
    ]


def test_summarize_counts_each_metric_over_its_questions() -> None:
    m = summarize(sample_results())
    # Retrieval: a1, a2, a3 (a4 lists no evidence).
    assert m["hit@1"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["hit@5"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["hit@10"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 3) / 3, abs=1e-4)
    assert m["cites_evidence"] == pytest.approx(2 / 3, abs=1e-4)
    # Answers: a1 to a4.
    assert m["answer_contains_gold"] == 0.5
    assert m["false_abstention_rate"] == 0.25
    # Unanswerable: u1 abstained, u2 did not.
    assert m["abstention_accuracy"] == 0.5
    assert m["latency_p50_ms"] == 350.0
    assert m["latency_p95_ms"] == 575.0
    assert (m["n_questions"], m["n_answerable"], m["n_unanswerable"]) == (6, 4, 2)
    assert (m["n_retrieval_scored"], m["n_errors"]) == (3, 0)


def test_summarize_without_unanswerable_questions_gives_none() -> None:
    m = summarize([result()])
    assert m["abstention_accuracy"] is None
    assert m["hit@1"] == 1.0


def test_extra_cutoff_is_summarized_in_order() -> None:
    hits = {"hit@1": True, "hit@5": True, "hit@10": True, "hit@20": True}
    report = Report(config={}, ingest=None, results=[result(hits=hits)])
    assert [k for k in report.metrics if k.startswith("hit@")] == [
        "hit@1",
        "hit@5",
        "hit@10",
        "hit@20",
    ]
    assert "hit@20" in report.table()


def test_table_is_aligned_and_shows_counts() -> None:
    ingest = {"added": 3, "updated": 0, "unchanged": 1, "skipped": 0, "seconds": 2.0}
    table = Report(config={}, ingest=ingest, results=sample_results()).table()
    lines = table.split("\n\n")[0].splitlines()  # the breakdown follows a blank line
    assert lines[0] == "6 questions: 4 answerable, 2 unanswerable"
    assert lines[1].split() == ["metric", "value", "95%", "interval", "over"]
    rows = {line.split()[0]: line for line in lines[3:-1]}
    # value, bootstrap interval, how many questions it is over
    hit1 = ["0.333", "0.000-1.000", "3", "answerable", "with", "evidence"]
    assert rows["hit@1"].split()[1:] == hit1
    assert rows["abstention_accuracy"].split()[1:] == ["0.500", "0.000-1.000", "2", "unanswerable"]
    assert rows["abstention_precision"].split()[1:] == ["0.500", "0.000-1.000", "2", "abstentions"]
    p95 = rows["latency_p95_ms"].split()
    assert (p95[1], p95[-2:]) == ("575", ["6", "questions"])
    low, high = (float(x) for x in p95[2].split("-"))
    assert 100 <= low <= 575 <= high <= 600
    value_ends = set()
    for line in lines[3:-1]:
        match = re.match(r"\S+\s+\S+", line)
        assert match is not None
        value_ends.add(match.end())
    assert len(value_ends) == 1  # the values are right-aligned
    assert lines[-1] == "ingest: added 3, updated 0, unchanged 1, skipped 0 in 2.0s"


def test_table_shows_a_dash_for_a_metric_with_no_questions() -> None:
    row = next(
        line
        for line in Report(config={}, ingest=None, results=[result()]).table().splitlines()
        if line.startswith("abstention_accuracy")
    )
    assert row.split()[1:] == ["-", "0", "unanswerable"]


def test_write_makes_the_folder_and_valid_json(tmp_path: Path) -> None:
    report = Report(config={"k": 10}, ingest=None, results=sample_results())
    path = report.write(tmp_path / "deep" / "out")
    assert path == tmp_path / "deep" / "out" / "report.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {
        "config",
        "ingest",
        "metrics",
        "intervals",
        "breakdown",
        "by_mode",
        "worst_segments",
        "warnings",
        "questions",
    }
    assert data["questions"][1]["reciprocal_rank"] == 0.3333
    assert data["questions"][0]["evidence_ids"] == ["a"]
    assert not list(path.parent.glob("*.tmp"))


def segment_results() -> list[QuestionResult]:
    """Three quiz sources and two years, with a question of no date and one of no source."""
    return [
        result(id="c1", source="CNN", question_date="2022-06-10"),
        result(
            id="c2",
            source="CNN",
            question_date="2023-01-05",
            rank=3,
            hits=THIRD,
            reciprocal_rank=1 / 3,
            contains_gold=False,
        ),
        result(
            id="c3",
            source="CNN",
            question_date=None,
            rank=None,
            hits=MISS,
            reciprocal_rank=0.0,
        ),
        result(  # answerable, but lists no evidence: counts for answers, not retrieval
            id="w1",
            source="THE WEEK",
            question_date="2023-03-01",
            evidence_ids=(),
            rank=None,
            hits={},
            reciprocal_rank=None,
            cites_evidence=None,
        ),
        result(  # unanswerable: in no segment
            id="w2",
            source="THE WEEK",
            question_date="2023-03-01",
            answerable=False,
            evidence_ids=(),
            rank=None,
            hits={},
            reciprocal_rank=None,
            contains_gold=None,
            cites_evidence=None,
        ),
        result(  # the only BBC question is unanswerable: no BBC segment
            id="b1",
            source="BBC",
            question_date="2023-04-01",
            answerable=False,
            evidence_ids=(),
            rank=None,
            hits={},
            reciprocal_rank=None,
            contains_gold=None,
            cites_evidence=None,
        ),
        result(
            id="x1",
            question_date="2022-12-01",
            rank=2,
            hits=THIRD,
            reciprocal_rank=0.5,
            contains_gold=False,
        ),
    ]


def test_breakdown_by_source_and_year() -> None:
    report = Report(config={}, ingest=None, results=segment_results())
    table = {
        kind: {
            label: {k: v for k, v in row.items() if k in BREAKDOWN_KEYS}
            for label, row in members.items()
        }
        for kind, members in report.breakdown.items()
    }
    assert table == {
        "source": {
            "CNN": {
                "n": 3,
                "n_retrieval_scored": 3,
                "hit@1": 0.3333,
                "hit@5": 0.6667,
                "hit@10": 0.6667,
                "mrr@10": 0.4444,
                "answer_contains_gold": 0.6667,
            },
            "THE WEEK": {
                "n": 1,
                "n_retrieval_scored": 0,
                "hit@1": None,
                "hit@5": None,
                "hit@10": None,
                "mrr@10": None,
                "answer_contains_gold": 1.0,
            },
        },
        "year": {
            "2022": {
                "n": 2,
                "n_retrieval_scored": 2,
                "hit@1": 0.5,
                "hit@5": 1.0,
                "hit@10": 1.0,
                "mrr@10": 0.75,
                "answer_contains_gold": 0.5,
            },
            "2023": {
                "n": 2,
                "n_retrieval_scored": 1,
                "hit@1": 0.0,
                "hit@5": 1.0,
                "hit@10": 1.0,
                "mrr@10": 0.3333,
                "answer_contains_gold": 0.5,
            },
        },
        "tag": {},
    }
    assert list(report.breakdown["year"]) == ["2022", "2023"]
    cnn = report.breakdown["source"]["CNN"]
    low, high = cnn["intervals"]["hit@5"]
    assert low <= cnn["hit@5"] <= high
    assert "hit@1" not in report.breakdown["source"]["THE WEEK"]["intervals"]  # no values


def test_breakdown_leaves_the_summary_as_it_was() -> None:
    report = Report(config={}, ingest=None, results=segment_results())
    assert list(report.metrics) == [
        "hit@1",
        "hit@5",
        "hit@10",
        "mrr@10",
        "answer_contains_gold",
        "exact_match",
        "f1",
        "cites_evidence",
        "abstention_accuracy",
        "abstention_precision",  # None: no question abstained
        "abstention_recall",
        "false_abstention_rate",
        "latency_p50_ms",
        "latency_p95_ms",
        "latency_max_ms",
        "n_questions",
        "n_answerable",
        "n_unanswerable",
        "n_retrieval_scored",
        "n_errors",
    ]
    assert report.metrics["abstention_precision"] is None
    assert report.metrics == summarize(segment_results())
    assert report.to_dict()["breakdown"] == report.breakdown


def test_breakdown_keeps_an_extra_cutoff_in_every_segment() -> None:
    hits = {"hit@1": False, "hit@5": True, "hit@10": True, "hit@20": True}
    report = Report(config={}, ingest=None, results=[result(source="CNN", hits=hits)])
    assert report.breakdown["source"]["CNN"]["hit@20"] == 1.0
    assert report.breakdown["year"]["2022"]["hit@1"] == 0.0


def test_breakdown_is_empty_without_sources_or_dates() -> None:
    report = Report(config={}, ingest=None, results=[result(question_date=None)])
    assert report.breakdown == {"source": {}, "year": {}, "tag": {}}
    assert "by segment" not in report.table()


def test_records_carry_source_and_year_when_known() -> None:
    records = {r.id: r.to_dict() for r in segment_results()}
    assert (records["c1"]["source"], records["c1"]["year"]) == ("CNN", 2022)
    assert records["c3"]["source"] == "CNN"
    assert "year" not in records["c3"]  # no question_date
    assert "source" not in records["x1"]
    assert records["x1"]["year"] == 2022
    assert segment_results()[2].year is None


def test_write_includes_the_breakdown(tmp_path: Path) -> None:
    report = Report(config={}, ingest=None, results=segment_results())
    data = json.loads(report.write(tmp_path).read_text(encoding="utf-8"))
    assert data["breakdown"] == report.breakdown
    assert data["breakdown"]["source"]["THE WEEK"]["hit@1"] is None


def test_table_shows_the_breakdown_after_the_summary() -> None:
    table = Report(config={}, ingest=None, results=segment_results()).table()
    summary, segments_part, *_ = table.split("\n\n")
    assert summary.splitlines()[0] == "7 questions: 5 answerable, 2 unanswerable"
    lines = segments_part.splitlines()
    assert lines[0].startswith("by segment: n answerable questions")
    assert lines[1].split() == [
        "segment",
        "n",
        "hit@1",
        "hit@5",
        "hit@10",
        "mrr@10",
        "answer_contains_gold",
        "f1",
    ]
    assert set(lines[2]) == {"-"}
    rows = lines[3:]
    assert [row.split() for row in rows] == [
        ["source", "CNN", "3", "0.333", "0.667", "0.667", "0.444", "0.667", "0.000"],
        ["source", "THE", "WEEK", "1", "-", "-", "-", "-", "1.000", "0.000"],
        ["year", "2022", "2", "0.500", "1.000", "1.000", "0.750", "0.500", "0.000"],
        ["year", "2023", "2", "0.000", "1.000", "1.000", "0.333", "0.500", "0.000"],
    ]
    assert len({len(line) for line in lines[1:]}) == 1  # every column aligned to its width
