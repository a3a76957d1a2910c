"""The article registry every backend keeps: records, the paged listing, the store's meta
(schema, embedding model, generation). The backends differ only in where the rows live
(SQLite, a Chroma server collection, a dict); the rules are written once, here.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from index.articles import Article

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ArticleRecord:
    """An article as stored, with its bookkeeping."""

    article: Article
    n_chunks: int
    added_at: str
    updated_at: str


# What the Library table can be sorted by (``Store.list_articles``); ties go by id.
LISTING_SORTS = ("published_at", "title", "source", "n_chunks", "added_at")
# The orders ``Store.iter_articles`` takes: (field, descending) pairs, first key first.
ARTICLE_ORDERS: dict[str, tuple[tuple[str, bool], ...]] = {
    "published_at DESC, title": (("published_at", True), ("title", False)),
    "title": (("title", False),),
    "added_at DESC": (("added_at", True),),
    "id": (("id", False),),
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


def check_order(order: str) -> None:
    if order not in ARTICLE_ORDERS:
        raise ValueError(f"order must be one of {sorted(ARTICLE_ORDERS)}")


def now() -> str:
    """UTC now, to the microsecond: two additions a moment apart list in the order made."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def summary_of(record: ArticleRecord) -> ArticleSummary:
    a = record.article
    return ArticleSummary(
        id=a.id,
        title=a.title,
        source=a.source,
        url=a.url,
        published_at=a.published_at,
        n_chunks=record.n_chunks,
        added_at=record.added_at,
        origin=a.origin,
    )


def _haystack(row: ArticleSummary) -> str:
    return f"{row.title}\n{row.source}\n{row.id}\n{row.url}".casefold()


def _listing_key(sort: str, row: ArticleSummary) -> tuple[Any, ...]:
    """The order of the local store's SQL: no date sorts first, text by case, ties by id."""
    value = getattr(row, sort)
    if sort == "published_at":
        return (value is not None, value or "", row.id)
    if sort in ("title", "source"):
        return (value.casefold(), row.id)
    return (value, row.id)


def page_of(
    rows: Iterable[ArticleSummary],
    query: str,
    sort: str,
    descending: bool,
    limit: int,
    offset: int,
) -> ArticlePage:
    """The listing done in Python, as the local store's SQL does it (for the backends that
    cannot search and sort rows themselves)."""
    words = search_words(query)
    matching = [r for r in rows if all(w in _haystack(r) for w in words)]
    matching.sort(key=functools.partial(_listing_key, sort), reverse=descending)
    return ArticlePage(
        rows=tuple(matching[offset : offset + limit]),
        total=len(matching),
        offset=offset,
        limit=limit,
    )


def _order_value(key: str, row: tuple[str, Mapping[str, Any]]) -> str:
    return row[0] if key == "id" else str(row[1].get(key) or "")


def ordered_ids(rows: Iterable[tuple[str, Mapping[str, Any]]], order: str) -> list[str]:
    """The ids of ``(id, fields)`` rows in one of ``ARTICLE_ORDERS`` (a missing date first
    when ascending, as SQL's NULL)."""
    ordered = list(rows)
    for key, descending in reversed(ARTICLE_ORDERS[order]):  # stable sorts, last key first
        ordered.sort(key=functools.partial(_order_value, key), reverse=descending)
    return [article_id for article_id, _ in ordered]


def record_fields(article: Article, digest: str, when: str) -> dict[str, Any]:
    """An article's registry fields, flat (for the backends that keep them as metadata)."""
    return {
        "hash": digest,
        "state": "pending",
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "author": article.author,
        "published_at": article.published_at or "",
        "extra": json.dumps(dict(article.extra), ensure_ascii=False, default=str),
        "origin": article.origin,
        "n_chunks": 0,
        "added_at": when,
        "updated_at": when,
    }


def record_from_fields(article_id: str, body: str | None, meta: Mapping[str, Any]) -> ArticleRecord:
    article = Article(
        id=article_id,
        title=str(meta.get("title", "")),
        body=body or "",
        source=str(meta.get("source", "")),
        url=str(meta.get("url", "")),
        author=str(meta.get("author", "")),
        published_at=str(meta.get("published_at") or "") or None,
        extra=json.loads(str(meta.get("extra") or "{}")),
        origin=str(meta.get("origin", "")),
    )
    return ArticleRecord(
        article=article,
        n_chunks=int(meta.get("n_chunks") or 0),
        added_at=str(meta.get("added_at", "")),
        updated_at=str(meta.get("updated_at", "")),
    )


def summary_from_fields(article_id: str, meta: Mapping[str, Any]) -> ArticleSummary:
    return ArticleSummary(
        id=article_id,
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        url=str(meta.get("url", "")),
        published_at=str(meta.get("published_at") or "") or None,
        n_chunks=int(meta.get("n_chunks") or 0),
        added_at=str(meta.get("added_at", "")),
        origin=str(meta.get("origin", "")),
    )
