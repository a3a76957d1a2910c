"""Gold questions: the rtqa ``dev.jsonl`` format, read and checked line by line.

One JSON object a line::

    {"id": "20220722_17", "question": "...", "answer": "104.5 F", "answerable": true,
     "question_date": "2022-07-22", "evidence": [{"article_id": "rtqa_1012dd460cc5",
     "quote": "..."}], "choices": [...], "source": "USAtoday"}

Only ``question`` is required. ``answerable`` defaults to true, and an answerable question
needs a non-empty ``answer``; ``id`` defaults to ``line-N``; other fields are optional but must
have the right type when present. Unknown fields are ignored. A bad line stops the whole load
with an ``InputError`` naming the file, the line and the field, so that no evaluation runs on
half a gold set.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import InputError


@dataclass(frozen=True)
class Evidence:
    """An article that holds the answer, and the sentence of it that does."""

    article_id: str
    quote: str = ""


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answer: str
    answerable: bool = True
    question_date: dt.date | None = None
    evidence: tuple[Evidence, ...] = ()
    choices: tuple[str, ...] = ()
    source: str = ""
    line: int = 0  # where it was read from, for messages

    @property
    def evidence_ids(self) -> tuple[str, ...]:
        """The evidence articles' ids, each once, in the order given."""
        return tuple(dict.fromkeys(e.article_id for e in self.evidence))


def load_gold(path: str | Path, limit: int | None = None) -> list[GoldQuestion]:
    """Read and check every line of a gold file; ``limit`` keeps the first N questions.

    Every line is checked even with ``limit``, so a bad file fails the same way whatever N is.
    """
    path = Path(path)
    if limit is not None and limit < 1:
        raise InputError(f"limit must be at least 1, got {limit}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read the gold file {path}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not valid UTF-8 (byte {exc.start}); re-save the gold file as UTF-8"
        ) from exc

    questions: list[GoldQuestion] = []
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        item = parse_gold_line(line, path, lineno)
        if item.id in first_line:
            raise InputError(
                f"{path}, line {lineno}: id {item.id!r} is already used on line "
                f"{first_line[item.id]}; give every question its own id"
            )
        first_line[item.id] = lineno
        questions.append(item)
    if not questions:
        raise InputError(
            f"{path} holds no questions: expected one JSON object a line, "
            'like {"question": "...", "answer": "...", "evidence": [{"article_id": "..."}]}'
        )
    return questions if limit is None else questions[:limit]


def parse_gold_line(line: str, path: str | Path, lineno: int) -> GoldQuestion:
    """One line of a gold file as a question; ``InputError`` saying what is wrong."""
    where = f"{path}, line {lineno}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{where}: not valid JSON (column {exc.colno}: {exc.msg}); "
            "each line must be one JSON object"
        ) from exc
    if not isinstance(record, Mapping):
        raise InputError(f"{where}: expected a JSON object, got {_kind(record)}")

    question = record.get("question")
    if "question" not in record:
        raise InputError(f"{where}: field 'question' is missing; every line needs the question")
    if not isinstance(question, str) or not question.strip():
        raise InputError(
            f"{where}: field 'question' must be a non-empty string, got {_kind(question)}"
        )
    answerable = record.get("answerable", True)
    if not isinstance(answerable, bool):
        raise InputError(
            f"{where}: field 'answerable' must be true or false, got {_kind(answerable)}"
        )
    answer = record.get("answer", "")
    if not isinstance(answer, str):
        raise InputError(f"{where}: field 'answer' must be a string, got {_kind(answer)}")
    if answerable and not answer.strip():
        raise InputError(
            f"{where}: field 'answer' is empty but the question is answerable; "
            'give the answer, or set "answerable": false'
        )
    raw_id = record.get("id")
    if raw_id is None:
        qid = f"line-{lineno}"
    elif isinstance(raw_id, str) and raw_id.strip():
        qid = raw_id.strip()
    elif isinstance(raw_id, int) and not isinstance(raw_id, bool):
        qid = str(raw_id)
    else:
        raise InputError(f"{where}: field 'id' must be a non-empty string, got {_kind(raw_id)}")

    return GoldQuestion(
        id=qid,
        question=question,
        answer=answer,
        answerable=answerable,
        question_date=_date(record.get("question_date"), where),
        evidence=_evidence(record.get("evidence", []), where),
        choices=_strings(record.get("choices", []), "choices", where),
        source=_string(record.get("source", ""), "source", where),
        line=lineno,
    )


def _evidence(value: Any, where: str) -> tuple[Evidence, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InputError(
            f"{where}: field 'evidence' must be a list of "
            f'{{"article_id": ..., "quote": ...}} objects, got {_kind(value)}'
        )
    items = []
    for i, entry in enumerate(value):
        field = f"evidence[{i}]"
        if not isinstance(entry, Mapping):
            raise InputError(
                f'{where}: field {field} must be an object like {{"article_id": "..."}}, '
                f"got {_kind(entry)}"
            )
        article_id = entry.get("article_id")
        if not isinstance(article_id, str) or not article_id.strip():
            raise InputError(
                f"{where}: field {field}.article_id must be a non-empty string "
                f"(the id of an article that holds the answer), got {_kind(article_id)}"
            )
        quote = _string(entry.get("quote", ""), f"{field}.quote", where)
        items.append(Evidence(article_id=article_id.strip(), quote=quote))
    return tuple(items)


def _date(value: Any, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise InputError(f"{where}: field 'question_date' must be a YYYY-MM-DD date, got {value!r}")


def _string(value: Any, field: str, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{where}: field {field!r} must be a string, got {_kind(value)}")
    return value


def _strings(value: Any, field: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: field {field!r} must be a list of strings, got {value!r}")
    return tuple(value)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"the string {value!r}" if value.strip() else "an empty string"
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }
    return names.get(type(value), type(value).__name__)
