from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from support import SAMPLES

from index.embed import DEFAULT_EMBED_MODEL, Embedder, resolve_model_path, resolve_precision
from index.embed_backends import calibrate
from index.errors import StoreError
from index.ingest import Ingestor
from index.store import open_store

TEXTS = [
    "The harbour authority reopened the north quay on Monday after a week of repairs.",
    "Voters in the district rejected the school levy by 312 votes.",
    "",
    "Short.",
]


def test_bfloat16_vectors_match_float32_ones() -> None:
    fp32 = Embedder(precision="fp32").embed(TEXTS)
    bf16 = Embedder(precision="bf16").embed(TEXTS)
    assert bf16.dtype == np.float32 and bf16.shape == fp32.shape
    assert np.allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-5)
    cosine = (fp32 * bf16).sum(axis=1)
    assert cosine.min() > 0.999, cosine
    # Still the model's vectors: different texts stay apart.
    assert float(bf16[0] @ bf16[1]) < 0.5


def test_precision_comes_from_the_argument_then_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ARTICLE_QA_EMBED_PRECISION", "fp32")
    assert Embedder().precision == "fp32"
    assert Embedder(precision="bf16").precision == "bf16"
    monkeypatch.delenv("ARTICLE_QA_EMBED_PRECISION")
    assert Embedder().precision == resolve_precision("auto") in ("fp32", "bf16")


def test_unknown_precision_is_refused_by_name(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError, match=r"'half'.*auto, fp32, bf16"):
        Embedder(precision="half")
    monkeypatch.setenv("ARTICLE_QA_EMBED_PRECISION", "fp16")
    with pytest.raises(StoreError, match="ARTICLE_QA_EMBED_PRECISION"):
        Embedder()


# -- other backends ---------------------------------------------------------------------------


def test_openvino_vectors_match_torch_float32_ones() -> None:
    texts = [*TEXTS, "A much longer sentence about the council's vote on the plant. " * 20]
    fp32 = Embedder(precision="fp32", backend="torch").embed(texts)
    openvino = Embedder(backend="openvino")
    got = openvino.embed(texts, batch_size=2)  # batches of texts sorted by length, put back
    assert got.dtype == np.float32 and got.shape == fp32.shape
    assert (fp32 * got).sum(axis=1).min() > 0.999
    assert openvino.label in ("openvino-bf16", "openvino-fp32")


def test_openvino_runs_any_bert_model_it_is_given(tiny_model_dir: Path) -> None:
    tiny = str(tiny_model_dir)
    torch_vectors = Embedder(tiny, precision="fp32", backend="torch").embed(TEXTS)
    got = Embedder(tiny, backend="openvino").embed(TEXTS)
    assert got.shape == (len(TEXTS), 32) and (torch_vectors * got).sum(axis=1).min() > 0.999


def test_backend_comes_from_the_argument_then_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ARTICLE_QA_EMBED_BACKEND", "torch")
    assert Embedder().backend == "torch" and Embedder(backend="openvino").backend == "openvino"
    monkeypatch.delenv("ARTICLE_QA_EMBED_BACKEND")
    assert Embedder(precision="bf16").backend == "torch"  # a torch precision means torch
    monkeypatch.setenv("ARTICLE_QA_EMBED_BACKEND", "tensorrt")
    with pytest.raises(StoreError, match=r"'tensorrt'.*auto, torch, openvino"):
        Embedder()


def test_auto_measures_once_and_remembers(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("ARTICLE_QA_EMBED_BACKEND", raising=False)
    chosen = Embedder(backend="auto").backend
    assert chosen in ("torch", "openvino")
    (record,) = (tmp_path / "article-qa" / "embedding" / "calibration").glob("*.json")
    measured = json.loads(record.read_text())
    assert measured["backend"] == chosen and set(measured["seconds"]) == {"torch", "openvino"}
    assert measured["same"] == {"torch": True, "openvino": True}

    def never(texts):  # type: ignore[no-untyped-def]
        raise AssertionError("measured again")

    runners = {"torch": never, "openvino": never}
    assert calibrate(resolve_model_path(DEFAULT_EMBED_MODEL), runners, never) == chosen


def test_a_backend_that_changes_the_vectors_is_never_chosen(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    reference = Embedder(precision="fp32", backend="torch")

    def wrong(texts):  # type: ignore[no-untyped-def]
        return np.roll(reference.embed(texts), 1, axis=1)  # fast and wrong

    def slow(texts):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        return reference.embed(texts)

    chosen = calibrate(str(tmp_path / "model"), {"torch": slow, "openvino": wrong}, reference.embed)
    assert chosen == "torch"


def test_a_store_built_by_openvino_ranks_a_torch_query_the_same(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    Ingestor(store, Embedder(backend="openvino")).ingest_paths([SAMPLES], progress=False)
    assert store.embed_backends[0].startswith("openvino-")
    for question in ("How much will the desalination plant cost?", "Who won the runoff?"):
        ranked = {}
        for backend, precision in (("openvino", None), ("torch", "fp32"), ("torch", "bf16")):
            vector = Embedder(backend=backend, precision=precision).embed([question])[0]
            ranked[(backend, precision)] = [h.chunk_id for h in store.dense(vector, 10)]
        base = ranked[("openvino", None)]
        for other in ranked.values():
            assert other[0] == base[0] and len(set(other) & set(base)) >= 9
