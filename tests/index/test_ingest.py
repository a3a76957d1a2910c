from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import SAMPLES

from index.articles import Article, Skip, iter_articles
from index.embed import Embedder
from index.errors import StoreError
from index.ingest import Ingestor
from index.store import LocalStore, Store, open_store


def _consistent(store: Store) -> int:
    """Chroma and SQLite agree: every chunk belongs to a ready article, counts match."""
    assert store.unfinished_ids() == set()
    got = store.collection.get(include=["metadatas"])
    by_article: dict[str, int] = {}
    for meta in got["metadatas"]:
        by_article[meta["article_id"]] = by_article.get(meta["article_id"], 0) + 1
    records = {r.article.id: r.n_chunks for r in store.iter_articles()}
    assert by_article == records
    return len(got["ids"])


def test_reingest_changes_nothing(sample_store: Path) -> None:
    store = open_store(sample_store)
    before = _consistent(store)
    report = Ingestor(store).ingest_paths([SAMPLES], progress=False)
    assert (report.added, report.updated, report.chunks) == (0, 0, 0)
    assert report.unchanged == 16
    assert _consistent(store) == before


def test_changed_article_replaces_its_chunks(sample_store: Path, tmp_path: Path) -> None:
    store = open_store(sample_store)
    old = store.get("election-runoff-debate")
    assert old is not None
    edited = tmp_path / "edited.jsonl"
    row = {
        "id": "election-runoff-debate",
        "title": old.article.title,
        "source": old.article.source,
        "published_at": old.article.published_at,
        "body": "The debate was cancelled at the last minute because of a storm.",
    }
    edited.write_text(json.dumps(row) + "\n", encoding="utf-8")
    report = Ingestor(store).ingest_paths([edited], progress=False)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 0)
    _consistent(store)
    chunks = store.collection.get(where={"article_id": "election-runoff-debate"})
    assert chunks["documents"] == [row["body"]]
    assert store.get("election-runoff-debate").article.body == row["body"]  # type: ignore[union-attr]


def test_remove_deletes_article_and_chunks(sample_store: Path) -> None:
    store = open_store(sample_store)
    assert store.remove("desal-plant-vote")
    assert store.get("desal-plant-vote") is None
    assert store.collection.get(where={"article_id": "desal-plant-vote"})["ids"] == []
    assert not store.remove("desal-plant-vote")
    assert store.count() == 15
    _consistent(store)


def test_store_refuses_another_embedding_model(sample_store: Path, tiny_model_dir: Path) -> None:
    store = open_store(sample_store)
    with pytest.raises(StoreError, match="all-MiniLM-L6-v2"):
        Ingestor(store, Embedder(str(tiny_model_dir))).ingest_paths([SAMPLES], progress=False)
    assert store.meta()["embed_model"] == "all-MiniLM-L6-v2"


def test_any_sentence_transformers_model_by_path(tmp_path: Path, tiny_model_dir: Path) -> None:
    store = open_store(tmp_path / "tiny")
    embedder = Embedder(str(tiny_model_dir))
    report = Ingestor(store, embedder).ingest_paths([SAMPLES], progress=False)
    assert report.added == 16
    assert store.meta()["dimension"] == "32"
    assert len(store.collection.get(limit=1, include=["embeddings"])["embeddings"][0]) == 32


def test_bad_input_is_reported_and_the_rest_goes_in(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("A good title\n\nThe mayor opened the bridge.", "utf-8")
    (folder / "bad.jsonl").write_text('{"id": "j1", "body": "Fine text."}\n{oops\n', "utf-8")
    (folder / "empty.md").write_text("   \n", "utf-8")
    store = open_store(tmp_path / "store")
    report = Ingestor(store).ingest_paths([folder], progress=False)
    assert report.added == 2
    assert sorted(Path(s.origin).name for s in report.skipped) == ["bad.jsonl:2", "empty.md"]
    assert {r.article.id for r in store.iter_articles()} == {"good", "j1"}


def _articles(n: int) -> list[Article]:
    return [
        Article(
            id=f"art-{i}",
            title=f"Story {i}",
            body=" ".join(f"Fact {j} about event {i} happened on day {j}." for j in range(30)),
            source="Test Wire",
            published_at="2026-01-01",
        )
        for i in range(n)
    ]


def _interrupt_after(items: list[Article], n: int) -> Iterator[Article | Skip]:
    for i, item in enumerate(items):
        if i == n:
            raise KeyboardInterrupt
        yield item


def test_ctrl_c_midway_then_rerun_completes(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    articles = _articles(12)
    ingestor = Ingestor(store, batch_chunks=8, window=2)
    with pytest.raises(KeyboardInterrupt):
        ingestor.ingest(_interrupt_after(articles, 7), progress=False)
    partial = _consistent(store)
    assert 0 < store.count() < 12 and partial > 0
    report = ingestor.ingest(articles, progress=False)
    assert report.added + report.unchanged == 12
    assert store.count() == 12
    total = _consistent(store)
    assert len(set(store.collection.get()["ids"])) == total


class FailingStore(LocalStore):
    """A real store whose second chunk write dies after deleting and half-adding."""

    calls = 0

    def replace_chunks(self, articles, chunks, vectors, keep_others=False, sentences=None):  # type: ignore[no-untyped-def]
        FailingStore.calls += 1
        if FailingStore.calls == 2:
            half = len(chunks) // 2
            kept = sentences[:half] if sentences else None
            super().replace_chunks(articles, chunks[:half], vectors[:half], keep_others, kept)
            raise OSError("disk full")
        super().replace_chunks(articles, chunks, vectors, keep_others, sentences)


def test_failure_inside_a_write_is_completed_by_the_next_run(tmp_path: Path) -> None:
    path = tmp_path / "store"
    articles = _articles(6)
    with pytest.raises(OSError, match="disk full"):
        Ingestor(FailingStore(path), batch_chunks=8, window=2).ingest(articles, progress=False)
    store = open_store(path)
    assert store.unfinished_ids()  # the half-written batch is marked, not shown as ready
    ready = {r.article.id for r in store.iter_articles()}
    assert all(a not in ready for a in store.unfinished_ids())
    Ingestor(store).ingest(articles, progress=False)
    assert store.count() == 6
    _consistent(store)


def test_streaming_reads_rtqa_lines_without_loading_the_file() -> None:
    from support import RTQA

    items = iter_articles([RTQA / "articles.jsonl.gz"])
    first = [next(items) for _ in range(3)]
    assert all(isinstance(a, Article) for a in first)


def test_two_files_with_one_name_do_not_replace_each_other(tmp_path: Path) -> None:
    for folder, text in (("a", "The bridge cost $4 million."), ("b", "The ferry is late.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.txt").write_text(f"Notes\n\n{text}", encoding="utf-8")
    store = open_store(tmp_path / "store")
    Ingestor(store).ingest_paths([tmp_path / "a"], progress=False)
    report = Ingestor(store).ingest_paths([tmp_path / "b"], progress=False)
    assert (report.added, report.updated) == (0, 0)
    (skip,) = report.skipped
    assert "already belongs to" in skip.reason and str(tmp_path / "a" / "notes.txt") in skip.reason
    assert "bridge" in store.get("notes").article.body  # type: ignore[union-attr]
    # The same file, edited, still replaces its old version.
    (tmp_path / "a" / "notes.txt").write_text("Notes\n\nThe bridge cost $5 million.", "utf-8")
    report = Ingestor(store).ingest_paths([tmp_path / "a"], progress=False)
    assert report.updated == 1


def test_the_report_counts_tokens_and_rates(tmp_path: Path) -> None:
    from index.chunking import ChunkingConfig, chunk_article

    embedder = Embedder()
    report = Ingestor(open_store(tmp_path / "s"), embedder).ingest_paths([SAMPLES], progress=False)
    articles = [a for a in iter_articles([SAMPLES]) if isinstance(a, Article)]
    chunks = [
        c for a in articles for c in chunk_article(a, ChunkingConfig(), embedder.count_tokens)
    ]
    exact = sum(embedder.count_tokens([c.embed_text for c in chunks]))
    assert len(chunks) == report.chunks
    assert abs(report.tokens - exact) <= 0.02 * exact  # per-sentence counts, summed
    assert all(c.tokens <= 254 for c in chunks)  # 256 minus [CLS] and [SEP]
    summary = report.summary()
    assert "articles/s" in summary and "tokens/s" in summary and "peak memory" in summary


def test_chunk_collections_search_with_the_measured_hnsw_setting(tmp_path: Path) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from index.store import HNSW_EF_SEARCH
    from index.store.local import COLLECTION

    def ef_search(path: Path) -> int:
        client = chromadb.PersistentClient(
            path=str(path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
        )
        return int(client.get_collection(COLLECTION).configuration["hnsw"]["ef_search"])

    open_store(tmp_path / "new").collection  # noqa: B018
    assert ef_search(tmp_path / "new") == HNSW_EF_SEARCH == 200
    old = tmp_path / "old"
    chromadb.PersistentClient(
        path=str(old / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    ).get_or_create_collection(
        COLLECTION, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    open_store(old).collection  # noqa: B018 - an older store is raised to the setting
    assert ef_search(old) == HNSW_EF_SEARCH


def test_a_very_long_article_is_embedded_and_written_a_batch_at_a_time(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """Its chunks go in parts of ``part_chunks`` (memory for a part, not the article), the
    first part replacing the old version's chunks and the rest adding to it."""
    paragraph = "The council voted on the plan to repair the old bridge after months of delay. "
    article = Article(id="long", title="A long report", body=(paragraph * 12 + "\n\n") * 60)
    sizes: list[int] = []
    tiny_embedder = Embedder(str(tiny_model_dir))
    embed = tiny_embedder.embed_spans

    def counting(texts: Any, spans: Any, batch_size: int | None = None) -> Any:
        sizes.append(len(texts))
        return embed(texts, spans, batch_size)

    store = open_store(tmp_path / "store")
    ingestor = Ingestor(store, tiny_embedder, batch_chunks=8, part_chunks=16)
    ingestor.embedder.embed_spans = counting  # type: ignore[method-assign]
    first = ingestor.ingest([article], progress=False)
    assert first.chunks > 50 and max(sizes) <= 16 and sum(sizes) == first.chunks
    assert _consistent(store) == first.chunks
    shorter = Article(id="long", title="A long report", body=(paragraph * 12 + "\n\n") * 30)
    second = ingestor.ingest([shorter], progress=False)
    assert second.updated == 1 and _consistent(store) == second.chunks < first.chunks
