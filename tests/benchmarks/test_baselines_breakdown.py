"""The breakdown table of ``benchmarks.baselines``, built from hand-made rankings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.baselines import breakdown_table

REPO = Path(__file__).resolve().parents[2]


def question(article: str, source: str | None, date: str | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "question": f"About {article}?",
        "answer": article,
        "evidence": [{"article_id": article, "quote": ""}],
    }
    if source is not None:
        record["source"] = source
    if date is not None:
        record["question_date"] = date
    return record


QUESTIONS = [
    question("a", "CNN", "2022-06-10"),
    question("b", "CNN", "2023-01-05"),
    question("c", "USAtoday", "2023-02-01"),
    question("d", "CNN", None),  # no date: in the CNN row, in no year row
]
RANKED = {
    "bm25": [["a"], ["x", "b", "b"], ["x"], []],
    "ours": [["a"], ["b"], ["c"], ["d"]],
}


def test_breakdown_table_rows_by_source_and_year() -> None:
    assert breakdown_table(QUESTIONS, RANKED) == [
        "| segment | bm25 hit@5 | bm25 mrr@10 | ours hit@5 | ours mrr@10 |",
        "|---|---|---|---|---|",
        "| source CNN (n=3) | 0.667 | 0.500 | 1.000 | 1.000 |",
        "| source USAtoday (n=1) | 0.000 | 0.000 | 1.000 | 1.000 |",
        "| year 2022 (n=1) | 1.000 | 1.000 | 1.000 | 1.000 |",
        "| year 2023 (n=2) | 0.500 | 0.250 | 1.000 | 1.000 |",
    ]


def test_breakdown_table_is_empty_without_sources_or_dates() -> None:
    assert breakdown_table([question("a", None, None)], {"bm25": [["a"]]}) == []


def test_breakdown_table_needs_one_ranking_per_question() -> None:
    with pytest.raises(ValueError, match="bm25: 1 ranked lists for 4 questions"):
        breakdown_table(QUESTIONS, {"bm25": [["a"]]})


def test_importing_baselines_loads_no_heavy_library() -> None:
    code = (
        "import sys, benchmarks.baselines; "
        "heavy = {'torch', 'chromadb', 'llama_index', 'sentence_transformers', 'gradio'}; "
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
