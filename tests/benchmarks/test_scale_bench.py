"""benchmarks/scale.py: exact search and recall, and the temporary stores it builds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.scale import (
    build_store,
    exact_top_k,
    hnsw_recall,
    load_questions,
    read_chunks,
    recall_at_k,
)
from index.store import open_store
from qa.assistant import Assistant
from qa.config import Settings


def _unit(rows: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_exact_top_k_is_sorted_cosine_and_recall_counts_overlap() -> None:
    vectors, queries = _unit(50), _unit(4, seed=1)
    top = exact_top_k(queries, vectors, 5)
    assert top.tolist() == np.argsort(-(queries @ vectors.T), axis=1)[:, :5].tolist()
    assert recall_at_k(top.tolist(), top, 5) == 1.0
    half = [[*row[:2], -1, -2, -3] for row in top.tolist()]
    assert recall_at_k(half, top, 5) == pytest.approx(0.4)
    assert exact_top_k(queries, vectors[:3], 10).shape == (4, 3)


def test_questions_are_distinct_and_read_in_order(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(
        "\n".join(json.dumps({"question": q}) for q in ("One?", "Two?")) + "\n", "utf-8"
    )
    second.write_text(
        "\n".join(json.dumps({"question": q}) for q in ("Two?", "Three?", "Four?")), "utf-8"
    )
    got = load_questions([first, second], 3)
    assert [q.text for q in got] == ["One?", "Two?", "Three?"]
    assert [q.origin for q in got] == [first, first, second]


def test_hnsw_recall_applies_each_ef_search(tmp_path: Path) -> None:
    vectors = _unit(300, dim=32)
    rows, _ = hnsw_recall(vectors, vectors[:5], {"space": "cosine"}, (10, 200), tmp_path)
    assert [r.ef_search for r in rows] == [10, 200]
    assert rows[-1].recall[10] == 1.0
    assert all(0.0 <= r.recall[100] <= 1.0 and r.p50_ms[100] > 0 for r in rows)


def test_build_store_cycles_noisy_copies_and_leaves_the_source_alone(
    sample_store: Path, tmp_path: Path
) -> None:
    source = open_store(sample_store)
    before = (source.generation(), source.count_chunks())
    chunks = read_chunks(source)
    n = 2 * len(chunks) + 3
    info = build_store(source, chunks, n, tmp_path / "big")
    assert (source.generation(), source.count_chunks()) == before
    assert (info.chunks, info.real) == (n, len(chunks))

    target = open_store(info.path)
    got = target.collection.get(include=["embeddings", "metadatas"])
    assert len(set(got["ids"])) == n and set(chunks.ids) <= set(got["ids"])
    assert target.count() == source.count() and not target.unfinished_ids()
    vectors = np.asarray(got["embeddings"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    by_id = dict(zip(got["ids"], vectors, strict=True))
    copy_id = f"{chunks.ids[0]}~2"
    similarity = float(by_id[copy_id] @ chunks.vectors[0])
    assert 0.9 < similarity < 0.9999
    meta = dict(zip(got["ids"], got["metadatas"], strict=True))[copy_id]
    assert json.loads(meta["_node_content"])["id_"] == copy_id

    assistant = Assistant(Settings.load(env={}, store=info.path))
    passages = assistant.retrieve("Gull Point desalination plant cost")
    assert passages and {p.chunk_id for p in passages} <= set(got["ids"])
    assert any("~" in p.chunk_id for p in passages)
