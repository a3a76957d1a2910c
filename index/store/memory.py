"""A store that lives in memory: the same interface and rules as the others, nothing on
disk but a temporary folder for derived files. For tests and short-lived scripts; it is run
through the same contract tests as the local and server backends."""

from __future__ import annotations

import json
import tempfile
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.articles import Article
from index.errors import StoreError
from index.store.base import StoreBase
from index.store.hits import Filters, Hit, SentenceVectors, as_date
from index.store.registry import (
    ArticlePage,
    ArticleRecord,
    check_listing,
    check_order,
    now,
    ordered_ids,
    page_of,
    summary_of,
)

if TYPE_CHECKING:
    from index.chunking import Chunk


class MemoryStore(StoreBase):
    """Articles and chunks in dictionaries; dense search is exact (every vector scored)."""

    def __init__(self, name: str = "") -> None:
        self.name = name or uuid.uuid4().hex[:8]
        self._lock = threading.RLock()
        self._meta: dict[str, str] = {}
        # id -> (hash, state, record)
        self._articles: dict[str, tuple[str, str, ArticleRecord]] = {}
        self._chunks: dict[str, Hit] = {}
        self._vectors: dict[str, np.ndarray] = {}
        self._sentences: dict[str, SentenceVectors] = {}
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._check_schema()  # a store exists once opened, as a directory store does

    def __repr__(self) -> str:
        return f"MemoryStore({self.name!r})"

    @property
    def location(self) -> str:
        return f"memory:{self.name}"

    def lexical_path(self) -> None:
        return None  # kept in memory, as the store is

    @property
    def path(self) -> Path:  # type: ignore[override]
        with self._lock:
            if self._folder is None:
                self._folder = tempfile.TemporaryDirectory(prefix="article-qa-memory-")
            return Path(self._folder.name)

    def exists(self) -> bool:
        return True

    def close(self) -> None:
        """Drop what is derived (the lexical index, the temporary folder); the articles and
        chunks stay until the object goes."""
        with self._lock:
            self._lexical_index = None
            if self._folder is not None:
                self._folder.cleanup()
                self._folder = None

    # -- bookkeeping ----------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self._meta)

    def _set_meta(self, **values: str) -> None:
        with self._lock:
            self._meta.update(values)

    def _bump_generation(self) -> None:
        self._set_meta(generation=uuid.uuid4().hex)

    # -- articles -------------------------------------------------------------------------

    def _ready(self) -> list[ArticleRecord]:
        with self._lock:
            return [rec for _, state, rec in self._articles.values() if state == "ready"]

    def states(self, ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        with self._lock:
            return {
                i: (h, state, rec.article.origin)
                for i in ids
                if i in self._articles
                for h, state, rec in [self._articles[i]]
            }

    def unfinished_ids(self) -> set[str]:
        with self._lock:
            return {i for i, (_, state, _) in self._articles.items() if state != "ready"}

    def count(self) -> int:
        return len(self._ready())

    def get_many(self, ids: Iterable[str]) -> dict[str, ArticleRecord]:
        with self._lock:
            return {
                i: self._articles[i][2]
                for i in dict.fromkeys(ids)
                if i in self._articles and self._articles[i][1] == "ready"
            }

    def iter_articles(self, order: str = "published_at DESC, title") -> Iterator[ArticleRecord]:
        check_order(order)
        by_id = {rec.article.id: rec for rec in self._ready()}
        fields = ((i, _fields(rec)) for i, rec in by_id.items())
        yield from (by_id[i] for i in ordered_ids(fields, order))

    def sources(self) -> list[str]:
        return sorted({rec.article.source for rec in self._ready()} - {""})

    def list_articles(
        self,
        query: str = "",
        sort: str = "published_at",
        descending: bool = True,
        limit: int = 50,
        offset: int = 0,
    ) -> ArticlePage:
        check_listing(sort, limit, offset)
        rows = [summary_of(rec) for rec in self._ready()]
        return page_of(rows, query, sort, descending, limit, offset)

    # -- writing --------------------------------------------------------------------------

    def begin(self, articles: Sequence[tuple[Article, str]]) -> None:
        when = now()
        with self._lock:
            for article, digest in articles:
                known = self._articles.get(article.id)
                added, n_chunks = (known[2].added_at, known[2].n_chunks) if known else (when, 0)
                # extra as the other backends give it back: through JSON
                stored = replace(article, extra=json.loads(_extra_json(article)))
                record = ArticleRecord(stored, n_chunks=n_chunks, added_at=added, updated_at=when)
                self._articles[article.id] = (digest, "pending", record)

    def replace_chunks(
        self,
        articles: Sequence[Article],
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        keep_others: bool = False,
        sentences: Sequence[SentenceVectors | None] | None = None,
    ) -> None:
        by_id = {a.id: a for a in articles}
        dimension = self.meta().get("dimension")
        if len(vectors) and dimension and int(dimension) != np.shape(vectors)[1]:
            raise StoreError(
                f"{self.location} holds {dimension}-d vectors, not {np.shape(vectors)[1]}-d"
            )
        with self._lock:
            if not keep_others:
                for article_id in by_id:
                    self._delete_chunks(article_id)
            for chunk, vector in zip(chunks, vectors, strict=True):
                a = by_id[chunk.article_id]
                self._chunks[chunk.id] = Hit(
                    chunk_id=chunk.id,
                    article_id=a.id,
                    title=a.title,
                    source=a.source,
                    url=a.url,
                    published=as_date(a.published_at),
                    start=chunk.start,
                    end=chunk.end,
                    text=chunk.text,
                    score=0.0,
                )
                norm = float(np.linalg.norm(vector)) or 1.0
                self._vectors[chunk.id] = np.asarray(vector, dtype=np.float32) / norm
            for chunk, kept in zip(chunks, sentences or [None] * len(chunks), strict=True):
                if kept is not None:  # (through bytes, as the other backends keep them)
                    self._sentences[chunk.id] = SentenceVectors.unpack(kept.pack())

    def finish(self, counts: dict[str, int]) -> None:
        with self._lock:
            for article_id, n in counts.items():
                digest, _, rec = self._articles[article_id]
                self._articles[article_id] = (digest, "ready", replace(rec, n_chunks=n))
            self._bump_generation()

    def remove(self, article_id: str) -> bool:
        with self._lock:
            if self._articles.pop(article_id, None) is None:
                return False
            self._delete_chunks(article_id)
            self._bump_generation()
            return True

    def _delete_chunks(self, article_id: str) -> None:
        for chunk_id in [c for c, h in self._chunks.items() if h.article_id == article_id]:
            del self._chunks[chunk_id]
            del self._vectors[chunk_id]
            self._sentences.pop(chunk_id, None)

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, SentenceVectors]:
        with self._lock:
            return {i: self._sentences[i] for i in ids if i in self._sentences}

    # -- chunks and searches --------------------------------------------------------------

    def count_chunks(self) -> int:
        return len(self._chunks)

    def chunk_ids(self) -> set[str]:
        with self._lock:
            return set(self._chunks)

    def iter_chunks(self, ids: Sequence[str] | None = None) -> Iterator[Hit]:
        with self._lock:
            wanted = list(self._chunks) if ids is None else [i for i in ids if i in self._chunks]
            hits = [self._chunks[i] for i in wanted]
        yield from hits

    def dense(self, vector: Sequence[float], k: int, filters: Filters | None = None) -> list[Hit]:
        f = filters or Filters()
        with self._lock:
            candidates = [
                h for h in self._chunks.values() if f.passes(h.source, h.published, h.article_id)
            ]
            if not candidates:
                return []
            matrix = np.stack([self._vectors[h.chunk_id] for h in candidates])
        query = np.asarray(vector, dtype=np.float32)
        scores = matrix @ (query / (float(np.linalg.norm(query)) or 1.0))
        unfinished = self.unfinished_ids()
        best = np.argsort(-scores, kind="stable")[:k]
        return [
            replace(candidates[i], score=float(scores[i]))
            for i in best
            if candidates[i].article_id not in unfinished
        ]


def _extra_json(article: Article) -> str:
    return json.dumps(dict(article.extra), ensure_ascii=False, default=str)


def _fields(record: ArticleRecord) -> dict[str, Any]:
    a = record.article
    return {
        "title": a.title,
        "published_at": a.published_at or "",
        "added_at": record.added_at,
    }
