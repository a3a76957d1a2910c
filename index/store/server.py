"""A store on a Chroma server, chosen by URL: ``--store http://host:8000[/name]``.

Everything lives on the server, so every app instance that points at the same URL sees the
same store:

- collection ``NAME-chunks``: the chunk vectors, exactly as in a local store;
- collection ``NAME-articles``: the article registry (one record per article: the cleaned body
  as document, the bookkeeping as metadata, a constant 1-d vector that is never searched);
  its collection metadata holds the store's meta (schema, embedding model, generation);
- collection ``NAME-sentences``: the vectors of each chunk's sentences, one record per chunk
  (``SentenceVectors.pack``, base64, in its metadata; a constant 1-d vector).

``NAME`` defaults to ``article-qa``. The generation is a fresh random token on every change,
so concurrent writers can never produce the same value twice. The BM25 index is derived data:
each machine keeps its own copy in a local cache directory and rebuilds it from the server's
documents whenever the generation differs. A bearer token for a server behind
authentication comes from ``$ARTICLE_QA_CHROMA_TOKEN``.
"""

from __future__ import annotations

import base64
import functools
import inspect
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from index.articles import Article
from index.errors import StoreError, StoreLost
from index.store.chroma import ChromaChunks, open_chunks
from index.store.hits import SentenceVectors
from index.store.registry import (
    SCHEMA_VERSION,
    ArticlePage,
    ArticleRecord,
    ArticleSummary,
    check_listing,
    check_order,
    now,
    ordered_ids,
    page_of,
    record_fields,
    record_from_fields,
    summary_from_fields,
)

logger = logging.getLogger(__name__)

TOKEN_ENV = "ARTICLE_QA_CHROMA_TOKEN"
DEFAULT_NAME = "article-qa"
_PAGE = 1000


def _cache_dir(url: str) -> Path:
    from platformdirs import user_cache_path

    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", url.split("://", 1)[1]).strip("_")
    return user_cache_path("article-qa") / "servers" / slug


class ServerStore(ChromaChunks):
    """The :class:`index.store.Store` interface over a Chroma server (see the module doc)."""

    # (generation, rows) of the last listing: see list_articles.
    _listing_cache: tuple[str, list[ArticleSummary]] | None = None

    def __init__(self, path: str | Path | None = None) -> None:
        url = str(path)
        parts = urlsplit(url)
        if not parts.hostname:
            raise StoreError(f"{url!r} is not a Chroma server URL (like http://host:8000)")
        name = parts.path.strip("/") or DEFAULT_NAME
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,50}[A-Za-z0-9]", name):
            raise StoreError(
                f"store name {name!r} in {url} must be 3-52 letters, digits, '.', '_' or '-'"
            )
        self.path = _cache_dir(url)
        self._lock = threading.RLock()
        self._collection: Any = None
        self.url = url
        self.name = name
        self._host = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 8000)
        self._ssl = parts.scheme == "https"
        self._client: Any = None
        self._articles: Any = None
        self._sentences: Any = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"

    @property
    def location(self) -> str:
        return self.url

    # -- opening -------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                import chromadb
                from chromadb.config import Settings as ChromaSettings

                token = os.environ.get(TOKEN_ENV)
                try:
                    client = chromadb.HttpClient(
                        host=self._host,
                        port=self._port,
                        ssl=self._ssl,
                        headers={"Authorization": f"Bearer {token}"} if token else None,
                        settings=ChromaSettings(anonymized_telemetry=False),
                    )
                    client.heartbeat()
                except Exception as exc:
                    raise StoreError(
                        f"cannot reach the Chroma server at {self.url} ({exc}); start one with "
                        "`chroma run --path DIR --host HOST --port PORT`"
                    ) from exc
                self._client = client
            return self._client

    def exists(self) -> bool:
        names = {getattr(c, "name", c) for c in self.client.list_collections()}
        return f"{self.name}-articles" in names

    @property
    def articles(self) -> Any:
        with self._lock:
            if self._articles is None:
                self._articles = self.client.get_or_create_collection(
                    f"{self.name}-articles",
                    embedding_function=None,
                    metadata={"schema_version": str(SCHEMA_VERSION), "generation": "0"},
                )
                self._check_schema()
            return self._articles

    @property
    def collection(self) -> Any:
        with self._lock:
            if self._collection is None:
                self.articles  # noqa: B018 - checks the schema first
                self._collection = open_chunks(self.client, f"{self.name}-chunks")
            return self._collection

    @property
    def sentences(self) -> Any:
        """Collection ``NAME-sentences``: one record per chunk, its sentence vectors packed
        (``SentenceVectors.pack``, base64) in the metadata, a constant 1-d vector."""
        with self._lock:
            if self._sentences is None:
                self._sentences = self.client.get_or_create_collection(
                    f"{self.name}-sentences", embedding_function=None
                )
            return self._sentences

    def close(self) -> None:
        with self._lock:
            self._client = self._articles = self._collection = self._sentences = None
            self._lexical_index = None

    # -- metadata ------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        with self._lock:
            self.articles  # noqa: B018 - creates the registry on first use
            collection = self.client.get_collection(f"{self.name}-articles")  # fresh metadata
            return {k: str(v) for k, v in (collection.metadata or {}).items()}

    def _set_meta(self, **values: str) -> None:
        with self._lock:
            self.articles.modify(metadata={**self.meta(), **values})

    def _bump_generation(self) -> None:
        self._set_meta(generation=uuid.uuid4().hex)

    def generation(self) -> str:
        return self.meta().get("generation", "0") if self.exists() else "0"

    # -- reading articles ----------------------------------------------------------------

    def _get(self, **kwargs: Any) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
        """``(id, body, metadata)`` for the matching records, paged."""
        include = kwargs.pop("include", ["metadatas"])
        offset = 0
        while True:
            page = self.articles.get(include=include, limit=_PAGE, offset=offset, **kwargs)
            documents = page.get("documents") or [None] * len(page["ids"])
            metadatas = page.get("metadatas") or [{}] * len(page["ids"])
            yield from zip(page["ids"], documents, metadatas, strict=True)
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def _by_ids(
        self, ids: Sequence[str], include: list[str]
    ) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
        """``(id, body, metadata)`` for those of ``ids`` the server knows, whatever their
        state (``body`` is ``None`` unless ``include`` asks for documents)."""
        for i in range(0, len(ids), 500):
            page = self.articles.get(ids=list(ids[i : i + 500]), include=include)
            documents = page.get("documents") or [None] * len(page["ids"])
            yield from zip(page["ids"], documents, page["metadatas"], strict=True)

    def _ready_by_ids(
        self, ids: Sequence[str], include: list[str]
    ) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
        return (row for row in self._by_ids(ids, include) if row[2].get("state") == "ready")

    def _metas(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The registry metadata of those of ``ids`` the server knows, whatever their state."""
        return {i: meta for i, _, meta in self._by_ids(ids, ["metadatas"])}

    def states(self, ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        return {
            i: (str(m["hash"]), str(m["state"]), str(m["origin"]))
            for i, m in self._metas(ids).items()
        }

    def unfinished_ids(self) -> set[str]:
        return {i for i, _, _ in self._get(where={"state": {"$ne": "ready"}}, include=[])}

    def count(self) -> int:
        if not self.exists():
            return 0
        return sum(1 for _ in self._get(where={"state": "ready"}, include=[]))

    def is_empty(self) -> bool:
        if not self.exists():
            return True
        return not self.articles.get(where={"state": "ready"}, limit=1, include=[])["ids"]

    def get_many(self, ids: Iterable[str]) -> dict[str, ArticleRecord]:
        wanted = list(dict.fromkeys(ids))
        return {
            article_id: record_from_fields(article_id, body, meta)
            for article_id, body, meta in self._ready_by_ids(wanted, ["metadatas", "documents"])
        }

    def iter_articles(self, order: str = "published_at DESC, title") -> Iterator[ArticleRecord]:
        check_order(order)
        if not self.exists():
            return
        ids = ordered_ids(((i, meta) for i, _, meta in self._get(where={"state": "ready"})), order)
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            records = self.get_many(part)
            yield from (records[a] for a in part if a in records)

    def sources(self) -> list[str]:
        ready = self._get(where={"state": "ready"})
        return sorted({str(meta.get("source") or "") for _, _, meta in ready} - {""})

    def list_articles(
        self,
        query: str = "",
        sort: str = "published_at",
        descending: bool = True,
        limit: int = 50,
        offset: int = 0,
    ) -> ArticlePage:
        """:meth:`Store.list_articles` on the server. Chroma can neither sort nor search
        metadata by substring, so the registry's metadata (never the bodies) is read once per
        store generation, 1,000 records a request, and kept here: later pages, sorts and
        searches cost no request but the generation check, until the store changes."""
        check_listing(sort, limit, offset)
        if not self.exists():
            return ArticlePage(rows=(), total=0, offset=offset, limit=limit)
        return page_of(self._listing_rows(), query, sort, descending, limit, offset)

    def _listing_rows(self) -> list[ArticleSummary]:
        generation = self.generation()
        cached = self._listing_cache
        if cached is not None and cached[0] == generation:
            return cached[1]
        rows = [
            summary_from_fields(article_id, meta)
            for article_id, _, meta in self._get(where={"state": "ready"})
        ]
        self._listing_cache = (generation, rows)
        return rows

    # -- writing -------------------------------------------------------------------------

    def begin(self, articles: Sequence[tuple[Article, str]]) -> None:
        when = now()
        known = self._metas([a.id for a, _ in articles])
        metadatas = []
        for article, digest in articles:
            meta = record_fields(article, digest, when)
            meta["added_at"] = known.get(article.id, {}).get("added_at", when)
            metadatas.append(meta)
        self.articles.upsert(
            ids=[a.id for a, _ in articles],
            embeddings=[[1.0]] * len(articles),
            documents=[a.body for a, _ in articles],
            metadatas=metadatas,
        )

    def finish(self, counts: dict[str, int]) -> None:
        ids = list(counts)
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            self.articles.update(
                ids=part, metadatas=[{"state": "ready", "n_chunks": counts[a]} for a in part]
            )
        self._bump_generation()

    def put_sentences(self, rows: Sequence[tuple[str, str, SentenceVectors]]) -> None:
        for i in range(0, len(rows), 500):
            part = rows[i : i + 500]
            self.sentences.upsert(
                ids=[c for c, _, _ in part],
                embeddings=[[1.0]] * len(part),
                metadatas=[
                    {"document_id": a, "data": base64.b64encode(v.pack()).decode()}
                    for _, a, v in part
                ],
            )

    def _drop_sentences(self, article_ids: Sequence[str]) -> None:
        for i in range(0, len(article_ids), 100):
            self.sentences.delete(where={"document_id": {"$in": list(article_ids[i : i + 100])}})

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, SentenceVectors]:
        found: dict[str, SentenceVectors] = {}
        wanted = list(dict.fromkeys(ids))
        for i in range(0, len(wanted), 500):
            page = self.sentences.get(ids=wanted[i : i + 500], include=["metadatas"])
            for chunk_id, meta in zip(page["ids"], page["metadatas"], strict=True):
                found[chunk_id] = SentenceVectors.unpack(base64.b64decode(str(meta["data"])))
        return found

    def remove(self, article_id: str) -> bool:
        if not self.articles.get(ids=[article_id], include=[])["ids"]:
            return False
        self.articles.update(ids=[article_id], metadatas=[{"state": "removing"}])
        self._delete_chunks(article_id)
        self.articles.delete(ids=[article_id])
        self._bump_generation()
        return True


def is_lost_connection(exc: BaseException) -> bool:
    """Whether ``exc`` is the Chroma client failing to reach its server (refused, reset,
    timed out), not an answer from it."""
    import httpx

    return isinstance(exc, httpx.TransportError | ConnectionError)


def _lost(store: ServerStore, exc: BaseException) -> StoreLost:
    return StoreLost(
        f"lost the Chroma server at {store.url} ({exc or type(exc).__name__}); once it "
        "answers again, run the same command again"
    )


def _translated(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` of a ServerStore, with a lost connection raised as :class:`StoreLost`
    (also while a generator it returns is iterated)."""

    @functools.wraps(func)
    def wrapper(self: ServerStore, *args: Any, **kwargs: Any) -> Any:
        try:
            result = func(self, *args, **kwargs)
        except Exception as exc:
            if is_lost_connection(exc):
                raise _lost(self, exc) from exc
            raise
        if inspect.isgenerator(result):
            return _translated_iter(self, result)
        return result

    return wrapper


def _translated_iter(store: ServerStore, items: Iterator[Any]) -> Iterator[Any]:
    try:
        yield from items
    except Exception as exc:
        if is_lost_connection(exc):
            raise _lost(store, exc) from exc
        raise


# Every method and property of a ServerStore (its own and those it inherits) says
# "lost the Chroma server" in one line instead of an httpx traceback.
for _name in dir(ServerStore):
    if _name.startswith("__"):
        continue
    _attr = inspect.getattr_static(ServerStore, _name)
    if isinstance(_attr, property) and _attr.fget is not None:
        setattr(ServerStore, _name, property(_translated(_attr.fget), _attr.fset))
    elif inspect.isfunction(_attr):
        setattr(ServerStore, _name, _translated(_attr))
