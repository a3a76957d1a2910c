from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.articles import Article
from index.bm25 import BM25Index
from index.ingest import Ingestor
from index.store import Store, day_number


def _bm25_ids(store: Store) -> set[str]:
    index = BM25Index(store)
    index.ensure()
    return set(index._ids)


def _chroma_ids(store: Store) -> set[str]:
    return set(store.collection.get(include=[])["ids"])


def test_bm25_follows_ingest_update_and_remove(sample_store: Path, tmp_path: Path) -> None:
    store = Store(sample_store)
    assert _bm25_ids(store) == _chroma_ids(store)
    hits = BM25Index(store).search("Gull Point desalination cost", 5)
    assert hits and all(h.chunk_id in _chroma_ids(store) for h in hits)

    store.remove("desal-plant-vote")
    assert _bm25_ids(store) == _chroma_ids(store)

    edited = tmp_path / "edit.jsonl"
    row = {"id": "election-runoff-debate", "title": "Debate", "body": "A zeppelin landed today."}
    edited.write_text(json.dumps(row) + "\n", encoding="utf-8")
    Ingestor(store).ingest_paths([edited], progress=False)
    assert _bm25_ids(store) == _chroma_ids(store)
    (hit,) = BM25Index(store).search("zeppelin", 5)
    got = store.collection.get(ids=[hit.chunk_id], include=["metadatas"])
    assert got["metadatas"][0]["article_id"] == "election-runoff-debate"


def test_bm25_filters_by_source_and_date(sample_store: Path) -> None:
    index = BM25Index(Store(sample_store))
    q = "Redstone Ridge fire evacuated"
    only = index.search(q, 50, sources=["The Valley Courier"])
    assert only
    got = Store(sample_store).collection.get(ids=[h.chunk_id for h in only], include=["metadatas"])
    assert {m["source"] for m in got["metadatas"]} == {"The Valley Courier"}
    assert index.search(q, 50, since_day=day_number("2030-01-01")) == []
    assert index.search("", 5) == []


def test_bm25_survives_a_crash_and_agrees_after_the_rerun(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    articles = [
        Article(id=f"a{i}", title=f"Story {i}", body=f"Unique word{i} appears here. More text.")
        for i in range(8)
    ]

    def interrupted():  # type: ignore[no-untyped-def]
        yield from articles[:5]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Ingestor(store, batch_chunks=2, window=1).ingest(interrupted(), progress=False)
    assert _bm25_ids(store) == _chroma_ids(store)  # rebuilt from what is really there
    Ingestor(store).ingest(articles, progress=False)
    assert _bm25_ids(store) == _chroma_ids(store)
    assert len(_chroma_ids(store)) == 8
    assert BM25Index(store).search("word7", 3)


def test_saved_index_is_reused_until_the_store_changes(sample_store: Path) -> None:
    store = Store(sample_store)
    BM25Index(store).ensure()
    info = json.loads((sample_store / "bm25" / "info.json").read_text())
    assert info["generation"] == store.generation()
    fresh = BM25Index(store)
    assert fresh._load(store.generation())
    store.remove("rail-strike-begins")
    assert not BM25Index(store)._load(store.generation())
