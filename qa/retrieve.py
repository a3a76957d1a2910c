"""Finding passages: the store's dense and lexical hits fused, date boosts, copies collapsed.

The store (``index.store``) does every search; this module only decides how its hits are
combined and ranked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.embed import Embedder
from index.store import Filters, Hit, Store
from qa.errors import StoreError

__all__ = [
    "DenseRetriever",
    "Filters",
    "HybridRetriever",
    "HybridWeights",
    "Passage",
    "collapse_copies",
]


@dataclass(frozen=True)
class Passage(Hit):
    """A retrieved chunk (``text`` is ``article.body[start:end]``) with its fused score;
    ``copies``: ids of other articles carrying the same text (syndication)."""

    copies: tuple[str, ...] = ()

    @classmethod
    def of(cls, hit: Hit, score: float | None = None) -> Passage:
        """``hit`` as a passage (with ``score`` instead of the hit's own, when given)."""
        values = vars(hit) if score is None else {**vars(hit), "score": score}
        return cls(**values)


class DenseRetriever:
    """``run(query, top_k, filters) -> list[Passage]``: the store's nearest chunks."""

    def __init__(self, store: Store, embedder: Embedder, top_k: int = 30) -> None:
        self.store = store
        self.embedder = embedder
        self.top_k = top_k

    def check_ready(self) -> None:
        if self.store.is_empty():
            raise StoreError(
                f"No articles indexed yet in {self.store.location}: run `article-qa ingest PATH` "
                "(or `make run` for the sample collection)."
            )
        self.store.check_model(self.embedder.name)

    def run(
        self, query: str, top_k: int | None = None, filters: Filters | None = None
    ) -> list[Passage]:
        k = self.top_k if top_k is None else top_k
        vector = self.embedder.embed([query])[0]
        return [Passage.of(hit) for hit in self.store.dense(vector, k, filters)]


@dataclass(frozen=True)
class HybridWeights:
    """How dense and BM25 results are fused (tuned on rtqa small, docs/benchmarks.md).

    With ``fusion="weighted"`` (the default) each candidate's score is
    ``dense * cosine + (1 - dense) * bm25 / best_bm25`` (a chunk missing from one list gets
    that list's floor); with ``fusion="rrf"`` it is weighted reciprocal rank fusion,
    ``61 * (dense / (60 + dense_rank) + (1 - dense) / (60 + bm25_rank))`` (1 at best). Either
    way ``recency`` is added when a reference date is given and the article appeared in the
    ``recent_days`` before it (up to 3 days after). On rtqa small weighted scores beat RRF
    (docs/benchmarks.md): RRF throws away how far ahead the best match is.
    """

    fusion: str = "weighted"  # or "rrf"
    dense: float = 0.3
    depth: int = 100  # candidates taken from each retriever
    recency: float = 0.2
    recent_days: int = 14


_RRF_K1 = 61  # reciprocal rank fusion's usual k = 60, plus one: the best rank scores 1


class HybridRetriever:
    """The store's dense and BM25 results over the same chunks, fused."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        top_k: int = 30,
        weights: HybridWeights | None = None,
        mode: str = "hybrid",
    ) -> None:
        if mode not in ("hybrid", "dense", "bm25"):
            raise ValueError(f"retrieval mode must be hybrid, dense or bm25, not {mode!r}")
        if weights is not None and weights.fusion not in ("weighted", "rrf"):
            raise ValueError(f"fusion must be weighted or rrf, not {weights.fusion!r}")
        self.store = store
        self.dense = DenseRetriever(store, embedder, top_k)
        self.top_k = top_k
        self.weights = weights if weights is not None else HybridWeights()
        self.mode = mode

    def check_ready(self) -> None:
        self.dense.check_ready()

    def run(
        self,
        query: str,
        top_k: int | None = None,
        filters: Filters | None = None,
        reference_date: dt.date | None = None,
        boost: tuple[dt.date, dt.date] | None = None,
    ) -> list[Passage]:
        """The best ``top_k`` passages. Articles published within ``boost`` (a date range,
        ends included) score ``weights.recency`` more; without it, a ``reference_date`` boosts
        the ``recent_days`` before it (and 3 days after). Articles published more than 3 days
        after ``reference_date`` lose as much: they are news from after the question's "now".
        """
        k = self.top_k if top_k is None else top_k
        w = self.weights
        if boost is None and reference_date is not None:
            boost = (
                reference_date - dt.timedelta(days=w.recent_days),
                reference_date + dt.timedelta(days=3),
            )
        depth = max(k, w.depth)
        dense = self.dense.run(query, depth, filters) if self.mode != "bm25" else []
        sparse = self._bm25(query, depth, filters) if self.mode != "dense" else []
        dense_floor = min((p.score for p in dense), default=0.0)
        dense_weight = {"hybrid": w.dense, "dense": 1.0, "bm25": 0.0}[self.mode]
        passages = {p.chunk_id: p for p in dense}
        passages.update(self._fetch([c for c, _ in sparse if c not in passages]))
        if filters is not None and filters.exclude:
            passages = {c: p for c, p in passages.items() if p.article_id not in filters.exclude}
            sparse = [(c, s) for c, s in sparse if c in passages][:depth]
        best_sparse = max((s for _, s in sparse), default=0.0) or 1.0
        cosine = {p.chunk_id: p.score for p in dense}
        lexical = {c: s / best_sparse for c, s in sparse}
        future = reference_date + dt.timedelta(days=3) if reference_date else dt.date.max
        if w.fusion == "rrf":
            dense_rank = {p.chunk_id: i for i, p in enumerate(dense, 1)}
            sparse_rank = {c: i for i, (c, _) in enumerate(sparse, 1)}
            missing = depth + 1

            def fuse(chunk_id: str) -> float:
                return _RRF_K1 * (
                    dense_weight / (_RRF_K1 - 1 + dense_rank.get(chunk_id, missing))
                    + (1 - dense_weight) / (_RRF_K1 - 1 + sparse_rank.get(chunk_id, missing))
                )
        else:

            def fuse(chunk_id: str) -> float:
                return dense_weight * cosine.get(chunk_id, dense_floor) + (
                    1 - dense_weight
                ) * lexical.get(chunk_id, 0.0)

        fused = []
        for chunk_id, passage in passages.items():
            score = fuse(chunk_id)
            day = passage.published
            if boost and day and boost[0] <= day <= boost[1]:
                score += w.recency
            if day and day > future:
                score -= w.recency
            fused.append(dataclasses.replace(passage, score=score))
        fused.sort(key=lambda p: -p.score)
        return collapse_copies(fused, limit=k)

    def _bm25(self, query: str, depth: int, filters: Filters | None) -> list[tuple[str, float]]:
        f = filters or Filters()
        # the chunks of excluded articles are dropped once their article is known
        hits = self.store.lexical(query, depth + 40 * len(f.exclude), f)
        return [(h.chunk_id, h.score) for h in hits]

    def _fetch(self, chunk_ids: list[str]) -> dict[str, Passage]:
        return {c: Passage.of(hit, 0.0) for c, hit in self.store.chunks(chunk_ids).items()}


def _shingles(text: str, n: int = 5) -> set[int]:
    words = re.findall(r"\w+", text.lower())
    return {hash(tuple(words[i : i + n])) for i in range(max(1, len(words) - n + 1))}


def collapse_copies(
    passages: Sequence[Passage], threshold: float = 0.7, limit: int | None = None
) -> list[Passage]:
    """Fold passages of other articles that repeat a better-ranked passage's text (syndicated
    or re-fetched copies of one story) into it: it keeps its place and lists their ids in
    ``copies``. Overlap is the share of the shorter text's 5-word shingles found in the other.
    With ``limit``, stop once that many passages are kept (copies ranked below the last kept
    passage are not listed).
    """
    kept: list[Passage] = []
    kept_shingles: list[set[int]] = []
    for passage in passages:
        shingles = _shingles(passage.text)
        for i, (other, other_shingles) in enumerate(zip(kept, kept_shingles, strict=True)):
            if passage.article_id == other.article_id:
                continue
            smaller = min(len(shingles), len(other_shingles)) or 1
            if len(shingles & other_shingles) / smaller >= threshold:
                if passage.article_id not in other.copies:
                    kept[i] = dataclasses.replace(other, copies=(*other.copies, passage.article_id))
                break
        else:
            if limit is not None and len(kept) >= limit:
                break
            kept.append(passage)
            kept_shingles.append(shingles)
    return kept
