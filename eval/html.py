"""``report.html``: an evaluation as one self-contained page.

The page is written from the ``report.json`` dict (``Report.to_dict()``) and needs nothing
else to be read: its CSS and JavaScript are inline and its plots are PNG images inlined as
``data:`` URIs (matplotlib's Agg renderer with the DejaVu fonts matplotlib ships), so it opens
offline, from a file, and loads nothing.

What it shows, top to bottom: a header (what was run, when, with which versions and data),
a plain-language summary, the metrics with their 95% intervals, latency histograms, the
metrics by segment (quiz source, year, tag), the worst segments, and every failed question,
worst first, each with a one-line diagnosis, the retrieved passages (the gold evidence marked)
and the verdicts of the answer check. A filter (kind of failure, segment, free text) narrows
the list in the browser.

Every field is read with ``.get``: reports written before a field existed (no passages, no
checks, no intervals) still render, with less detail. Everything that comes from the data
(questions, answers, articles, sources) is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

__all__ = ["FAILURE_KINDS", "Failure", "find_failures", "render_html", "write_html"]

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

# What each metric means, and which questions it counts (a key of ``_COUNTS``).
_METRICS: dict[str, tuple[str, str]] = {
    "mrr@10": ("mean of 1/rank of the first evidence article (0 beyond rank 10)", "evidence"),
    "answer_contains_gold": (
        "the answer contains the gold answer (an abstention never does)",
        "answerable",
    ),
    "exact_match": ("the answer is an accepted answer (after normalising)", "answerable"),
    "f1": ("word overlap (F1) of the answer with the best accepted answer", "answerable"),
    "mc_accuracy": (
        "the choice best supported by the answer and its passages is the right one",
        "questions",
    ),
    "cites_evidence": ("the answer cites an evidence article", "evidence"),
    "citation_recall": (
        "share of the answer's sentences that their cited passages support (ALCE)",
        "answered",
    ),
    "citation_precision": (
        "share of the citations that support their sentence, alone or as needed (ALCE)",
        "answered",
    ),
    "citations_valid": ("every [n] of the answer points at one of its sources", "answered"),
    "abstention_recall": ("unanswerable questions on which it abstained", "unanswerable"),
    "abstention_precision": ("abstentions that were on unanswerable questions", "abstentions"),
    "false_abstention_rate": (
        "abstained although the articles hold the answer (lower is better)",
        "answerable",
    ),
    "abstention_accuracy": ("said it could not find the answer, as it should", "unanswerable"),
    "off_topic_citation_rate": (
        "citations from a non-evidence article whose passage lacks the gold answer "
        "(padding or a wrong story; lower is better)",
        "answered",
    ),
    "removed_right_rate": (
        "evidence articles left out: it said not found, or still found the answer elsewhere",
        "evidence",
    ),
    "undated_answer_contains_gold": (
        "asked without a date (the chat's default), the answer contains the gold answer",
        "answerable",
    ),
    "undated_exact_match": (
        "asked without a date, the short answer is an accepted answer",
        "answerable",
    ),
    "undated_false_abstention_rate": (
        "asked without a date, abstained although the articles hold the answer",
        "answerable",
    ),
    "undated_off_topic_citation_rate": (
        "asked without a date, off-topic citations (lower is better)",
        "answered",
    ),
    "undated_removed_right_rate": (
        "asked without a date, evidence left out: not found, or the answer found elsewhere",
        "evidence",
    ),
    "latency_p50_ms": ("median time to answer one question (ms)", "questions"),
    "latency_p95_ms": ("95th percentile of the time per question (ms)", "questions"),
}
_COUNTS = {
    "evidence": ("n_retrieval_scored", "answerable with evidence"),
    "answerable": ("n_answerable", "answerable"),
    "unanswerable": ("n_unanswerable", "unanswerable"),
    "answered": ("n_answered", "answered"),
    "questions": ("n_questions", "questions"),
}
_LOWER_IS_BETTER = {
    "false_abstention_rate",
    "off_topic_citation_rate",
    "undated_false_abstention_rate",
    "undated_off_topic_citation_rate",
}

_PASSAGES_SHOWN = 10
_EXCERPT = 700  # characters of a passage shown
_MARKS = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def write_html(report: Mapping[str, Any], path: Path) -> Path:
    """Write ``render_html(report)`` to ``path`` (its folder made if needed); the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_html(report), encoding="utf-8")
    tmp.replace(path)
    return path


def render_html(report: Mapping[str, Any]) -> str:
    """The report (a ``report.json`` dict) as one self-contained HTML page."""
    failures = find_failures(report)
    notes = _degraded_notes(report)
    body = [
        _header(report),
        _warnings(report, notes),
        _summary(report, failures),
        _metrics_section(report),
        _latency_section(report),
        _segments_section(report),
        _worst_segments_section(report, failures),
        _failures_section(report, failures),
    ]
    title = "article-qa evaluation"
    date = _config(report).get("date")
    if date:
        title += f" · {date}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(part for part in body if part)
        + f"\n</main>\n<script>{_JS}</script>\n</body>\n</html>\n"
    )


# --- failures -------------------------------------------------------------------------------


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
    depth = _depth(report)
    out = []
    for q in _questions(report):
        kinds = failure_kinds(q)
        if not kinds:
            continue
        diagnosis, cause = diagnose(q, kinds, depth)
        severity = sum(_WEIGHTS[k] for k in kinds)
        if "wrong-answer" in kinds and _maybe_right(q):
            severity -= 2.0  # likely a strict-matching miss: below the real failures
        out.append(Failure(q, kinds, diagnosis, cause, severity, question_segments(q)))

    def order(f: Failure) -> tuple[float, float, int, str]:
        f1 = _number(f.question.get("f1"))
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
    evidence = set(_strings(q.get("evidence_ids")))
    cited = _strings(q.get("cited_ids"))
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
    passages = [p for p in q.get("passages") or () if isinstance(p, Mapping)]
    golds = _golds(q)
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


def _golds(q: Mapping[str, Any]) -> list[str]:
    golds = [str(q.get("gold_answer") or ""), *_strings(q.get("answers"))]
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
    checks = [c for c in q.get("checks") or () if isinstance(c, Mapping)]
    return [(i, c) for i, c in enumerate(checks, 1) if c.get("verdict") not in (None, "supported")]


def _rank(q: Mapping[str, Any]) -> int | None:
    rank = q.get("rank")
    return rank if isinstance(rank, int) and not isinstance(rank, bool) else None


def _titles(q: Mapping[str, Any]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for p in q.get("passages") or ():
        if isinstance(p, Mapping) and p.get("article_id") and p.get("title"):
            titles.setdefault(str(p["article_id"]), str(p["title"]))
    return titles


def _cited_name(q: Mapping[str, Any], titles: Mapping[str, str]) -> str:
    cited = _strings(q.get("cited_ids"))
    if not cited:
        return ""
    first = cited[0]
    name = f"“{_clip(titles[first], 70)}”" if first in titles else first
    retrieved = _strings(q.get("retrieved_ids"))
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
    out += [("tag", t) for t in _strings(q.get("tags"))]
    return tuple(out)


# --- sections -------------------------------------------------------------------------------


def _header(report: Mapping[str, Any]) -> str:
    c = _config(report)
    m = _metrics(report)
    facts: list[tuple[str, Any]] = [
        ("run on", c.get("date")),
        ("gold questions", c.get("gold")),
        ("articles", ", ".join(_strings(c.get("articles"))) or None),
        ("store", c.get("store")),
        ("questions", m.get("n_questions", len(_questions(report)) or None)),
        ("answers", _answer_mode(c)),
        (
            "retrieval",
            " · ".join(
                str(x)
                for x in (
                    c.get("retrieval"),
                    c.get("embed_model"),
                    None if c.get("reranker") in (None, "none") else f"reranker {c['reranker']}",
                    None if c.get("k") is None else f"k={c['k']}",
                )
                if x
            )
            or None,
        ),
        ("took", None if c.get("seconds") is None else f"{c['seconds']} s"),
    ]
    versions = c.get("versions")
    if isinstance(versions, Mapping):
        shown = [f"{k} {v}" for k, v in versions.items() if v]
        if c.get("python"):
            shown.insert(0, f"python {c['python']}")
        facts.append(("versions", ", ".join(shown)))
    for key, value in _hashes(report):
        facts.append((key, value))
    ingest = report.get("ingest")
    if isinstance(ingest, Mapping):
        facts.append(
            (
                "ingest",
                ", ".join(
                    f"{k} {ingest[k]}"
                    for k in ("added", "updated", "unchanged", "skipped", "chunks")
                    if k in ingest
                ),
            )
        )
    rows = "".join(
        f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts if v not in (None, "")
    )
    full = json.dumps(dict(c), ensure_ascii=False, indent=2, sort_keys=True, default=str)
    return (
        '<header id="header"><h1>article-qa evaluation report</h1>'
        f'<table class="facts">{rows}</table>'
        f"<details><summary>full configuration</summary><pre>{_e(full)}</pre></details>"
        "</header>"
    )


def _answer_mode(c: Mapping[str, Any]) -> str | None:
    mode = c.get("answer_mode")
    if mode is None:
        return None
    text = str(mode)
    if c.get("llm"):
        text += f" ({c['llm']})"
    return text


def _hashes(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The data fingerprints the report holds: keys naming a hash or sha, in the config, in
    the config's nested dicts and in ``report["hashes"]``."""
    out: list[tuple[str, str]] = []

    def visit(prefix: str, mapping: Mapping[str, Any]) -> None:
        for key, value in mapping.items():
            name = f"{prefix}{key}"
            if isinstance(value, Mapping):
                if re.search(r"hash|sha|digest|fingerprint", str(key), re.I):
                    out.extend((f"{name} {k}", str(v)) for k, v in value.items())
                else:
                    visit(f"{name}.", value)
            elif re.search(r"hash|sha|digest|fingerprint", str(key), re.I) and value:
                out.append((name, str(value)))

    visit("", _config(report))
    extra = report.get("hashes")
    if isinstance(extra, Mapping):
        out.extend((f"hash {k}", str(v)) for k, v in extra.items())
    return out


def _degraded_notes(report: Mapping[str, Any]) -> list[str]:
    questions = _questions(report)
    notes = []
    if questions and not any(q.get("passages") for q in questions):
        notes.append(
            "This report.json holds no retrieved passages: each failure lists the retrieved "
            "article ids only (reports from a newer article-qa show the passages)."
        )
    if _metrics(report) and not report.get("intervals"):
        notes.append("This report.json holds no confidence intervals for the metrics.")
    return notes


def _warnings(report: Mapping[str, Any], notes: Sequence[str]) -> str:
    warnings = _strings(report.get("warnings"))
    if not warnings and not notes:
        return ""
    items = "".join(f"<li>{_e(w)}</li>" for w in warnings)
    items += "".join(f'<li class="note">{_e(n)}</li>' for n in notes)
    head = "Warnings" if warnings else "Notes"
    return f'<section id="warnings" class="warnings"><h2>{head}</h2><ul>{items}</ul></section>'


def _summary(report: Mapping[str, Any], failures: Sequence[Failure]) -> str:
    m = _metrics(report)
    intervals = _intervals(report)
    n = m.get("n_questions", len(_questions(report)))
    lines = []
    if isinstance(n, int):
        parts = [f"{n} question{'' if n == 1 else 's'}"]
        if m.get("n_answerable") is not None:
            parts.append(
                f"{_e(m['n_answerable'])} answerable, {_e(m.get('n_unanswerable', 0))} unanswerable"
            )
        lines.append(": ".join(parts) + ".")

    def share(name: str, text: str) -> None:
        value = _number(m.get(name))
        if value is None:
            return
        shown = f"<b>{_percent(value)}</b>"
        if name in intervals:
            low, high = intervals[name]
            shown += f" (95% interval {_percent(low)}–{_percent(high)})"
        lines.append(f"{text}: {shown}.")

    share("answer_contains_gold", "The answer contains the gold answer")
    hit = "hit@5" if "hit@5" in m else next((k for k in m if k.startswith("hit@")), None)
    if hit:
        share(hit, f"The evidence article is among the first {hit[4:]} retrieved")
    share("abstention_accuracy", "Unanswerable questions on which it rightly abstained")
    share("undated_answer_contains_gold", "Asked without a date, the answer contains it")
    share(
        "removed_right_rate",
        "With its evidence articles left out, it said not found or found the answer elsewhere",
    )
    share("off_topic_citation_rate", "Citations off the topic (lower is better)")
    if _number(m.get("latency_p50_ms")) is not None:
        lines.append(f"Median time per question: <b>{m['latency_p50_ms']:.0f} ms</b>.")
    if failures:
        kinds = Counter(k for f in failures for k in f.kinds)
        counts = ", ".join(
            f"{FAILURE_KINDS[k][0]}: {kinds[k]}" for k in FAILURE_KINDS if kinds.get(k)
        )
        lines.append(
            f'<b>{len(failures)}</b> questions failed ({_e(counts)}); <a href="#failures">'
            "the list below</a> explains each one, worst first."
        )
    else:
        lines.append("No question failed.")
    causes = Counter(f.cause for f in failures)
    table = ""
    if causes:
        rows = "".join(
            f"<tr><td>{_e(cause)}</td><td class='num'>{count}</td></tr>"
            for cause, count in causes.most_common()
        )
        table = (
            '<table class="causes"><caption>Why questions failed</caption>'
            f"<tr><th>cause</th><th>questions</th></tr>{rows}</table>"
        )
    items = "".join(f"<li>{line}</li>" for line in lines)
    return (
        f'<section id="summary"><h2>Summary</h2><div class="cols"><ul>{items}</ul>{table}'
        f"</div>{_worst_questions(failures)}</section>"
    )


def _worst_questions(failures: Sequence[Failure], n: int = 10) -> str:
    """The first ``n`` failures as a table: question, what went wrong, why (linked)."""
    if not failures:
        return ""
    rows = []
    for i, f in enumerate(failures[:n], 1):
        badges = "".join(
            f"<span class='badge {_e(k)}'>{_e(FAILURE_KINDS[k][0])}</span>" for k in f.kinds
        )
        rows.append(
            f"<tr><td class='num'><a href='#failure-{i}'>#{i}</a></td>"
            f"<td>{_e(_clip(str(f.question.get('question', '')), 110))}</td>"
            f"<td>{_e(_clip(str(f.question.get('gold_answer') or '-'), 40))}</td>"
            f"<td>{badges}</td><td>{_e(f.diagnosis)}</td></tr>"
        )
    return (
        f"<table class='worst-questions'><caption>The {min(n, len(failures))} worst questions"
        "</caption><tr><th>#</th><th>question</th><th>gold answer</th><th>failure</th>"
        "<th>why</th></tr>"
        f"{''.join(rows)}</table>"
    )


def _metrics_section(report: Mapping[str, Any]) -> str:
    m = _metrics(report)
    if not m:
        return '<section id="metrics"><h2>Metrics</h2><p>No metrics in this report.</p></section>'
    intervals = _intervals(report)
    rows = []
    for name in _metric_names(m):
        value = m[name]
        meaning, over_key = _meaning(name)
        over = ""
        if over_key in _COUNTS:
            count_key, label = _COUNTS[over_key]
            if m.get(count_key) is not None:
                over = f"{m[count_key]} {label}"
        interval = ""
        if name in intervals:
            low, high = intervals[name]
            interval = f"{_fmt(name, low)} – {_fmt(name, high)}"
        shown_interval = f"<td class='num'>{_e(interval)}</td>" if intervals else ""
        rows.append(
            f"<tr><td><code>{_e(name)}</code></td><td class='num'>{_e(_fmt(name, value))}</td>"
            f"{shown_interval}<td>{_e(over)}</td><td>{_e(meaning)}</td></tr>"
        )
    modes = m.get("answer_modes")
    if isinstance(modes, Mapping) and modes:
        shown = ", ".join(f"{k} {v}" for k, v in modes.items())
        rows.append(
            f"<tr><td><code>answer_modes</code></td><td colspan='{4 if intervals else 3}'>"
            f"{_e(shown)}</td></tr>"
        )
    if m.get("n_errors"):
        rows.append(
            f"<tr><td><code>n_errors</code></td><td class='num'>{_e(m['n_errors'])}</td>"
            + ("<td></td>" if intervals else "")
            + "<td>questions</td><td>questions that could not be asked</td></tr>"
        )
    table = (
        '<table class="metrics"><tr><th>metric</th><th>value</th>'
        + ("<th>95% interval</th>" if intervals else "")
        + f"<th>over</th><th>meaning</th></tr>{''.join(rows)}</table>"
    )
    image = _image(_plot_metrics, m, intervals, alt="the metrics with their 95% intervals")
    return f'<section id="metrics"><h2>Metrics</h2><div class="cols">{table}{image}</div></section>'


def _latency_section(report: Mapping[str, Any]) -> str:
    series = _latencies(report)
    if not series:
        return ""
    stats = []
    for name, values in series.items():
        ordered = sorted(values)
        stats.append(
            f"<tr><td>{_e(name)}</td><td class='num'>{len(ordered)}</td>"
            f"<td class='num'>{_pct(ordered, 50):.0f}</td>"
            f"<td class='num'>{_pct(ordered, 95):.0f}</td>"
            f"<td class='num'>{ordered[-1]:.0f}</td></tr>"
        )
    table = (
        '<table class="latency"><tr><th>stage</th><th>questions</th><th>p50 ms</th>'
        f"<th>p95 ms</th><th>max ms</th></tr>{''.join(stats)}</table>"
    )
    image = _image(_plot_latency, series, alt="histograms of the time per question and stage")
    return f'<section id="latency"><h2>Latency</h2>{table}{image}</section>'


def _segments_section(report: Mapping[str, Any]) -> str:
    breakdown = report.get("breakdown")
    if not isinstance(breakdown, Mapping) or not any(breakdown.values()):
        return ""
    overall = _metrics(report)
    parts = []
    for kind, members in breakdown.items():
        if not isinstance(members, Mapping) or not members:
            continue
        segments = {str(k): v for k, v in members.items() if isinstance(v, Mapping)}
        names = _segment_metrics(segments)
        head = "".join(f"<th>{_e(n)}</th>" for n in names)
        rows = []
        for label, values in _ordered_segments(str(kind), segments):
            cells = "".join(f"<td class='num'>{_e(_fmt(n, values.get(n)))}</td>" for n in names)
            value = json.dumps(f"{kind}={label}")
            rows.append(
                f"<tr><td><button type='button' class='link' data-show-segment='{_e(value)}'>"
                f"{_e(label)}</button></td><td class='num'>{_e(values.get('n', ''))}</td>"
                f"{cells}</tr>"
            )
        table = (
            f'<table class="segments"><tr><th>{_e(kind)}</th><th>n</th>{head}</tr>'
            f"{''.join(rows)}</table>"
        )
        image = _image(_plot_segments, str(kind), segments, overall, alt=f"the metrics by {kind}")
        parts.append(f'<div class="segment-kind"><h3>By {_e(kind)}</h3>{image}{table}</div>')
    if not parts:
        return ""
    return (
        '<section id="segments"><h2>By segment</h2><p class="hint">n: answerable questions in '
        "the segment. Click a segment to list its failures.</p>" + "".join(parts) + "</section>"
    )


def _worst_segments_section(report: Mapping[str, Any], failures: Sequence[Failure]) -> str:
    given = report.get("worst_segments")
    rows: Sequence[Mapping[str, Any]] = []
    computed = False
    if isinstance(given, Sequence) and not isinstance(given, str) and given:
        rows = [g if isinstance(g, Mapping) else {"segment": g} for g in given]
    else:
        rows = _computed_worst(report)
        computed = True
    if not rows:
        return ""
    first = ["kind", "label", "segment", "metric", "value", "overall", "n"]
    keys = [k for k in first if any(k in r for r in rows)]
    keys += [k for r in rows for k in r if k not in keys]
    keys = list(dict.fromkeys(keys))
    fails = Counter(seg for f in failures for seg in f.segments)
    head = "".join(f"<th>{_e(k)}</th>" for k in keys) + "<th>failures</th>"
    body = []
    for r in rows:
        cells = "".join(f"<td>{_e(_cell(r.get(k)))}</td>" for k in keys)
        seg = (str(r.get("kind")), str(r.get("label")))
        button = ""
        if "kind" in r and "label" in r:
            value = json.dumps(f"{seg[0]}={seg[1]}")
            button = (
                f"<button type='button' class='link' data-show-segment='{_e(value)}'>"
                f"show {fails.get(seg, 0)}</button>"
            )
        body.append(f"<tr>{cells}<td>{button}</td></tr>")
    note = (
        "<p class='hint'>Segments (with at least 3 answerable questions) whose answers contain "
        "the gold answer least often; computed here, since report.json lists none.</p>"
        if computed
        else ""
    )
    return (
        f'<section id="worst-segments"><h2>Worst segments</h2>{note}'
        f"<table class='worst'><tr>{head}</tr>{''.join(body)}</table></section>"
    )


def _computed_worst(report: Mapping[str, Any], n_min: int = 3) -> list[dict[str, Any]]:
    breakdown = report.get("breakdown")
    if not isinstance(breakdown, Mapping):
        return []
    metric = "answer_contains_gold"
    overall = _number(_metrics(report).get(metric))
    rows = []
    for kind, members in breakdown.items():
        if not isinstance(members, Mapping):
            continue
        for label, values in members.items():
            if not isinstance(values, Mapping):
                continue
            value = _number(values.get(metric))
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


def _failures_section(report: Mapping[str, Any], failures: Sequence[Failure]) -> str:
    if not failures:
        return '<section id="failures"><h2>Failures</h2><p>No question failed.</p></section>'
    depth = _depth(report)
    kinds = Counter(k for f in failures for k in f.kinds)
    kind_options = "".join(
        f"<option value='{_e(k)}'>{_e(FAILURE_KINDS[k][0])} ({kinds[k]})</option>"
        for k in FAILURE_KINDS
        if kinds.get(k)
    )
    segs = Counter(seg for f in failures for seg in f.segments)
    seg_options = "".join(
        f"<option value='{_e(kind)}={_e(label)}'>{_e(kind)}: {_e(label)} ({count})</option>"
        for (kind, label), count in sorted(segs.items(), key=_segment_order)
    )
    legend = "".join(
        f"<li><span class='badge {_e(k)}'>{_e(label)}</span> {_e(meaning)}</li>"
        for k, (label, meaning) in FAILURE_KINDS.items()
        if kinds.get(k)
    )
    cards = "".join(_failure_card(i, f, depth) for i, f in enumerate(failures, 1))
    return (
        '<section id="failures"><h2>Failures, worst first</h2>'
        f"<ul class='legend'>{legend}</ul>"
        '<div class="filters" role="search">'
        '<label>kind <select id="filter-kind"><option value="">all kinds</option>'
        f"{kind_options}</select></label>"
        '<label>segment <select id="filter-segment"><option value="">all segments</option>'
        f"{seg_options}</select></label>"
        '<label>search <input id="filter-text" type="search" '
        'placeholder="words in the question, answer, passages..."></label>'
        f'<span id="filter-count" aria-live="polite">{len(failures)} of {len(failures)} '
        "failures shown</span></div>"
        f'<div id="failure-list">{cards}</div></section>'
    )


def _failure_card(number: int, f: Failure, depth: int) -> str:
    q = f.question
    badges = "".join(
        f"<span class='badge {_e(k)}'>{_e(FAILURE_KINDS[k][0])}</span>" for k in f.kinds
    )
    segments = json.dumps([f"{kind}={label}" for kind, label in f.segments], ensure_ascii=False)
    meta = " · ".join(
        _e(x)
        for x in (
            q.get("id"),
            q.get("source"),
            q.get("question_date"),
            ", ".join(_strings(q.get("tags"))) or None,
        )
        if x
    )
    summary = (
        f"<summary><span class='num'>#{number}</span> {badges} "
        f"<span class='diagnosis'>{_e(f.diagnosis)}</span>"
        f"<div class='q'>{_e(q.get('question', ''))}</div>"
        f"<div class='meta'>{meta}</div></summary>"
    )
    open_attr = " open" if number <= 10 else ""
    return (
        f"<details class='failure' id='failure-{number}' data-question='{_e(q.get('id', ''))}' "
        f"data-kinds='{_e(' '.join(f.kinds))}' "
        f"data-segments='{_e(segments)}'{open_attr}>{summary}<div class='body'>"
        f"{_failure_facts(q)}{_checks_table(q)}{_passages(q, depth)}</div></details>"
    )


def _failure_facts(q: Mapping[str, Any]) -> str:
    rows: list[tuple[str, str]] = []
    if q.get("searched") and q.get("searched") != q.get("question"):
        rows.append(("searched", _e(q["searched"])))
    golds = _golds(q)
    gold = _e(q.get("gold_answer", "")) if q.get("answerable", True) is not False else ""
    if q.get("answerable") is False:
        gold = "<i>none: no article answers this question (the assistant should abstain)</i>"
    accepted = [a for a in golds if a != q.get("gold_answer")]
    if accepted:
        gold += " <span class='hint'>(also accepted: " + ", ".join(_e(a) for a in accepted)
        gold += ")</span>"
    rows.append(("gold answer", gold))
    choices = _strings(q.get("choices"))
    if choices:
        picked = q.get("choice_picked")
        shown = []
        for i, choice in enumerate(choices):
            mark = " ← picked" if picked in (i, choice) else ""
            shown.append(f"{_e(choice)}{_e(mark)}")
        rows.append(("choices", "<br>".join(shown)))
    answer = _e(q.get("answer", "")) or "<i>(empty)</i>"
    if q.get("abstained"):
        answer = f"<i>abstained:</i> {answer}"
    mode = q.get("mode")
    if mode and mode != "extractive":
        answer += f" <span class='hint'>({_e(mode)})</span>"
    rows.append(("answer", f"<div class='answer'>{answer}</div>"))
    evidence = _strings(q.get("evidence_ids"))
    if evidence:
        rows.append(("evidence", ", ".join(f"<code>{_e(e)}</code>" for e in evidence)))
    scores = []
    for key, label in (
        ("rank", "evidence rank"),
        ("contains_gold", "contains gold"),
        ("exact_match", "exact match"),
        ("f1", "F1"),
        ("choice_correct", "right choice"),
        ("cites_evidence", "cites evidence"),
        ("citation_recall", "citation recall"),
        ("citation_precision", "citation precision"),
        ("citations_valid", "citations valid"),
        ("latency_ms", "latency ms"),
        ("tokens_in", "tokens in"),
        ("tokens_out", "tokens out"),
    ):
        if key in q:
            value = q[key]
            if key == "rank" and value is None and evidence:
                value = "not retrieved"
            if value is None:
                continue
            if isinstance(value, float):
                value = f"{value:.0f}" if key == "latency_ms" else f"{value:.2f}"
            scores.append(f"{_e(label)} <b>{_e(value)}</b>")
    if scores:
        rows.append(("scores", " · ".join(scores)))
    if q.get("error"):
        rows.append(("error", _e(q["error"])))
    body = "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table class='facts'>{body}</table>"


def _checks_table(q: Mapping[str, Any]) -> str:
    checks = [c for c in q.get("checks") or () if isinstance(c, Mapping)]
    if not checks:
        return ""
    rows = []
    for i, c in enumerate(checks, 1):
        verdict = str(c.get("verdict", ""))
        cited = ", ".join(f"[{n}]" for n in _strings(c.get("cited")))
        scores = " ".join(
            f"{k} {c[k]:.2f}" for k in ("overlap", "similarity") if isinstance(c.get(k), float)
        )
        rows.append(
            f"<tr><td class='num'>{i}</td><td>{_e(c.get('sentence', c.get('text', '')))}</td>"
            f"<td>{_e(cited)}</td><td><span class='verdict {_e(verdict)}'>{_e(verdict)}</span>"
            f"</td><td>{_e(c.get('reason', ''))} <span class='hint'>{_e(scores)}</span></td></tr>"
        )
    return (
        "<table class='checks'><caption>The check of each sentence of the answer</caption>"
        "<tr><th>#</th><th>sentence</th><th>cites</th><th>verdict</th><th>why</th></tr>"
        f"{''.join(rows)}</table>"
    )


def _passages(q: Mapping[str, Any], depth: int) -> str:
    evidence = set(_strings(q.get("evidence_ids")))
    cited = set(_strings(q.get("cited_ids")))
    passages = [p for p in q.get("passages") or () if isinstance(p, Mapping)]
    if passages:
        shown = [
            (i, p)
            for i, p in enumerate(passages, 1)
            if i <= _PASSAGES_SHOWN or p.get("is_evidence") or p.get("article_id") in evidence
        ]
        golds = _golds(q) if q.get("answerable", True) is not False else []
        items = []
        for i, p in shown:
            article = str(p.get("article_id", ""))
            is_evidence = bool(p.get("is_evidence")) or article in evidence
            marks = ""
            if is_evidence:
                marks += "<span class='badge evidence'>gold evidence</span>"
                if p.get("quote_found") is False:
                    marks += "<span class='badge warn'>gold quote not in this passage</span>"
            if article in cited:
                marks += "<span class='badge cited'>cited</span>"
            where = " · ".join(
                _e(x) for x in (p.get("source"), p.get("published_at"), article) if x
            )
            items.append(
                f"<li class='passage{' is-evidence' if is_evidence else ''}' value='{i}'>"
                f"<div class='ptitle'>{marks} <b>{_e(p.get('title', '') or article)}</b> "
                f"<span class='hint'>{where}</span></div>"
                f"<div class='ptext'>{_excerpt(str(p.get('text') or ''), golds)}</div></li>"
            )
        more = len(passages) - len(shown)
        tail = f"<p class='hint'>and {more} more passages</p>" if more > 0 else ""
        return (
            "<div class='passages'><h4>Retrieved passages, best first (gold answer "
            f"<mark>marked</mark>)</h4><ol>{''.join(items)}</ol>{tail}</div>"
        )
    retrieved = _strings(q.get("retrieved_ids"))
    if not retrieved and not evidence:
        return ""
    items = []
    for i, article in enumerate(retrieved[:depth], 1):
        marks = ""
        if article in evidence:
            marks += "<span class='badge evidence'>gold evidence</span>"
        if article in cited:
            marks += "<span class='badge cited'>cited</span>"
        items.append(f"<li value='{i}'>{marks} <code>{_e(article)}</code></li>")
    missing = [e for e in _strings(q.get("evidence_ids")) if e not in retrieved[:depth]]
    tail = ""
    if missing:
        tail = (
            f"<p>Gold evidence not in the top {depth}: "
            + ", ".join(f"<code>{_e(e)}</code>" for e in missing)
            + "</p>"
        )
    beyond = [c for c in _strings(q.get("cited_ids")) if c not in retrieved[:depth]]
    if beyond:
        tail += (
            f"<p>Cited, below the top {depth}: "
            + ", ".join(f"<code>{_e(c)}</code>" for c in beyond)
            + "</p>"
        )
    return (
        "<div class='passages'><h4>Retrieved articles, best first</h4>"
        f"<ol class='ids'>{''.join(items)}</ol>{tail}</div>"
    )


def _excerpt(text: str, golds: Sequence[str]) -> str:
    """Up to ``_EXCERPT`` characters of ``text`` around the first gold answer, escaped, with
    every gold answer in it marked."""
    spans = []
    for gold in golds:
        if gold.strip():
            spans += [m.span() for m in re.finditer(re.escape(gold.strip()), text, re.I)]
    spans.sort()
    start = 0
    if len(text) > _EXCERPT and spans:
        start = max(0, min(spans[0][0] - _EXCERPT // 3, len(text) - _EXCERPT))
    end = min(len(text), start + _EXCERPT)
    out = ["…" if start else ""]
    pos = start
    for s, e in spans:
        if s < pos or e > end:
            continue
        out.append(_e(text[pos:s]) + f"<mark>{_e(text[s:e])}</mark>")
        pos = e
    out.append(_e(text[pos:end]) + ("…" if end < len(text) else ""))
    return "".join(out)


# --- plots ----------------------------------------------------------------------------------


def _image(plot: Any, *args: Any, alt: str) -> str:
    """``plot(*args)`` (a matplotlib ``Figure`` or None) as an inline PNG ``<img>``."""
    try:
        import matplotlib
    except ImportError:
        return "<p class='hint'>(plots need matplotlib: pip install matplotlib)</p>"
    with matplotlib.rc_context(cast(Any, _RC)):
        figure = plot(*args)
        if figure is None:
            return ""
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img class="plot" alt="{_e(alt)}" src="data:image/png;base64,{data}">'


_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "text.parse_math": False,  # a "$" in a source name is text, not mathtext
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _plot_metrics(metrics: Mapping[str, Any], intervals: Mapping[str, tuple[float, float]]) -> Any:
    from matplotlib.figure import Figure

    names = [
        n
        for n in _metric_names(metrics)
        if not n.endswith("_ms") and (v := _number(metrics[n])) is not None and 0 <= v <= 1
    ]
    if not names:
        return None
    values = [float(metrics[n]) for n in names]
    figure = Figure(figsize=(5.2, 0.32 * len(names) + 0.8))
    ax = figure.subplots()
    ys = list(range(len(names)))[::-1]
    colors = ["#c0504d" if n in _LOWER_IS_BETTER else "#4f81bd" for n in names]
    ax.barh(ys, values, color=colors, height=0.6)
    for y, name, value in zip(ys, names, values, strict=True):
        if name in intervals:
            low, high = intervals[name]
            ax.errorbar(
                value,
                y,
                xerr=[[max(0.0, value - low)], [max(0.0, high - value)]],
                fmt="none",
                ecolor="#222",
                capsize=3,
                lw=1,
            )
        ax.text(1.02, y, f"{value:.3f}", va="center", fontsize=8)
    ax.set_yticks(ys, [_clip(n, 28) for n in names])
    ax.set_xlim(0, 1)
    notes = ["95% intervals as error bars"] if any(n in intervals for n in names) else []
    if any(n in _LOWER_IS_BETTER for n in names):
        notes.append("red: lower is better")
    ax.set_xlabel("share of questions" + (f" ({'; '.join(notes)})" if notes else ""))
    ax.grid(axis="x", alpha=0.3)
    return figure


def _plot_latency(series: Mapping[str, Sequence[float]]) -> Any:
    from matplotlib.figure import Figure

    names = list(series)
    columns = min(3, len(names))
    rows = math.ceil(len(names) / columns)
    figure = Figure(figsize=(3.4 * columns, 2.4 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names, strict=False):
        values = sorted(series[name])
        ax.hist(values, bins=min(30, max(5, len(values) // 3)), color="#4f81bd")
        for q, style in ((50, "-"), (95, "--")):
            ax.axvline(_pct(values, q), color="#c0504d", ls=style, lw=1, label=f"p{q}")
        ax.set_title(name)
        ax.set_xlabel("ms")
        ax.set_ylabel("questions")
        ax.legend(fontsize=7, frameon=False)
    return figure


def _plot_segments(
    kind: str, segments: Mapping[str, Mapping[str, Any]], overall: Mapping[str, Any]
) -> Any:
    from matplotlib.figure import Figure

    present = set(_segment_metrics(segments))
    names = [n for n in _SEGMENT_PLOTTED if n in present][:2]
    ordered = _ordered_segments(kind, segments)[:25]
    if not names or not ordered:
        return None
    figure = Figure(figsize=(5.0, 0.3 * len(ordered) * len(names) + 1.0))
    ax = figure.subplots()
    height = 0.8 / len(names)
    colors = ["#4f81bd", "#9bbb59"]
    labels = [f"{_clip(label, 30)} (n={values.get('n', '?')})" for label, values in ordered]
    count = len(ordered)
    for j, name in enumerate(names):
        ys = [
            count - 1 - i + (len(names) - 1 - j - (len(names) - 1) / 2) * height
            for i in range(count)
        ]
        values = [_number(v.get(name)) or 0.0 for _, v in ordered]
        ax.barh(ys, values, height=height * 0.9, color=colors[j], label=name)
        for y, (_, seg) in zip(ys, ordered, strict=True):
            interval = (
                _pair((seg.get("intervals") or {}).get(name))
                if isinstance(seg.get("intervals"), Mapping)
                else None
            )
            value = _number(seg.get(name))
            if interval and value is not None:
                ax.errorbar(
                    value,
                    y,
                    xerr=[[max(0.0, value - interval[0])], [max(0.0, interval[1] - value)]],
                    fmt="none",
                    ecolor="#222",
                    capsize=2,
                    lw=0.8,
                )
        total = _number(overall.get(name))
        if total is not None:
            ax.axvline(total, color=colors[j], ls="--", lw=1)
    ax.set_yticks(range(count)[::-1], labels)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of answerable questions (dashed: all questions)")
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return figure


_SEGMENT_PLOTTED = ("answer_contains_gold", "hit@5", "hit@10", "hit@1", "f1", "exact_match")


# --- reading the report ---------------------------------------------------------------------


def _config(report: Mapping[str, Any]) -> Mapping[str, Any]:
    config = report.get("config")
    return config if isinstance(config, Mapping) else {}


def _metrics(report: Mapping[str, Any]) -> Mapping[str, Any]:
    metrics = report.get("metrics")
    return metrics if isinstance(metrics, Mapping) else {}


def _questions(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    questions = report.get("questions")
    if not isinstance(questions, Sequence):
        return []
    return [q for q in questions if isinstance(q, Mapping)]


def _intervals(report: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    given = report.get("intervals")
    if not isinstance(given, Mapping):
        return {}
    out = {}
    for name, value in given.items():
        pair = _pair(value)
        if pair is not None:
            out[str(name)] = pair
    return out


def _pair(value: Any) -> tuple[float, float] | None:
    if isinstance(value, Mapping):
        value = [value.get("low"), value.get("high")]
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        low, high = _number(value[0]), _number(value[1])
        if low is not None and high is not None:
            return (low, high)
    return None


def _depth(report: Mapping[str, Any]) -> int:
    depth = _config(report).get("depth")
    if isinstance(depth, int) and depth > 0:
        return depth
    lengths = [len(_strings(q.get("retrieved_ids"))) for q in _questions(report)]
    return max([*lengths, 10]) if lengths else 10


def _latencies(report: Mapping[str, Any]) -> dict[str, list[float]]:
    """Milliseconds per question: "total" and each stage of ``timings``."""
    series: dict[str, list[float]] = {}
    for q in _questions(report):
        given = q.get("timings")
        timings: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        total = _number(q.get("latency_ms"))
        if total is None:
            total = _number(timings.get("total_ms"))
        if total is not None:
            series.setdefault("total", []).append(total)
        for key, value in timings.items():
            number = _number(value)
            if key == "total_ms" or number is None:
                continue
            series.setdefault(str(key).removesuffix("_ms"), []).append(number)
    return series


def _metric_names(metrics: Mapping[str, Any]) -> list[str]:
    """The numeric metrics worth a row, in a fixed order (hits by k, then ``_METRICS``,
    then any other), without the counts."""
    numeric = [
        k
        for k, v in metrics.items()
        if _number(v) is not None and not k.startswith("n_") and not isinstance(v, bool)
    ]
    hits = sorted((k for k in numeric if re.fullmatch(r"hit@\d+", k)), key=lambda k: int(k[4:]))
    known = [k for k in _METRICS if k in numeric]
    rest = [k for k in numeric if k not in hits and k not in known]
    return [*hits, *known, *rest]


def _meaning(name: str) -> tuple[str, str]:
    if re.fullmatch(r"hit@\d+", name):
        return (f"an evidence article is among the first {name[4:]} retrieved", "evidence")
    if name in _METRICS:
        return _METRICS[name]
    return ("", "")


def _segment_metrics(segments: Mapping[str, Mapping[str, Any]]) -> list[str]:
    names: list[str] = []
    for values in segments.values():
        for key, value in values.items():
            if key in ("n", "intervals") or key.startswith("n_") or key in names:
                continue
            if _number(value) is not None or value is None:
                names.append(key)
    return _metric_names(dict.fromkeys(names, 0.0))


def _ordered_segments(
    kind: str, segments: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, Mapping[str, Any]]]:
    items = list(segments.items())
    if kind == "year":
        return sorted(items)
    return sorted(items, key=lambda item: (-(_number(item[1].get("n")) or 0), item[0]))


def _segment_order(item: tuple[tuple[str, str], int]) -> tuple[int, str, int, str]:
    (kind, label), count = item
    rank = {"source": 0, "year": 1, "tag": 2}.get(kind, 3)
    return (rank, kind, -count if kind != "year" else 0, label)


# --- small helpers --------------------------------------------------------------------------


def _e(value: Any) -> str:
    """``value`` as text, escaped for HTML text and attribute values."""
    return html.escape("" if value is None else str(value), quote=True)


def _strings(value: Any) -> list[str]:
    """``value`` as a list of strings: a string is one, a list is its items, else none."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        return []
    return [str(v) for v in value if v is not None]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return None if math.isnan(value) else float(value)


def _fmt(name: str, value: Any) -> str:
    number = _number(value)
    if number is None:
        return "-" if value is None else str(value)
    if name.endswith("_ms"):
        return f"{number:.0f}"
    if isinstance(value, int):
        return str(value)
    return f"{number:.3f}"


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    return "" if value is None else str(value)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _pct(ordered: Sequence[float], q: float) -> float:
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


_CSS = """
:root { --fg:#1d2330; --muted:#5b6475; --line:#d8dde6; --bg:#f6f7f9; --accent:#2f5d9b; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 "DejaVu Sans", system-ui, sans-serif; color:var(--fg);
       background:var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 16px 24px 64px; }
h1 { font-size: 22px; margin: 8px 0 12px; }
h2 { font-size: 18px; margin: 12px 0 10px; border-bottom: 2px solid var(--line);
     padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
h4 { font-size: 13px; margin: 10px 0 4px; color: var(--muted); }
section, header { background: #fff; border: 1px solid var(--line); border-radius: 6px;
                  padding: 4px 16px 14px; margin-top: 14px; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { text-align: left; vertical-align: top; padding: 3px 10px 3px 0; }
tr + tr td, tr + tr th { border-top: 1px solid #eef0f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.facts th { color: var(--muted); font-weight: normal; white-space: nowrap; }
.metrics td:last-child { color: var(--muted); }
.worst-questions { margin-top: 14px; font-size: 13px; }
.worst-questions td:nth-child(2) { width: 34%; }
.worst-questions td:nth-child(4) { white-space: nowrap; }
caption { text-align: left; font-weight: bold; padding-bottom: 4px; }
.cols { display: flex; gap: 28px; flex-wrap: wrap; align-items: flex-start; }
.cols > ul { flex: 1 1 420px; margin: 6px 0; padding-left: 18px; }
img.plot { max-width: 100%; height: auto; }
.hint { color: var(--muted); font-size: 12px; }
.warnings { background: #fff8e5; border-color: #f0d48a; }
.warnings .note { color: var(--muted); }
pre { white-space: pre-wrap; font-size: 12px; }
ol.ids { columns: 4 190px; }
code { font-size: 12px; }
.segment-kind { display: inline-block; vertical-align: top; margin-right: 28px; }
.filters { position: sticky; top: 0; z-index: 2; background: #fff; padding: 8px 0;
           display: flex; gap: 16px; flex-wrap: wrap; align-items: center;
           border-bottom: 1px solid var(--line); }
.filters input { width: 300px; }
#filter-count { color: var(--muted); }
.legend { margin: 4px 0 8px; padding-left: 0; list-style: none; font-size: 12px;
          color: var(--muted); }
.legend li { margin: 2px 0; }
.failure { border: 1px solid var(--line); border-left: 4px solid #c0504d; border-radius: 4px;
           margin: 10px 0; padding: 6px 10px; background: #fff; }
.failure > summary { cursor: pointer; }
.failure .diagnosis { font-weight: bold; }
.failure .q { margin: 4px 0 0 18px; font-size: 15px; }
.failure .meta { margin-left: 18px; color: var(--muted); font-size: 12px; }
.failure .body { margin: 8px 0 0 18px; }
.answer { white-space: pre-wrap; }
.badge { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 8px;
         margin-right: 4px; background: #e6e9ef; color: #333; font-weight: normal; }
.badge.wrong-answer, .badge.missed-abstention, .badge.error { background: #f6d5d4; color: #8a1f1b; }
.badge.false-abstention { background: #f9e2c8; color: #7a4100; }
.badge.retrieval-miss { background: #e3dcf3; color: #4b2a8a; }
.badge.unsupported-citation { background: #fbeeb8; color: #6b5200; }
.badge.evidence { background: #d6efd8; color: #1e6b2b; }
.badge.cited { background: #dce8f7; color: #1f4f8a; }
.badge.warn { background: #fbeeb8; color: #6b5200; }
.passages ol { padding-left: 26px; margin: 4px 0; }
.passage { margin: 4px 0 8px; }
.passage.is-evidence { background: #f1faf2; outline: 1px solid #bfe3c4; padding: 2px 6px; }
.ptext { font-size: 12.5px; color: #333; }
mark { background: #ffe58a; padding: 0 1px; }
.verdict { font-weight: bold; }
.verdict.supported { color: #1e6b2b; }
.verdict.unsupported, .verdict.uncited { color: #8a1f1b; }
button.link { background: none; border: none; padding: 0; color: var(--accent);
              text-decoration: underline; cursor: pointer; font: inherit; }
[hidden] { display: none !important; }
"""

# The filter: data-kinds (space-separated) and data-segments (a JSON list) on each failure.
_JS = """
(function () {
  var kind = document.getElementById("filter-kind");
  var segment = document.getElementById("filter-segment");
  var text = document.getElementById("filter-text");
  var count = document.getElementById("filter-count");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".failure"));
  if (!kind) { return; }
  function apply() {
    var k = kind.value, s = segment.value, t = text.value.trim().toLowerCase();
    var shown = 0;
    cards.forEach(function (card) {
      var kinds = card.getAttribute("data-kinds").split(" ");
      var segments = JSON.parse(card.getAttribute("data-segments") || "[]");
      var ok = (!k || kinds.indexOf(k) >= 0) && (!s || segments.indexOf(s) >= 0) &&
               (!t || card.textContent.toLowerCase().indexOf(t) >= 0);
      card.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + cards.length + " failures shown";
  }
  kind.addEventListener("change", apply);
  segment.addEventListener("change", apply);
  text.addEventListener("input", apply);
  Array.prototype.forEach.call(document.querySelectorAll("[data-show-segment]"), function (b) {
    b.addEventListener("click", function () {
      var value = JSON.parse(b.getAttribute("data-show-segment"));
      var known = Array.prototype.some.call(segment.options, function (o) {
        return o.value === value;
      });
      if (!known) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = value + " (0)";
        segment.appendChild(option);
      }
      segment.value = value;
      kind.value = "";
      text.value = "";
      apply();
      document.getElementById("failures").scrollIntoView();
    });
  });
  apply();
})();
"""
