"""The store: every byte on disk and every call to Chroma or the lexical index goes
through here. :func:`open_store` picks the backend for a location; all of them offer the
:class:`Store` interface (see :mod:`index.store.base` for the write protocol).

- a directory: :class:`LocalStore` (Chroma on disk, SQLite registry);
- ``http(s)://host:port[/name]``: :class:`ServerStore` (a Chroma server);
- ``memory:`` or ``memory:NAME``: :class:`MemoryStore` (tests, short scripts).
"""

from __future__ import annotations

import weakref
from pathlib import Path

from index.store.base import Store
from index.store.chroma import HNSW_EF_SEARCH
from index.store.hits import Filters, Hit, LexicalHit, day_number
from index.store.local import STORE_ENV, LocalStore, default_store_path
from index.store.registry import (
    LISTING_SORTS,
    SCHEMA_VERSION,
    ArticlePage,
    ArticleRecord,
    ArticleSummary,
)

__all__ = [
    "HNSW_EF_SEARCH",
    "LISTING_SORTS",
    "SCHEMA_VERSION",
    "STORE_ENV",
    "ArticlePage",
    "ArticleRecord",
    "ArticleSummary",
    "Filters",
    "Hit",
    "LexicalHit",
    "LocalStore",
    "Store",
    "day_number",
    "default_store_path",
    "is_named",
    "is_url",
    "open_store",
]

_MEMORY: dict[str, Store] = {}  # memory:NAME lives as long as the process
_ANONYMOUS: weakref.WeakValueDictionary[str, Store] = weakref.WeakValueDictionary()


def is_url(location: object) -> bool:
    """Whether ``location`` names a Chroma server (``http://`` or ``https://``)."""
    return isinstance(location, str) and location.startswith(("http://", "https://"))


def is_named(location: object) -> bool:
    """Whether ``location`` names a store that is not a directory (a server or ``memory:``)."""
    return is_url(location) or (isinstance(location, str) and location.startswith("memory:"))


def open_store(location: str | Path | Store | None = None) -> Store:
    """The store at ``location``: a directory (default ``$ARTICLE_QA_STORE``, else a per-user
    data folder), a Chroma server URL, or ``memory:NAME`` (the same object for the same name
    within a process; ``memory:`` alone makes a new one, found again by its ``location`` while
    it is in use). A store passed in is returned as it is. Nothing is opened until used."""
    if location is not None and not isinstance(location, str | Path):
        return location  # already a store
    if is_url(location):
        from index.store.server import ServerStore

        return ServerStore(str(location))
    if isinstance(location, str) and location.startswith("memory:"):
        from index.store.memory import MemoryStore

        name = location.removeprefix("memory:")
        if not name:
            made = MemoryStore()
            _ANONYMOUS[made.name] = made
            return made
        if name in _ANONYMOUS:
            return _ANONYMOUS[name]
        if name not in _MEMORY:
            _MEMORY[name] = MemoryStore(name)
        return _MEMORY[name]
    return LocalStore(location)
