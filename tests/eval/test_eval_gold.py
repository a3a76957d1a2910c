from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from eval.gold import Evidence, load_gold
from index.errors import InputError

GOOD = {
    "id": "20220805_3",
    "question": "A US drone strike killed a terrorist associated with which group?",
    "answer": "al Qaeda",
    "choices": ["Hezbollah", "Boko Haram", "al Qaeda", "ISIS"],
    "question_date": "2022-08-04",
    "source": "CNN",
    "answerable": True,
    "evidence": [
        {"article_id": "rtqa_a", "quote": "Zawahiri led al Qaeda."},
        {"article_id": "rtqa_b", "quote": "The leader of al Qaeda was killed."},
        {"article_id": "rtqa_a", "quote": "Another sentence."},
    ],
}


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_loads_the_rtqa_format(tmp_path: Path) -> None:
    unanswerable = {"id": "u1", "question": "Who?", "answer": "", "answerable": False}
    path = write(tmp_path / "gold.jsonl", json.dumps(GOOD), "", json.dumps(unanswerable))
    first, second = load_gold(path)
    assert first.id == "20220805_3"
    assert first.answer == "al Qaeda"
    assert first.answerable
    assert first.question_date == dt.date(2022, 8, 4)
    assert first.evidence[1] == Evidence("rtqa_b", "The leader of al Qaeda was killed.")
    assert first.evidence_ids == ("rtqa_a", "rtqa_b")
    assert first.choices == ("Hezbollah", "Boko Haram", "al Qaeda", "ISIS")
    assert first.line == 1
    assert (second.id, second.answerable, second.evidence, second.line) == ("u1", False, (), 3)


def test_defaults_and_limit(tmp_path: Path) -> None:
    lines = [json.dumps({"question": f"Question {i}?", "answer": "yes"}) for i in range(5)]
    questions = load_gold(write(tmp_path / "gold.jsonl", *lines), limit=2)
    assert [q.id for q in questions] == ["line-1", "line-2"]
    assert questions[0].answerable is True
    assert questions[0].question_date is None
    assert questions[0].evidence == ()


def test_loads_the_sample_questions() -> None:
    questions = load_gold(Path(__file__).resolve().parents[2] / "samples" / "questions.jsonl")
    assert len(questions) == 15
    assert sum(not q.answerable for q in questions) == 2


def test_bad_json_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "gold.jsonl", json.dumps(GOOD), '{"question": "Who?", "answer": ')
    with pytest.raises(InputError, match=r"gold\.jsonl, line 2: not valid JSON"):
        load_gold(path)


def test_bad_line_fails_even_past_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "gold.jsonl", json.dumps(GOOD), "not json")
    with pytest.raises(InputError, match="line 2"):
        load_gold(path, limit=1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"question": None}, "line 1: field 'question' is missing"),
        ({"question": "  "}, "field 'question' must be a non-empty string, got an empty string"),
        ({"question": 3}, "field 'question' must be a non-empty string, got a number"),
        ({"answer": 4.5}, "field 'answer' must be a string, got a number"),
        ({"answer": ""}, "field 'answer' is empty but the question is answerable"),
        ({"answerable": "yes"}, "field 'answerable' must be true or false"),
        ({"evidence": "rtqa_a"}, "field 'evidence' must be a list"),
        ({"evidence": ["rtqa_a"]}, r"field evidence\[0\] must be an object"),
        ({"evidence": [{"quote": "q"}]}, r"field evidence\[0\]\.article_id must be"),
        ({"evidence": [{"article_id": "a", "quote": 1}]}, r"'evidence\[0\]\.quote' must be a str"),
        ({"question_date": "22 July"}, "field 'question_date' must be a YYYY-MM-DD date"),
        ({"choices": "a, b"}, "field 'choices' must be a list of strings"),
        ({"id": ["x"]}, "field 'id' must be a non-empty string"),
    ],
)
def test_field_errors_name_line_and_field(tmp_path: Path, change: dict, message: str) -> None:
    record = {**GOOD, **change}
    record = {k: v for k, v in record.items() if not (k == "question" and v is None)}
    path = write(tmp_path / "gold.jsonl", json.dumps(record))
    with pytest.raises(InputError, match=message) as info:
        load_gold(path)
    assert str(path) in str(info.value)


def test_not_an_object(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="line 1: expected a JSON object, got a list"):
        load_gold(write(tmp_path / "gold.jsonl", "[1, 2]"))


def test_duplicate_ids(tmp_path: Path) -> None:
    path = write(tmp_path / "gold.jsonl", json.dumps(GOOD), json.dumps(GOOD))
    with pytest.raises(InputError, match="line 2: id '20220805_3' is already used on line 1"):
        load_gold(path)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="holds no questions"):
        load_gold(write(tmp_path / "empty.jsonl", "", "  "))
    with pytest.raises(InputError, match="Cannot read the gold file"):
        load_gold(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="limit must be at least 1"):
        load_gold(write(tmp_path / "gold.jsonl", json.dumps(GOOD)), limit=0)
