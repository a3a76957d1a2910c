"""Articles from URLs and feeds (index/web.py, index/fetch.py), against a local http.server:
no network."""

from __future__ import annotations

import contextlib
import http.server
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from index.embed import Embedder
from index.fetch import WebError, check_url
from index.ingest import Ingestor
from index.store import open_store
from index.web import (
    FeedHistory,
    WebFetcher,
    ingest_feed,
    ingest_urls,
    parse_feed,
)


def page(title: str, paragraphs: list[str], site: str = "Harbor Ledger", date: str = "") -> bytes:
    meta = f'<meta name="date" content="{date}">' if date else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{title} | {site}</title>{meta}"
        f'<meta property="og:site_name" content="{site}"></head><body>'
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>Copyright 2026</footer></body></html>"
    ).encode()


FERRY = page(
    "Ferry service resumes after storm",
    [
        "The ferry between Gull Point and Mirren resumed on Tuesday after a three-day "
        "suspension caused by the storm, the operator said.",
        "Crews inspected the docks overnight and found no structural damage, a spokeswoman "
        "said in a statement on Monday evening.",
    ],
    date="2026-03-04",
)
BRIDGE = page(
    "Council approves bridge repairs",
    [
        "The city council voted 7-2 on Wednesday to spend $4.1 million repairing the Old "
        "Mill bridge, which has been closed to trucks since January.",
        "Work is expected to start in May and to take about five months, officials said.",
    ],
    site="Metro Daily",
)
LIBRARY = page(
    "Library extends opening hours",
    [
        "The central library will open until 9 p.m. on weekdays from next month, the city's "
        "culture office announced on Thursday, after a survey of 3,000 residents.",
        "The longer hours will be paid for by a state grant of $250,000 a year.",
    ],
)


LOCAL = WebFetcher(allow_private=True)  # the test sites are on 127.0.0.1


@dataclass
class Route:
    body: bytes
    content_type: str | None = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    length: bool = True


class Site:
    """A tiny web site on 127.0.0.1: ``routes`` maps a path to what it answers."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                route = site.routes.get(self.path)
                if route is None:
                    self.send_error(404, "Not Found")
                    return
                if route.delay:
                    time.sleep(route.delay)
                self.send_response(route.status)
                if route.content_type:
                    self.send_header("Content-Type", route.content_type)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.length:
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (a timeout test)
                    self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    s.routes.update(
        {
            "/news/ferry": Route(FERRY),
            "/news/bridge": Route(BRIDGE),
            "/news/library": Route(LIBRARY),
            "/report.pdf": Route(b"%PDF-1.4 ...", "application/pdf"),
            "/empty": Route(b"<html><body><nav>Home</nav></body></html>"),
            "/gone": Route(b"moved", status=302, headers={"Location": "/news/ferry"}),
            "/sneaky": Route(b"", status=302, headers={"Location": "file:///etc/passwd"}),
            "/plain.txt": Route(
                b"Harbor dredging to start\n\nDredging of the inner harbor will start on "
                b"Monday and close two berths for six weeks, the port authority said.",
                "text/plain; charset=utf-8",
            ),
        }
    )
    yield s
    s.close()


@pytest.fixture(scope="module")
def embedder(tiny_model_dir: Path) -> Embedder:
    return Embedder(str(tiny_model_dir))


@pytest.fixture
def ingestor(tmp_path: Path, embedder: Embedder) -> Ingestor:
    return Ingestor(open_store(tmp_path / "store"), embedder)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("file:///etc/passwd", "only http:// and https:// addresses can be fetched, not file:"),
        ("data:text/html,<p>hi</p>", "not data:"),
        ("ftp://ftp.example.com/news.html", "not ftp:"),
        ("/etc/passwd", "is not a web address"),
        ("notes/story.html", "is not a web address"),
        ("example.com/story", "is not a web address"),
        ("C:\\news\\story.html", "is not a web address"),
        ("https://", "has no host name"),
        ("   ", "no URL given"),
    ],
)
def test_only_http_and_https_addresses_are_fetched(url: str, why: str) -> None:
    with pytest.raises(WebError, match="no URL given" if not url.strip() else None) as info:
        check_url(url)
    assert why in str(info.value)
    if url.strip():
        assert url in str(info.value)


def test_check_url_drops_the_fragment_and_keeps_the_query() -> None:
    got = check_url("  HTTPS://news.example/a/b?id=3#comments ")
    assert got == "https://news.example/a/b?id=3"


def test_private_addresses_are_refused_only_when_asked(site: Site) -> None:
    url = site.url("/news/ferry")
    for refused in (url, url.replace("127.0.0.1", "localhost")):
        with pytest.raises(WebError, match="private or local address") as info:
            WebFetcher().fetch(refused)  # allow_private=False, the default
        assert refused in str(info.value)
    assert LOCAL.fetch(url).data == FERRY
    assert site.hits == ["/news/ferry"]  # the refused ones never reached the server


def test_a_page_becomes_an_article_with_its_metadata(site: Site, ingestor: Ingestor) -> None:
    url = site.url("/news/ferry")
    report = ingest_urls(ingestor, [url + "#top"], fetcher=LOCAL, progress=False)
    assert report.added == 1 and not report.skipped, report
    record = ingestor.store.get(url)
    assert record is not None
    article = record.article
    assert article.title == "Ferry service resumes after storm"
    assert article.source == "Harbor Ledger" and article.published_at == "2026-03-04"
    assert article.url == url and article.origin == url
    assert article.body.startswith("The ferry between Gull Point and Mirren resumed")
    assert "Home" not in article.body and "Copyright" not in article.body

    again = ingest_urls(ingestor, [url], fetcher=LOCAL, progress=False)
    assert again.unchanged == 1 and again.added == 0


def test_every_bad_url_is_a_skip_that_names_it_and_says_why(site: Site, ingestor: Ingestor) -> None:
    urls = {
        "/missing": "answered HTTP 404",
        "/report.pdf": "is application/pdf, not a web page",
        "/empty": "characters after extraction); is it a list of links",
        "/sneaky": "redirects to a refused address",
    }
    given = [site.url(path) for path in urls] + ["file:///etc/passwd", site.url("/gone")]
    report = ingest_urls(ingestor, given, fetcher=LOCAL, progress=False)
    assert report.added == 1  # /gone redirects to the ferry story
    reasons = {skip.origin: skip.reason for skip in report.skipped}
    assert set(reasons) == {*given[:-1]}
    for path, why in urls.items():
        url = site.url(path)
        assert why in reasons[url] and url in reasons[url], reasons[url]
    assert re.match(
        rf"the page at {re.escape(site.url('/empty'))} has no article text \(\d+ characters",
        reasons[site.url("/empty")],
    )
    assert "not file:" in reasons["file:///etc/passwd"]
    assert ingestor.store.get(site.url("/gone")) is not None


def test_plain_text_pages_are_read_too(site: Site, ingestor: Ingestor) -> None:
    report = ingest_urls(ingestor, [site.url("/plain.txt")], fetcher=LOCAL, progress=False)
    assert report.added == 1, report.skipped
    record = ingestor.store.get(site.url("/plain.txt"))
    assert record is not None and record.article.title == "Harbor dredging to start"
    assert record.article.source == "127.0.0.1"  # no outlet named: the host


def test_size_limit_and_timeout(site: Site) -> None:
    url = site.url("/news/ferry")
    with pytest.raises(WebError, match=rf"is {len(FERRY)} bytes, over the 500 bytes limit") as info:
        WebFetcher(max_bytes=500, allow_private=True).fetch(url)
    assert url in str(info.value)
    site.routes["/unsized"] = Route(FERRY * 20, length=False)  # no Content-Length to go by
    with pytest.raises(WebError, match=r"is larger than the 2 kB limit") as info:
        WebFetcher(max_bytes=2000, allow_private=True).fetch(site.url("/unsized"))
    assert len(LOCAL.fetch(site.url("/unsized")).data) == len(FERRY) * 20
    assert WebFetcher(max_bytes=5_000_000).max_bytes == 5_000_000
    site.routes["/slow"] = Route(FERRY, delay=2.0)
    started = time.monotonic()
    with pytest.raises(WebError, match=r"did not finish within 0\.5 s") as info:
        WebFetcher(timeout=0.5, allow_private=True).fetch(site.url("/slow"))
    assert time.monotonic() - started < 1.9
    assert site.url("/slow") in str(info.value)


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Harbor Ledger: Local</title>
  <link>{base}/</link>
  {items}
</channel>
</rss>"""

ITEM = """<item>
  <title>{title}</title><link>{link}</link><guid isPermaLink="false">{guid}</guid>
  <pubDate>{date}</pubDate><description>{description}</description>
</item>"""


def rss(base: str, items: list[dict[str, str]]) -> bytes:
    rendered = [
        ITEM.format(
            title=i["title"],
            link=i["link"],
            guid=i.get("guid", i["link"]),
            date=i.get("date", "Tue, 03 Mar 2026 08:00:00 GMT"),
            description=i.get("description", "A short teaser."),
        )
        for i in items
    ]
    return RSS.format(base=base, items="\n".join(rendered)).encode()


def test_a_feed_gives_only_its_new_items_on_refresh(site: Site, ingestor: Ingestor) -> None:
    items = [
        {
            "title": "Ferry back",
            "link": "/news/ferry",
            "guid": "ledger-1",
            "date": "Mon, 02 Mar 2026 07:00:00 GMT",
        },
        {"title": "Bridge repairs", "link": site.url("/news/bridge"), "guid": "ledger-2"},
    ]
    site.routes["/feed.xml"] = Route(rss(site.base, items), "application/rss+xml")
    feed_url = site.url("/feed.xml")

    first = ingest_feed(ingestor, feed_url, fetcher=LOCAL, progress=False)
    assert (first.items, first.new, first.ingest.added) == (2, 2, 2), first.summary()
    assert first.title == "Harbor Ledger: Local"
    ferry = ingestor.store.get(site.url("/news/ferry"))  # a relative link, resolved
    assert ferry is not None
    assert ferry.article.published_at == "2026-03-02"  # the feed's date beats the page's
    bridge = ingestor.store.get(site.url("/news/bridge"))
    assert bridge is not None and bridge.article.source == "Metro Daily"

    history = FeedHistory.for_store(ingestor.store)
    assert history.seen(feed_url) == {"ledger-1", "ledger-2"}
    [entry] = history.feeds()
    assert (entry.url, entry.title, entry.seen) == (feed_url, "Harbor Ledger: Local", 2)

    site.hits.clear()
    items.append({"title": "Library hours", "link": "/news/library", "guid": "ledger-3"})
    items.append({"title": "Not yet up", "link": "/news/later", "guid": "ledger-4"})
    site.routes["/feed.xml"] = Route(rss(site.base, items), "application/rss+xml")
    second = ingest_feed(ingestor, feed_url, fetcher=LOCAL, progress=False)
    assert (second.items, second.new, second.ingest.added) == (4, 2, 1), second.summary()
    assert site.hits == ["/feed.xml", "/news/library", "/news/later"]  # old items not fetched
    [skip] = second.ingest.skipped
    assert skip.origin == site.url("/news/later") and "HTTP 404" in skip.reason

    # The page that failed is tried again on the next refresh; nothing else is.
    site.routes["/news/later"] = Route(LIBRARY.replace(b"Library extends", b"Later story"))
    site.hits.clear()
    third = ingest_feed(ingestor, feed_url, fetcher=LOCAL, progress=False)
    assert (third.new, third.ingest.added) == (1, 1) and site.hits == ["/feed.xml", "/news/later"]
    assert ingest_feed(ingestor, feed_url, fetcher=LOCAL, progress=False).new == 0


def test_a_feed_item_without_a_usable_page_uses_the_feed_text(
    site: Site, ingestor: Ingestor
) -> None:
    long_text = (
        "&lt;p&gt;The night bus network will add three routes in April, the transit agency said "
        "on Friday, after ridership rose by a fifth in a year.&lt;/p&gt;"
    )
    items = [{"title": "Night buses", "link": "/empty", "guid": "nb", "description": long_text}]
    site.routes["/feed.xml"] = Route(rss(site.base, items), "text/xml")
    report = ingest_feed(ingestor, site.url("/feed.xml"), fetcher=LOCAL, progress=False)
    assert report.ingest.added == 1, report.ingest.skipped
    record = ingestor.store.get(site.url("/empty"))
    assert record is not None and record.article.body.startswith("The night bus network")
    assert record.article.title == "Night buses" and record.article.source == "Harbor Ledger: Local"


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Metro Daily</title>
  <entry>
    <title>Bridge repairs</title><id>tag:metro,2026:1</id>
    <link rel="alternate" href="https://metro.example/bridge"/>
    <link rel="enclosure" href="https://metro.example/bridge.mp3"/>
    <published>2026-02-11T09:30:00Z</published><summary>Teaser</summary>
  </entry>
  <entry>
    <title>No link</title><id>tag:metro,2026:2</id><updated>2026-02-12T09:30:00+01:00</updated>
    <content type="html">&lt;p&gt;Body&lt;/p&gt;</content>
  </entry>
</feed>"""


def test_atom_feeds_parse() -> None:
    feed = parse_feed(ATOM, "https://metro.example/feed")
    assert feed.title == "Metro Daily" and feed.url == "https://metro.example/feed"
    first, second = feed.items
    assert (first.key, first.url, first.title, first.published_at) == (
        "tag:metro,2026:1",
        "https://metro.example/bridge",
        "Bridge repairs",
        "2026-02-11",
    )
    assert second.url == "" and second.content == "<p>Body</p>"


def test_what_is_not_a_feed_is_refused_by_name() -> None:
    url = "https://news.example/feed"
    with pytest.raises(WebError, match="looks like a web page, not a feed") as info:
        parse_feed(FERRY, url)
    assert url in str(info.value)
    with pytest.raises(WebError, match="is not an RSS or Atom feed"):
        parse_feed(b"<svg xmlns='http://www.w3.org/2000/svg'/>", url)
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel/></rss>'
    with pytest.raises(WebError, match="declares XML entities"):
        parse_feed(bomb, url)


def test_a_feed_that_cannot_be_fetched_is_an_error(site: Site, ingestor: Ingestor) -> None:
    with pytest.raises(WebError, match="answered HTTP 404") as info:
        ingest_feed(ingestor, site.url("/nofeed.xml"), fetcher=LOCAL, progress=False)
    assert site.url("/nofeed.xml") in str(info.value)
    assert FeedHistory.for_store(ingestor.store).feeds() == []


def test_feed_history_survives_a_new_instance_and_forgets(tmp_path: Path) -> None:
    history = FeedHistory(tmp_path / "feeds.json")
    history.record("https://a.example/feed", "A", ["1", "2"])
    history.record("https://a.example/feed", "", ["2", "3"])
    again = FeedHistory(tmp_path / "feeds.json")
    assert again.seen("https://a.example/feed") == {"1", "2", "3"}
    assert [(e.title, e.seen) for e in again.feeds()] == [("A", 3)]
    assert again.forget("https://a.example/feed") and again.feeds() == []
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert FeedHistory(tmp_path / "broken.json").feeds() == []


def _cli(*args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from qa.cli import main

    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_the_ingest_command_takes_urls_and_feeds(
    site: Site, tmp_path: Path, tiny_model_dir: Path
) -> None:
    common = ["--store", str(tmp_path / "store"), "--embed-model", str(tiny_model_dir), "-q"]
    common.append("--allow-private")  # (the site is on 127.0.0.1)
    note = tmp_path / "note.txt"
    note.write_text("Pier closed\n\nThe north pier is closed for repairs until May.", "utf-8")
    code, out, err = _cli("ingest", str(note), site.url("/news/ferry"), site.url("/x"), *common)
    assert code == 0, err
    assert "added 2, updated 0, unchanged 0, skipped 1" in out and "holds 2 articles" in out
    assert f"skipped {site.url('/x')}: {site.url('/x')} answered HTTP 404" in err

    feed = site.url("/feed.xml")
    items = [{"title": "Bridge", "link": "/news/bridge"}, {"title": "Ferry", "link": "/news/ferry"}]
    site.routes["/feed.xml"] = Route(rss(site.base, items), "application/rss+xml")
    code, out, err = _cli("ingest", "--feed", feed, *common)
    assert code == 0, err
    # The ferry story was there already; the feed gives its date (a page's date is a guess).
    assert f"feed Harbor Ledger: Local ({feed}): 2 new of 2 items; added 1, updated 1, " in out
    assert "holds 3 articles" in out
    code, out, _ = _cli("ingest", "--feed", feed, *common)
    assert code == 0 and "0 new of 2 items" in out

    code, out, err = _cli("ingest", "--feed", site.url("/none.xml"), *common)
    assert code == 1 and f"feed not read: {site.url('/none.xml')} answered HTTP 404" in err
    assert "holds 3 articles" in out

    code, _, err = _cli("ingest", "file:///etc/passwd", *common)
    assert code == 1 and "only http:// and https:// addresses can be fetched, not file:" in err
    code, _, err = _cli("ingest", str(tmp_path / "missing.txt"), *common)
    assert code == 2 and "does not exist" in err
    code, _, err = _cli("ingest", *common)
    assert code == 2 and "give at least one PATH or URL, or --feed URL" in err
