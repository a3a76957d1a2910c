"""benchmarks/precompute.py and gpu_embed.py: vectors computed elsewhere build the same store."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import gpu_embed
from benchmarks.precompute import CachedEmbedder, export, load_table, model_view
from index.chunking import ChunkingConfig, chunk_article
from index.embed import Embedder, resolve_model_path
from index.ingest import Ingestor
from index.store import open_store

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "articles"


def test_exported_texts_embedded_elsewhere_fill_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts, vectors = tmp_path / "texts", tmp_path / "vectors"
    export(SAMPLES, texts)
    model = resolve_model_path("all-MiniLM-L6-v2")
    argv = ["gpu_embed", model, str(texts), str(vectors), "--shard-rows", "7"]
    monkeypatch.setattr(sys, "argv", argv)
    gpu_embed.main()
    assert len(list(vectors.glob("*.npy"))) > 1  # split into shards, read back in order

    embedder = CachedEmbedder(load_table(texts, vectors))
    report = Ingestor(open_store(tmp_path / "store"), embedder=embedder).ingest_paths([SAMPLES])
    assert report.chunks > 0
    assert (embedder.hits, embedder.misses) == (report.chunks, 0)

    # The same vectors as embedding here, to float16 rounding.
    plain = Embedder()
    from index.articles import Article, iter_articles

    article = next(a for a in iter_articles([SAMPLES]) if isinstance(a, Article))
    config = ChunkingConfig(model_max_tokens=plain.max_tokens)
    chunk_texts = [c.embed_text for c in chunk_article(article, config, plain.count_tokens)]
    cosines = (embedder.embed(chunk_texts) * plain.embed(chunk_texts)).sum(axis=1)
    assert np.all(cosines > 0.9999)

    # A text it has never seen is embedded here.
    fresh = embedder.embed(["A text no export has seen."])
    assert embedder.misses == 1
    assert float(fresh[0] @ plain.embed(["A text no export has seen."])[0]) > 0.9999


def test_texts_without_vectors_are_an_error_not_a_silent_miss(tmp_path: Path) -> None:
    texts, vectors = tmp_path / "texts", tmp_path / "vectors"
    export(SAMPLES, texts)
    vectors.mkdir()
    np.save(vectors / "vectors-00-00.npy", np.zeros((3, 384), dtype=np.float16))
    with pytest.raises(ValueError, match=r"texts-00\.jsonl\.xz: \d+ texts but 3 vectors"):
        load_table(texts, vectors)


def test_a_long_text_is_sent_only_as_far_as_the_model_reads() -> None:
    plain = Embedder()
    long = " ".join(["The council met again on Tuesday to debate the harbour budget."] * 80)
    short = "The council met on Tuesday."
    cut, same = model_view([long, short], plain)
    assert same == short
    assert len(cut) < len(long) / 3 and long.startswith(cut)
    assert float(plain.embed([cut])[0] @ plain.embed([long])[0]) > 0.99999
