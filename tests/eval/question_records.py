"""Per-question records in the full ``report.json`` shape (passages, checks, scores), for
the tests of the failure analysis (eval/analysis.py) and of the page (eval/html.py)."""

from __future__ import annotations

from typing import Any


def question(**changes: Any) -> dict[str, Any]:
    """A per-question record in the full ``report.json`` shape: right, cited, supported."""
    record: dict[str, Any] = {
        "id": "t-right",
        "question": "How hot did it get at Heathrow on Tuesday?",
        "question_date": "2022-07-22",
        "year": 2022,
        "gold_answer": "104.5 F",
        "answers": ["104.5 F", "40.3 C"],
        "answerable": True,
        "evidence_ids": ["heat-record"],
        "answer": "Heathrow reached 104.5 F on Tuesday, a national record. [1]",
        "abstained": False,
        "mode": "extractive",
        "rank": 1,
        "hits": {"hit@1": True, "hit@5": True, "hit@10": True},
        "reciprocal_rank": 1.0,
        "contains_gold": True,
        "exact_match": False,
        "f1": 0.4,
        "cites_evidence": True,
        "citation_recall": 1.0,
        "citation_precision": 1.0,
        "citations_valid": True,
        "cited_ids": ["heat-record"],
        "retrieved_ids": ["heat-record", "heat-europe", "rail-strike"],
        "tags": ["weather"],
        "source": "USAtoday",
        "checks": [
            {
                "text": "Heathrow reached 104.5 F on Tuesday, a national record.",
                "cited": [1],
                "verdict": "supported",
                "reason": "",
                "overlap": 1.0,
                "similarity": 0.93,
                "dropped": [],
            }
        ],
        "passages": [
            passage("heat-record", "UK breaks its temperature record", True),
            passage("heat-europe", "Europe bakes in a heat wave", False),
            passage("rail-strike", "Rail strike ends after three weeks", False),
        ],
        "timings": {"retrieve_ms": 40.0, "answer_ms": 300.0, "total_ms": 340.0},
        "latency_ms": 340.0,
        "tokens_in": 0,
        "tokens_out": 0,
        "searched": "How hot did it get at Heathrow on Tuesday?",
        "error": None,
    }
    return record | changes


def passage(article_id: str, title: str, is_evidence: bool) -> dict[str, Any]:
    texts = {
        "heat-record": "Heathrow reached 104.5 F (40.3 C) on Tuesday, the highest temperature "
        "ever recorded in the United Kingdom.",
        "heat-europe": "Temperatures across Europe hit 98.6 degrees as the heat wave spread.",
        "rail-strike": "The rail strike ended on Friday after three weeks.",
    }
    return {
        "article_id": article_id,
        "title": title,
        "source": "Coastal Wire",
        "published_at": "2022-07-20",
        "text": texts.get(article_id, f"Text of {article_id}."),
        "is_evidence": is_evidence,
        "quote_found": True if is_evidence else None,
    }


def failing_questions() -> list[dict[str, Any]]:
    """One question record for each kind of failure (and one that is right)."""
    return [
        question(),
        question(
            id="t-figure",
            answer="Temperatures across Europe hit 98.6 degrees as the heat wave spread. [1]",
            contains_gold=False,
            f1=0.0,
            cited_ids=["heat-europe"],
            cites_evidence=False,
            citation_precision=0.0,
            rank=1,
            tags=["weather", "figures"],
        ),
        question(
            id="t-abstained",
            question="When did the rail strike end?",
            gold_answer="Friday",
            answers=["Friday"],
            evidence_ids=["rail-strike"],
            answer="I couldn't find this in the indexed articles.",
            abstained=True,
            contains_gold=False,
            f1=0.0,
            rank=3,
            cited_ids=[],
            checks=[],
            source="CNN",
            tags=["transport"],
        ),
        question(
            id="t-missed",
            question="Who won the 2031 World Cup?",
            gold_answer="",
            answers=[],
            answerable=False,
            evidence_ids=[],
            rank=None,
            hits={},
            contains_gold=None,
            f1=None,
            answer="The rail strike ended on Friday after three weeks. [1]",
            cited_ids=["rail-strike"],
            source="CNN",
            tags=[],
        ),
        question(
            id="t-not-retrieved",
            question="Which airport recorded the Scottish record?",
            gold_answer="Charterhall",
            answers=["Charterhall"],
            evidence_ids=["scotland-record"],
            rank=None,
            hits={"hit@1": False, "hit@5": False, "hit@10": False},
            contains_gold=False,
            f1=0.0,
            cited_ids=["heat-record"],
            cites_evidence=False,
            question_date="2023-07-21",
            year=2023,
            passages=[
                passage("heat-record", "UK breaks its temperature record", False),
                passage("heat-europe", "Europe bakes in a heat wave", False),
            ],
        ),
        question(
            id="t-unsupported",
            answer="Heathrow reached 104.5 F on Tuesday. [1] Officials blamed the rail strike. [3]",
            checks=[
                {
                    "text": "Heathrow reached 104.5 F on Tuesday.",
                    "cited": [1],
                    "verdict": "supported",
                    "reason": "",
                },
                {
                    "text": "Officials blamed the rail strike.",
                    "cited": [3],
                    "verdict": "unsupported",
                    "reason": "the name Officials is not in [3]",
                },
            ],
            citations_valid=False,
            source="THE WEEK",
        ),
        question(id="t-error", error="the store is empty", answer="", contains_gold=False),
    ]
