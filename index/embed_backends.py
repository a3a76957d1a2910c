"""Faster ways to run a sentence-transformers model on a CPU than plain torch.

``openvino``: the model's transformer exported once to ONNX (``torch.onnx.export``, offline,
kept in the user cache folder) and run by OpenVINO, which computes in bfloat16 where the CPU
does it natively (AVX512-BF16, AMX) and in float32 elsewhere; tokenisation, mean or CLS
pooling and normalisation as the model's own modules do them. Measured on 2 cores of an AMD
EPYC with AVX512-BF16, 512 real rtqa chunks interleaved: torch fp32 1.00, torch bf16 1.94,
OpenVINO 2.2 (cosine to fp32 0.99998); ONNX Runtime fp32 1.04 and dynamic int8 1.7-1.8
(cosine 0.94-0.99) were slower or worse (docs/benchmarks.md, benchmarks/embed_backends.py).

``auto`` (the default) measures once per machine and model which of torch (at its own best
precision) and OpenVINO embeds faster with the same vectors (cosine >= 0.999 on every test
text) and remembers the answer in the user cache folder. ``ARTICLE_QA_EMBED_BACKEND`` (or
``backend=``) sets it: ``auto``, ``torch`` or ``openvino``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.errors import StoreError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

BACKENDS = ("auto", "torch", "openvino")
BACKEND_ENV = "ARTICLE_QA_EMBED_BACKEND"
MIN_COSINE = 0.999  # a backend must give the same vectors as torch fp32 to be chosen
_FORMAT = 1  # of the exported files and the calibration record


def check_backend(backend: str | None) -> str:
    chosen = backend or os.environ.get(BACKEND_ENV) or "auto"
    if chosen not in BACKENDS:
        raise StoreError(
            f"Unknown embedding backend {chosen!r} ({BACKEND_ENV} or backend=): use one of "
            f"{', '.join(BACKENDS)}"
        )
    return chosen


def _cache_root() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("article-qa") / "embedding"


def _model_key(model_path: str) -> str:
    """What the exported files depend on: the model's files and the library versions."""
    import openvino
    import torch
    import transformers

    parts = [str(_FORMAT), torch.__version__, transformers.__version__, openvino.__version__]
    folder = Path(model_path)
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                stat = path.stat()
                parts.append(f"{path.relative_to(folder)}:{stat.st_size}:{int(stat.st_mtime)}")
    else:
        parts.append(model_path)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def pooling_mode(model: SentenceTransformer) -> str | None:
    """``mean`` or ``cls`` when the model is a transformer, a pooling of that kind and at
    most a normalisation (what this module can run); ``None`` otherwise."""
    from sentence_transformers.models import Normalize, Pooling, Transformer

    modules = list(model)
    if len(modules) not in (2, 3) or not isinstance(modules[0], Transformer):
        return None
    pooling = modules[1]
    if not isinstance(pooling, Pooling) or (
        len(modules) == 3 and not isinstance(modules[2], Normalize)
    ):
        return None
    mode = pooling.get_config_dict().get("pooling_mode")
    return mode if mode in ("mean", "cls") else None


def available(model: SentenceTransformer) -> bool:
    """Whether OpenVINO is installed and can run this model."""
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return pooling_mode(model) is not None


def input_names(tokenizer: Any) -> list[str]:
    """The model inputs the tokenizer gives, in the order the export declares them."""
    wanted = ("input_ids", "attention_mask", "token_type_ids")
    return [n for n in wanted if n in tokenizer.model_input_names]


def cpu_flags() -> set[str]:
    """The CPU's feature flags (``/proc/cpuinfo``; empty where there is none)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[-1].split())
    return set()


def export_onnx(model: SentenceTransformer, target: Path) -> Path:
    """The model's transformer as ONNX at ``target`` (written once; a half-written file is
    never left under that name)."""
    if target.exists():
        return target
    import torch

    transformer: Any = model[0].auto_model
    tokenizer = model.tokenizer
    names = input_names(tokenizer)
    sample = tokenizer(
        ["an example", "a second, longer example"], padding=True, return_tensors="pt"
    )

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(self, *inputs: Any) -> Any:
            return self.inner(**dict(zip(names, inputs, strict=True))).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    logger.info("exporting the embedding model to %s (once)", target)
    import warnings

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Hidden().eval(),
            tuple(sample[n] for n in names),
            str(partial),
            input_names=names,
            output_names=["hidden"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]},
            opset_version=17,
            dynamo=False,
        )
    partial.replace(target)
    return target


class OpenVINOEncoder:
    """``encode(texts, batch_size)``: unit vectors from OpenVINO, as the model would give."""

    def __init__(self, model: SentenceTransformer, model_path: str) -> None:
        import openvino

        pooling = pooling_mode(model)
        if pooling is None:
            raise StoreError("this embedding model cannot run on OpenVINO here: use backend torch")
        self.pooling = pooling
        self.tokenizer = model.tokenizer
        self.max_length = int(model.max_seq_length or 512)
        self.names = input_names(self.tokenizer)
        folder = _cache_root() / _model_key(model_path)
        onnx = export_onnx(model, folder / "model.onnx")
        core = openvino.Core()
        self.compiled = core.compile_model(
            core.read_model(str(onnx)), "CPU", {"CACHE_DIR": str(folder / "ov")}
        )
        hint = str(self.compiled.get_property("INFERENCE_PRECISION_HINT"))  # "<Type: 'bfloat16'>"
        self.precision = "bf16" if "bfloat16" in hint or "bf16" in hint else "fp32"
        self._lock = threading.Lock()  # one infer request: one batch at a time

    def infer(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Token vectors (batch, tokens, dim) for the tokenizer's ``inputs``."""
        with self._lock:
            return np.asarray(self.compiled(inputs)[0], dtype=np.float32)

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        return self.encode_spans(texts, batch_size)[0]

    def encode_spans(
        self,
        texts: Sequence[str],
        batch_size: int,
        spans: Sequence[Sequence[tuple[int, int]]] | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """``pooling.encode`` on OpenVINO: vectors of ``texts`` (and of ``spans`` in them)."""
        from index import pooling

        return pooling.encode(
            self.tokenizer,
            self.names,
            self.max_length,
            self.pooling,
            self.infer,
            texts,
            batch_size,
            spans,
        )


# Calibration texts: news-like, of the lengths chunks have (made here, not copied).
_WORDS = (
    "council harbour vote budget million plant water strike union rail fire crews evacuated "
    "residents minister election runoff percent court judge ruling police report officials "
    "said on Tuesday the city expects costs to rise after delays and new contracts were signed"
).split()


def calibration_texts(n: int = 32, words: int = 160) -> list[str]:
    rng = np.random.default_rng(0)
    return [" ".join(rng.choice(_WORDS, size=words - 7 * (i % 5))) + "." for i in range(n)]


def calibrate(
    model_path: str,
    runners: Mapping[str, Callable[[Sequence[str]], np.ndarray]],
    reference: Callable[[Sequence[str]], np.ndarray],
) -> str:
    """The fastest of ``runners`` whose vectors keep a cosine of ``MIN_COSINE`` to
    ``reference`` (torch fp32) on every calibration text: measured once per machine and
    model, then read back from the cache folder."""
    import platform

    flags = " ".join(sorted(cpu_flags()))
    key = hashlib.sha256(
        f"{_model_key(model_path)}\n{platform.machine()}\n{flags}\n{sorted(runners)}".encode()
    ).hexdigest()[:16]
    record = _cache_root() / "calibration" / f"{key}.json"
    try:
        return str(json.loads(record.read_text(encoding="utf-8"))["backend"])
    except (OSError, ValueError, KeyError):
        pass
    texts = calibration_texts()
    want = reference(texts)
    seconds = {name: 0.0 for name in runners}
    same = {}
    for name, run in runners.items():
        same[name] = float((run(texts[:4]) * want[:4]).sum(axis=1).min()) >= MIN_COSINE  # warm-up
    for _ in range(2):  # interleaved, so that a busy moment hits every runner alike
        for name, run in runners.items():
            started = time.perf_counter()
            got = run(texts)
            seconds[name] += time.perf_counter() - started
            same[name] = same[name] and float((got * want).sum(axis=1).min()) >= MIN_COSINE
    usable = [name for name in runners if same[name]] or ["torch"]
    best = min(usable, key=lambda name: seconds.get(name, float("inf")))
    logger.info(
        "embedding backends measured (s for %d texts): %s; using %s", len(texts), seconds, best
    )
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(
        json.dumps({"backend": best, "seconds": seconds, "same": same}), encoding="utf-8"
    )
    return best
