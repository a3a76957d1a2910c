"""One gold question's result: what the assistant did with it and how that scores.

``eval.scoring`` makes a :class:`QuestionResult` for each question ``eval.run`` asks;
:mod:`eval.report` aggregates them into the metrics. A question has a score for a metric
only when it counts for it (hit@k: answerable questions that list evidence;
abstention_recall: unanswerable ones; citation_recall: answers that did not abstain; ...).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from eval.metrics import year_of

# The cut-offs of the retrieval metrics (hit@k for each, MRR over the last).
HIT_KS = (1, 5, 10)
MRR_K = 10


@dataclass(frozen=True)
class QuestionResult:
    """One gold question, what the assistant did with it, and how that scores."""

    id: str
    question: str
    question_date: str | None
    gold_answer: str
    answerable: bool
    evidence_ids: tuple[str, ...]
    answer: str
    abstained: bool
    cited_ids: tuple[str, ...]  # distinct article ids of the citations, in order
    retrieved_ids: tuple[str, ...]  # distinct article ids of the passages, best first
    rank: int | None  # 1-based rank of the first evidence article in retrieved_ids
    hits: dict[str, bool]  # "hit@1" ... for answerable questions with evidence
    reciprocal_rank: float | None
    contains_gold: bool | None  # None for unanswerable questions
    cites_evidence: bool | None  # an evidence article is cited; None without evidence
    latency_ms: float
    timings: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    source: str | None = None  # the quiz the question comes from ("CNN"); None when unknown
    mode: str = ""  # how the answer was made: extractive, generative, extractive-fallback
    answers: tuple[str, ...] = ()  # every accepted answer
    prediction: str = ""  # what exact match and F1 compare: the short answer, else the text
    exact_match: float | None = None  # answerable questions only
    f1: float | None = None
    choices: tuple[str, ...] = ()
    choice_picked: str | None = None
    choice_level: str | None = None  # where the pick was decided (eval.choices)
    choice_correct: bool | None = None  # None without choices
    citation_recall: float | None = None  # None for an abstention
    citation_precision: float | None = None
    citations_valid: bool | None = None
    tags: tuple[str, ...] = ()
    checks: tuple[dict[str, Any], ...] = ()  # SentenceCheck.to_dict() per answer sentence
    passages: tuple[dict[str, Any], ...] = ()  # the best retrieved passages, marked
    retrieval: dict[str, float] = field(default_factory=dict)  # recall@k, ndcg@k, quote_*
    tokens_in: int | None = None
    tokens_out: int | None = None
    searched: str = ""  # the stand-alone question a follow-up was rewritten into
    turns: int = 0  # earlier turns of the conversation
    # the scores of the other ways of asking it (eval.scoring.trust_scores): undated_*,
    # removed_*, undated_removed_*, off_topic_citation_rate
    trust: dict[str, float] = field(default_factory=dict)

    @property
    def scored_retrieval(self) -> bool:
        return self.answerable and bool(self.evidence_ids)

    @property
    def year(self) -> int | None:
        """The year of ``question_date``; ``None`` without one."""
        return year_of(self.question_date)

    def scores(self) -> dict[str, float]:
        """This question's score for each metric it counts for (see the module doc)."""
        out: dict[str, float] = {}
        if self.scored_retrieval:
            out.update({name: float(v) for name, v in self.hits.items()})
            out[f"mrr@{MRR_K}"] = self.reciprocal_rank or 0.0
            out.update(self.retrieval)
            out["cites_evidence"] = float(bool(self.cites_evidence))
        if self.answerable:
            out["answer_contains_gold"] = float(bool(self.contains_gold))
            out["exact_match"] = self.exact_match or 0.0
            out["f1"] = self.f1 or 0.0
            out["false_abstention_rate"] = float(self.abstained)
        else:
            out["abstention_accuracy"] = float(self.abstained)
            out["abstention_recall"] = float(self.abstained)
        if self.abstained:
            out["abstention_precision"] = float(not self.answerable)
        if self.choice_correct is not None:
            out["mc_accuracy"] = float(self.choice_correct)
        if self.citation_recall is not None:
            out["citation_recall"] = self.citation_recall
        if self.citation_precision is not None:
            out["citation_precision"] = self.citation_precision
        if self.citations_valid is not None:
            out["citations_valid"] = float(self.citations_valid)
        if self.tokens_in is not None:
            out["tokens_in_mean"] = float(self.tokens_in)
        if self.tokens_out is not None:
            out["tokens_out_mean"] = float(self.tokens_out)
        out.update(self.trust)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The record for ``report.json``; ``source`` and ``year`` only when known."""
        row = asdict(self)
        if self.source is None:
            del row["source"]
        if self.year is not None:
            row["year"] = self.year
        for name in ("evidence_ids", "cited_ids", "retrieved_ids", "answers", "choices", "tags"):
            row[name] = list(getattr(self, name))
        row["checks"] = [dict(c) for c in self.checks]
        row["passages"] = [dict(p) for p in self.passages]
        row["latency_ms"] = round(self.latency_ms, 1)
        row["timings"] = {k: round(v, 1) for k, v in self.timings.items()}
        if self.reciprocal_rank is not None:
            row["reciprocal_rank"] = round(self.reciprocal_rank, 4)
        for name in ("f1", "citation_recall", "citation_precision"):
            if row[name] is not None:
                row[name] = round(row[name], 4)
        row["retrieval"] = {k: round(v, 4) for k, v in self.retrieval.items()}
        row["scores"] = {k: round(v, 4) for k, v in self.scores().items()}
        return row
