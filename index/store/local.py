"""A store in a directory: chunk vectors in Chroma, the article registry in SQLite, kept in step.

Layout of a store directory::

    DIR/chroma/          Chroma PersistentClient (collection "chunks", cosine space)
    DIR/articles.sqlite  one row per article (metadata, cleaned body, state), a meta table
                         and the vectors of each chunk's sentences (table sentence_vectors)
    DIR/bm25/            the lexical index (derived: rebuilt when missing)

Writes follow the protocol of :mod:`index.store.base`.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from index.articles import Article
from index.errors import StoreError
from index.store.chroma import ChromaChunks, open_chunks
from index.store.hits import SentenceVectors
from index.store.registry import (
    ArticlePage,
    ArticleRecord,
    ArticleSummary,
    check_listing,
    check_order,
    now,
    search_words,
)

logger = logging.getLogger(__name__)

COLLECTION = "chunks"
STORE_ENV = "ARTICLE_QA_STORE"

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
-- The vectors of each chunk's sentences (SentenceVectors.pack), for the answer stage.
CREATE TABLE IF NOT EXISTS sentence_vectors (
    chunk_id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS sentence_vectors_by_article ON sentence_vectors(article_id);
"""


def default_store_path() -> Path:
    """``$ARTICLE_QA_STORE``, else a per-user data directory."""
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("article-qa") / "store"


_LISTING_ORDER = {
    "published_at": "published_at",
    "title": "title COLLATE NOCASE",
    "source": "source COLLATE NOCASE",
    "n_chunks": "n_chunks",
    "added_at": "added_at",
}


def _fold(value: str | None) -> str:
    return (value or "").casefold()


class LocalStore(ChromaChunks):
    """One store directory. Constructing it touches nothing; it opens on first use."""

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

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            self._collection = None
            self._lexical_index = None

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

    # -- reading articles ----------------------------------------------------------------

    def states(self, ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """``{id: (hash, state, origin)}`` for the ids the store knows."""
        rows = self._rows_in("SELECT id, hash, state, origin FROM articles WHERE id IN ({})", ids)
        return {row[0]: (row[1], row[2], row[3]) for row in rows}

    def _rows_in(self, query: str, ids: Iterable[str]) -> list[tuple[Any, ...]]:
        """The rows of ``query`` (its ``{}`` an ``IN`` list) for ``ids``, 500 ids a request."""
        wanted = list(dict.fromkeys(ids))
        rows: list[tuple[Any, ...]] = []
        with self._lock:
            for i in range(0, len(wanted), 500):
                part = wanted[i : i + 500]
                rows.extend(self.db.execute(query.format(",".join("?" * len(part))), part))
        return rows

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

    def get_many(self, ids: Iterable[str]) -> dict[str, ArticleRecord]:
        query = f"SELECT {_COLUMNS} FROM articles WHERE state = 'ready' AND id IN ({{}})"
        records = (_record(row) for row in self._rows_in(query, ids))
        return {rec.article.id: rec for rec in records}

    def iter_articles(self, order: str = "published_at DESC, title") -> Iterator[ArticleRecord]:
        check_order(order)
        if not self.exists():
            return
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
        when = now()
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
                        when,
                        when,
                    )
                    for a, h in articles
                ],
            )
            self.db.commit()

    def finish(self, counts: dict[str, int]) -> None:
        """Step 3: mark the articles ready, with their chunk counts."""
        with self._lock:
            self.db.executemany(
                "UPDATE articles SET state = 'ready', n_chunks = ? WHERE id = ?",
                [(n, article_id) for article_id, n in counts.items()],
            )
            self._bump_generation()
            self.db.commit()

    def put_sentences(self, rows: Sequence[tuple[str, str, SentenceVectors]]) -> None:
        with self._lock:
            self.db.executemany(
                "INSERT OR REPLACE INTO sentence_vectors(chunk_id, article_id, data)"
                " VALUES (?, ?, ?)",
                [(c, a, v.pack()) for c, a, v in rows],
            )
            self.db.commit()

    def _drop_sentences(self, article_ids: Sequence[str]) -> None:
        with self._lock:
            self.db.executemany(
                "DELETE FROM sentence_vectors WHERE article_id = ?", [(a,) for a in article_ids]
            )
            self.db.commit()

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, SentenceVectors]:
        query = "SELECT chunk_id, data FROM sentence_vectors WHERE chunk_id IN ({})"
        return {c: SentenceVectors.unpack(d) for c, d in self._rows_in(query, ids)}

    def remove(self, article_id: str) -> bool:
        """Delete an article and all its chunks. Returns whether it was there."""
        with self._lock:
            found = self.db.execute(
                "UPDATE articles SET state = 'removing' WHERE id = ?", (article_id,)
            ).rowcount
            self.db.commit()
        if not found:
            return False
        self._delete_chunks(article_id)
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
