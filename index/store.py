"""The store: chunk vectors in Chroma, the article registry in SQLite, kept in step.

Layout of a store directory::

    DIR/chroma/          Chroma PersistentClient (collection "chunks", cosine space)
    DIR/articles.sqlite  one row per article (metadata, cleaned body, state) + a meta table

Writes follow one protocol so that an error or Ctrl-C at any point leaves a store that the
next run completes: (1) the articles are marked ``pending`` in SQLite, (2) their old chunks are
deleted from Chroma and the new ones added, (3) they are marked ``ready``. Readers see only
``ready`` articles; a ``pending`` one is redone by the next ingest whatever its hash.

The store remembers which embedding model (and dimension) built it and refuses vectors of
another model.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.articles import Article
from index.chunking import Chunk
from index.errors import StoreError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
COLLECTION = "chunks"
STORE_ENV = "ARTICLE_QA_STORE"
# Measured (benchmarks/scale.py, docs/benchmarks.md): the dense retriever asks for 100
# neighbours, and hnswlib searches max(ef_search, k) candidates, so Chroma's default of 100
# found 96% of the exact top 100 on 18k real chunks; 200 finds 98.9-99.0% for +0.3 ms.
HNSW_EF_SEARCH = 200

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    author TEXT NOT NULL,
    published_at TEXT,
    extra TEXT NOT NULL,
    body TEXT NOT NULL,
    origin TEXT NOT NULL,
    n_chunks INTEGER NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_state ON articles(state);
-- The Library listing (Store.list_articles): one index per sort key, so a page is a walk.
CREATE INDEX IF NOT EXISTS articles_by_date ON articles(state, published_at, id);
CREATE INDEX IF NOT EXISTS articles_by_title ON articles(state, title COLLATE NOCASE, id);
CREATE INDEX IF NOT EXISTS articles_by_source ON articles(state, source COLLATE NOCASE, id);
CREATE INDEX IF NOT EXISTS articles_by_added ON articles(state, added_at, id);
CREATE INDEX IF NOT EXISTS articles_by_chunks ON articles(state, n_chunks, id);
"""


def open_chunks(client: Any, name: str) -> Any:
    """The chunk collection (cosine space), created with ``HNSW_EF_SEARCH``; an older store
    with a lower setting is raised to it (Chroma applies that when it next loads the index)."""
    collection = client.get_or_create_collection(
        name,
        embedding_function=None,
        configuration={"hnsw": {"space": "cosine", "ef_search": HNSW_EF_SEARCH}},
    )
    hnsw = (collection.configuration or {}).get("hnsw") or {}
    if int(hnsw.get("ef_search") or HNSW_EF_SEARCH) < HNSW_EF_SEARCH:
        collection.modify(configuration={"hnsw": {"ef_search": HNSW_EF_SEARCH}})
    return collection


def default_store_path() -> Path:
    """``$ARTICLE_QA_STORE``, else a per-user data directory."""
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("article-qa") / "store"


def day_number(iso_date: str | None) -> int:
    """A date as an integer Chroma can range-filter on; 0 when unknown."""
    return dt.date.fromisoformat(iso_date).toordinal() if iso_date else 0


@dataclass(frozen=True)
class ArticleRecord:
    """An article as stored, with its bookkeeping."""

    article: Article
    n_chunks: int
    added_at: str
    updated_at: str


# What the Library table can be sorted by (``Store.list_articles``); ties go by id.
LISTING_SORTS = ("published_at", "title", "source", "n_chunks", "added_at")
_LISTING_ORDER = {
    "published_at": "published_at",
    "title": "title COLLATE NOCASE",
    "source": "source COLLATE NOCASE",
    "n_chunks": "n_chunks",
    "added_at": "added_at",
}


@dataclass(frozen=True)
class ArticleSummary:
    """One row of the article listing: what a table shows, without the body."""

    id: str
    title: str
    source: str
    url: str
    published_at: str | None
    n_chunks: int
    added_at: str
    origin: str


@dataclass(frozen=True)
class ArticlePage:
    """A page of the listing: ``rows`` are ``offset .. offset + len(rows)`` of ``total``
    matching articles."""

    rows: tuple[ArticleSummary, ...]
    total: int
    offset: int
    limit: int


def search_words(query: str) -> list[str]:
    """The words of a listing search, case-folded: an article matches when its title,
    outlet, id or url contains every one of them."""
    return query.casefold().split()


def check_listing(sort: str, limit: int, offset: int) -> None:
    if sort not in LISTING_SORTS:
        raise ValueError(f"sort must be one of {', '.join(LISTING_SORTS)}, not {sort!r}")
    if limit < 1 or offset < 0:
        raise ValueError(f"limit must be >= 1 and offset >= 0 (got {limit}, {offset})")


def _fold(value: str | None) -> str:
    return (value or "").casefold()


def _now() -> str:
    """UTC now, to the microsecond: two additions a moment apart list in the order made."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


class Store:
    """One store directory. Constructing it touches nothing; it opens on first use.

    ``Store("http://host:8000")`` (any ``http(s)://`` URL) gives a
    :class:`index.remote.RemoteStore` instead: the same interface over a Chroma server.
    """

    def __new__(cls, path: str | Path | None = None) -> Store:
        if cls is Store and isinstance(path, str) and path.startswith(("http://", "https://")):
            from index.remote import RemoteStore

            return super().__new__(RemoteStore)
        return super().__new__(cls)

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self._db: sqlite3.Connection | None = None
        self._collection: Any = None
        self._collection_generation: str | None = None
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"

    @property
    def location(self) -> str:
        """Where the store is, for messages: its directory or its server URL."""
        return str(self.path)

    # -- opening -------------------------------------------------------------------------

    def exists(self) -> bool:
        return (self.path / "articles.sqlite").exists()

    @property
    def db(self) -> sqlite3.Connection:
        with self._lock:
            if self._db is None:
                if self.path.exists() and not self.path.is_dir():
                    raise StoreError(f"{self.path} is a file, not a store directory")
                self.path.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(
                    self.path / "articles.sqlite", check_same_thread=False, timeout=30
                )
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                db.commit()
                self._db = db
                self._check_schema()
            return self._db

    @property
    def collection(self) -> Any:
        with self._lock:
            if self._collection is not None and self._collection_generation != self.generation():
                # Another process (an ingest beside a running app) changed the store: Chroma's
                # local client keeps its index in memory, so open this path afresh (objects
                # still holding the old client keep working on what they had).
                from chromadb.api.shared_system_client import SharedSystemClient

                SharedSystemClient._identifier_to_system.pop(str(self.path / "chroma"), None)
                self._collection = None
            if self._collection is None:
                self._collection_generation = self.generation()
                import chromadb
                from chromadb.config import Settings as ChromaSettings

                self.db  # noqa: B018 - creates the directory and checks the schema first
                client = chromadb.PersistentClient(
                    path=str(self.path / "chroma"),
                    settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
                )
                self._collection = open_chunks(client, COLLECTION)
            return self._collection

    def vector_store(self) -> Any:
        """The chunk collection as a LlamaIndex ``ChromaVectorStore``."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            self._collection = None

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

    # -- metadata ------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        with self._lock:
            rows = self.db.execute("SELECT key, value FROM meta").fetchall()
        return dict(rows)

    def _set_meta(self, **values: str) -> None:
        with self._lock:
            self.db.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )
            self.db.commit()

    def generation(self) -> str:
        """Changes whenever the set of ready chunks changes (derived indexes key on it)."""
        return self.meta().get("generation", "0")

    def _bump_generation(self) -> None:
        """Inside the caller's transaction: mark that the ready chunks have changed (this
        process's own Chroma client has seen the change)."""
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )
        if self._collection is not None:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            self._collection_generation = row[0]

    @property
    def embed_model(self) -> str | None:
        return self.meta().get("embed_model")

    def bind_model(self, name: str, dimension: int) -> None:
        """Record the embedding model on first write; refuse any other model afterwards."""
        if "embed_model" not in self.meta():
            self._set_meta(embed_model=name, dimension=str(dimension))
            return
        self.check_model(name, dimension)

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

    # -- reading articles ----------------------------------------------------------------

    def states(self, ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """``{id: (hash, state, origin)}`` for the ids the store knows."""
        found: dict[str, tuple[str, str, str]] = {}
        with self._lock:
            for i in range(0, len(ids), 500):
                part = list(ids[i : i + 500])
                marks = ",".join("?" * len(part))
                rows = self.db.execute(
                    f"SELECT id, hash, state, origin FROM articles WHERE id IN ({marks})", part
                ).fetchall()
                found.update({row[0]: (row[1], row[2], row[3]) for row in rows})
        return found

    def unfinished_ids(self) -> set[str]:
        with self._lock:
            rows = self.db.execute("SELECT id FROM articles WHERE state != 'ready'").fetchall()
        return {row[0] for row in rows}

    def count(self) -> int:
        if not self.exists():
            return 0
        with self._lock:
            row = self.db.execute("SELECT COUNT(*) FROM articles WHERE state = 'ready'").fetchone()
        return int(row[0])

    def is_empty(self) -> bool:
        """Whether no article is ready (cheaper than ``count() == 0`` on a server)."""
        return self.count() == 0

    def count_chunks(self) -> int:
        return int(self.collection.count())

    def get(self, article_id: str) -> ArticleRecord | None:
        with self._lock:
            row = self.db.execute(
                f"SELECT {_COLUMNS} FROM articles WHERE id = ? AND state = 'ready'",
                (article_id,),
            ).fetchone()
        return _record(row) if row else None

    def get_many(self, ids: Iterable[str]) -> dict[str, ArticleRecord]:
        wanted = list(dict.fromkeys(ids))
        out: dict[str, ArticleRecord] = {}
        with self._lock:
            for i in range(0, len(wanted), 500):
                part = wanted[i : i + 500]
                marks = ",".join("?" * len(part))
                rows = self.db.execute(
                    f"SELECT {_COLUMNS} FROM articles WHERE state = 'ready' AND id IN ({marks})",
                    part,
                ).fetchall()
                for row in rows:
                    rec = _record(row)
                    out[rec.article.id] = rec
        return out

    def iter_articles(self, order: str = "published_at DESC, title") -> Iterator[ArticleRecord]:
        if not self.exists():
            return
        allowed = {"published_at DESC, title", "title", "added_at DESC", "id"}
        if order not in allowed:
            raise ValueError(f"order must be one of {sorted(allowed)}")
        with self._lock:
            rows = self.db.execute(
                f"SELECT {_COLUMNS} FROM articles WHERE state = 'ready' ORDER BY {order}"
            ).fetchall()
        for row in rows:
            yield _record(row)

    def sources(self) -> list[str]:
        with self._lock:
            rows = self.db.execute(
                "SELECT DISTINCT source FROM articles WHERE state = 'ready' AND source != '' "
                "ORDER BY source"
            ).fetchall()
        return [row[0] for row in rows]

    def list_articles(
        self,
        query: str = "",
        sort: str = "published_at",
        descending: bool = True,
        limit: int = 50,
        offset: int = 0,
    ) -> ArticlePage:
        """A page of the ready articles for a table: those whose title, outlet, id or url
        contains every word of ``query`` (any case), sorted by ``sort`` (one of
        ``LISTING_SORTS``; ties by id), ``limit`` rows from ``offset``. The database does the
        search, sort and paging (indexes per sort key), so a page costs the same at 25,000
        articles as at 25; bodies are never read."""
        check_listing(sort, limit, offset)
        if not self.exists():
            return ArticlePage(rows=(), total=0, offset=offset, limit=limit)
        words = search_words(query)
        where = "state = 'ready'"
        if words:
            haystack = "aqa_fold(title || char(10) || source || char(10) || id || char(10) || url)"
            where += "".join(f" AND instr({haystack}, ?) > 0" for _ in words)
        direction = "DESC" if descending else "ASC"
        order = f"{_LISTING_ORDER[sort]} {direction}, id {direction}"
        with self._lock:
            self.db.create_function("aqa_fold", 1, _fold, deterministic=True)
            total = self.db.execute(f"SELECT COUNT(*) FROM articles WHERE {where}", words)
            count = int(total.fetchone()[0])
            rows = self.db.execute(
                "SELECT id, title, source, url, published_at, n_chunks, added_at, origin"
                f" FROM articles WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                [*words, limit, offset],
            ).fetchall()
        return ArticlePage(
            rows=tuple(ArticleSummary(*row) for row in rows),
            total=count,
            offset=offset,
            limit=limit,
        )

    # -- writing -------------------------------------------------------------------------

    def begin(self, articles: Sequence[tuple[Article, str]]) -> None:
        """Step 1: mark these (article, hash) pairs pending, with their new content."""
        now = _now()
        with self._lock:
            self.db.executemany(
                "INSERT INTO articles(id, hash, state, title, source, url, author, published_at,"
                " extra, body, origin, n_chunks, added_at, updated_at)"
                " VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, state = 'pending',"
                " title = excluded.title, source = excluded.source, url = excluded.url,"
                " author = excluded.author, published_at = excluded.published_at,"
                " extra = excluded.extra, body = excluded.body, origin = excluded.origin,"
                " updated_at = excluded.updated_at",
                [
                    (
                        a.id,
                        h,
                        a.title,
                        a.source,
                        a.url,
                        a.author,
                        a.published_at,
                        json.dumps(dict(a.extra), ensure_ascii=False, default=str),
                        a.body,
                        a.origin,
                        now,
                        now,
                    )
                    for a, h in articles
                ],
            )
            self.db.commit()

    def replace_chunks(
        self,
        articles: Sequence[Article],
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        keep_others: bool = False,
    ) -> None:
        """Step 2: delete the articles' old chunks and add the new ones (with vectors).
        ``keep_others``: add only (the further parts of the articles' chunks, after a first
        call that deleted the old ones)."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        by_id = {a.id: a for a in articles}
        collection = self.collection
        ids = list(by_id)
        for i in range(0, 0 if keep_others else len(ids), 100):
            collection.delete(where={"document_id": {"$in": ids[i : i + 100]}})
        nodes = []
        for chunk, vector in zip(chunks, vectors, strict=True):
            article = by_id[chunk.article_id]
            nodes.append(
                TextNode(
                    id_=chunk.id,
                    text=chunk.text,
                    embedding=[float(x) for x in vector],
                    start_char_idx=chunk.start,
                    end_char_idx=chunk.end,
                    metadata={
                        "article_id": article.id,
                        "title": article.title,
                        "source": article.source,
                        "url": article.url,
                        "published_at": article.published_at or "",
                        "published_day": day_number(article.published_at),
                        "chunk_index": chunk.index,
                        "start": chunk.start,
                        "end": chunk.end,
                    },
                    relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=article.id)},
                )
            )
        if nodes:
            batch = max(1, int(collection._client.get_max_batch_size()))
            vector_store = self.vector_store()
            for i in range(0, len(nodes), batch):
                vector_store.add(nodes[i : i + batch])

    def finish(self, counts: dict[str, int]) -> None:
        """Step 3: mark the articles ready, with their chunk counts."""
        with self._lock:
            self.db.executemany(
                "UPDATE articles SET state = 'ready', n_chunks = ? WHERE id = ?",
                [(n, article_id) for article_id, n in counts.items()],
            )
            self._bump_generation()
            self.db.commit()

    def remove(self, article_id: str) -> bool:
        """Delete an article and all its chunks. Returns whether it was there."""
        with self._lock:
            found = self.db.execute(
                "UPDATE articles SET state = 'removing' WHERE id = ?", (article_id,)
            ).rowcount
            self.db.commit()
        if not found:
            return False
        self.collection.delete(where={"document_id": article_id})
        with self._lock:
            self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            self._bump_generation()
            self.db.commit()
        return True


_COLUMNS = (
    "id, title, body, source, url, author, published_at, extra, origin, n_chunks, added_at,"
    " updated_at"
)


def _record(row: Sequence[Any]) -> ArticleRecord:
    article = Article(
        id=row[0],
        title=row[1],
        body=row[2],
        source=row[3],
        url=row[4],
        author=row[5],
        published_at=row[6],
        extra=json.loads(row[7]),
        origin=row[8],
    )
    return ArticleRecord(article=article, n_chunks=row[9], added_at=row[10], updated_at=row[11])
