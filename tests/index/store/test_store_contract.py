"""The contract every store backend keeps: the same tests run against the local directory
store, a real Chroma server (`chroma run` on 127.0.0.1) and the in-memory store.

Vectors are written by hand (4-d, so that nearest neighbours are known exactly); the last
test ingests the sample collection with the bundled model into each backend and checks that
they find the same passages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from chroma_server import ChromaServer
from support import SAMPLES

from index.articles import Article
from index.chunking import Chunk
from index.errors import StoreError
from index.ingest import Ingestor
from index.store import Filters, Hit, LocalStore, Store, open_store
from index.store.hits import SentenceVectors
from index.store.memory import MemoryStore
from index.store.server import ServerStore

BACKENDS = ("local", "server", "memory")
_names = itertools.count()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    folder = tmp_path_factory.mktemp("chroma-server")
    server = ChromaServer(folder / "data", folder / "chroma.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def store(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Store]:
    if request.param == "local":
        made: Store = open_store(tmp_path / "store")
        assert isinstance(made, LocalStore)
    elif request.param == "server":
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        server = request.getfixturevalue("chroma_server")
        made = open_store(f"{server.url}/contract-{next(_names)}")
        assert isinstance(made, ServerStore)
    else:
        made = open_store("memory:")
        assert isinstance(made, MemoryStore)
    yield made
    made.close()


ARTICLES = [
    Article(
        id="ferry",
        title="Ferry returns to Gull Point",
        body="The harbour ferry sails again. Tickets cost four dollars.",
        source="Harbour Gazette",
        published_at="2026-11-02",
    ),
    Article(
        id="vote",
        title="Council vote on the plant",
        body="The council voted for the desalination plant. It costs $412 million.",
        source="Coastal Wire",
        published_at="2026-10-20",
    ),
    Article(id="undated", title="Notes", body="A zeppelin crossed the bay at dawn."),
]
# one chunk a sentence; each chunk's vector points along its own axis (the last sentence of
# "vote" leans towards the ferry's first, so that the nearest neighbours are not all exact)
VECTORS = {
    ("ferry", 0): np.array([1.0, 0.0, 0.0, 0.0]),
    ("ferry", 1): np.array([0.0, 1.0, 0.0, 0.0]),
    ("vote", 0): np.array([0.0, 0.0, 1.0, 0.0]),
    ("vote", 1): np.array([0.6, 0.0, 0.8, 0.0]),
    ("undated", 0): np.array([0.0, 0.0, 0.0, 1.0]),
}


def _chunks(article: Article) -> list[Chunk]:
    out, start = [], 0
    for i, sentence in enumerate(article.body.split(". ")):
        text = sentence if sentence.endswith(".") else sentence + "."
        start = article.body.index(text, start)
        end = start + len(text)
        out.append(Chunk(f"{article.id}-{i}", article.id, i, start, end, text, article.title))
        start = end
    return out


def _write(store: Store, articles: list[Article], finish: bool = True) -> None:
    store.bind_model("hand-made", 4)
    store.begin([(a, a.content_hash()) for a in articles])
    for article in articles:
        chunks = _chunks(article)
        vectors = np.array([VECTORS[(article.id, c.index)] for c in chunks], dtype=np.float32)
        store.replace_chunks([article], chunks, vectors)
    if finish:
        store.finish({a.id: len(_chunks(a)) for a in articles})


def test_a_new_store_is_empty(store: Store) -> None:
    assert store.count() == 0 and store.is_empty() and store.count_chunks() == 0
    assert store.list_articles().total == 0 and list(store.iter_articles()) == []
    assert store.get("ferry") is None and store.sources() == []
    assert store.dense([1.0, 0.0, 0.0, 0.0], 3) == [] and store.lexical("ferry", 3) == []


def test_the_write_protocol_shows_only_finished_articles(store: Store) -> None:
    before = store.generation()
    _write(store, ARTICLES, finish=False)
    assert store.unfinished_ids() == {"ferry", "vote", "undated"}
    assert {i: s[1] for i, s in store.states(["ferry", "nope"]).items()} == {"ferry": "pending"}
    assert store.count() == 0 and store.get("ferry") is None and store.list_articles().total == 0
    assert store.dense([1.0, 0.0, 0.0, 0.0], 5) == [] and store.chunks(["ferry-0"]) == {}
    assert store.count_chunks() == 5  # written, not yet visible

    store.finish({a.id: len(_chunks(a)) for a in ARTICLES})
    assert store.generation() != before and not store.unfinished_ids()
    assert store.count() == 3 and not store.is_empty() and store.exists()
    record = store.get("vote")
    assert record is not None and record.article == ARTICLES[1] and record.n_chunks == 2
    assert store.states(["vote"])["vote"] == (ARTICLES[1].content_hash(), "ready", "")
    assert store.sources() == ["Coastal Wire", "Harbour Gazette"]
    assert store.chunk_ids() == {"ferry-0", "ferry-1", "vote-0", "vote-1", "undated-0"}


def test_dense_search_is_typed_ranked_and_filtered(store: Store) -> None:
    _write(store, ARTICLES)
    query = np.array([0.1, 0.0, 1.0, 0.0])
    hits = store.dense(query, 3)
    assert [h.chunk_id for h in hits] == ["vote-0", "vote-1", "ferry-0"]
    top = hits[0]
    cosines = [
        VECTORS[k] @ query / np.linalg.norm(query) for k in [("vote", 0), ("vote", 1), ("ferry", 0)]
    ]
    assert isinstance(top, Hit) and [h.score for h in hits] == pytest.approx(cosines, abs=1e-5)
    assert top.published == dt.date(2026, 10, 20) and top.published_at == "2026-10-20"
    body = ARTICLES[1].body
    assert (top.title, top.source, top.text) == (
        ARTICLES[1].title,
        "Coastal Wire",
        body[top.start : top.end],
    )

    near = [1.0, 0.0, 0.0, 0.0]
    only = store.dense(near, 5, Filters(sources=("Coastal Wire",)))
    assert {h.article_id for h in only} == {"vote"}
    since = store.dense(near, 5, Filters(since=dt.date(2026, 11, 1)))
    assert {h.article_id for h in since} == {"ferry"}
    until = store.dense(near, 5, Filters(until=dt.date(2026, 10, 31)))
    assert "ferry" not in {h.article_id for h in until} and "vote" in {h.article_id for h in until}
    # an undated chunk never passes a date range, dense or lexical
    assert "undated" not in {h.article_id for h in until}
    without = store.dense(near, 5, Filters(exclude=frozenset({"ferry"})))
    assert [h.article_id for h in without][:1] == ["vote"] and len(without) == 3


def test_lexical_search_and_chunks_by_id(store: Store) -> None:
    _write(store, ARTICLES)
    hits = store.lexical("zeppelin", 5)
    assert [h.chunk_id for h in hits] == ["undated-0"] and hits[0].score > 0
    assert store.lexical("", 5) == [] and store.lexical("the of and", 5) == []
    ferry = store.lexical("ferry tickets", 5, Filters(sources=("Harbour Gazette",)))
    assert ferry and {h.chunk_id for h in ferry} <= {"ferry-0", "ferry-1"}
    assert store.lexical("ferry", 5, Filters(since=dt.date(2026, 12, 1))) == []
    # an undated chunk never passes a date range
    assert store.lexical("zeppelin", 5, Filters(until=dt.date(2030, 1, 1))) == []

    got = store.chunks(["undated-0", "no-such-chunk", "ferry-1"])
    assert set(got) == {"undated-0", "ferry-1"}
    assert got["undated-0"].published is None and got["undated-0"].published_at is None
    assert got["ferry-1"].text == "Tickets cost four dollars." and got["ferry-1"].score == 0.0
    assert {h.chunk_id for h in store.iter_chunks(["vote-1", "gone"])} == {"vote-1"}


def test_rewriting_and_removing_keep_every_index_in_step(store: Store) -> None:
    _write(store, ARTICLES)
    edited = Article(id="undated", title="Notes", body="An airship crossed the bay.")
    store.begin([(edited, edited.content_hash())])
    store.replace_chunks([edited], _chunks(edited), np.array([[0.0, 0.0, 0.0, 1.0]]))
    store.finish({"undated": 1})
    assert store.lexical("zeppelin", 5) == [] and store.lexical("airship", 5)
    assert store.count_chunks() == 5 and store.count() == 3

    generation = store.generation()
    assert store.remove("vote") and not store.remove("vote")
    assert store.generation() != generation
    assert store.get("vote") is None and store.count() == 2 and store.count_chunks() == 3
    assert store.lexical("desalination", 5) == [] and store.chunks(["vote-0"]) == {}
    assert "vote" not in {h.article_id for h in store.dense([0.0, 0.0, 1.0, 0.0], 5)}


def _sentences(chunk: Chunk, seed: int) -> SentenceVectors:
    rows = np.random.default_rng(seed).normal(size=(2, 4))
    return SentenceVectors.of([chunk.start, chunk.start + 4], rows / np.linalg.norm(rows))


def test_sentence_vectors_are_kept_and_dropped_with_their_chunks(store: Store) -> None:
    _write(store, ARTICLES)
    assert store.sentence_vectors(["ferry-0"]) == {}  # written without: none
    edited = Article(id="ferry", title="Ferry", body="The ferry sails. Tickets cost four dollars.")
    first, second = _chunks(edited)
    kept = [_sentences(first, 1), _sentences(second, 2)]
    store.begin([(edited, edited.content_hash())])
    store.replace_chunks([edited], [first], np.eye(4)[:1], sentences=kept[:1])
    store.replace_chunks([edited], [second], np.eye(4)[1:2], True, kept[1:])
    store.finish({"ferry": 2})

    got = store.sentence_vectors(["ferry-1", "vote-0", "nowhere", "ferry-0"])
    assert set(got) == {"ferry-0", "ferry-1"}
    for found, wrote in zip((got["ferry-0"], got["ferry-1"]), kept, strict=True):
        assert found.starts.tolist() == wrote.starts.tolist()
        assert found.vectors.dtype == np.float16 and np.array_equal(found.vectors, wrote.vectors)
    assert set(got["ferry-1"].by_start()) == {first.end + 1, first.end + 5}

    store.begin([(edited, "rewritten")])  # rewritten without sentence vectors: old ones go
    store.replace_chunks([edited], [first], np.eye(4)[:1])
    store.finish({"ferry": 1})
    assert store.sentence_vectors(["ferry-0", "ferry-1"]) == {}
    store.begin([(edited, "again")])
    store.replace_chunks([edited], [first], np.eye(4)[:1], sentences=kept[:1])
    store.finish({"ferry": 1})
    assert store.remove("ferry") and store.sentence_vectors(["ferry-0"]) == {}


def test_listing_search_sort_and_pages(store: Store) -> None:
    _write(store, ARTICLES)
    page = store.list_articles(sort="published_at", descending=True, limit=2)
    assert [r.id for r in page.rows] == ["ferry", "vote"] and page.total == 3
    assert [r.id for r in store.list_articles(limit=2, offset=2).rows] == ["undated"]
    assert [r.id for r in store.list_articles(sort="title", descending=False).rows] == [
        "vote",
        "ferry",
        "undated",
    ]
    found = store.list_articles(query="GULL point")
    assert [r.id for r in found.rows] == ["ferry"] and found.rows[0].n_chunks == 2
    assert [r.article.id for r in store.iter_articles("title")] == ["vote", "ferry", "undated"]
    assert [r.article.id for r in store.iter_articles()] == ["ferry", "vote", "undated"]
    with pytest.raises(ValueError, match="sort must be one of"):
        store.list_articles(sort="colour")


def test_a_store_keeps_to_the_model_that_built_it(store: Store) -> None:
    _write(store, ARTICLES[:1])
    assert store.embed_model == "hand-made"
    store.check_model("hand-made", 4)
    with pytest.raises(StoreError, match="built with the embedding model 'hand-made'"):
        store.bind_model("other-model", 4)
    with pytest.raises(StoreError, match="4-d"):
        store.check_model("hand-made", 8)


def test_every_backend_finds_the_same_passages_with_the_bundled_model(
    store: Store, sample_store_master: Path
) -> None:
    from index.embed import Embedder

    embedder = Embedder()
    report = Ingestor(store, embedder).ingest_paths([SAMPLES], progress=False)
    reference = LocalStore(sample_store_master)
    assert store.count() == reference.count() == report.added
    assert store.chunk_ids() == reference.chunk_ids()
    for question in (
        "How much will the desalination plant cost?",
        "When did the rail strike begin?",
    ):
        vector = embedder.embed([question])[0]
        ours = [(h.chunk_id, round(h.score, 4)) for h in store.dense(vector, 10)]
        assert ours == [(h.chunk_id, round(h.score, 4)) for h in reference.dense(vector, 10)]
        lexical = [(h.chunk_id, round(h.score, 4)) for h in store.lexical(question, 10)]
        assert lexical == [(h.chunk_id, round(h.score, 4)) for h in reference.lexical(question, 10)]
    # every chunk's sentences were embedded in the same pass, and come back the same
    ids = sorted(store.chunk_ids())
    ours_sentences, theirs = store.sentence_vectors(ids), reference.sentence_vectors(ids)
    assert set(ours_sentences) == set(theirs) == set(ids)
    for chunk_id in ids:
        a, b = ours_sentences[chunk_id], theirs[chunk_id]
        assert a.starts.tolist() == b.starts.tolist() and len(a.by_start()) == len(a.starts)
        assert np.allclose(a.vectors, b.vectors, atol=2e-3)


def test_extra_fields_come_back_as_stored_json(store: Store) -> None:
    tagged = dataclasses.replace(
        ARTICLES[0], extra={"tags": ("harbour", "ferry"), "day": dt.date(2026, 11, 2)}
    )
    _write(store, [tagged])
    record = store.get("ferry")
    assert record is not None and dict(record.article.extra) == {
        "tags": ["harbour", "ferry"],
        "day": "2026-11-02",
    }


def test_a_memory_store_is_found_again_by_its_location() -> None:
    named = open_store("memory:newsroom")
    assert open_store("memory:newsroom") is named and named.location == "memory:newsroom"
    anonymous = open_store("memory:")
    assert open_store(anonymous.location) is anonymous and open_store("memory:") is not anonymous
    _write(anonymous, ARTICLES)
    with pytest.raises(StoreError, match="4-d vectors, not 2-d"):
        anonymous.replace_chunks(ARTICLES[:1], _chunks(ARTICLES[0])[:1], np.array([[1.0, 0.0]]))
    folder = anonymous.path
    assert folder.is_dir()
    anonymous.close()  # drops what is derived, keeps the articles
    assert not folder.exists() and anonymous.count() == 3 and anonymous.lexical("zeppelin", 1)
