"""The one interface every store backend offers (:class:`Store`), whatever keeps the bytes.

Writes follow one protocol so that an error or Ctrl-C at any point leaves a store that the
next run completes: (1) :meth:`Store.begin` marks the articles ``pending`` with their new
content, (2) :meth:`Store.replace_chunks` deletes their old chunks and adds the new ones,
(3) :meth:`Store.finish` marks them ``ready`` and moves the store's generation on. Readers see
only ``ready`` articles; a ``pending`` one is redone by the next ingest whatever its hash.
The lexical (BM25) index is derived from the chunks and catches up with the generation
(:meth:`Store.refresh_lexical`), so it can never disagree with them for long.

A store remembers which embedding model (and dimension) built it and refuses another.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from index.errors import StoreError
from index.store.registry import SCHEMA_VERSION

if TYPE_CHECKING:
    import numpy as np

    from index.articles import Article
    from index.chunking import Chunk
    from index.store.hits import Filters, Hit, LexicalHit, SentenceVectors
    from index.store.lexical import LexicalIndex
    from index.store.registry import ArticlePage, ArticleRecord


class Store(Protocol):
    """Articles, their chunks with vectors, and the searches over them."""

    @property
    def location(self) -> str:
        """Where the store is, for messages: its directory, server URL or ``memory:``."""
        ...

    @property
    def path(self) -> Path:
        """A local directory for this store's derived files (lexical index, feed list)."""
        ...

    def exists(self) -> bool: ...
    def close(self) -> None: ...

    # -- bookkeeping ----------------------------------------------------------------------
    def meta(self) -> dict[str, str]: ...
    def generation(self) -> str:
        """Changes whenever the set of ready chunks changes (derived indexes key on it)."""
        ...

    @property
    def embed_model(self) -> str | None: ...
    def bind_model(self, name: str, dimension: int) -> None:
        """Record the embedding model on first write; refuse any other model afterwards."""
        ...

    def check_model(self, name: str, dimension: int | None = None) -> None: ...
    @property
    def embed_backends(self) -> list[str]:
        """What computed the stored vectors (``torch-bf16``, ``openvino-bf16``, ...)."""
        ...

    def note_backend(self, label: str) -> None: ...

    # -- articles -------------------------------------------------------------------------
    def states(self, ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """``{id: (hash, state, origin)}`` for the ids the store knows."""
        ...

    def unfinished_ids(self) -> set[str]: ...
    def count(self) -> int: ...
    def is_empty(self) -> bool: ...
    def get(self, article_id: str) -> ArticleRecord | None: ...
    def get_many(self, ids: Iterable[str]) -> dict[str, ArticleRecord]: ...
    def iter_articles(self, order: str = "published_at DESC, title") -> Iterator[ArticleRecord]: ...
    def sources(self) -> list[str]: ...
    def list_articles(
        self,
        query: str = "",
        sort: str = "published_at",
        descending: bool = True,
        limit: int = 50,
        offset: int = 0,
    ) -> ArticlePage: ...

    # -- writing --------------------------------------------------------------------------
    def begin(self, articles: Sequence[tuple[Article, str]]) -> None: ...
    def replace_chunks(
        self,
        articles: Sequence[Article],
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        keep_others: bool = False,
        sentences: Sequence[SentenceVectors | None] | None = None,
    ) -> None:
        """Step 2: delete the articles' old chunks (unless ``keep_others``: a further part of
        the same articles) and add ``chunks`` with their ``vectors`` and, where given, the
        vectors of their sentences (one entry per chunk)."""
        ...

    def finish(self, counts: dict[str, int]) -> None: ...
    def remove(self, article_id: str) -> bool: ...

    # -- chunks and searches --------------------------------------------------------------
    def count_chunks(self) -> int: ...
    def chunk_ids(self) -> set[str]:
        """Every stored chunk's id (ready or not)."""
        ...

    def iter_chunks(self, ids: Sequence[str] | None = None) -> Iterator[Hit]:
        """Stored chunks (all, or those of ``ids`` that exist), whatever their article's state."""
        ...

    def chunks(self, ids: Sequence[str]) -> dict[str, Hit]:
        """The chunks of ``ids`` whose article is ready, by id (score 0.0)."""
        ...

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, SentenceVectors]:
        """The sentence vectors kept for those of the chunks ``ids`` that have them."""
        ...

    def dense(self, vector: Sequence[float], k: int, filters: Filters | None = None) -> list[Hit]:
        """The ``k`` chunks nearest ``vector`` (cosine), best first, of ready articles."""
        ...

    def lexical(self, query: str, k: int, filters: Filters | None = None) -> list[LexicalHit]:
        """The ``k`` best BM25 matches for ``query``, best first, among chunks passing the
        outlet and date filters (``filters.exclude`` is left to the caller)."""
        ...

    def refresh_lexical(self) -> None:
        """Bring the lexical index up to date now (ingest does, so no question waits)."""
        ...


class StoreBase:
    """What every backend shares, written once over its own ``meta()``, ``_set_meta()``,
    ``iter_chunks()`` and ``unfinished_ids()``: the schema check, the embedding model
    binding, the generation, chunks by id and the lexical index (kept in
    ``lexical_path()``, or in memory only when that is ``None``)."""

    path: Path
    _lock: threading.RLock
    _lexical_index: LexicalIndex | None = None

    @property
    def location(self) -> str:
        raise NotImplementedError

    def meta(self) -> dict[str, str]:
        raise NotImplementedError

    def _set_meta(self, **values: str) -> None:
        raise NotImplementedError

    def _check_schema(self) -> None:
        version = self.meta().get("schema_version")
        if version is None:
            self._set_meta(schema_version=str(SCHEMA_VERSION))
        elif int(version) != SCHEMA_VERSION:
            raise StoreError(
                f"The store at {self.location} was built by another version of article-qa "
                f"(format {version}, this one reads {SCHEMA_VERSION}). Ingest your articles "
                "into a new store with --store DIR, or delete this directory and ingest again."
            )

    def generation(self) -> str:
        """Changes whenever the set of ready chunks changes (derived indexes key on it)."""
        return self.meta().get("generation", "0")

    @property
    def embed_model(self) -> str | None:
        return self.meta().get("embed_model")

    def bind_model(self, name: str, dimension: int) -> None:
        """Record the embedding model on first write; refuse any other model afterwards."""
        if "embed_model" not in self.meta():
            self._set_meta(embed_model=name, dimension=str(dimension))
            return
        self.check_model(name, dimension)

    @property
    def embed_backends(self) -> list[str]:
        """What computed the stored vectors (``torch-bf16``, ``openvino-bf16``, ...): any of
        them give the same vectors to a cosine of 0.999 (index.embed_backends)."""
        return [b for b in self.meta().get("embed_backends", "").split(",") if b]

    def note_backend(self, label: str) -> None:
        """Record that ``label`` computed vectors written to this store."""
        if label not in self.embed_backends:
            self._set_meta(embed_backends=",".join([*self.embed_backends, label]))

    def check_model(self, name: str, dimension: int | None = None) -> None:
        meta = self.meta()
        built_with, built_dim = meta.get("embed_model"), meta.get("dimension")
        if built_with is None:
            return
        if built_with != name or (dimension is not None and str(dimension) != built_dim):
            raise StoreError(
                f"The store at {self.location} was built with the embedding model {built_with!r} "
                f"({built_dim}-d), not {name!r}. Use --embed-model {built_with!r} with this "
                "store, or ingest into a new store (--store DIR) to use the other model."
            )

    def is_empty(self) -> bool:
        return self.count() == 0

    def count(self) -> int:
        raise NotImplementedError

    def get(self, article_id: str) -> ArticleRecord | None:
        return self.get_many([article_id]).get(article_id)

    def get_many(self, ids: Iterable[str]) -> dict[str, ArticleRecord]:
        raise NotImplementedError

    def iter_chunks(self, ids: Sequence[str] | None = None) -> Iterator[Hit]:
        raise NotImplementedError

    def chunk_ids(self) -> set[str]:
        raise NotImplementedError

    def unfinished_ids(self) -> set[str]:
        raise NotImplementedError

    def chunks(self, ids: Sequence[str]) -> dict[str, Hit]:
        """The chunks of ``ids`` whose article is ready, by id (score 0.0)."""
        if not ids:
            return {}
        unfinished = self.unfinished_ids()
        return {h.chunk_id: h for h in self.iter_chunks(ids) if h.article_id not in unfinished}

    def lexical_path(self) -> Path | None:
        return self.path / "bm25"

    @property
    def lexical_index(self) -> LexicalIndex:
        with self._lock:
            if self._lexical_index is None:
                from index.store.lexical import LexicalIndex

                self._lexical_index = LexicalIndex(self, self.lexical_path())
            return self._lexical_index

    def lexical(self, query: str, k: int, filters: Filters | None = None) -> list[LexicalHit]:
        return self.lexical_index.search(query, k, filters)

    def refresh_lexical(self) -> None:
        self.lexical_index.ensure()
