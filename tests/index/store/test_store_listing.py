"""The Library's listing (``Store.list_articles``): search, sort and paging done by the store,
checked on a few thousand synthetic articles against a plain Python reference. No timings:
that a page is an index walk is checked on SQLite's query plan instead."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import free_port

from index.articles import Article
from index.store import LISTING_SORTS, ArticleSummary, Store, open_store
from index.store.server import ServerStore

WORDS = "Harbor council strike vote fire flood budget ferry Élan delta port rail".split()
SOURCES = ["Coastal Wire", "harbor ledger", "Metro Daily", "", "Valley News"]


def _synthetic(n: int, seed: int = 7) -> list[tuple[Article, int]]:
    """``n`` articles with varied titles (mixed case, repeats), outlets and dates (some none),
    and their chunk counts."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        title = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(2, 6)))
        if i % 11 == 0:
            title = title.upper()
        published = None if i % 13 == 0 else f"20{rnd.randint(10, 26)}-{rnd.randint(1, 12):02d}-01"
        article = Article(
            id=f"art-{rnd.randrange(10**9):09d}-{i}",
            title=title,
            body="Body text. " * 5,
            source=SOURCES[i % len(SOURCES)],
            url=f"https://news.example/{i}" if i % 3 else "",
            published_at=published,
            origin=f"synthetic.jsonl:{i + 1}",
        )
        out.append((article, rnd.randint(1, 40)))
    return out


def _fill(store: Store, items: list[tuple[Article, int]]) -> None:
    """Register the articles as ready through the store's own write protocol (no vectors are
    needed for a listing)."""
    for i in range(0, len(items), 1000):
        part = items[i : i + 1000]
        store.begin([(a, f"hash-{a.id}") for a, _ in part])
        store.finish({a.id: n for a, n in part})


def _key(sort: str, article: Article, n_chunks: int) -> tuple[object, ...]:
    if sort == "published_at":
        return (article.published_at is not None, article.published_at or "", article.id)
    if sort in ("title", "source"):
        return (getattr(article, sort).lower(), article.id)
    if sort == "n_chunks":
        return (n_chunks, article.id)
    return ("", article.id)  # added_at: one batch shares a second; the id decides


def _expected(
    items: list[tuple[Article, int]], sort: str, descending: bool, query: str = ""
) -> list[str]:
    words = query.casefold().split()

    def hit(a: Article) -> bool:
        text = f"{a.title}\n{a.source}\n{a.id}\n{a.url}".casefold()
        return all(w in text for w in words)

    chosen = [(a, n) for a, n in items if hit(a)]
    chosen.sort(key=lambda pair: _key(sort, *pair), reverse=descending)
    return [a.id for a, _ in chosen]


def _all_pages(store: Store, limit: int, **kwargs: object) -> list[ArticleSummary]:
    rows: list[ArticleSummary] = []
    offset = 0
    while True:
        page = store.list_articles(limit=limit, offset=offset, **kwargs)  # type: ignore[arg-type]
        assert page.offset == offset and page.limit == limit
        assert len(page.rows) <= limit
        rows.extend(page.rows)
        offset += limit
        if offset >= page.total:
            assert len(rows) == page.total
            return rows


@pytest.fixture(scope="module")
def local_listing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, list]:
    items = _synthetic(3000)
    store = open_store(tmp_path_factory.mktemp("listing") / "store")
    _fill(store, items)
    return store, items


@pytest.mark.parametrize("sort", LISTING_SORTS)
@pytest.mark.parametrize("descending", [False, True])
def test_pages_walk_the_whole_sorted_listing(
    local_listing: tuple[Store, list], sort: str, descending: bool
) -> None:
    store, items = local_listing
    if sort == "added_at":  # every synthetic article was added within a second or two
        rows = _all_pages(store, 500, sort=sort, descending=descending)
        stamps = [r.added_at for r in rows]
        assert stamps == sorted(stamps, reverse=descending)
        assert sorted(r.id for r in rows) == sorted(a.id for a, _ in items)
        return
    rows = _all_pages(store, 257, sort=sort, descending=descending)
    assert [r.id for r in rows] == _expected(items, sort, descending)


def test_rows_carry_what_the_table_shows(local_listing: tuple[Store, list]) -> None:
    store, items = local_listing
    by_id = dict((a.id, (a, n)) for a, n in items)
    page = store.list_articles(sort="title", descending=False, limit=40, offset=1000)
    assert page.total == 3000 and len(page.rows) == 40
    for row in page.rows:
        article, n_chunks = by_id[row.id]
        assert (row.title, row.source, row.url, row.published_at, row.n_chunks, row.origin) == (
            article.title,
            article.source,
            article.url,
            article.published_at,
            n_chunks,
            article.origin,
        )
        assert row.added_at.startswith("20")


@pytest.mark.parametrize(
    "query",
    ["harbor", "HARBOR vote", "élan", "coastal wire", "news.example/12", "art-0", "no-such-word"],
)
def test_search_matches_every_word_in_title_outlet_id_or_url(
    local_listing: tuple[Store, list], query: str
) -> None:
    store, items = local_listing
    expected = _expected(items, "published_at", True, query)
    page = store.list_articles(query, limit=100)
    assert page.total == len(expected)
    assert [r.id for r in page.rows] == expected[:100]
    assert [r.id for r in _all_pages(store, 400, query=query)] == expected


def test_paging_past_the_end_and_bad_arguments(local_listing: tuple[Store, list]) -> None:
    store, _ = local_listing
    page = store.list_articles(offset=5000, limit=10)
    assert page.rows == () and page.total == 3000
    with pytest.raises(ValueError, match="sort must be one of"):
        store.list_articles(sort="body")
    with pytest.raises(ValueError, match="limit must be"):
        store.list_articles(limit=0)
    with pytest.raises(ValueError, match="offset"):
        store.list_articles(offset=-1)


def test_a_page_is_an_index_walk_not_a_sort_of_every_row(
    local_listing: tuple[Store, list],
) -> None:
    """The plan SQLite picks for each sort: an index in order, no temporary sort b-tree."""
    store, _ = local_listing
    store.list_articles()  # opens the database
    for sort, index in [
        ("published_at", "articles_by_date"),
        ("title", "articles_by_title"),
        ("source", "articles_by_source"),
        ("n_chunks", "articles_by_chunks"),
        ("added_at", "articles_by_added"),
    ]:
        collate = " COLLATE NOCASE" if sort in ("title", "source") else ""
        for direction in ("ASC", "DESC"):
            plan = store.db.execute(
                "EXPLAIN QUERY PLAN SELECT id, title, n_chunks FROM articles WHERE state = 'ready'"
                f" ORDER BY {sort}{collate} {direction}, id {direction} LIMIT 50 OFFSET 100"
            ).fetchall()
            details = " | ".join(str(row[-1]) for row in plan)
            assert index in details and "TEMP B-TREE" not in details, (sort, details)


def test_unfinished_and_removed_articles_are_not_listed(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    assert store.list_articles().total == 0 and not store.exists()  # reading creates nothing
    items = _synthetic(30)
    _fill(store, items[:20])
    store.begin([(a, "h") for a, _ in items[20:]])  # pending: an ingest under way
    page = store.list_articles(limit=100)
    assert page.total == 20 and {r.id for r in page.rows} == {a.id for a, _ in items[:20]}
    gone = items[0][0].id
    assert store.remove(gone)
    assert gone not in {r.id for r in store.list_articles(limit=100).rows}
    assert store.list_articles(gone).total == 0


# -- the same listing on a Chroma server ---------------------------------------------------


@pytest.fixture
def chroma_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``chroma run`` on 127.0.0.1 in a subprocess, stopped afterwards."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    port = free_port()
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    log = tmp_path / "chroma.log"
    port_arg = ["--port", str(port)]
    with log.open("ab") as out:
        process = subprocess.Popen(
            [chroma, "run", "--path", str(tmp_path / "data"), "--host", "127.0.0.1", *port_arg],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
def test_a_chroma_server_store_lists_like_a_local_one(chroma_url: str, tmp_path: Path) -> None:
    items = _synthetic(1500, seed=3)
    remote = open_store(f"{chroma_url}/listing")
    assert isinstance(remote, ServerStore)
    assert remote.list_articles().total == 0
    local = open_store(tmp_path / "local")
    _fill(remote, items)
    _fill(local, items)
    for sort in ("published_at", "title", "source", "n_chunks"):
        for descending in (False, True):
            expected = _expected(items, sort, descending)
            got = _all_pages(remote, 400, sort=sort, descending=descending)
            assert [r.id for r in got] == expected, (sort, descending)
            window = {"sort": sort, "descending": descending, "limit": 30, "offset": 60}
            on_server = remote.list_articles(**window)  # type: ignore[arg-type]
            on_disk = local.list_articles(**window)  # type: ignore[arg-type]
            assert on_server.total == on_disk.total == 1500
            assert [r.id for r in on_server.rows] == [r.id for r in on_disk.rows]
    for query in ("harbor vote", "VALLEY", "news.example/14"):
        assert [r.id for r in _all_pages(remote, 300, query=query)] == _expected(
            items, "published_at", True, query
        )
    # A change on the server (here: from another client) shows in the next listing.
    other = open_store(f"{chroma_url}/listing")
    removed = items[5][0].id
    assert other.remove(removed)
    page = remote.list_articles(removed)
    assert page.total == 0 and remote.list_articles(limit=1).total == 1499
