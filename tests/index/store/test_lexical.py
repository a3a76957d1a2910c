from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from index.articles import Article
from index.ingest import Ingestor
from index.store import Filters, LocalStore, open_store
from index.store.lexical import LexicalIndex


def fresh_index(store: LocalStore) -> LexicalIndex:
    return LexicalIndex(store, store.lexical_path())


def _bm25_ids(store: LocalStore) -> set[str]:
    index = fresh_index(store)
    index.ensure()
    return index.chunk_ids()


def _chroma_ids(store: LocalStore) -> set[str]:
    return set(store.collection.get(include=[])["ids"])


def test_bm25_follows_ingest_update_and_remove(sample_store: Path, tmp_path: Path) -> None:
    store = open_store(sample_store)
    assert _bm25_ids(store) == _chroma_ids(store)
    hits = fresh_index(store).search("Gull Point desalination cost", 5)
    assert hits and all(h.chunk_id in _chroma_ids(store) for h in hits)

    store.remove("desal-plant-vote")
    assert _bm25_ids(store) == _chroma_ids(store)

    edited = tmp_path / "edit.jsonl"
    row = {"id": "election-runoff-debate", "title": "Debate", "body": "A zeppelin landed today."}
    edited.write_text(json.dumps(row) + "\n", encoding="utf-8")
    Ingestor(store).ingest_paths([edited], progress=False)
    assert _bm25_ids(store) == _chroma_ids(store)
    (hit,) = fresh_index(store).search("zeppelin", 5)
    got = store.collection.get(ids=[hit.chunk_id], include=["metadatas"])
    assert got["metadatas"][0]["article_id"] == "election-runoff-debate"


def test_bm25_filters_by_source_and_date(sample_store: Path) -> None:
    index = fresh_index(open_store(sample_store))
    q = "Redstone Ridge fire evacuated"
    only = index.search(q, 50, Filters(sources=("The Valley Courier",)))
    assert only
    got = open_store(sample_store).collection.get(
        ids=[h.chunk_id for h in only], include=["metadatas"]
    )
    assert {m["source"] for m in got["metadatas"]} == {"The Valley Courier"}
    assert index.search(q, 50, Filters(since=dt.date(2030, 1, 1))) == []
    assert index.search("", 5) == []


def test_bm25_survives_a_crash_and_agrees_after_the_rerun(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
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
    assert fresh_index(store).search("word7", 3)


def test_saved_index_is_reused_until_the_store_changes(sample_store: Path) -> None:
    store = open_store(sample_store)
    fresh_index(store).ensure()
    info = json.loads((sample_store / "bm25" / "info.json").read_text())
    assert info["generation"] == store.generation()
    fresh = fresh_index(store)
    fresh.ensure()
    assert fresh.last_update == "loaded"  # nothing rebuilt
    store.remove("rail-strike-begins")
    later = fresh_index(store)
    later.ensure()
    assert later.last_update == "delta" and later.chunk_ids() == _chroma_ids(store)


def _add(store: LocalStore, tmp_path: Path, rows: list[dict[str, str]]) -> None:
    path = tmp_path / f"add-{len(list(tmp_path.iterdir()))}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = Ingestor(store).ingest_paths([path], progress=False)
    assert not report.skipped


def test_small_changes_are_applied_in_place_and_rank_like_a_rebuild(
    sample_store: Path, tmp_path: Path
) -> None:
    store = open_store(sample_store)
    index = fresh_index(store)
    index.ensure()
    _add(
        store,
        tmp_path,
        [
            {
                "id": "harbour-ferry",
                "title": "Ferry service to Gull Point resumes",
                "source": "Harbour Gazette",
                "published_at": "2026-11-02",
                "body": "The harbour ferry to Gull Point resumed on Monday after the desalination "
                "plant's new jetty opened. Ferry tickets cost four dollars.",
            }
        ],
    )
    store.remove("desal-plant-vote")
    index.ensure()  # the ingest updated its own index; this one catches up the same way
    assert index.last_update == "delta"
    assert index.chunk_ids() == _chroma_ids(store)

    rebuilt = fresh_index(store)
    rebuilt._build(store.generation())
    for query in ("harbour ferry Gull Point jetty", "desalination plant cost", "rail strike"):
        delta_hits = index.search(query, 5)
        full_hits = rebuilt.search(query, 5)
        # The main index keeps the statistics of the corpus it was built on: on these ~100
        # chunks one article in or out moves scores by a few percent, not the top of the list.
        assert delta_hits[0].chunk_id == full_hits[0].chunk_id, query
        assert len({h.chunk_id for h in delta_hits} & {h.chunk_id for h in full_hits}) >= 4
        full = {h.chunk_id: h.score for h in full_hits}
        for hit in delta_hits:
            assert hit.chunk_id not in full or hit.score == pytest.approx(
                full[hit.chunk_id], rel=0.15
            )
    (top, *_) = index.search("ferry tickets", 3, Filters(sources=("Harbour Gazette",)))
    got = store.collection.get(ids=[top.chunk_id], include=["metadatas"])
    assert got["metadatas"][0]["article_id"] == "harbour-ferry"
    other_outlet = index.search("ferry tickets", 3, Filters(sources=("Coastal Wire",)))
    assert top.chunk_id not in {h.chunk_id for h in other_outlet}  # filters apply to the delta
    later = index.search("ferry", 9, Filters(since=dt.date(2026, 11, 3)))
    assert top.chunk_id not in {h.chunk_id for h in later}
    removed = set(store.collection.get(where={"article_id": "desal-plant-vote"})["ids"])
    assert not removed and all(h.chunk_id in _chroma_ids(store) for h in index.search("vote", 20))


def test_an_edited_article_gets_new_chunk_ids(sample_store: Path, tmp_path: Path) -> None:
    store = open_store(sample_store)
    row = {"id": "note", "title": "Note", "body": "The quay was painted blue."}
    _add(store, tmp_path, [row])
    before = set(store.collection.get(where={"article_id": "note"})["ids"])
    _add(store, tmp_path, [{**row, "body": "The quay was painted green."}])
    index = fresh_index(store)
    index.ensure()
    after = set(store.collection.get(where={"article_id": "note"})["ids"])
    assert before and after and not before & after
    assert [h.chunk_id for h in index.search("green quay", 3)][:1] == sorted(after)[:1]
    assert not index.search("blue", 3)


def test_a_big_change_rebuilds_the_whole_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.store.lexical as bm25

    store = open_store(tmp_path / "store")
    _add(
        store,
        tmp_path,
        [{"id": f"a{i}", "title": f"T{i}", "body": f"Word{i} here."} for i in range(4)],
    )
    index = fresh_index(store)
    index.ensure()
    monkeypatch.setattr(bm25, "DELTA_MIN", 2)
    _add(
        store,
        tmp_path,
        [{"id": f"b{i}", "title": f"U{i}", "body": f"Other{i} there."} for i in range(5)],
    )
    index.ensure()
    assert index.last_update == "built" and index.chunk_ids() == _chroma_ids(store)
    assert fresh_index(store).search("other3", 2)
