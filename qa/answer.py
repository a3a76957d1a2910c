"""The extractive answerer: answers and citations made offline (their types: qa.types).

The extractive answerer never writes a word of its own: it picks, from the retrieved
passages, the sentences that best answer the question and quotes them exactly, each followed
by ``[n]``, where citation ``n`` holds that very sentence, its passage and its character span
in the article. When no sentence scores high enough it abstains with ``NOT_FOUND``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.embed import Embedder
from index.sentences import sentence_spans
from index.store.hits import SentenceVectors
from qa.config import DEFAULT_MIN_SCORE
from qa.injection import is_instruction
from qa.phrases import counterpart, disagreement, find_folded, find_phrase, latest_first
from qa.retrieve import Passage
from qa.spans import DEFAULT_SPAN_MODEL, SPAN_FEATURES, Span, SpanModel
from qa.types import NOT_FOUND, Citation, Extracted, ScoredSentence, bold
from qa.words import (
    content_words,
    fold_words,
    names_share,
    offers_answer,
    question_type,
    weighted_overlap,
)

logger = logging.getLogger(__name__)

# chunk ids -> the sentence vectors the store kept for them (``Store.sentence_vectors``)
SentenceLookup = Callable[[Sequence[str]], Mapping[str, SentenceVectors]]


@dataclass(frozen=True)
class ExtractiveWeights:
    """How a sentence's score is made: a weighted sum of these features, the weights learned
    on ../shared/data/rtqa/dev.jsonl by ``python -m benchmarks.tune_extractive`` (a softmax
    over each question's sentences, trained to put a sentence holding the gold answer first;
    two-fold cross-validated numbers in docs/benchmarks.md).

    - ``overlap``: share of the question's content words (IDF-weighted) in the sentence;
    - ``similarity``: MiniLM cosine similarity of sentence and question;
    - ``passage``: the retrieval score of the sentence's passage;
    - ``answer_type``: the sentence holds something the question asks for and does not
      already say (a number for "how many", a date for "when", a new name otherwise);
    - ``phrase``: a short answer phrase is found in it (``qa.phrases.find_phrase``);
    - ``lead``: it is among the first ``lead_chars`` characters of its article;
    - ``rank``: 1 / (1 + the rank of its passage);
    - ``novelty``: share of its content words that the question does not use;
    - ``length``: log(1 + its number of content words);
    - ``recent``: exp(-days / ``recent_scale``) between its article's date and the
      question's reference date (1 for every sentence when there is none).
    """

    similarity: float = 2.85
    overlap: float = 1.2
    passage: float = 1.65
    answer_type: float = 0.55
    phrase: float = 1.75
    lead: float = 0.45
    rank: float = 0.15
    novelty: float = 0.45
    length: float = 0.2
    recent: float = 1.7
    margin: float = 2.0  # extra sentences must score within this of the best one
    shortlist: int = 40  # sentences given a similarity per question, picked by the cheap features
    # ``similarity`` of a sentence vector kept at ingest (the sentence read in its chunk:
    # index.pooling) mapped onto that of the sentence embedded alone, which the weights were
    # fitted on: slope and intercept of a least-squares line over 1,200 shortlisted
    # sentences of the earlier half of rtqa small's questions (before 2023-11-10); on the
    # later half it moves the mean 0.465 -> 0.376 (alone: 0.383) and the mean absolute gap
    # 0.104 -> 0.083. ``python -m benchmarks.kept_similarity`` refits it.
    kept_similarity: tuple[float, float] = (0.8016, 0.0032)
    exact: int = 8  # the best shortlisted sentences embedded alone at question time
    lead_chars: int = 400
    recent_scale: float = 7.0

    def vector(self) -> np.ndarray:
        """The weights of ``FEATURES``, in that order."""
        return np.array([getattr(self, name) for name in FEATURES])


# The plain match of a sentence to the question, before the answer-finding features: one of
# the abstention model's inputs (the weights the answerer used before the learned ones).
MATCH_WEIGHTS = {"overlap": 0.6, "passage": 0.2, "answer_type": 0.1, "similarity": 0.3}

# The columns of SentenceFeatures.values, each weighted by the ExtractiveWeights field of
# the same name.
FEATURES = (
    "overlap",
    "passage",
    "answer_type",
    "phrase",
    "lead",
    "rank",
    "novelty",
    "length",
    "recent",
    "similarity",
)


@dataclass(frozen=True)
class SentenceFeatures:
    """The sentences an answer may quote (passage, start, end, text; offsets in the article
    body) and one row of ``FEATURES`` for each."""

    sentences: list[tuple[Passage, int, int, str]]
    values: np.ndarray


@dataclass(frozen=True)
class AbstentionModel:
    """Whether the passages answer the question at all: a logistic model over how well the
    best sentences match it, how sure the short answer is and how many of the question's
    names the passages mention. Its inputs mean the same with and without a reference date
    (the date already shapes which passages and sentences come first). ``logit`` above the
    answerer's ``abstain_threshold`` (0 by default) means abstain.

    Two are fitted (``python -m benchmarks.tune_trust``), each on rtqa dev questions asked
    the way it serves: ``DATED_ABSTENTION`` as of the question's date (the eval, ``--as-of``,
    the app's recent switch), ``UNDATED_ABSTENTION`` without one (the chat's, ``ask``'s and
    ``answer()``'s default). The target is "the answer would not hold the gold answer":
    unanswerable questions, answerable ones whose best sentences miss it, and answerable
    ones asked again with their evidence articles left out; the bias is set so that 2% of
    answerable questions (evidence in) abstain. An input of how many months the articles
    are from the reference date was tried and dropped: fitted on earlier weeks, it made 11%
    of the later weeks' answerable questions abstain (docs/benchmarks.md).
    """

    bias: float = 0.0
    best: float = 0.0  # the best sentence's score, without its recency term
    match: float = 0.0  # the best MATCH_WEIGHTS score of any sentence
    top_passage: float = 0.0  # the first passage's retrieval score
    max_overlap: float = 0.0
    max_similarity: float = 0.0
    best_phrase: float = 0.0  # the best sentence's features
    best_overlap: float = 0.0
    best_similarity: float = 0.0
    best_passage: float = 0.0
    span: float = 0.0  # the short answer's score (qa.spans), -5 without one
    span_support: float = 0.0  # log(1 + other passages holding the short answer)
    span_kind: float = 0.0  # the short answer is of the kind the question asks for
    names: float = 0.0  # share of the question's names found in the first 5 passages

    INPUTS = (
        "best",
        "match",
        "top_passage",
        "max_overlap",
        "max_similarity",
        "best_phrase",
        "best_overlap",
        "best_similarity",
        "best_passage",
        "span",
        "span_support",
        "span_kind",
        "names",
    )

    @staticmethod
    def inputs(
        scored: Sequence[ScoredSentence],
        passages: Sequence[Passage],
        reference: dt.date | None,
        question: str = "",
        span: Span | None = None,
    ) -> np.ndarray:
        """The model's inputs, in ``INPUTS`` order; ``scored`` best first, not empty;
        ``span``: the short answer (a ``qa.spans.Span``) or ``None``."""
        top = scored[0]
        return np.array(
            [
                top.undated,
                max(s.match for s in scored),
                passages[0].score,
                max(s.overlap for s in scored),
                max(s.similarity for s in scored),
                float(top.phrase),
                top.overlap,
                top.similarity,
                top.passage.score,
                -5.0 if span is None else span.score,
                0.0 if span is None else span.values[SPAN_FEATURES.index("support")],
                0.0 if span is None else span.values[SPAN_FEATURES.index("kind_match")],
                names_share(question, passages[:5]),
            ]
        )

    def logit(
        self,
        scored: Sequence[ScoredSentence],
        passages: Sequence[Passage],
        reference: dt.date | None,
        question: str = "",
        span: Span | None = None,
    ) -> float:
        """The log-odds that the answer is not in ``passages``; ``scored`` best first."""
        if not scored or not passages:
            return math.inf
        weights = np.array([getattr(self, name) for name in self.INPUTS])
        return float(self.bias + weights @ self.inputs(scored, passages, reference, question, span))


# Fitted by `python -m benchmarks.tune_trust --set half` (its numbers in docs/benchmarks.md).
DATED_ABSTENTION = AbstentionModel(
    bias=8.493,
    best=-0.198,
    match=-0.542,
    top_passage=-1.946,
    max_overlap=-1.477,
    max_similarity=-1.088,
    best_phrase=0.029,
    best_overlap=0.284,
    best_similarity=-0.426,
    best_passage=-2.195,
    span=-0.305,
    span_support=-0.147,
    span_kind=0.383,
    names=0.077,
)
UNDATED_ABSTENTION = AbstentionModel(
    bias=6.593,
    best=-0.613,
    match=-0.612,
    top_passage=-0.604,
    max_overlap=0.596,
    max_similarity=-0.572,
    best_phrase=0.344,
    best_overlap=-0.065,
    best_similarity=-0.389,
    best_passage=-1.271,
    span=-0.141,
    span_support=-0.485,
    span_kind=0.718,
    names=-0.115,
)


class ExtractiveAnswerer:
    """``run(question, passages) -> (text, citations, abstained)``, deterministic."""

    def __init__(
        self,
        embedder: Embedder,
        max_sentences: int = 3,
        min_score: float = DEFAULT_MIN_SCORE,
        weights: ExtractiveWeights | None = None,
        abstain_threshold: float = 0.0,
        abstention: AbstentionModel | None = None,
        undated_abstention: AbstentionModel | None = None,
        spans: SpanModel | None = None,
        sentence_vectors: SentenceLookup | None = None,
    ) -> None:
        self.embedder = embedder
        # the store's sentence vectors from ingest (Store.sentence_vectors): a sentence found
        # there is not embedded again; without it, or for a sentence not there, it is
        self.sentence_vectors = sentence_vectors
        self._told_no_vectors = False
        self.max_sentences = max_sentences
        self.min_score = min_score
        self.weights = weights if weights is not None else ExtractiveWeights()
        self.abstain_threshold = abstain_threshold
        self.abstention = abstention if abstention is not None else DATED_ABSTENTION
        self.undated_abstention = (
            undated_abstention if undated_abstention is not None else UNDATED_ABSTENTION
        )
        self.spans = spans if spans is not None else DEFAULT_SPAN_MODEL

    def features(
        self,
        question: str,
        passages: Sequence[Passage],
        reference_date: dt.date | None = None,
    ) -> SentenceFeatures:
        """The shortlisted sentences of ``passages`` and their ``FEATURES``.

        Every distinct sentence worth reading is a candidate (questions, the sentences of
        planted instructions and fragments of under three content words are none); the
        ``shortlist`` best by the cheap features are embedded for ``similarity``.
        ``reference_date`` is "now" for the question (see ``ExtractiveWeights.recent``).
        """
        seen: set[tuple[str, int]] = set()
        found: list[tuple[int, int, int, str]] = []
        for rank, passage in enumerate(passages):
            for s, e in sentence_spans(passage.text):
                key = (passage.article_id, passage.start + s)
                text = passage.text[s:e]
                if (
                    key in seen
                    or len(content_words(text)) < 3
                    or _is_question(text)
                    or is_instruction(text)  # (planted for a language model: no answer)
                ):
                    continue
                seen.add(key)
                found.append((rank, passage.start + s, passage.start + e, text))
        if not found:
            return SentenceFeatures([], np.zeros((0, len(FEATURES))))
        w = self.weights
        texts = [f[3] for f in found]
        q_words = set(content_words(question))
        kind = question_type(question)
        words = [content_words(t) for t in texts]
        recency = [_recency(p.published, reference_date, w.recent_scale) for p in passages]
        columns = {
            "overlap": weighted_overlap(question, texts),
            "passage": np.array([passages[f[0]].score for f in found]),
            "answer_type": np.array([offers_answer(q_words, kind, t) for t in texts], dtype=float),
            "phrase": np.zeros(len(found)),
            "lead": np.array([f[1] < w.lead_chars for f in found], dtype=float),
            "rank": np.array([1 / (1 + f[0]) for f in found]),
            "novelty": np.array([sum(x not in q_words for x in ws) / len(ws) for ws in words]),
            "length": np.log1p([len(ws) for ws in words]),
            "recent": np.array([recency[f[0]] for f in found]),
            "similarity": np.zeros(len(found)),
        }
        weight = w.vector()
        values = np.column_stack([columns[name] for name in FEATURES])
        # find_phrase is the slower cheap feature: only for sentences that could make the list
        ahead = np.argsort(-(values @ weight), kind="stable")[: 2 * w.shortlist]
        phrase = FEATURES.index("phrase")
        values[ahead, phrase] = [find_phrase(question, texts[i]) is not None for i in ahead]
        # Only the most promising sentences need vectors (embedding them is the costly part).
        shortlist = np.argsort(-(values @ weight), kind="stable")[: w.shortlist]
        known = self._stored_vectors(passages, [found[i] for i in shortlist])
        kept = np.array([(found[i][0], found[i][1]) in known for i in shortlist])
        missing = [i for i in shortlist if (found[i][0], found[i][1]) not in known]
        vectors = self.embedder.embed([question] + [texts[i] for i in missing], batch_size=64)
        known.update(
            ((found[i][0], found[i][1]), v) for i, v in zip(missing, vectors[1:], strict=True)
        )
        values = values[shortlist]
        sentence_matrix = np.stack([known[(found[i][0], found[i][1])] for i in shortlist])
        similarity = sentence_matrix @ vectors[0]
        # a sentence read in its chunk scores higher than alone: back to the fitted scale
        similarity[kept] = np.polyval(w.kept_similarity, similarity[kept])
        column = FEATURES.index("similarity")
        values[:, column] = similarity
        # the few best are embedded alone after all: what is quoted, and what the abstention
        # and short-answer models read, is scored exactly as the weights were fitted
        best = np.argsort(-(values @ weight), kind="stable")[: w.exact]
        redo = [j for j in best if kept[j]]
        if redo:
            alone = self.embedder.embed([texts[shortlist[j]] for j in redo], batch_size=64)
            values[redo, column] = alone @ vectors[0]
        sentences = [
            (passages[found[i][0]], found[i][1], found[i][2], found[i][3]) for i in shortlist
        ]
        return SentenceFeatures(sentences, values)

    def _stored_vectors(
        self, passages: Sequence[Passage], sentences: Sequence[tuple[int, int, int, str]]
    ) -> dict[tuple[int, int], np.ndarray]:
        """``{(passage rank, start): vector}`` for the ``sentences`` (rank, start, end, text)
        whose vectors the store kept, each from its own passage's chunk."""
        if self.sentence_vectors is None or not sentences:
            return {}
        ranks = sorted({rank for rank, _, _, _ in sentences})
        stored = self.sentence_vectors([passages[r].chunk_id for r in ranks])
        if not stored and not self._told_no_vectors:
            self._told_no_vectors = True
            logger.info(
                "the store keeps no sentence vectors for these passages (ingested before "
                "article-qa kept them): their sentences are embedded at question time, which "
                "is slower; ingest into a new store (--store DIR) to keep them"
            )
        by_start = {
            r: stored[passages[r].chunk_id].by_start()
            for r in ranks
            if passages[r].chunk_id in stored
        }
        return {
            (rank, start): by_start[rank][start]
            for rank, start, _, _ in sentences
            if start in by_start.get(rank, {})
        }

    def score_sentences(
        self,
        question: str,
        passages: Sequence[Passage],
        reference_date: dt.date | None = None,
    ) -> list[ScoredSentence]:
        """The shortlisted sentences (``features``) scored by the weights, best first."""
        return self.rank(self.features(question, passages, reference_date))

    def rank(self, found: SentenceFeatures) -> list[ScoredSentence]:
        """``found``'s sentences scored by the weights, best first."""
        scores = found.values @ self.weights.vector()
        match = found.values @ np.array([MATCH_WEIGHTS.get(name, 0.0) for name in FEATURES])
        col = {name: found.values[:, i] for i, name in enumerate(FEATURES)}
        scored = [
            ScoredSentence(
                passage,
                start,
                end,
                text,
                float(scores[i]),
                overlap=float(col["overlap"][i]),
                similarity=float(col["similarity"][i]),
                phrase=bool(col["phrase"][i]),
                match=float(match[i]),
                undated=float(scores[i] - self.weights.recent * col["recent"][i]),
            )
            for i, (passage, start, end, text) in enumerate(found.sentences)
        ]
        scored.sort(key=lambda x: -x.score)
        return scored

    def choose(
        self, scored: Sequence[ScoredSentence], short: Span | None = None
    ) -> list[ScoredSentence]:
        """The sentences to quote; empty to abstain (when no sentence's plain match,
        ``MATCH_WEIGHTS``, reaches ``min_score``).

        The first is the one holding the short answer ``short`` (a ``qa.spans.Span`` of
        ``scored``), else the best. Others follow only when they score within ``margin`` of
        the best and add to it from the same story: they hold the short answer too, or come
        from the first one's article. No repeats."""
        if not scored or max(s.match for s in scored) < self.min_score:
            return []  # nothing matches the question even plainly
        first = scored[short.sentence] if short is not None else scored[0]
        best = scored[0].score
        chosen = [first]
        folded = fold_words(short.text) if short is not None else ""
        for candidate in scored:
            if len(chosen) >= self.max_sentences or candidate.score < best - self.weights.margin:
                break
            if candidate is first or any(_near_duplicate(candidate.text, c.text) for c in chosen):
                continue
            same_article = candidate.passage.article_id == first.passage.article_id
            if same_article or (folded and f" {folded} " in f" {fold_words(candidate.text)} "):
                chosen.append(candidate)
        return chosen

    def abstains(
        self,
        scored: Sequence[ScoredSentence],
        passages: Sequence[Passage],
        reference_date: dt.date | None = None,
        question: str = "",
        short: Span | None = None,
    ) -> bool:
        """Whether the abstention model of the mode (dated or undated) says the passages do
        not hold the answer."""
        model = self.abstention if reference_date is not None else self.undated_abstention
        logit = model.logit(scored, passages, reference_date, question, short)
        return logit > self.abstain_threshold

    def short_answer(
        self, question: str, scored: Sequence[ScoredSentence], passages: Sequence[Passage]
    ) -> Span | None:
        """The short answer (a ``qa.spans.Span``) among the best sentences (the first
        ``SPAN_SENTENCES`` scoring within ``SPAN_BEHIND`` of the best), or ``None``."""
        if not scored:
            return None
        floor = scored[0].score - SPAN_BEHIND
        near = [s for s in scored[:SPAN_SENTENCES] if s.score >= floor]
        return self.spans.best(question, near, [p.text for p in passages[:SUPPORT_PASSAGES]])

    def lead_generated(
        self,
        question: str,
        text: str,
        citations: Sequence[Citation],
        passages: Sequence[Passage],
    ) -> tuple[str, tuple[Citation, ...]]:
        """A language model's checked answer led by its short answer, as the extractive one
        is: the best candidate of citation 1's sentence, when the model's own words hold it
        too (the short answer is then a span of a cited sentence that the answer gives).
        ``(text, citations)`` unchanged otherwise."""
        if not citations:
            return text, tuple(citations)
        first = citations[0]
        passage = next(  # citation 1's passage, among those the model read
            (
                p
                for p in passages
                if p.article_id == first.article_id and p.start == first.passage_start
            ),
            None,
        )
        if passage is None:
            return text, tuple(citations)
        sentence = ScoredSentence(passage, first.start, first.end, first.quote, first.score)
        short = self.spans.best(question, [sentence], [p.text for p in passages[:SUPPORT_PASSAGES]])
        said = re.sub(r"\[\d+\]", " ", text)
        if short is None or f" {fold_words(short.text)} " not in f" {fold_words(said)} ":
            return text, tuple(citations)
        led = dataclasses.replace(first, phrase=(short.start, short.end))
        return f"{bold(short.text)} [1] {text}", (led, *citations[1:])

    def run(
        self,
        question: str,
        passages: Sequence[Passage],
        reference_date: dt.date | None = None,
    ) -> Extracted:
        """The answer to ``question`` from ``passages``: the short answer first (in bold,
        cited), then the chosen sentences, each cited; when two sources give different
        answers (one says 12, another 15), a last sentence says so and cites both.
        ``reference_date`` is "now" for the question: sentences from articles near it count
        for more."""
        found = self.features(question, passages, reference_date)
        return self.answer(question, passages, found, reference_date)

    def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        found: SentenceFeatures,
        reference_date: dt.date | None = None,
    ) -> Extracted:
        """``run`` from sentence features already computed (``features``)."""
        scored = self.rank(found)
        short = self.short_answer(question, scored, passages)
        chosen = self.choose(scored, short)
        if not chosen or self.abstains(scored, passages, reference_date, question, short):
            return Extracted(NOT_FOUND, (), True)
        conflict = disagreement(question, chosen)
        if conflict is None:
            other = counterpart(question, chosen, scored, self.weights.margin * 1.5)
            if other is not None:
                chosen = [*chosen[: max(1, self.max_sentences - 1)], other]
                conflict = disagreement(question, chosen)
        if conflict is not None:  # the latest report leads
            chosen, conflict, at = latest_first(chosen, conflict, short.text if short else None)
            if short is not None and at is not None:
                short = dataclasses.replace(
                    short, start=at[0], end=at[1], text=chosen[0].text[at[0] : at[1]]
                )
        citations = []
        for n, s in enumerate(chosen, start=1):
            citation = Citation.of(
                n, s.passage, s.start - s.passage.start, s.end - s.passage.start, s.score
            )
            if short is not None and n == 1:
                phrase: tuple[int, int] | None = (short.start, short.end)
            else:
                phrase = find_folded(s.text, short.text) if short is not None else None
                phrase = phrase or find_phrase(question, s.text, s.passage.text)
            citations.append(dataclasses.replace(citation, phrase=phrase))
        text = " ".join(f"{c.quote} [{c.n}]" for c in citations)
        if short is not None:
            text = f"{bold(short.text)} [1] {text}"
        note = ""
        if conflict is not None:
            note = conflict.sentence(citations)
            text = f"{text} {note}"
        return Extracted(text, tuple(citations), False, note)


# The short answer is looked for in the best sentences, and its support counted in the best
# passages.
SPAN_SENTENCES = 3
SPAN_BEHIND = 2.0
SUPPORT_PASSAGES = 10


def _near_duplicate(a: str, b: str) -> bool:
    wa, wb = set(content_words(a)), set(content_words(b))
    if not wa or not wb:
        return a.strip() == b.strip()
    return len(wa & wb) / len(wa | wb) >= 0.8


def _is_question(sentence: str) -> bool:
    """A sentence that asks (a quiz, a headline's question) answers nothing."""
    return sentence.rstrip().rstrip("\"'”’)]").endswith("?")


def _recency(day: dt.date | None, reference: dt.date | None, scale: float) -> float:
    """exp(-days / scale) from ``day`` (published) to ``reference``; 1 without a reference,
    0 for an article of unknown date."""
    if reference is None:
        return 1.0
    return 0.0 if day is None else math.exp(-abs((reference - day).days) / scale)
