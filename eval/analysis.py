"""What went wrong in an evaluation, read from its ``report.json`` dict: which questions
failed and how (``FAILURE_KINDS``), a one-line diagnosis of each and the cause it is grouped
under, worst first (``find_failures``), the segments a question belongs to, and the worst
segments. The page (:mod:`eval.html`) shows what this finds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.fields import clip, depth_of, metrics_of, number, questions_of, records, strings

__all__ = [
    "FAILURE_KINDS",
    "Failure",
    "diagnose",
    "failure_kinds",
    "find_failures",
    "gold_answers",
    "question_segments",
    "worst_segments",
]

# The kinds of failure: slug -> (label, what it means). A question can fail in several ways.
FAILURE_KINDS: dict[str, tuple[str, str]] = {
    "error": ("could not be asked", "asking the question raised an error"),
    "wrong-answer": (
        "wrong answer",
        "the assistant answered, but the answer does not contain the gold answer",
    ),
    "false-abstention": (
        "false abstention",
        "the assistant said it could not find an answer that the articles hold",
    ),
    "missed-abstention": (
        "missed abstention",
        "the assistant answered a question that no article answers",
    ),
    "retrieval-miss": (
        "retrieval miss",
        "no evidence article among the retrieved articles",
    ),
    "unsupported-citation": (
        "unsupported citation",
        "a sentence of the answer is not supported by the passage it cites",
    ),
}

# How bad each kind is; a question's severity is the sum over its kinds (worst first).
_WEIGHTS = {
    "error": 5.0,
    "wrong-answer": 3.0,
    "missed-abstention": 3.0,
    "false-abstention": 3.0,
    "retrieval-miss": 1.5,
    "unsupported-citation": 1.0,
}

_MARKS = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Failure:
    """A question that went wrong: how (``kinds``), why in one line (``diagnosis``), the
    group of causes it falls in (``cause``), how bad (``severity``) and its segments."""

    question: Mapping[str, Any]
    kinds: tuple[str, ...]
    diagnosis: str
    cause: str
    severity: float
    segments: tuple[tuple[str, str], ...]


def find_failures(report: Mapping[str, Any]) -> list[Failure]:
    """The questions of ``report`` that failed in any way, worst first."""
    depth = depth_of(report)
    out = []
    for q in questions_of(report):
        kinds = failure_kinds(q)
        if not kinds:
            continue
        diagnosis, cause = diagnose(q, kinds, depth)
        severity = sum(_WEIGHTS[k] for k in kinds)
        if "wrong-answer" in kinds and _maybe_right(q):
            severity -= 2.0  # likely a strict-matching miss: below the real failures
        out.append(Failure(q, kinds, diagnosis, cause, severity, question_segments(q)))

    def order(f: Failure) -> tuple[float, float, int, str]:
        f1 = number(f.question.get("f1"))
        rank = _rank(f.question)
        # Worse first: more severe, then less word overlap, then the evidence ranked higher
        # (a failure with the evidence at rank 1 is the more telling one).
        return (-f.severity, 0.0 if f1 is None else f1, rank or 10_000, str(f.question.get("id")))

    return sorted(out, key=order)


def failure_kinds(q: Mapping[str, Any]) -> tuple[str, ...]:
    """The kinds of failure (keys of ``FAILURE_KINDS``) of one question record, in order."""
    if q.get("error"):
        return ("error",)
    kinds = []
    answerable = q.get("answerable", True) is not False
    abstained = bool(q.get("abstained"))
    if answerable and abstained:
        kinds.append("false-abstention")
    if not answerable and not abstained:
        kinds.append("missed-abstention")
    if answerable and not abstained and _correct(q) is False:
        kinds.append("wrong-answer")
    if answerable and q.get("evidence_ids") and _rank(q) is None:
        kinds.append("retrieval-miss")
    if not abstained and (_bad_checks(q) or q.get("citations_valid") is False):
        kinds.append("unsupported-citation")
    return tuple(kinds)


def diagnose(q: Mapping[str, Any], kinds: Sequence[str], depth: int) -> tuple[str, str]:
    """One line saying why the question failed, and the short cause it is grouped under."""
    rank = _rank(q)
    titles = _titles(q)
    extra: list[str] = []
    if "error" in kinds:
        return f"could not be asked: {q.get('error')}", "could not be asked"
    if "missed-abstention" in kinds:
        cited = _cited_name(q, titles)
        line = "answered although no article answers this question"
        line += f" (it quotes {cited})" if cited else ""
        cause = "answered an unanswerable question"
    elif "false-abstention" in kinds:
        if rank is None:
            line = f"abstained; the evidence was not retrieved in the top {depth}"
            cause = "abstained: evidence not retrieved"
        else:
            line = f"abstained although the evidence was at rank {rank}"
            cause = "abstained: evidence was retrieved"
    elif "wrong-answer" in kinds:
        line, cause = _wrong_answer(q, rank, depth, titles)
    elif "retrieval-miss" in kinds:
        cited = _cited_name(q, titles)
        line = f"right answer, but no evidence article in the top {depth}"
        line += f" (it quotes {cited})" if cited else ""
        cause = "right answer from another article"
    else:
        line, cause = "", "unsupported citation"
    bad = _bad_checks(q)
    if bad and "unsupported-citation" in kinds:
        first = bad[0]
        text = f"sentence {first[0]} {first[1].get('verdict', 'unsupported')}"
        reason = first[1].get("reason")
        text += f" ({reason})" if reason else ""
        if len(bad) > 1:
            text += f" and {len(bad) - 1} more"
        extra.append(text)
    elif "unsupported-citation" in kinds:
        extra.append("a citation does not check out")
    line = "; ".join(part for part in [line, *extra] if part)
    return line, cause


def _wrong_answer(
    q: Mapping[str, Any], rank: int | None, depth: int, titles: Mapping[str, str]
) -> tuple[str, str]:
    evidence = set(strings(q.get("evidence_ids")))
    cited = strings(q.get("cited_ids"))
    gold = str(q.get("gold_answer") or "")
    answer = str(q.get("answer") or "")
    details = []
    figure = _different_figure(answer, gold)
    if figure:
        details.append(figure)
    elif gold and _loose(gold) and _loose(gold) in _loose(answer):
        details.append("the answer has the gold answer written differently")
    else:
        close = _shared_words(gold, answer)
        if close:
            details.append(close)
    in_passages = _gold_in_passages(q)
    if not evidence:
        line = "answered, but not with the gold answer (the question lists no evidence)"
        cause = "wrong answer (no evidence listed)"
    elif rank is None:
        line = f"evidence not retrieved in the top {depth}"
        other = _cited_name(q, titles)
        line += f", so the answer quotes {other}" if other else ""
        cause = "evidence not retrieved"
    elif evidence & set(cited):
        line = (
            f"evidence retrieved at rank {rank} and cited, but the quoted sentences lack the answer"
        )
        cause = "evidence cited, wrong sentences quoted"
    else:
        other = _cited_name(q, titles)
        line = f"evidence retrieved at rank {rank} but the answer quotes "
        line += other or "another article"
        cause = "evidence retrieved, another article quoted"
    if in_passages is False:
        details.append("the gold answer is in no retrieved passage as written")
    elif in_passages == "evidence" and rank is not None:
        details.append("the gold answer is in the evidence passage")
    if _maybe_right(q):
        cause = "answer may be right in other words"
    return "; ".join([line, *details]), cause


def _different_figure(answer: str, gold: str) -> str:
    """Says "the answer has 98.6 where the gold answer has 104.5" when the gold answer holds
    numbers the answer lacks while it holds others; "" otherwise."""
    gold_numbers = _numbers(gold)
    answer_numbers = _numbers(_MARKS.sub(" ", answer))
    if not gold_numbers or not answer_numbers or set(gold_numbers) & set(answer_numbers):
        return ""
    shown = list(answer_numbers.values())[:3]
    more = " ..." if len(answer_numbers) > 3 else ""
    return (
        f"the answer has a different figure: {' and '.join(shown)}{more} where the gold "
        f"answer has {' and '.join(gold_numbers.values())}"
    )


def _maybe_right(q: Mapping[str, Any]) -> bool:
    """Whether a wrong answer may be right in other words (the gold answer written
    differently, or most of its words in the answer)."""
    gold = str(q.get("gold_answer") or "")
    answer = str(q.get("answer") or "")
    if _different_figure(answer, gold):
        return False
    return bool(_loose(gold) and _loose(gold) in _loose(answer)) or bool(
        _shared_words(gold, answer)
    )


def _shared_words(gold: str, answer: str) -> str:
    """Says "it has 3 of the 4 words of the gold answer" when it has two thirds of them (the
    answer may be right in other words); "" otherwise."""
    words = {w for w in re.findall(r"[0-9a-z]+", gold.casefold()) if len(w) > 2 or w.isdigit()}
    if len(words) < 2:
        return ""
    found = words & set(re.findall(r"[0-9a-z]+", answer.casefold()))
    if len(found) * 3 < len(words) * 2:
        return ""
    return (
        f"it has {len(found)} of the {len(words)} words of the gold answer (right in other words?)"
    )


def _numbers(text: str) -> dict[str, str]:
    """The numbers in ``text``: normalised ("5000") -> as written ("5,000")."""
    out: dict[str, str] = {}
    for match in _NUMBER.finditer(text):
        out.setdefault(match.group(0).replace(",", ""), match.group(0))
    return out


def _loose(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def _gold_in_passages(q: Mapping[str, Any]) -> bool | str | None:
    """Where a gold answer occurs in the retrieved passages: "evidence" (in an evidence
    passage), True (in another), False (in none), None (no passages in the record)."""
    passages = records(q.get("passages"))
    golds = gold_answers(q)
    if not passages or not golds:
        return None
    found: bool | str = False
    for p in passages:
        text = _loose(str(p.get("text") or ""))
        if any(_loose(g) and _loose(g) in text for g in golds):
            if p.get("is_evidence"):
                return "evidence"
            found = True
    return found


def gold_answers(q: Mapping[str, Any]) -> list[str]:
    """The gold answer and the other accepted answers of a question record, once each."""
    golds = [str(q.get("gold_answer") or ""), *strings(q.get("answers"))]
    return [g for g in dict.fromkeys(golds) if g.strip()]


def _correct(q: Mapping[str, Any]) -> bool | None:
    """Whether the answer is right: the choice when the question has choices, else whether
    it contains the gold answer, else exact match; None when nothing says."""
    for key in ("choice_correct", "contains_gold", "exact_match"):
        value = q.get(key)
        if value is not None:
            return bool(value)
    return None


def _bad_checks(q: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    """The (1-based number, check) of the sentences whose verdict is not "supported"."""
    checks = records(q.get("checks"))
    return [(i, c) for i, c in enumerate(checks, 1) if c.get("verdict") not in (None, "supported")]


def _rank(q: Mapping[str, Any]) -> int | None:
    rank = q.get("rank")
    return rank if isinstance(rank, int) and not isinstance(rank, bool) else None


def _titles(q: Mapping[str, Any]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for p in records(q.get("passages")):
        if p.get("article_id") and p.get("title"):
            titles.setdefault(str(p["article_id"]), str(p["title"]))
    return titles


def _cited_name(q: Mapping[str, Any], titles: Mapping[str, str]) -> str:
    cited = strings(q.get("cited_ids"))
    if not cited:
        return ""
    first = cited[0]
    name = f"“{clip(titles[first], 70)}”" if first in titles else first
    retrieved = strings(q.get("retrieved_ids"))
    if first in retrieved:
        name += f" (rank {retrieved.index(first) + 1})"
    elif retrieved:
        name += f" (below the top {len(retrieved)})"
    if len(cited) > 1:
        name += f" and {len(cited) - 1} other article{'s' if len(cited) > 2 else ''}"
    return name


def question_segments(q: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The (kind, label) segments a question record belongs to: source, year, tags."""
    out = []
    if q.get("source"):
        out.append(("source", str(q["source"])))
    year = q.get("year")
    if year is None:
        date = str(q.get("question_date") or "")
        year = date[:4] if re.match(r"\d{4}", date) else None
    if year is not None:
        out.append(("year", str(year)))
    out += [("tag", t) for t in strings(q.get("tags"))]
    return tuple(out)


# --- segments -------------------------------------------------------------------------------


def worst_segments(report: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], bool]:
    """The worst segments ``report.json`` lists (each a mapping, a bare entry read as its
    ``segment``), else those computed here from its breakdown; and whether they were computed."""
    given = report.get("worst_segments")
    if isinstance(given, Sequence) and not isinstance(given, str) and given:
        return [g if isinstance(g, Mapping) else {"segment": g} for g in given], False
    return list(_computed_worst(report)), True


def _computed_worst(report: Mapping[str, Any], n_min: int = 3) -> list[dict[str, Any]]:
    """At most 5 segments with ``n_min`` answerable questions or more whose answers contain
    the gold answer least often (at least 0.02 below the overall share), worst first."""
    breakdown = report.get("breakdown")
    if not isinstance(breakdown, Mapping):
        return []
    metric = "answer_contains_gold"
    overall = number(metrics_of(report).get(metric))
    rows = []
    for kind, members in breakdown.items():
        if not isinstance(members, Mapping):
            continue
        for label, values in members.items():
            if not isinstance(values, Mapping):
                continue
            value = number(values.get(metric))
            n = values.get("n")
            if value is None or not isinstance(n, int) or n < n_min:
                continue
            if overall is not None and value > overall - 0.02:
                continue
            rows.append(
                {"kind": kind, "label": label, "metric": metric, "value": value, "n": n}
                | ({} if overall is None else {"overall": overall})
            )
    rows.sort(key=lambda r: (r["value"], -r["n"]))
    return rows[:5]
