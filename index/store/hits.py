"""What the store returns: typed hits, and the filters a search takes.

``published`` is a :class:`datetime.date`, read once where a chunk leaves the store
(:func:`hit_from_meta`); nothing above the store parses a date string again.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


def day_number(day: dt.date | str | None) -> int:
    """A date as an integer Chroma and the lexical index can range-filter on; 0 when unknown."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10]) if day else None
    return day.toordinal() if day else 0


def as_date(iso_date: object) -> dt.date | None:
    """``YYYY-MM-DD...`` as a date; ``None`` when missing or unreadable."""
    if isinstance(iso_date, dt.date):
        return iso_date
    try:
        return dt.date.fromisoformat(str(iso_date)[:10]) if iso_date else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Hit:
    """A chunk the store found: ``text`` is ``article.body[start:end]``; ``score`` is the
    search's own (cosine similarity for dense search, 0.0 for chunks fetched by id)."""

    chunk_id: str
    article_id: str
    title: str
    source: str
    url: str
    published: dt.date | None
    start: int
    end: int
    text: str
    score: float

    @property
    def published_at(self) -> str | None:
        """``published`` as ``YYYY-MM-DD`` (for display and JSON)."""
        return self.published.isoformat() if self.published else None


@dataclass(frozen=True)
class LexicalHit:
    """A chunk the lexical (BM25) index ranked: its id and BM25 score."""

    chunk_id: str
    score: float


@dataclass(frozen=True)
class Filters:
    """Restrict a search to some outlets and a published-date range (inclusive), and leave
    out some articles (``exclude``: article ids; as if they were not in the store)."""

    sources: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    exclude: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.sources and self.since is None and self.until is None and not self.exclude

    def where(self) -> dict[str, Any] | None:
        """The filters as a Chroma ``where`` clause (``None`` when there are none)."""
        clauses: list[dict[str, Any]] = []
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.since is not None:
            clauses.append({"published_day": {"$gte": day_number(self.since)}})
        if self.until is not None:  # (an undated chunk, day 0, is in no date range)
            clauses.append({"published_day": {"$lte": day_number(self.until)}})
            clauses.append({"published_day": {"$gt": 0}})
        if self.exclude:
            clauses.append({"article_id": {"$nin": sorted(self.exclude)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def passes(self, source: str, published: dt.date | None, article_id: str) -> bool:
        """Whether one chunk passes (the in-memory store's search; Chroma's ``where`` does
        the same for the others)."""
        if self.sources and source not in self.sources:
            return False
        day = day_number(published)
        if self.since is not None and day < day_number(self.since):
            return False
        if self.until is not None and not 0 < day <= day_number(self.until):
            return False
        return article_id not in self.exclude


def chunk_meta(
    article_id: str,
    title: str,
    source: str,
    url: str,
    published_at: str | None,
    index: int,
    start: int,
    end: int,
) -> dict[str, Any]:
    """The metadata stored with each chunk (every backend stores the same)."""
    return {
        "article_id": article_id,
        "title": title,
        "source": source,
        "url": url,
        "published_at": published_at or "",
        "published_day": day_number(published_at),
        "chunk_index": index,
        "start": start,
        "end": end,
    }


def hit_from_meta(chunk_id: str, text: str, meta: Mapping[str, Any], score: float) -> Hit:
    """A stored chunk (its text and metadata) as a :class:`Hit`."""
    return Hit(
        chunk_id=chunk_id,
        article_id=str(meta["article_id"]),
        title=str(meta.get("title") or ""),
        source=str(meta.get("source") or ""),
        url=str(meta.get("url") or ""),
        published=as_date(meta.get("published_at")),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        score=score,
    )


@dataclass(frozen=True)
class SentenceVectors:
    """The vectors ingest computed for one chunk's sentences (``index.pooling``):
    ``starts[i]`` is the i-th sentence's start in the article's body and ``vectors[i]`` its
    unit vector, float16 (a zero row where the model did not read the sentence)."""

    starts: np.ndarray
    vectors: np.ndarray

    @classmethod
    def of(cls, starts: Sequence[int], vectors: np.ndarray) -> SentenceVectors:
        rows = np.asarray(vectors, dtype=np.float16).reshape(len(starts), -1)
        return cls(np.asarray(starts, dtype=np.int32), rows)

    def pack(self) -> bytes:
        """``<n, dim>`` (little-endian uint32), the starts (int32), the vectors (float16)."""
        n, dim = self.vectors.shape if self.vectors.ndim == 2 else (len(self.starts), 0)
        return (
            struct.pack("<2I", n, dim)
            + self.starts.astype("<i4").tobytes()
            + self.vectors.astype("<f2").tobytes()
        )

    @classmethod
    def unpack(cls, data: bytes) -> SentenceVectors:
        n, dim = struct.unpack_from("<2I", data)
        if len(data) != 8 + 4 * n + 2 * n * dim:
            raise ValueError(f"sentence vectors of {len(data)} bytes, not {n} x {dim}")
        starts = np.frombuffer(data, dtype="<i4", count=n, offset=8)
        vectors = np.frombuffer(data, dtype="<f2", count=n * dim, offset=8 + 4 * n)
        return cls(starts.astype(np.int32), vectors.reshape(n, dim).astype(np.float16))

    def by_start(self) -> dict[int, np.ndarray]:
        """``{start: float32 vector}`` for the sentences that have one."""
        read = np.any(self.vectors != 0, axis=1) if self.vectors.size else []
        return {
            int(s): self.vectors[i].astype(np.float32) for i, s in enumerate(self.starts) if read[i]
        }
