"""Reading report.json leniently (eval/fields.py): a field missing or of the wrong type reads
as absent, so a report written before a field existed still renders."""

from __future__ import annotations

from typing import Any

import pytest

from eval.fields import (
    depth_of,
    intervals_of,
    latencies_of,
    metric_names,
    ordered_segments,
    questions_of,
    records,
    strings,
)


def test_intervals_are_read_as_lists_or_low_and_high() -> None:
    report = {
        "intervals": {
            "hit@5": [0.5, 0.9],
            "f1": {"low": 0.1, "high": 0.3},
            "mrr@10": [0.2],  # not a pair
            "exact_match": ["a", "b"],
            "latency_p50_ms": None,
        }
    }
    assert intervals_of(report) == {"hit@5": (0.5, 0.9), "f1": (0.1, 0.3)}
    assert intervals_of({"intervals": [0.5, 0.9]}) == {}


@pytest.mark.parametrize(
    ("report", "depth"),
    [
        ({"config": {"depth": 20}, "questions": []}, 20),
        ({"questions": [{"retrieved_ids": [f"a{i}" for i in range(12)]}, {}]}, 12),
        ({"questions": [{"retrieved_ids": ["a1", "a2"]}]}, 10),
        ({"config": {"depth": "deep"}, "questions": "none"}, 10),
    ],
)
def test_depth(report: dict[str, Any], depth: int) -> None:
    assert depth_of(report) == depth


def test_latencies_per_stage() -> None:
    report = {
        "questions": [
            {"latency_ms": 340.0, "timings": {"retrieve_ms": 40.0, "total_ms": 330.0}},
            {"timings": {"total_ms": 120, "answer_ms": "slow"}},  # total from the timings
            "not a record",
        ]
    }
    assert questions_of(report) == report["questions"][:2]
    assert latencies_of(report) == {"total": [340.0, 120.0], "retrieve": [40.0]}


def test_metric_names_in_order_without_counts() -> None:
    metrics = {
        "n_questions": 3,
        "zeta": 0.5,
        "f1": 0.2,
        "hit@10": 0.9,
        "answer_contains_gold": 0.4,
        "hit@1": 0.5,
        "abstained": True,
        "answer_modes": {"extractive": 3},
        "latency_p50_ms": float("nan"),
    }
    assert metric_names(metrics) == ["hit@1", "hit@10", "answer_contains_gold", "f1", "zeta"]


def test_segments_in_order_and_strings() -> None:
    segments = {"2023": {"n": 5}, "2021": {"n": 1}, "2022": {"n": 3}, "2020": {}}
    assert [s for s, _ in ordered_segments("year", segments)] == ["2020", "2021", "2022", "2023"]
    # Any other kind: the largest first, then by name.
    tags = {"b": {"n": 1}, "a": {"n": 1}, "c": {"n": 5}, "d": {}}
    assert [s for s, _ in ordered_segments("tag", tags)] == ["c", "a", "b", "d"]
    assert strings("x") == ["x"] and strings(["x", None, 2]) == ["x", "2"]
    assert strings({"x": 1}) == [] and strings(None) == [] and strings(3) == []


def test_list_fields_of_the_wrong_type_read_as_absent() -> None:
    assert records([{"id": "a"}, "not a record", None]) == [{"id": "a"}]
    assert records(None) == [] and records(5) == [] and records({"id": "a"}) == []
    assert records("text") == []
