"""What ``report.html`` shows of one failed question: its card, worked out from the
question's record in ``report.json`` and its :class:`~eval.analysis.Failure`, and drawn by
the template ``failure.html.j2`` (the page around it is :mod:`eval.html`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from eval.analysis import Failure, gold_answers
from eval.fields import records, strings

__all__ = ["failure_card"]

_PASSAGES_SHOWN = 10
_EXCERPT = 700  # characters of a passage shown
_OPENED = 10  # the first failures are shown opened


def failure_card(number: int, f: Failure, depth: int) -> dict[str, Any]:
    """What the card of the ``number``-th failure shows (failure.html.j2 draws it): its
    kinds, diagnosis and segments, the facts of the question, the check of each sentence of
    the answer, and the retrieved passages (or, in an older report, the article ids)."""
    q = f.question
    meta = (q.get("id"), q.get("source"), q.get("question_date"))
    passages = _passages(q)
    return {
        "number": number,
        "id": q.get("id", ""),
        "kinds": f.kinds,
        "segments": json.dumps([f"{k}={label}" for k, label in f.segments], ensure_ascii=False),
        "opened": number <= _OPENED,
        "diagnosis": f.diagnosis,
        "question": q.get("question", ""),
        "meta": " · ".join(str(x) for x in (*meta, ", ".join(strings(q.get("tags")))) if x),
        "facts": _facts(q),
        "checks": _checks(q),
        "passages": passages,
        "articles": _articles(q, depth) if passages is None else None,
    }


def _facts(q: Mapping[str, Any]) -> dict[str, Any]:
    """What was asked and answered, the gold answers, and the question's scores."""
    scores = []
    evidence = strings(q.get("evidence_ids"))
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
            scores.append((label, str(value)))
    searched = q.get("searched")
    picked = q.get("choice_picked")
    answer = q.get("answer", "")
    mode = q.get("mode")
    return {
        "searched": searched if searched and searched != q.get("question") else None,
        "unanswerable": q.get("answerable") is False,
        "gold": q.get("gold_answer", ""),
        "accepted": [a for a in gold_answers(q) if a != q.get("gold_answer")],
        "choices": [(c, picked in (i, c)) for i, c in enumerate(strings(q.get("choices")))],
        "answer": "" if answer is None else str(answer),
        "abstained": bool(q.get("abstained")),
        "mode": mode if mode and mode != "extractive" else None,
        "evidence": evidence,
        "scores": scores,
        "error": q.get("error") or None,
    }


def _checks(q: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The verdict of the check of each sentence of the answer."""
    checks = records(q.get("checks"))
    return [
        {
            "number": i,
            "sentence": c.get("sentence", c.get("text", "")),
            "cited": ", ".join(f"[{n}]" for n in strings(c.get("cited"))),
            "verdict": str(c.get("verdict", "")),
            "reason": c.get("reason", ""),
            "scores": " ".join(
                f"{k} {c[k]:.2f}" for k in ("overlap", "similarity") if isinstance(c.get(k), float)
            ),
        }
        for i, c in enumerate(checks, 1)
    ]


def _passages(q: Mapping[str, Any]) -> dict[str, Any] | None:
    """The retrieved passages shown (the first ones and every evidence passage), each marked
    (gold evidence, cited) with an excerpt around the gold answer; None without passages."""
    passages = records(q.get("passages"))
    if not passages:
        return None
    evidence = set(strings(q.get("evidence_ids")))
    cited = set(strings(q.get("cited_ids")))
    shown = [
        (i, p)
        for i, p in enumerate(passages, 1)
        if i <= _PASSAGES_SHOWN or p.get("is_evidence") or p.get("article_id") in evidence
    ]
    golds = gold_answers(q) if q.get("answerable", True) is not False else []
    items = []
    for i, p in shown:
        article = str(p.get("article_id", ""))
        is_evidence = bool(p.get("is_evidence")) or article in evidence
        where = (p.get("source"), p.get("published_at"), article)
        items.append(
            {
                "number": i,
                "is_evidence": is_evidence,
                "quote_missing": is_evidence and p.get("quote_found") is False,
                "cited": article in cited,
                "title": p.get("title", "") or article,
                "where": " · ".join(str(x) for x in where if x),
                "excerpt": _excerpt(str(p.get("text") or ""), golds),
            }
        )
    return {"shown": items, "more": len(passages) - len(shown)}


def _articles(q: Mapping[str, Any], depth: int) -> dict[str, Any] | None:
    """For a record without passages: the retrieved article ids (evidence and cited ones
    marked), the evidence not retrieved and the cited articles below the top ``depth``."""
    evidence = strings(q.get("evidence_ids"))
    cited = strings(q.get("cited_ids"))
    retrieved = strings(q.get("retrieved_ids"))
    if not retrieved and not evidence:
        return None
    top = retrieved[:depth]
    return {
        "ranked": [(i, a, a in evidence, a in cited) for i, a in enumerate(top, 1)],
        "missing": [e for e in evidence if e not in top],
        "beyond": [c for c in cited if c not in top],
        "depth": depth,
    }


def _excerpt(text: str, golds: Sequence[str]) -> list[tuple[str, bool]]:
    """Up to ``_EXCERPT`` characters of ``text`` around the first gold answer, as pieces
    (text, whether it is a gold answer to mark)."""
    spans = []
    for gold in golds:
        if gold.strip():
            spans += [m.span() for m in re.finditer(re.escape(gold.strip()), text, re.I)]
    spans.sort()
    start = 0
    if len(text) > _EXCERPT and spans:
        start = max(0, min(spans[0][0] - _EXCERPT // 3, len(text) - _EXCERPT))
    end = min(len(text), start + _EXCERPT)
    out = [("…" if start else "", False)]
    pos = start
    for s, e in spans:
        if s < pos or e > end:
            continue
        out += [(text[pos:s], False), (text[s:e], True)]
        pos = e
    out.append((text[pos:end] + ("…" if end < len(text) else ""), False))
    return out
