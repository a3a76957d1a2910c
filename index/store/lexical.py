"""The store's lexical index: BM25 over its chunks (title, outlet and date included), kept in step.

The index is derived data, always made from the store's chunks themselves, so an interrupted
ingest can never leave BM25 and Chroma disagreeing. Whenever the store's generation (bumped
by every completed write or removal) differs from the one the index has seen, it catches up:

- a small change (up to a fifth of the chunks, at least 2,000) is applied in place: the ids
  now stored are listed, chunks that are gone are masked out, and new ones go into a
  *delta* scored with the main index's statistics (IDF, average length), so a new article
  ranks as it would after a full rebuild (chunk ids hash their text, so an edited chunk is a
  new id);
- a bigger one rebuilds the main index from every chunk and saves it (``DIR/bm25``; a store
  without a directory keeps it in memory only).

Ingest brings the index up to date at its end, so questions do not pay for it.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.store.hits import Filters, Hit, LexicalHit, day_number


class ChunkSource(Protocol):
    """What the lexical index reads from its store."""

    def generation(self) -> str: ...
    def chunk_ids(self) -> set[str]: ...
    def iter_chunks(self, ids: Sequence[str] | None = None) -> Iterator[Hit]: ...


logger = logging.getLogger(__name__)

FORMAT = 1
DELTA_SHARE = 0.2  # beyond this share of changed chunks, rebuild the whole index
DELTA_MIN = 2000


def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def _tokenize(texts: Sequence[str]) -> Any:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), show_progress=False)


def bm25_text(hit: Hit) -> str:
    """What BM25 reads for a chunk: its context (title, outlet, date) and its text."""
    return f"{hit.title} {hit.source} {hit.published_at or ''}\n{hit.text}"


class LexicalIndex:
    """BM25 over one store's chunks; loads, updates or rebuilds itself on first use.
    ``path``: where it is saved (``None``: kept in memory only)."""

    def __init__(self, store: ChunkSource, path: Path | None) -> None:
        self.store = store
        self.path = path
        self._lock = threading.Lock()
        self._model: Any = None
        self._ids: list[str] = []
        self._sources: np.ndarray = np.array([], dtype=object)
        self._days: np.ndarray = np.array([], dtype=np.int64)
        self._live: np.ndarray = np.array([], dtype=np.float32)  # 0 for chunks since removed
        self._avgdl = 0.0
        self._delta = _Delta()
        self._generation: str | None = None
        self.last_update = ""  # "loaded", "built" or "delta": how the index last caught up

    # -- building ------------------------------------------------------------------------

    def ensure(self) -> None:
        """Catch up with the store: load the saved index, apply a small change, or rebuild."""
        with self._lock:
            generation = self.store.generation()
            if self._model is not None and self._generation == generation:
                return
            if self._model is None and self._load():
                self.last_update = "loaded"
                if self._generation == generation:
                    return
            if self._model is None or not self._catch_up(generation):
                self._build(generation)

    def chunk_ids(self) -> set[str]:
        """The chunks the index can return (after :meth:`ensure`)."""
        main = {i for i, live in zip(self._ids, self._live, strict=True) if live}
        return main | set(self._delta.ids)

    def _load(self) -> bool:
        if self.path is None:
            return False
        info_path = self.path / "info.json"
        if not info_path.exists():
            return False
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
            if info.get("format") != FORMAT:
                return False
            import bm25s

            model = bm25s.BM25.load(str(self.path / "model"), mmap=False)
            arrays = np.load(self.path / "meta.npz", allow_pickle=True)
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("rebuilding the BM25 index (%s)", exc)
            return False
        self._set_main(model, list(arrays["ids"]), arrays["sources"], arrays["days"])
        self._avgdl = float(info.get("avgdl") or 0.0)
        self._generation = str(info.get("generation"))
        return self._avgdl > 0

    def _set_main(self, model: Any, ids: list[str], sources: Any, days: Any) -> None:
        self._model, self._ids = model, ids
        self._sources = np.asarray(sources, dtype=object)
        self._days = np.asarray(days, dtype=np.int64)
        self._live = np.ones(len(ids), dtype=np.float32)
        self._delta = _Delta()

    def _catch_up(self, generation: str) -> bool:
        """Apply the change since the main index was built as a mask and a delta; False when
        the change is too big for that (the caller rebuilds)."""
        started = time.perf_counter()
        current = self.store.chunk_ids()
        known = set(self._ids)
        added = [i for i in current if i not in known]
        live = np.fromiter((i in current for i in self._ids), dtype=bool, count=len(self._ids))
        changed = len(added) + int((~live).sum())
        if changed > max(DELTA_MIN, DELTA_SHARE * len(self._ids)):
            return False
        ids, texts, sources, days = _columns(self.store.iter_chunks(added))
        self._live = live.astype(np.float32)
        self._delta = _Delta.build(ids, texts, sources, days, self._model, self._avgdl)
        self._generation = generation
        self.last_update = "delta"
        logger.info(
            "BM25 index caught up in %.1fs: %d chunks added, %d removed",
            time.perf_counter() - started,
            len(added),
            int((~live).sum()),
        )
        return True

    def _build(self, generation: str) -> None:
        import bm25s

        started = time.perf_counter()
        ids, texts, sources, days = _columns(self.store.iter_chunks())
        model = bm25s.BM25()
        avgdl = 0.0
        if texts:
            tokens = _tokenize(texts)
            avgdl = sum(len(t) for t in tokens.ids) / len(tokens.ids)
            model.index(tokens, show_progress=False)
        self._set_main(model, ids, sources, days)
        self._avgdl = avgdl or 1.0
        self._generation = generation
        self.last_update = "built"
        if texts and self.path is not None:
            self._save(generation)
        logger.info(
            "built the BM25 index of %d chunks in %.1fs", len(ids), time.perf_counter() - started
        )

    def _save(self, generation: str) -> None:
        assert self.path is not None
        tmp = self.path.with_name(self.path.name + ".tmp")
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
        info = {"format": FORMAT, "generation": generation, "chunks": len(self._ids)}
        info["avgdl"] = self._avgdl
        (tmp / "info.json").write_text(json.dumps(info), encoding="utf-8")
        shutil.rmtree(self.path, ignore_errors=True)
        tmp.rename(self.path)

    # -- querying ------------------------------------------------------------------------

    def search(self, query: str, top_k: int, filters: Filters | None = None) -> list[LexicalHit]:
        """The ``top_k`` best chunks for ``query`` among those passing the outlet and date
        filters (``filters.exclude`` is not applied: the caller drops those articles).
        Safe beside a catch-up in another thread: it reads one consistent set of arrays."""
        self.ensure()
        with self._lock:  # the arrays are replaced, never changed in place, by ensure()
            model, ids, live = self._model, self._ids, self._live
            sources, days, delta = self._sources, self._days, self._delta
        tokens = _tokenize([query])
        if not tokens.vocab:
            return []
        hits: list[LexicalHit] = []
        if ids:
            mask = live * _filter_mask(sources, days, filters)
            k = min(top_k, int(mask.sum()))
            if k > 0:
                docs, scores = model.retrieve(
                    tokens, k=k, show_progress=False, weight_mask=mask, n_threads=1
                )
                hits = [
                    LexicalHit(ids[int(d)], float(s))
                    for d, s in zip(docs[0], scores[0], strict=True)
                    if s > 0
                ]
        if delta.ids:
            words = _words(tokens)
            mask = _filter_mask(delta.sources, delta.days, filters)
            hits.extend(delta.search(words, top_k, mask))
            hits.sort(key=lambda h: -h.score)
        return hits[:top_k]


def _words(tokens: Any) -> list[str]:
    """The (stemmed) words of one tokenized query."""
    inverse = {i: w for w, i in tokens.vocab.items()}
    return [inverse[i] for i in dict.fromkeys(tokens.ids[0]) if inverse.get(i)]


def _columns(hits: Iterable[Hit]) -> tuple[list[str], list[str], list[str], list[int]]:
    """``(chunk ids, BM25 texts, sources, days)`` of stored chunks."""
    ids: list[str] = []
    texts: list[str] = []
    sources: list[str] = []
    days: list[int] = []
    for hit in hits:
        ids.append(hit.chunk_id)
        texts.append(bm25_text(hit))
        sources.append(hit.source)
        days.append(day_number(hit.published))
    return ids, texts, sources, days


def _filter_mask(
    sources_of: np.ndarray, days_of: np.ndarray, filters: Filters | None
) -> np.ndarray:
    """1 for the chunks passing the outlet and date filters, else 0 (an undated chunk never
    passes a date range)."""
    mask = np.ones(len(sources_of), dtype=np.float32)
    if filters is None:
        return mask
    if filters.sources:
        mask *= np.isin(sources_of, list(filters.sources))
    if filters.since is not None:
        mask *= days_of >= day_number(filters.since)
    if filters.until is not None:
        mask *= (days_of <= day_number(filters.until)) & (days_of > 0)
    return mask


@dataclass
class _Delta:
    """Chunks added since the main index was built, scored with the main index's IDF and
    average length (Lucene BM25, as bm25s computes it), so scores compare across the two."""

    ids: list[str] = field(default_factory=list)
    sources: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    days: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    vocab: dict[str, int] = field(default_factory=dict)
    matrix: Any = None  # chunks x words, BM25 weight of each word in each chunk

    @classmethod
    def build(
        cls,
        ids: list[str],
        texts: list[str],
        sources: list[str],
        days: list[int],
        main: Any,
        avgdl: float,
    ) -> _Delta:
        if not ids:
            return cls()
        from scipy import sparse

        tokens = _tokenize(texts)
        inverse = {i: w for w, i in tokens.vocab.items()}
        vocab = {w: i for i, w in enumerate(sorted(w for w in tokens.vocab if w))}
        main_vocab = main.vocab_dict
        indptr = main.scores["indptr"]
        n_docs = int(main.scores["num_docs"]) + len(ids)
        df: dict[str, int] = {}
        for doc in tokens.ids:
            for w in {inverse[i] for i in doc}:
                if w:
                    df[w] = df.get(w, 0) + 1
        k1, b = float(main.k1), float(main.b)
        rows, cols, values = [], [], []
        for row, doc in enumerate(tokens.ids):
            counts: dict[str, int] = {}
            for i in doc:
                if inverse[i]:
                    counts[inverse[i]] = counts.get(inverse[i], 0) + 1
            length_norm = k1 * (1 - b + b * len(doc) / avgdl)
            for w, tf in counts.items():
                j = main_vocab.get(w)
                n_t = df[w] + (int(indptr[j + 1] - indptr[j]) if j is not None else 0)
                idf = math.log(1 + (n_docs - n_t + 0.5) / (n_t + 0.5))
                rows.append(row)
                cols.append(vocab[w])
                values.append(idf * tf / (tf + length_norm))
        matrix = sparse.csr_matrix(
            (values, (rows, cols)), shape=(len(ids), len(vocab)), dtype=np.float32
        )
        return cls(
            ids=ids,
            sources=np.array(sources, dtype=object),
            days=np.array(days, dtype=np.int64),
            vocab=vocab,
            matrix=matrix,
        )

    def search(self, words: Sequence[str], top_k: int, mask: np.ndarray) -> list[LexicalHit]:
        columns = [self.vocab[w] for w in words if w in self.vocab]
        if not columns:
            return []
        scores = np.asarray(self.matrix[:, columns].sum(axis=1)).ravel() * mask
        best = np.argsort(-scores)[:top_k]
        return [LexicalHit(self.ids[int(i)], float(scores[i])) for i in best if scores[i] > 0]
