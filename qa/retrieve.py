"""Finding passages: dense retrieval from Chroma through LlamaIndex, with filters."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from index.embed import Embedder
from index.store import Store, day_number
from qa.errors import StoreError


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: ``text`` is ``article.body[start:end]``."""

    chunk_id: str
    article_id: str
    title: str
    source: str
    url: str
    published_at: str | None
    start: int
    end: int
    text: str
    score: float  # higher is better; cosine similarity for dense retrieval


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some outlets and a published-date range (inclusive)."""

    sources: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not self.sources and self.since is None and self.until is None

    def to_llama_index(self) -> Any:
        from llama_index.core.vector_stores import (
            FilterOperator,
            MetadataFilter,
            MetadataFilters,
        )

        filters: list[MetadataFilter | MetadataFilters] = []
        if self.sources:
            filters.append(
                MetadataFilter(key="source", value=list(self.sources), operator=FilterOperator.IN)
            )
        if self.since is not None:
            filters.append(
                MetadataFilter(
                    key="published_day",
                    value=day_number(self.since.isoformat()),
                    operator=FilterOperator.GTE,
                )
            )
        if self.until is not None:
            filters.append(
                MetadataFilter(
                    key="published_day",
                    value=day_number(self.until.isoformat()),
                    operator=FilterOperator.LTE,
                )
            )
        return MetadataFilters(filters=filters) if filters else None


class DenseRetriever:
    """``run(query, top_k, filters) -> list[Passage]`` over the store's chunk collection."""

    def __init__(self, store: Store, embedder: Embedder, top_k: int = 30) -> None:
        self.store = store
        self.embedder = embedder
        self.top_k = top_k
        self._index: Any = None

    def _vector_index(self) -> Any:
        if self._index is None:
            from llama_index.core import VectorStoreIndex

            self._index = VectorStoreIndex.from_vector_store(
                self.store.vector_store(), embed_model=self.embedder.as_llama_index()
            )
        return self._index

    def check_ready(self) -> None:
        if self.store.count() == 0:
            raise StoreError(
                f"No articles indexed yet in {self.store.path}: run `article-qa ingest PATH` "
                "(or `make run` for the sample collection)."
            )
        self.store.check_model(self.embedder.name)

    def run(
        self, query: str, top_k: int | None = None, filters: Filters | None = None
    ) -> list[Passage]:
        k = self.top_k if top_k is None else top_k
        retriever = self._vector_index().as_retriever(
            similarity_top_k=k, filters=filters.to_llama_index() if filters else None
        )
        results = retriever.retrieve(query)
        unfinished = self.store.unfinished_ids()
        passages = []
        for hit in results:
            meta = hit.node.metadata
            if meta["article_id"] in unfinished:
                continue
            passages.append(
                Passage(
                    chunk_id=hit.node.node_id,
                    article_id=meta["article_id"],
                    title=meta.get("title", ""),
                    source=meta.get("source", ""),
                    url=meta.get("url", ""),
                    published_at=meta.get("published_at") or None,
                    start=int(meta["start"]),
                    end=int(meta["end"]),
                    text=hit.node.get_content(),
                    # ChromaVectorStore reports exp(-distance); cosine distance = 1 - cos.
                    score=1.0 + math.log(hit.score) if hit.score else -1.0,
                )
            )
        return passages
