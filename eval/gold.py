"""Gold questions: JSONL (the rtqa ``dev.jsonl`` format) or CSV, read and checked line by line.

JSONL, one object a line::

    {"id": "20220722_17", "question": "...", "answer": "104.5 F", "answerable": true,
     "question_date": "2022-07-22", "evidence": [{"article_id": "rtqa_1012dd460cc5",
     "quote": "..."}], "choices": [...], "source": "USAtoday", "tags": ["weather"]}

Fields (only ``question`` is required):

- ``id``: defaults to ``line-N``; unique.
- ``answer`` (a string) and/or ``answers`` (a list of accepted strings): an answerable
  question needs at least one. Answers are scored against the best accepted one.
- ``choices``: the quiz choices (a list of strings); the answer must be one of them.
- ``answerable``: true (default) or false (no article holds the answer).
- ``question_date``: ``YYYY-MM-DD``, "now" for the question.
- ``source``: where the question comes from (a quiz); ``tags``: free labels (a list of
  strings) for breakdowns.
- ``evidence``: a list of ``{"article_id": ...}``, ``{"url": ...}`` or ``{"title": ...}``
  objects, each with an optional ``quote`` (the sentence that holds the answer). URLs and
  titles are resolved to article ids against the store (:func:`resolve_evidence`).
- ``conversation`` (or ``history``): the earlier turns of a follow-up question, oldest first,
  each ``{"question": ..., "answer": ...}`` or a string (an earlier question). The question
  is then asked with ``Assistant.chat(question, history)``.

CSV (``.csv``, UTF-8, a header row): the same names as columns. A list cell (``answers``,
``choices``, ``tags``, ``conversation``) is a JSON list or ``|``-separated values. Evidence is
either an ``evidence`` column holding the JSON list, or the columns ``evidence_article_id``,
``evidence_url``, ``evidence_title`` and ``evidence_quote``, each ``|``-separated (or a JSON
list), the i-th values of each making the i-th piece of evidence. ``answerable`` is
``true/false``, ``yes/no`` or ``1/0`` (empty: true). An unknown column is an error.

Every line is checked before anything runs: all bad lines are reported together (up to 20),
each by file, line and field, in one ``InputError``. Unknown JSONL fields are ignored (with a
warning in :class:`GoldSet`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.errors import InputError

if TYPE_CHECKING:
    from index.store import Store

logger = logging.getLogger(__name__)

KNOWN_FIELDS = frozenset(
    "id question answer answers choices answerable question_date source tags evidence "
    "conversation history".split()
)
CSV_EVIDENCE_COLUMNS = (
    "evidence_article_id",
    "evidence_url",
    "evidence_title",
    "evidence_quote",
)
MAX_ERRORS_SHOWN = 20


@dataclass(frozen=True)
class Evidence:
    """An article that holds the answer (by id, or by url or title until resolved), and the
    sentence of it that does."""

    article_id: str
    quote: str = ""
    url: str = ""
    title: str = ""

    @property
    def label(self) -> str:
        """How the gold file named the article."""
        if self.article_id:
            return f"article_id {self.article_id!r}"
        return f"url {self.url!r}" if self.url else f"title {self.title!r}"


@dataclass(frozen=True)
class Turn:
    """An earlier turn of a conversation: the question and (when known) its answer."""

    question: str
    answer: str = ""


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answer: str  # the first accepted answer ("" for an unanswerable question without one)
    answerable: bool = True
    question_date: dt.date | None = None
    evidence: tuple[Evidence, ...] = ()
    choices: tuple[str, ...] = ()
    source: str = ""
    line: int = 0  # where it was read from, for messages
    answers: tuple[str, ...] = ()  # every accepted answer (``answer`` first)
    tags: tuple[str, ...] = ()
    conversation: tuple[Turn, ...] = ()

    def __post_init__(self) -> None:
        if not self.answers and self.answer:
            object.__setattr__(self, "answers", (self.answer,))

    @property
    def evidence_ids(self) -> tuple[str, ...]:
        """The evidence articles' ids, each once, in the order given. Evidence named by a url
        or title that :func:`resolve_evidence` did not resolve is left out: the run's warnings
        list it, and retrieval is scored on the evidence that is known (a question with none
        is not scored on retrieval, rather than counted as a miss)."""
        return tuple(dict.fromkeys(e.article_id for e in self.evidence if e.article_id))

    @property
    def quotes(self) -> tuple[str, ...]:
        """The evidence quotes, each once, in the order given."""
        return tuple(dict.fromkeys(e.quote for e in self.evidence if e.quote.strip()))


@dataclass
class GoldSet:
    """The questions of a gold file and what was noticed reading it."""

    path: Path
    questions: list[GoldQuestion]
    warnings: list[str] = field(default_factory=list)


def load_gold(path: str | Path, limit: int | None = None) -> list[GoldQuestion]:
    """Read and check every line of a gold file (``.jsonl`` or ``.csv``); ``limit`` keeps the
    first N questions. Every line is checked even with ``limit``, so a bad file fails the
    same way whatever N is."""
    return read_gold(path, limit).questions


def read_gold(path: str | Path, limit: int | None = None) -> GoldSet:
    """Like :func:`load_gold`, with the warnings (unknown fields) kept."""
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

    warnings: list[str] = []
    records = _csv_records(text, path) if path.suffix.lower() == ".csv" else _jsonl_records(text)
    questions: list[GoldQuestion] = []
    errors: list[str] = []
    first_line: dict[str, int] = {}
    unknown: dict[str, int] = {}
    for lineno, record in records:
        where = f"{path}, line {lineno}"
        try:
            if isinstance(record, InputError):
                raise record
            item = parse_gold_record(record, where, lineno)
        except InputError as exc:
            errors.append(str(exc) if str(exc).startswith(str(path)) else f"{where}: {exc}")
            continue
        for name in record:
            if name not in KNOWN_FIELDS:
                unknown.setdefault(name, lineno)
        if item.id in first_line:
            errors.append(
                f"{where}: id {item.id!r} is already used on line "
                f"{first_line[item.id]}; give every question its own id"
            )
            continue
        first_line[item.id] = lineno
        questions.append(item)
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) == 1:
            raise InputError(errors[0])
        more = len(errors) - len(shown)
        raise InputError(
            f"{path}: {len(errors)} bad lines; fix them and run again:\n  "
            + "\n  ".join(shown)
            + (f"\n  ... and {more} more" if more else "")
        )
    for name, lineno in unknown.items():
        warnings.append(f"{path}: unknown field {name!r} (first on line {lineno}) is ignored")
    if not questions:
        raise InputError(
            f"{path} holds no questions: expected one JSON object a line, "
            'like {"question": "...", "answer": "...", "evidence": [{"article_id": "..."}]}'
            ", or a CSV file with a header row"
        )
    return GoldSet(path, questions if limit is None else questions[:limit], warnings)


def _jsonl_records(text: str) -> Iterator[tuple[int, Any]]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield (
                lineno,
                InputError(
                    f"not valid JSON (column {exc.colno}: {exc.msg}); "
                    "each line must be one JSON object"
                ),
            )
            continue
        if not isinstance(record, Mapping):
            yield lineno, InputError(f"expected a JSON object, got {_kind(record)}")
            continue
        yield lineno, record


def _csv_records(text: str, path: Path) -> Iterator[tuple[int, Any]]:
    """The rows of a CSV gold file as JSONL-like records, each with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise InputError(f"{path}, line 1: not a valid CSV header ({exc})") from exc
    names = [h.strip() for h in header]
    known = KNOWN_FIELDS | set(CSV_EVIDENCE_COLUMNS)
    unknown = [n for n in names if n and n not in known]
    if unknown:
        raise InputError(
            f"{path}, line 1: unknown column(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(sorted(known))}"
        )
    if "question" not in names:
        raise InputError(f"{path}, line 1: no 'question' column in the header {names}")
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, InputError(f"not valid CSV ({exc})")
            start = reader.line_num + 1
            continue
        lineno, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(names):
            yield lineno, InputError(f"{len(row)} cells but the header names {len(names)}")
            continue
        cells = {n: c for n, c in zip(names, row, strict=False) if n and c.strip()}
        try:
            yield lineno, _csv_record(cells)
        except InputError as exc:
            yield lineno, exc


def _csv_list(value: str, name: str) -> list[Any]:
    value = value.strip()
    if value.startswith("["):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InputError(f"field {name!r} is not a valid JSON list ({exc.msg})") from exc
        if not isinstance(parsed, list):
            raise InputError(f"field {name!r} must be a list")
        return parsed
    return [part.strip() for part in value.split("|")]


def _csv_record(cells: Mapping[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for name, value in cells.items():
        if name in ("answers", "choices", "tags", "conversation", "history"):
            record[name] = [v for v in _csv_list(value, name) if v != ""]
        elif name == "answerable":
            flag = value.strip().lower()
            if flag in ("true", "yes", "1", "y", "t"):
                record[name] = True
            elif flag in ("false", "no", "0", "n", "f"):
                record[name] = False
            else:
                raise InputError(f"field 'answerable' must be true or false, got {value!r}")
        elif name == "evidence":
            parsed = _csv_list(value, name) if value.strip().startswith("[") else None
            if parsed is None:
                raise InputError(
                    "field 'evidence' must be a JSON list; or use the evidence_article_id, "
                    "evidence_url, evidence_title and evidence_quote columns"
                )
            record[name] = parsed
        elif name not in CSV_EVIDENCE_COLUMNS:
            record[name] = value
    columns = {
        name.removeprefix("evidence_"): _csv_list(cells[name], name)
        for name in CSV_EVIDENCE_COLUMNS
        if name in cells
    }
    if columns:
        if "evidence" in record:
            raise InputError("give evidence either in 'evidence' or in the evidence_* columns")
        count = max(len(v) for v in columns.values())
        for name, values in columns.items():
            if len(values) not in (1, count) and name != "quote":
                raise InputError(
                    f"field 'evidence_{name}' has {len(values)} values but another evidence "
                    f"column has {count}; separate the values of each with |"
                )
        evidence = []
        for i in range(count):
            entry = {}
            for name, values in columns.items():
                if name != "quote" and len(values) == 1:
                    value = values[0]
                else:
                    value = values[i] if i < len(values) else ""
                if value != "":
                    entry[name] = value
            evidence.append(entry)
        record["evidence"] = evidence
    return record


def parse_gold_line(line: str, path: str | Path, lineno: int) -> GoldQuestion:
    """One JSONL line of a gold file as a question; ``InputError`` saying what is wrong."""
    where = f"{path}, line {lineno}"
    for _, record in _jsonl_records(line):
        if isinstance(record, InputError):
            raise InputError(f"{where}: {record}")
        return parse_gold_record(record, where, lineno)
    raise InputError(f"{where}: the line is empty")


def parse_gold_record(record: Mapping[str, Any], where: str, lineno: int) -> GoldQuestion:
    """One record (a JSON object, or a CSV row made into one) as a question."""
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
    if answer is None:
        answer = ""
    if not isinstance(answer, str):
        raise InputError(f"{where}: field 'answer' must be a string, got {_kind(answer)}")
    more = _strings(record.get("answers", []), "answers", where)
    answers = tuple(dict.fromkeys(a for a in (answer, *more) if a.strip()))
    if answerable and not answers:
        raise InputError(
            f"{where}: field 'answer' is empty but the question is answerable; "
            'give the answer (or "answers": [...]), or set "answerable": false'
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
    choices = _strings(record.get("choices", []), "choices", where)
    if choices and answers:
        folded = {_fold(c) for c in choices}
        if not any(_fold(a) in folded for a in answers):
            raise InputError(
                f"{where}: field 'answer' {answers[0]!r} is not one of the choices {list(choices)}"
            )
    conversation_key = "conversation" if "conversation" in record else "history"
    return GoldQuestion(
        id=qid,
        question=question,
        answer=answers[0] if answers else "",
        answerable=answerable,
        question_date=_date(record.get("question_date"), where),
        evidence=_evidence(record.get("evidence", []), where),
        choices=choices,
        source=_string(record.get("source", ""), "source", where),
        line=lineno,
        answers=answers,
        tags=_tags(record.get("tags", []), where),
        conversation=_conversation(record.get(conversation_key), conversation_key, where),
    )


def _tags(value: Any, where: str) -> tuple[str, ...]:
    tags = _strings(value, "tags", where)
    return tuple(dict.fromkeys(t.strip() for t in tags if t.strip()))


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
        name = f"evidence[{i}]"
        if not isinstance(entry, Mapping):
            raise InputError(
                f'{where}: field {name} must be an object like {{"article_id": "..."}}, '
                f"got {_kind(entry)}"
            )
        keys = [k for k in ("article_id", "url", "title") if entry.get(k) not in (None, "")]
        if not keys:
            raise InputError(
                f"{where}: field {name}.article_id must be a non-empty string "
                f"(the id of an article that holds the answer; or give its url or title), "
                f"got {_kind(entry.get('article_id'))}"
            )
        for key in keys:
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise InputError(
                    f"{where}: field {name}.{key} must be a non-empty string, "
                    f"got {_kind(entry[key])}"
                )
        items.append(
            Evidence(
                article_id=str(entry.get("article_id") or "").strip(),
                quote=_string(entry.get("quote", ""), f"{name}.quote", where),
                url=str(entry.get("url") or "").strip(),
                title=str(entry.get("title") or "").strip(),
            )
        )
    return tuple(items)


def _conversation(value: Any, name: str, where: str) -> tuple[Turn, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InputError(
            f"{where}: field {name!r} must be a list of earlier turns "
            f'({{"question": ..., "answer": ...}} or strings), got {_kind(value)}'
        )
    turns = []
    for i, entry in enumerate(value):
        if isinstance(entry, str) and entry.strip():
            turns.append(Turn(entry.strip()))
            continue
        if isinstance(entry, Mapping):
            q, a = entry.get("question"), entry.get("answer", "")
            if isinstance(q, str) and q.strip() and isinstance(a, str | None):
                turns.append(Turn(q.strip(), a or ""))
                continue
        raise InputError(
            f"{where}: field {name}[{i}] must be a question (a string) or "
            f'{{"question": "...", "answer": "..."}}, got {_kind(entry)}'
        )
    return tuple(turns)


def _date(value: Any, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise InputError(f"{where}: field 'question_date' must be a YYYY-MM-DD date, got {value!r}")


def _string(value: Any, name: str, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{where}: field {name!r} must be a string, got {_kind(value)}")
    return value


def _strings(value: Any, name: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: field {name!r} must be a list of strings, got {value!r}")
    return tuple(value)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", plain.casefold()).split())


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


# -- evidence against the store -----------------------------------------------------------


def _url_key(url: str) -> str:
    url = url.strip().lower()
    url = re.sub(r"^https?://(www\.)?", "", url)
    return url.split("#")[0].rstrip("/")


def resolve_evidence(
    questions: Iterable[GoldQuestion], store: Store
) -> tuple[list[GoldQuestion], list[str]]:
    """The questions with url/title evidence resolved to article ids, and a warning for each
    piece of evidence that matches no article in ``store`` (by id, url, or title; titles are
    compared folded, and an ambiguous title is a warning too). Unresolved evidence keeps no
    article id (it cannot be found, so it counts as a miss in retrieval metrics only through
    its question)."""
    questions = list(questions)
    wanted_ids = {e.article_id for q in questions for e in q.evidence if e.article_id}
    known_ids = set(store.get_many(wanted_ids)) if wanted_ids else set()
    by_url: dict[str, str] = {}
    by_title: dict[str, list[str]] = {}
    if any(not e.article_id for q in questions for e in q.evidence):
        for record in store.iter_articles(order="id"):
            article = record.article
            if article.url:
                by_url.setdefault(_url_key(article.url), article.id)
            if article.title:
                by_title.setdefault(_fold(article.title), []).append(article.id)
    out: list[GoldQuestion] = []
    missing: list[str] = []
    for q in questions:
        evidence = []
        for e in q.evidence:
            if e.article_id:
                if e.article_id not in known_ids:
                    missing.append(f"{q.id} (line {q.line}): {e.label}")
                evidence.append(e)
                continue
            found = by_url.get(_url_key(e.url)) if e.url else None
            if found is None and e.title:
                ids = by_title.get(_fold(e.title), [])
                if len(ids) > 1:
                    missing.append(
                        f"{q.id} (line {q.line}): {e.label} names {len(ids)} articles "
                        f"({', '.join(ids[:3])}); give the article_id"
                    )
                    evidence.append(e)
                    continue
                found = ids[0] if ids else None
            if found is None:
                missing.append(f"{q.id} (line {q.line}): {e.label}")
                evidence.append(e)
            else:
                evidence.append(replace(e, article_id=found))
        out.append(replace(q, evidence=tuple(evidence)))
    warnings = []
    if missing:
        shown = "; ".join(missing[:MAX_ERRORS_SHOWN])
        more = len(missing) - min(len(missing), MAX_ERRORS_SHOWN)
        warnings.append(
            f"{len(missing)} evidence article(s) match no article in the store: {shown}"
            + (f"; and {more} more (all listed in the log)" if more else "")
        )
        for item in missing:
            logger.warning("evidence not in the store: %s", item)
    return out, warnings
