"""A BM25 index over the store's chunks (title, outlet and date included), kept in step.

The index is derived data: it is rebuilt from the chunk collection itself whenever the
store's generation (bumped by every completed write or removal) differs from the one it was
built at, so an interrupted ingest can never leave BM25 and Chroma disagreeing. Ingest
rebuilds it at the end, so questions do not pay for it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from index.store import Store

logger = logging.getLogger(__name__)

FORMAT = 1
_PAGE = 5000


@dataclass(frozen=True)
class BM25Hit:
    chunk_id: str
    score: float


def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def _tokenize(texts: Sequence[str]) -> Any:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), show_progress=False)


def bm25_text(document: str, meta: dict[str, Any]) -> str:
    """What BM25 reads for a chunk: its context (title, outlet, date) and its text."""
    header = " ".join(str(meta.get(k) or "") for k in ("title", "source", "published_at"))
    return f"{header}\n{document}"


class BM25Index:
    """Sparse retrieval over one store; loads or rebuilds itself on first use."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.path = store.path / "bm25"
        self._lock = threading.Lock()
        self._model: Any = None
        self._ids: list[str] = []
        self._sources: np.ndarray = np.array([], dtype=object)
        self._days: np.ndarray = np.array([], dtype=np.int64)
        self._generation: str | None = None

    # -- building ------------------------------------------------------------------------

    def _current(self) -> bool:
        return self._model is not None and self._generation == self.store.generation()

    def ensure(self) -> None:
        """Load the saved index, or rebuild it when the store has changed since."""
        with self._lock:
            if self._current():
                return
            generation = self.store.generation()
            if self._load(generation):
                return
            self._build(generation)

    def _load(self, generation: str) -> bool:
        info_path = self.path / "info.json"
        if not info_path.exists():
            return False
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
            if info.get("format") != FORMAT or info.get("generation") != generation:
                return False
            import bm25s

            model = bm25s.BM25.load(str(self.path / "model"), mmap=False)
            arrays = np.load(self.path / "meta.npz", allow_pickle=True)
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("rebuilding the BM25 index (%s)", exc)
            return False
        self._model = model
        self._ids = list(arrays["ids"])
        self._sources = arrays["sources"]
        self._days = arrays["days"]
        self._generation = generation
        return True

    def _build(self, generation: str) -> None:
        import bm25s

        started = time.perf_counter()
        ids: list[str] = []
        texts: list[str] = []
        sources: list[str] = []
        days: list[int] = []
        collection = self.store.collection
        total = collection.count()
        for offset in range(0, total, _PAGE):
            page = collection.get(limit=_PAGE, offset=offset, include=["documents", "metadatas"])
            for chunk_id, doc, meta in zip(
                page["ids"], page["documents"], page["metadatas"], strict=True
            ):
                ids.append(chunk_id)
                texts.append(bm25_text(doc or "", meta))
                sources.append(str(meta.get("source") or ""))
                days.append(int(meta.get("published_day") or 0))
        model = bm25s.BM25()
        if texts:
            model.index(_tokenize(texts), show_progress=False)
        self._model = model
        self._ids = ids
        self._sources = np.array(sources, dtype=object)
        self._days = np.array(days, dtype=np.int64)
        self._generation = generation
        if texts:
            self._save(generation)
        logger.info(
            "built the BM25 index of %d chunks in %.1fs", len(ids), time.perf_counter() - started
        )

    def _save(self, generation: str) -> None:
        tmp = self.path.with_name("bm25.tmp")
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        self._model.save(str(tmp / "model"))
        np.savez(
            tmp / "meta.npz",
            ids=np.array(self._ids, dtype=object),
            sources=self._sources,
            days=self._days,
        )
        (tmp / "info.json").write_text(
            json.dumps({"format": FORMAT, "generation": generation, "chunks": len(self._ids)}),
            encoding="utf-8",
        )
        shutil.rmtree(self.path, ignore_errors=True)
        tmp.rename(self.path)

    # -- querying ------------------------------------------------------------------------

    def search(
        self,
        query: str,
        top_k: int,
        sources: Sequence[str] = (),
        since_day: int | None = None,
        until_day: int | None = None,
    ) -> list[BM25Hit]:
        """The ``top_k`` best chunks for ``query`` among those passing the filters."""
        self.ensure()
        if not self._ids:
            return []
        tokens = _tokenize([query])
        if not tokens.vocab:
            return []
        mask = np.ones(len(self._ids), dtype=np.float32)
        if sources:
            mask *= np.isin(self._sources, list(sources))
        if since_day is not None:
            mask *= self._days >= since_day
        if until_day is not None:
            mask *= (self._days <= until_day) & (self._days > 0)
        k = min(top_k, int(mask.sum()))
        if k <= 0:
            return []
        docs, scores = self._model.retrieve(
            tokens, k=k, show_progress=False, weight_mask=mask, n_threads=1
        )
        return [
            BM25Hit(self._ids[int(d)], float(s))
            for d, s in zip(docs[0], scores[0], strict=True)
            if s > 0
        ]
