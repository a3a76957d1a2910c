"""Reranking retrieved passages: one small interface, an offline default, a cross-encoder.

A reranker is ``run(query, passages, top_k=None) -> list[Passage]``: the same passages, best
first, each with ``score`` replaced by the reranker's own final score. Three are here:

- ``NoReranker`` keeps the retriever's order and scores;
- ``SentenceReranker`` (the default, runs offline with the bundled MiniLM) blends the fused
  retrieval score with how close the question is to the passage's best sentence;
- ``CrossEncoderReranker`` scores (question, passage) pairs with any sentence-transformers
  ``CrossEncoder`` given by name or local path (none ships with article-qa).

``make_reranker(name, embedder)`` maps a setting to one of them. Constructing a reranker loads
no model: the cross-encoder loads on first use, once per process.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from index.embed import Embedder
from index.sentences import sentence_spans
from qa.errors import ConfigError
from qa.retrieve import Passage
from qa.words import content_words, weighted_overlap

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

logger = logging.getLogger(__name__)

NO_RERANKER = "none"
SENTENCE_RERANKER = "sentence"
_SENTENCE_NAMES = {SENTENCE_RERANKER, "default"}


class Reranker(Protocol):
    """Re-sorts passages best first; ``score`` becomes the reranker's final score."""

    def run(
        self, query: str, passages: Sequence[Passage], top_k: int | None = None
    ) -> list[Passage]: ...


class NoReranker:
    """The retriever's order and scores, unchanged (cut to ``top_k`` when given)."""

    def run(
        self, query: str, passages: Sequence[Passage], top_k: int | None = None
    ) -> list[Passage]:
        ranked = list(passages)
        return ranked if top_k is None else ranked[:top_k]


def _rescored(
    passages: Sequence[Passage], depth: int, scores: Sequence[float], top_k: int | None
) -> list[Passage]:
    """The first ``depth`` passages with new ``scores``, best first (ties keep their order),
    then the rest in their old order; cut to ``top_k``."""
    head = [
        dataclasses.replace(p, score=float(s))
        for p, s in zip(passages[:depth], scores, strict=True)
    ]
    order = sorted(range(len(head)), key=lambda i: (-head[i].score, i))
    ranked = [head[i] for i in order] + list(passages[depth:])
    return ranked if top_k is None else ranked[:top_k]


class SentenceReranker:
    """The offline default: the fused score blended with MiniLM similarity of sentences.

    For each of the first ``depth`` passages, the ``sentences_per_passage`` sentences sharing
    the most (IDF-weighted) words with the question are embedded together with the question,
    in one batch (about ``depth * sentences_per_passage`` short texts per question). A
    passage's feature is its best sentence's cosine similarity to the question, and its new
    score is ``(1 - weight) * score + weight * similarity``. Passages beyond ``depth`` follow,
    in their old order and with their old scores. Deterministic.

    The fused score already holds the passage's MiniLM similarity, so this is a small nudge:
    on rtqa small, weight 0.2 put one more evidence article first (44 of 55 questions, from
    43) and weights of 0.6 and more made the ranking worse. Depth beyond 10 changed nothing
    there; 20 keeps a margin at about 80 embedded sentences per question.
    """

    def __init__(
        self,
        embedder: Embedder,
        weight: float = 0.2,
        depth: int = 20,
        sentences_per_passage: int = 4,
    ) -> None:
        if not 0.0 <= weight <= 1.0:
            raise ConfigError(f"The reranker weight must be between 0 and 1, not {weight!r}.")
        self.embedder = embedder
        self.weight = weight
        self.depth = depth
        self.sentences_per_passage = sentences_per_passage

    def similarities(self, query: str, passages: Sequence[Passage]) -> np.ndarray:
        """Each passage's best sentence cosine similarity to ``query`` (one embedding batch)."""
        per_passage = [self._sentences(p) for p in passages]
        all_sentences = [s for sentences in per_passage for s in sentences]
        if not all_sentences:
            return np.zeros(len(passages), dtype=np.float32)
        overlap = weighted_overlap(query, all_sentences)
        texts: dict[str, int] = {}  # overlapping chunks share sentences: embed each once
        chosen: list[list[int]] = []
        offset = 0
        for sentences in per_passage:
            scores = overlap[offset : offset + len(sentences)]
            offset += len(sentences)
            best = np.argsort(-scores, kind="stable")[: self.sentences_per_passage]
            chosen.append([texts.setdefault(sentences[i], len(texts)) for i in best])
        vectors = self.embedder.embed([query, *texts], batch_size=64)
        similarity = vectors[1:] @ vectors[0]
        return np.array(
            [float(similarity[ids].max()) if ids else 0.0 for ids in chosen], dtype=np.float32
        )

    @staticmethod
    def _sentences(passage: Passage) -> list[str]:
        sentences = [passage.text[s:e] for s, e in sentence_spans(passage.text)]
        kept = [s for s in sentences if len(content_words(s)) >= 2]
        if kept:
            return kept
        text = passage.text.strip()
        return [text] if text else []

    def run(
        self, query: str, passages: Sequence[Passage], top_k: int | None = None
    ) -> list[Passage]:
        head = passages[: max(self.depth, 0)]
        if not head or self.weight == 0.0:
            return _rescored(passages, len(head), [p.score for p in head], top_k)
        similarity = self.similarities(query, head)
        w = self.weight
        scores = [(1 - w) * p.score + w * float(s) for p, s in zip(head, similarity, strict=True)]
        return _rescored(passages, len(head), scores, top_k)


_models: dict[str, CrossEncoder] = {}
_lock = threading.Lock()


def load_cross_encoder(name: str) -> CrossEncoder:
    """Load a sentence-transformers ``CrossEncoder`` once per process (thread-safe)."""
    with _lock:
        model = _models.get(name)
        if model is None:
            model = _load_cross_encoder(name)
            _models[name] = model
        return model


def _load_cross_encoder(name: str) -> CrossEncoder:
    from sentence_transformers import CrossEncoder
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    local = Path(name).exists()
    logger.info("loading cross-encoder %s", name)
    try:
        return CrossEncoder(name, device="cpu", local_files_only=local)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"Cannot load the cross-encoder reranker {name!r}: {str(exc).rstrip('.')}. "
            "article-qa works offline, so give the local path of a sentence-transformers "
            f"CrossEncoder model, or use the reranker {SENTENCE_RERANKER!r} (the default) "
            f"or {NO_RERANKER!r}."
        ) from exc


def _positive_label(model: CrossEncoder, num_labels: int) -> int:
    """The class that means "relevant" for a model with several labels.

    A label named like entailment, positive, relevant, yes or true when the model names its
    labels (NLI models put "entailment" anywhere), else the last one (binary classifiers put
    the positive class at index 1).
    """
    config = getattr(getattr(model, "model", None), "config", None)
    id2label: dict[Any, Any] = getattr(config, "id2label", None) or {}
    wanted = ("entailment", "positive", "relevant", "yes", "true")
    for index, label in sorted(id2label.items(), key=lambda kv: int(kv[0])):
        if str(label).strip().lower() in wanted and 0 <= int(index) < num_labels:
            return int(index)
    return num_labels - 1


def relevance(model: CrossEncoder, logits: np.ndarray) -> np.ndarray:
    """Probabilities in [0, 1] from raw logits: sigmoid for one label, else the softmax
    probability of the positive class (``_positive_label``)."""
    if logits.ndim == 1 or logits.shape[1] == 1:
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logits.reshape(-1), -50, 50))))
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return np.asarray(probs[:, _positive_label(model, logits.shape[1])], dtype=np.float64)


class CrossEncoderReranker:
    """Scores (question, passage text) pairs with a sentence-transformers ``CrossEncoder``.

    ``model`` is a model name or a local path; it loads on first use. A passage's new score is
    ``(1 - weight) * score + weight * relevance`` where relevance is the model's probability
    (see ``relevance``). Only the first ``depth`` passages are scored; the rest follow.
    """

    def __init__(
        self, model: str, weight: float = 1.0, depth: int = 30, batch_size: int = 16
    ) -> None:
        if not 0.0 <= weight <= 1.0:
            raise ConfigError(f"The reranker weight must be between 0 and 1, not {weight!r}.")
        self.name = model
        self.weight = weight
        self.depth = depth
        self.batch_size = batch_size

    @property
    def model(self) -> CrossEncoder:
        return load_cross_encoder(self.name)

    def scores(self, query: str, passages: Sequence[Passage]) -> np.ndarray:
        """Each passage's relevance to ``query``, in [0, 1]."""
        if not passages:
            return np.zeros(0)
        import torch

        model = self.model
        logits = model.predict(
            [(query, p.text) for p in passages],
            batch_size=self.batch_size,
            activation_fn=torch.nn.Identity(),  # raw logits, whatever the model's default
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return relevance(model, np.asarray(logits, dtype=np.float64))

    def run(
        self, query: str, passages: Sequence[Passage], top_k: int | None = None
    ) -> list[Passage]:
        head = passages[: max(self.depth, 0)]
        probs = self.scores(query, head)
        w = self.weight
        scores = [(1 - w) * p.score + w * float(s) for p, s in zip(head, probs, strict=True)]
        return _rescored(passages, len(head), scores, top_k)


def make_reranker(name: str | None, embedder: Embedder) -> Reranker:
    """``"none"``: no reranking; ``None``, ``"default"`` or ``"sentence"``: the offline
    ``SentenceReranker``; anything else: a ``CrossEncoder`` by that name or path."""
    if name is None:
        return SentenceReranker(embedder)
    key = name.strip().lower()
    if not key:
        raise ConfigError(
            f"The reranker is empty: use {SENTENCE_RERANKER!r}, {NO_RERANKER!r} or the local "
            "path of a cross-encoder model."
        )
    if key == NO_RERANKER:
        return NoReranker()
    if key in _SENTENCE_NAMES:
        return SentenceReranker(embedder)
    return CrossEncoderReranker(name.strip())
