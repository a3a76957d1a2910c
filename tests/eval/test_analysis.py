"""The failure analysis (eval/analysis.py): which questions failed and how, why in one line,
worst first; the segments of a question and the worst segments."""

from __future__ import annotations

from typing import Any

import pytest
from question_records import failing_questions, passage, question

from eval.analysis import (
    FAILURE_KINDS,
    find_failures,
    gold_answers,
    question_segments,
    worst_segments,
)

# --- failures and their diagnoses -----------------------------------------------------------


def diagnoses() -> dict[str, tuple[tuple[str, ...], str]]:
    report = {"config": {"depth": 10}, "questions": failing_questions()}
    return {f.question["id"]: (f.kinds, f.diagnosis) for f in find_failures(report)}


def test_right_answer_is_no_failure() -> None:
    assert "t-right" not in diagnoses()


@pytest.mark.parametrize(
    ("qid", "kinds", "says"),
    [
        (
            "t-figure",
            ("wrong-answer",),
            "evidence retrieved at rank 1 but the answer quotes "
            "“Europe bakes in a heat wave” (rank 2)",
        ),
        ("t-figure", ("wrong-answer",), "a different figure: 98.6 where the gold answer has 104.5"),
        ("t-abstained", ("false-abstention",), "abstained although the evidence was at rank 3"),
        ("t-missed", ("missed-abstention",), "answered although no article answers this question"),
        (
            "t-not-retrieved",
            ("wrong-answer", "retrieval-miss"),
            "evidence not retrieved in the top 10",
        ),
        (
            "t-not-retrieved",
            ("wrong-answer", "retrieval-miss"),
            "the gold answer is in no retrieved passage",
        ),
        (
            "t-unsupported",
            ("unsupported-citation",),
            "sentence 2 unsupported (the name Officials is not in [3])",
        ),
        ("t-error", ("error",), "could not be asked: the store is empty"),
    ],
)
def test_diagnosis(qid: str, kinds: tuple[str, ...], says: str) -> None:
    found_kinds, diagnosis = diagnoses()[qid]
    assert found_kinds == kinds
    assert says in diagnosis


def test_diagnosis_when_evidence_cited_but_wrong_sentences() -> None:
    q = question(
        id="t-cited",
        answer="The United Kingdom had a heat wave. [1]",
        contains_gold=False,
        passages=[passage("heat-record", "UK breaks its temperature record", True)],
    )
    [failure] = find_failures({"questions": [q]})
    assert failure.diagnosis == (
        "evidence retrieved at rank 1 and cited, but the quoted sentences lack the answer; "
        "the gold answer is in the evidence passage"
    )


def test_failures_worst_first() -> None:
    order = [f.question["id"] for f in find_failures({"questions": failing_questions()})]
    assert order == [
        "t-error",
        "t-not-retrieved",  # wrong answer and retrieval miss
        "t-figure",  # wrong answers, missed and false abstentions: by F1, then rank
        "t-abstained",
        "t-missed",
        "t-unsupported",
    ]


def test_answer_right_in_other_words_ranks_below_real_failures() -> None:
    other_words = question(
        id="t-other-words",
        gold_answer="Leaking classified Pentagon documents",
        answers=[],
        answer="He is accused of leaking classified documents from the Pentagon. [1]",
        contains_gold=False,
    )
    failures = find_failures({"questions": [other_words, *failing_questions()]})
    ids = [f.question["id"] for f in failures]
    assert ids.index("t-other-words") > ids.index("t-missed")
    failure = failures[ids.index("t-other-words")]
    assert failure.kinds == ("wrong-answer",)
    assert "it has 4 of the 4 words of the gold answer" in failure.diagnosis
    assert failure.cause == "answer may be right in other words"


def test_every_kind_has_a_label() -> None:
    kinds = {k for f in find_failures({"questions": failing_questions()}) for k in f.kinds}
    assert kinds == set(FAILURE_KINDS)


def test_the_gold_answers_are_the_gold_and_the_accepted_ones_once_each() -> None:
    q = question(gold_answer="104.5 F", answers=["104.5 F", "40.3 C", " "])
    assert gold_answers(q) == ["104.5 F", "40.3 C"]
    assert gold_answers(question(gold_answer=None, answers=None)) == []


# --- segments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "segments"),
    [
        (
            {"source": "CNN", "tags": ["weather", "figures"]},
            (("source", "CNN"), ("year", "2022"), ("tag", "weather"), ("tag", "figures")),
        ),
        # No year in the record: the year of its question_date.
        (
            {"source": None, "year": None, "question_date": "2023-07-21", "tags": []},
            (("year", "2023"),),
        ),
        (
            {"source": "", "year": None, "question_date": "last week", "tags": "politics"},
            (("tag", "politics"),),
        ),
    ],
)
def test_question_segments(changes: dict[str, Any], segments: tuple[tuple[str, str], ...]) -> None:
    assert question_segments(question(**changes)) == segments


def test_the_worst_segments_report_json_lists_are_kept() -> None:
    listed = [{"kind": "tag", "label": "transport", "value": 0.0}, "year=2021"]
    rows, computed = worst_segments({"worst_segments": listed, "breakdown": BREAKDOWN})
    assert rows == [listed[0], {"segment": "year=2021"}]
    assert computed is False


BREAKDOWN: dict[str, Any] = {
    "source": {
        "CNN": {"n": 5, "answer_contains_gold": 0.2},
        "THE WEEK": {"n": 3, "answer_contains_gold": 0.2},  # as bad, fewer questions
        "USAtoday": {"n": 2, "answer_contains_gold": 0.0},  # too few questions
        "Reuters": {"n": 4, "answer_contains_gold": 0.59},  # within 0.02 of the overall 0.6
        "AP": {"n": 4, "answer_contains_gold": None},
    },
    "year": {"2022": {"n": 10, "answer_contains_gold": 0.5}, "2023": "not a segment"},
    "tag": {f"tag{i}": {"n": 3, "answer_contains_gold": 0.3 + i / 100} for i in range(4)},
}


def test_the_worst_segments_are_computed_when_report_json_lists_none() -> None:
    report = {"metrics": {"answer_contains_gold": 0.6}, "breakdown": BREAKDOWN}
    rows, computed = worst_segments(report)
    assert computed is True
    # At most five, lowest share first, the larger segment first among equals.
    assert [(r["kind"], r["label"]) for r in rows] == [
        ("source", "CNN"),
        ("source", "THE WEEK"),
        ("tag", "tag0"),
        ("tag", "tag1"),
        ("tag", "tag2"),
    ]
    assert rows[0] == {
        "kind": "source",
        "label": "CNN",
        "metric": "answer_contains_gold",
        "value": 0.2,
        "n": 5,
        "overall": 0.6,
    }
    assert worst_segments({"breakdown": "none"}) == ([], True)
