from __future__ import annotations

import numpy as np
import pytest

from index.embed import Embedder, resolve_precision
from index.errors import StoreError

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
