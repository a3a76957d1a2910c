"""How one answer is scored against its gold question: exact match and F1 on the short
answer, containment, multiple choice, retrieval ranks, the citation check (recall and
precision, ALCE-style), and the trust check's rates (off-topic citations, evidence removed).
``eval.run`` asks the questions and calls these; ``eval.report`` aggregates them."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence

from eval.choices import pick_for_answer, words
from eval.gold import GoldQuestion
from eval.metrics import (
    contains_answer,
    distinct,
    exact_match,
    first_rank,
    hit_at_k,
    item_ranks,
    quote_in,
    rank_scores,
    reciprocal_rank,
    strip_marks,
    token_f1,
)
from eval.result import MRR_K, QuestionResult
from index.embed import Embedder
from qa.retrieve import Passage
from qa.types import Answer, Citation
from qa.verify import CitationChecker, SentenceCheck, split_cited

PASSAGES_RECORDED = 10  # retrieved passages kept in each question's record


def prediction(answer: Answer) -> str:
    """What exact match and F1 compare: the short answer, else the text without [n] marks;
    "" for an abstention."""
    return "" if answer.abstained else (answer.short_answer or strip_marks(answer.text))


def off_topic(
    citations: Sequence[Citation], evidence: Collection[str], answers: Sequence[str]
) -> list[bool]:
    """Per citation of an answer: cited from an article that is not gold ``evidence`` (nor a
    copy of one) and whose passage contains none of the gold ``answers`` (padding, or a
    wrong story)."""
    return [
        not (set(evidence) & {c.article_id, *c.copies})
        and not any(contains_answer(c.passage, a) for a in answers)
        for c in citations
    ]


def trust_scores(prefix: str, item: GoldQuestion, answer: Answer | None) -> dict[str, float]:
    """The scores of one way of asking ``item`` (``prefix``: "" as of the question date,
    ``undated_`` without a date, ``removed_`` and ``undated_removed_`` with the evidence
    articles left out), named for ``QuestionResult.scores``.

    With the evidence in: the off-topic citation rate (answerable questions with evidence
    that were answered), and for the undated pass the usual answer metrics. With the
    evidence removed: ``right`` (abstained, or the answer still contains a gold answer,
    found in another article) and ``abstained``.
    """
    out: dict[str, float] = {}
    if answer is None:  # could not be asked that way: no score
        return out
    abstained = answer.abstained
    contains = not abstained and any(contains_answer(answer.text, a) for a in item.answers)
    scored = item.answerable and bool(item.evidence_ids)
    if prefix.endswith("removed_"):
        out[f"{prefix}right_rate"] = float(abstained or contains)
        out[f"{prefix}abstained"] = float(abstained)
        return out
    if scored and not abstained and answer.citations:
        flags = off_topic(answer.citations, item.evidence_ids, item.answers)
        out[f"{prefix}off_topic_citation_rate"] = sum(flags) / len(flags)
    if not prefix:
        return out
    if item.answerable:
        out[f"{prefix}answer_contains_gold"] = float(contains)
        out[f"{prefix}exact_match"] = exact_match(prediction(answer), item.answers)
        out[f"{prefix}false_abstention_rate"] = float(abstained)
    else:
        out[f"{prefix}abstention_recall"] = float(abstained)
    return out


def score_answer(
    base: QuestionResult,
    item: GoldQuestion,
    answer: Answer,
    depth: int,
    hit_ks: Sequence[int],
    checker: TwoPassChecker | None,
    embedder: Embedder | None = None,
) -> QuestionResult:
    """``base`` (the question's record) filled in with how ``answer`` scores (``embedder``:
    for the multiple-choice similarity tiebreak)."""
    evidence = set(item.evidence_ids)
    scored = item.answerable and bool(evidence)
    text, abstained = answer.text, answer.abstained
    cited = tuple(distinct(c.article_id for c in answer.citations))
    # A passage stands for its article and the copies folded into it (syndication).
    articles = [
        next((a for a in (p.article_id, *p.copies) if a in evidence), p.article_id)
        for p in answer.passages
    ]
    retrieved = tuple(distinct(articles)[:depth])
    quote_ranks = [
        next((i for i, p in enumerate(answer.passages, 1) if quote_in(q, p.text)), None)
        for q in item.quotes
    ]
    predicted = prediction(answer)
    answers = item.answers
    pick = pick_for_answer(item.choices, answer, embedder) if item.choices else None
    choice_correct = None
    if pick is not None and answers:
        accepted = {" ".join(words(a)) for a in answers}
        choice_correct = " ".join(words(pick.choice)) in accepted
    checks: list[SentenceCheck] = []
    recall = precision = None
    valid = None
    if not abstained:
        valid = citations_valid(answer)
        if checker is not None:
            checks, recall, precision = citation_scores(checker, answer)
    usage = getattr(answer, "usage", None) or {}
    recorded = []
    for p in answer.passages[:PASSAGES_RECORDED]:
        recorded.append(
            {
                "article_id": p.article_id,
                "title": p.title,
                "source": p.source,
                "published_at": p.published_at,
                "score": round(p.score, 4),
                "text": p.text,
                "copies": list(p.copies),
                "is_evidence": bool(evidence & {p.article_id, *p.copies}),
                "quote_found": any(quote_in(q, p.text) for q in item.quotes),
            }
        )
    return dataclasses.replace(
        base,
        answer=text,
        abstained=abstained,
        cited_ids=cited,
        retrieved_ids=retrieved,
        rank=first_rank(retrieved, evidence) if scored else None,
        hits={f"hit@{n}": hit_at_k(retrieved, evidence, n) for n in hit_ks} if scored else {},
        reciprocal_rank=reciprocal_rank(retrieved, evidence, MRR_K) if scored else None,
        contains_gold=(
            (not abstained and any(contains_answer(text, a) for a in answers))
            if item.answerable
            else None
        ),
        cites_evidence=bool(evidence & set(cited)) if scored else None,
        timings=dict(answer.timings),
        mode=answer.mode,
        prediction=predicted,
        exact_match=exact_match(predicted, answers) if item.answerable else None,
        f1=token_f1(predicted, answers) if item.answerable else None,
        choice_picked=None if pick is None else pick.choice,
        choice_level=None if pick is None else pick.level,
        choice_correct=choice_correct,
        citation_recall=recall,
        citation_precision=precision,
        citations_valid=valid,
        checks=tuple(c.to_dict() for c in checks),
        passages=tuple(recorded),
        retrieval=retrieval_scores(retrieved, quote_ranks, item, hit_ks) if scored else {},
        tokens_in=usage.get("prompt_tokens"),
        tokens_out=usage.get("completion_tokens"),
        searched=answer.searched or answer.question,
    )


def retrieval_scores(
    retrieved: Sequence[str],
    quote_ranks: Sequence[int | None],
    item: GoldQuestion,
    hit_ks: Sequence[int],
) -> dict[str, float]:
    """recall@k and ndcg@k of the evidence articles; with quotes, quote_hit@k,
    quote_recall@k, quote_ndcg@k and quote_mrr@10 of the passages holding them."""
    out: dict[str, float] = {}
    ranks = item_ranks(retrieved, item.evidence_ids)
    for k in hit_ks:
        scores = rank_scores(ranks, k)
        out[f"recall@{k}"] = scores["recall"]
        out[f"ndcg@{k}"] = scores["ndcg"]
    if item.quotes:
        quotes = list(quote_ranks) or [None] * len(item.quotes)
        for k in hit_ks:
            scores = rank_scores(quotes, k)
            out[f"quote_hit@{k}"] = scores["hit"]
            out[f"quote_recall@{k}"] = scores["recall"]
            out[f"quote_ndcg@{k}"] = scores["ndcg"]
        out[f"quote_mrr@{MRR_K}"] = rank_scores(quotes, MRR_K)["rr"]
    return out


def citations_valid(answer: Answer) -> bool:
    """Whether the answer has ``[n]`` marks and every one points at one of its citations."""
    numbers = [n for _, marks in split_cited(answer.text) for n in marks]
    known = {c.n for c in answer.citations}
    return bool(numbers) and all(n in known for n in numbers)


def _cited_passages(answer: Answer) -> list[Passage]:
    """The passages the answer's ``[n]`` refer to: citation n's passage at index n - 1 (an
    empty passage where no citation has that number, so that it supports nothing)."""
    by_n = {c.n: c for c in answer.citations}
    out = []
    for n in range(1, max(by_n, default=0) + 1):
        c = by_n.get(n)
        if c is None:
            out.append(Passage("", "", "", "", "", None, 0, 0, "", 0.0))  # supports nothing
            continue
        out.append(
            Passage(
                chunk_id="",
                article_id=c.article_id,
                title=c.title,
                source=c.source,
                url=c.url,
                published=c.published,
                start=c.passage_start,
                end=c.passage_start + len(c.passage),
                text=c.passage,
                score=c.score,
                copies=c.copies,
            )
        )
    return out


class TwoPassChecker:
    """:class:`qa.verify.CitationChecker` with the runtime's settings, at less cost: each
    sentence is checked on words first, and only one the words do not support (and whose
    numbers and names are in its passages) is checked again with MiniLM similarity, which
    is all the similarity could change. The verdicts are the runtime checker's; the
    ``similarity`` of a sentence the words support is left at 0."""

    def __init__(self, embedder: Embedder | None) -> None:
        self.lexical = CitationChecker(None)
        self.full = CitationChecker(embedder) if embedder is not None else None

    def check(self, text: str, passages: Sequence[Passage]) -> list[SentenceCheck]:
        checks = self.lexical.check(text, passages)
        if self.full is None:
            return checks
        out = []
        for c in checks:
            if c.verdict == "unsupported" and not c.reason.startswith(("numbers", "names")):
                marks = "".join(f" [{n}]" for n in c.cited)
                again = self.full.check(f"{c.text}{marks}", passages)
                if len(again) == 1:
                    c = dataclasses.replace(again[0], dropped=c.dropped)
            out.append(c)
        return out


def citation_scores(
    checker: TwoPassChecker | CitationChecker, answer: Answer
) -> tuple[list[SentenceCheck], float | None, float | None]:
    """The check of each sentence of the answer, citation recall (share of sentences
    supported) and citation precision (share of citations that support their sentence:
    alone, or as needed with the others; every citation of an unsupported sentence fails).
    ``None`` where there is nothing to count."""
    passages = _cited_passages(answer)
    checks = checker.check(answer.claims, passages)  # (a disagreement note is no claim)
    if not checks:
        return checks, None, None
    recall = sum(c.supported for c in checks) / len(checks)

    def supports(sentence: str, numbers: Sequence[int]) -> bool:
        marks = "".join(f" [{n}]" for n in numbers)
        found = [c for c in checker.check(f"{sentence}{marks}", passages) if c.cited]
        return bool(found) and all(c.supported for c in found)

    good = total = 0
    for check in checks:
        total += len(check.cited)
        if not check.supported:
            continue
        if len(check.cited) == 1:
            good += 1
            continue
        for n in check.cited:
            rest = [m for m in check.cited if m != n]
            if supports(check.text, [n]) or not supports(check.text, rest):
                good += 1
    return checks, recall, (good / total if total else None)
