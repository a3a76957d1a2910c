"""The ingest pipeline: read -> clean -> chunk -> embed -> store, streamed in batches.

Articles are read one at a time and written a batch at a time, so memory stays bounded
whatever the input size. An article whose content (and chunking and model) has not changed
since it was stored is skipped without embedding anything.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.articles import Article, Skip, iter_articles
from index.chunking import Chunk, ChunkingConfig, chunk_article
from index.embed import Embedder
from index.errors import StoreLost
from index.sentences import sentence_spans
from index.store import Store, open_store
from index.store.hits import SentenceVectors
from index.store.server import is_lost_connection

logger = logging.getLogger(__name__)

ProgressCallback = Callable[["IngestReport"], None]
# Progress lines of a run without a bar; a logger of its own so a command line tool can show
# them without the rest of the INFO logging.
progress_log = logging.getLogger("index.ingest.progress")
LOG_EVERY_S = 30.0  # how often a run without a progress bar logs where it is


@dataclass
class IngestReport:
    """What an ingest did. ``skipped`` holds every input that could not be used, and why."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Skip] = field(default_factory=list)
    chunks: int = 0
    tokens: int = 0  # embedding-model tokens of the chunks embedded
    seconds: float = 0.0

    @property
    def read(self) -> int:
        return self.added + self.updated + self.unchanged + len(self.skipped)

    def summary(self) -> str:
        per_s = 1 / self.seconds if self.seconds > 0 else 0.0
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"skipped {len(self.skipped)} ({self.chunks} chunks embedded in "
            f"{self.seconds:.1f}s: {self.read * per_s:.1f} articles/s, "
            f"{self.chunks * per_s:.1f} chunks/s, {self.tokens * per_s:.0f} tokens/s; "
            f"peak memory {peak_memory_mib():.0f} MiB)"
        )


def peak_memory_mib() -> float:
    """This process's peak resident memory so far."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stored_hash(article: Article, chunking: ChunkingConfig, model: str) -> str:
    """What decides whether a stored article is still current."""
    key = f"{article.content_hash()}\x00{chunking.signature()}\x00{model}"
    return hashlib.sha256(key.encode()).hexdigest()


class Ingestor:
    """Writes articles into a store. Reuse one for many calls; it loads the model once."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder | None = None,
        chunking: ChunkingConfig | None = None,
        batch_chunks: int = 64,
        window: int = 256,
        part_chunks: int = 1024,
    ) -> None:
        self.store = store
        self.embedder = embedder if embedder is not None else Embedder()
        self.chunking = chunking
        self.batch_chunks = batch_chunks
        self.window = window
        # the most chunks embedded and written at once: a very long article goes in parts
        self.part_chunks = max(batch_chunks, part_chunks)

    def _config(self) -> ChunkingConfig:
        if self.chunking is not None:
            return self.chunking
        return ChunkingConfig(model_max_tokens=self.embedder.max_tokens)

    def ingest_paths(
        self, paths: Iterable[str | Path], progress: bool | None = None
    ) -> IngestReport:
        """Ingest files and folders (see ``index.articles`` for the formats)."""
        return self.ingest(iter_articles(paths), progress=progress)

    def ingest(
        self,
        items: Iterable[Article | Skip],
        progress: bool | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Ingest articles (``Skip`` items are recorded as skipped). ``progress=None`` shows a
        progress bar only on a terminal."""
        from tqdm.auto import tqdm

        started = time.perf_counter()
        report = IngestReport()
        self.store.check_model(self.embedder.name)  # before loading a model it cannot use
        config = self._config()
        self.store.bind_model(self.embedder.name, self.embedder.dimension)
        unfinished = self.store.unfinished_ids()
        seen: dict[str, tuple[str, str]] = {}  # id -> (hash, origin) within this run
        window: list[tuple[Article, str]] = []
        batch: list[tuple[Article, str, list[Chunk], bool]] = []

        last_log = [0.0]
        bar = tqdm(
            desc="ingest", unit=" articles", disable=(None if progress is None else not progress)
        )

        def flush_batch() -> None:
            if batch:
                self._write(batch, report)
                batch.clear()
            report.seconds = time.perf_counter() - started
            bar.set_postfix_str(f"{report.chunks} chunks, {len(report.skipped)} skipped")
            if bar.disable and report.seconds - last_log[0] >= LOG_EVERY_S:
                # No bar (not a terminal, e.g. a nohup run): a line in the log instead.
                last_log[0] = report.seconds
                progress_log.info("ingest progress: %d read, %s", report.read, report.summary())
            if on_progress is not None:
                on_progress(report)

        def skip(origin: str, reason: str) -> None:
            logger.info("skipped %s: %s", origin, reason)
            report.skipped.append(Skip(origin, reason))

        def process_window() -> None:
            states = self.store.states([a.id for a, _ in window])
            for article, digest in window:
                known = states.get(article.id)
                if known and known[0] == digest and article.id not in unfinished:
                    report.unchanged += 1
                    continue
                if known and _other_file(known[2], article.origin):
                    skip(
                        article.origin,
                        f"article id {article.id!r} already belongs to {known[2]}; rename the "
                        "file or give it an `id:` in front matter (or remove the other first)",
                    )
                    continue
                chunks = chunk_article(article, config, self.embedder.count_tokens)
                batch.append((article, digest, chunks, known is not None))
                if sum(len(c) for _, _, c, _ in batch) >= self.batch_chunks:
                    flush_batch()
            window.clear()

        taken = 0  # articles read so far
        try:
            for item in items:
                bar.update(1)
                if isinstance(item, Skip):
                    skip(item.origin, item.reason)
                    continue
                taken += 1
                digest = stored_hash(item, config, self.embedder.name)
                previous = seen.get(item.id)
                if previous is not None:
                    if previous[0] == digest:
                        report.unchanged += 1
                    else:
                        skip(
                            item.origin,
                            f"article id {item.id!r} was already read from {previous[1]} "
                            "with different content; give one of them another id",
                        )
                    continue
                seen[item.id] = (digest, item.origin)
                window.append((item, digest))
                if len(window) >= self.window:
                    process_window()
            process_window()
            flush_batch()
            if report.added or report.updated:
                self.store.refresh_lexical()  # now, so that no question waits for it
        except BaseException as exc:
            report.seconds = time.perf_counter() - started
            logger.warning("ingest stopped; saved so far: %s", report.summary())
            if isinstance(exc, StoreLost) or is_lost_connection(exc):
                saved = report.added + report.updated + report.unchanged
                raise StoreLost(
                    f"lost the Chroma server at {self.store.location} after {saved} of "
                    f"{taken} articles; run the same command again to finish"
                ) from exc
            raise
        finally:
            bar.close()
            report.seconds = time.perf_counter() - started
        logger.info("ingest into %s: %s", self.store.location, report.summary())
        return report

    def _write(
        self, batch: list[tuple[Article, str, list[Chunk], bool]], report: IngestReport
    ) -> None:
        articles = [a for a, _, _, _ in batch]
        chunks = [c for _, _, cs, _ in batch for c in cs]
        # The three steps of the store's write protocol (see index.store); the chunks are
        # embedded and added ``part_chunks`` at a time, so that a very long article (tens of
        # thousands of chunks) needs no more memory than that.
        self.store.note_backend(self.embedder.label)  # what computes the vectors below
        self.store.begin([(a, h) for a, h, _, _ in batch])
        for i in range(0, max(1, len(chunks)), self.part_chunks):
            part = chunks[i : i + self.part_chunks]
            vectors, sentences = self._embed(part)
            self.store.replace_chunks(
                articles, part, vectors, keep_others=i > 0, sentences=sentences
            )
        self.store.finish({a.id: len(cs) for a, _, cs, _ in batch})
        for _, _, _, existed in batch:
            if existed:
                report.updated += 1
            else:
                report.added += 1
        report.chunks += len(chunks)
        report.tokens += sum(c.tokens for c in chunks)

    def _embed(self, chunks: list[Chunk]) -> tuple[np.ndarray, list[SentenceVectors] | None]:
        """The chunks' vectors and, from the same pass, their sentences' (index.pooling):
        answering a question then embeds only the question."""
        spans = [sentence_spans(c.text) for c in chunks]
        shifts = [len(c.embed_text) - len(c.text) for c in chunks]  # the text ends embed_text
        vectors, pooled = self.embedder.embed_spans(
            [c.embed_text for c in chunks],
            [[(s + h, e + h) for s, e in sp] for sp, h in zip(spans, shifts, strict=True)],
        )
        if pooled is None:
            return vectors, None
        return vectors, [
            SentenceVectors.of([c.start + s for s, _ in sp], rows)
            for c, sp, rows in zip(chunks, spans, pooled, strict=True)
        ]


def _other_file(stored_origin: str, new_origin: str) -> bool:
    """Whether two whole files (not records of one JSON file) claim the same id while both
    still exist: two ``notes.txt`` in different folders, not one file moved or edited."""

    def whole_file(origin: str) -> bool:
        return bool(origin) and not re.search(r"(:\d+|\[\d+\])$", origin)

    if not (whole_file(stored_origin) and whole_file(new_origin)):
        return False
    old, new = Path(stored_origin), Path(new_origin)
    return old.resolve() != new.resolve() and old.exists()


def ingest(
    paths: Iterable[str | Path],
    store: Store | str | Path | None = None,
    embedder: Embedder | None = None,
    progress: bool | None = None,
) -> IngestReport:
    """Ingest files and folders into a store (the default store when none is given)."""
    target = open_store(store)
    return Ingestor(target, embedder).ingest_paths(paths, progress=progress)
