"""The Library tab (ui/library.py): its plain functions, and the tab in Chromium.

The browser test builds its own app (a ``gr.Blocks`` with a Library tab and a stand-in
chat), so it depends on nothing in ui/app.py. Its fixtures are copied from
tests/ui/test_browser.py on purpose: importing them from there would couple the two modules.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.articles import Skip
from index.embed import Embedder
from index.ingest import Ingestor, IngestReport
from index.store import ArticlePage, ArticleSummary, open_store
from ui.library import (
    HEADERS,
    Outcome,
    delete_article,
    ingest_uploads,
    outcomes_html,
    page_label,
    report_outcome,
    table_value,
    uploaded_articles,
)
from ui.render import static_text

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DOCS = Path(__file__).resolve().parents[2] / "docs"
SLOW_S = 12  # how long the test site takes to answer under /slow/

GOOD = {
    "id": "zorblax-ferry",
    "title": "Zorblax ferry returns to the lake after a winter refit",
    "source": "Lakeside Courier",
    "published_at": "2026-04-02",
    "body": (
        "The Zorblax ferry returned to Lake Mirren on Thursday after a four-month refit that "
        "cost the county $1.2 million. The ferry will run every hour from 7 a.m. until "
        "sunset, the operator said, and carries up to 40 cars."
    ),
}
STORY = """<!doctype html><html><head><title>Night market opens | Harbor Ledger</title>
<meta property="og:site_name" content="Harbor Ledger"><meta name="date" content="2026-04-03">
</head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav><article>
<h1>Night market opens on the harbor front</h1>
<p>A night market with 60 stalls opened on the harbor front on Friday and will run every
weekend until October, the city's events office said.</p>
<p>Organisers expect about 5,000 visitors a night and have added two late buses.</p>
</article><footer>Copyright 2026 Harbor Ledger</footer></body></html>"""


# -- plain functions ---------------------------------------------------------------------------


def _summary(i: int, **changes: Any) -> ArticleSummary:
    values: dict[str, Any] = {
        "id": f"a{i}",
        "title": f"Title {i}",
        "source": "Wire",
        "url": "",
        "published_at": "2026-01-02",
        "n_chunks": 3,
        "added_at": "2026-11-25T08:20:37+00:00",
        "origin": "x.json",
    }
    values.update(changes)
    return ArticleSummary(**values)


def test_table_value_and_page_label() -> None:
    page = ArticlePage(
        rows=(_summary(26), _summary(27, published_at=None)), total=25_000, offset=25, limit=25
    )
    value = table_value(page)
    assert value["headers"] == HEADERS
    assert value["data"][0] == ["Title 26", "Wire", "2026-01-02", 3, "2026-11-25 08:20", "a26"]
    assert value["data"][1][2] == ""
    assert page_label(page) == "Articles 26-27 of 25,000 (page 2 of 1000)"
    assert page_label(page, "wire") == "Articles 26-27 of 25,000 matching (page 2 of 1000)"
    empty = ArticlePage(rows=(), total=0, offset=0, limit=25)
    assert page_label(empty, " storm ") == "No article matches “storm”."
    assert page_label(empty).startswith("No articles yet")


def test_report_outcome_counts_and_skips() -> None:
    assert report_outcome("a.json", IngestReport(added=2, unchanged=1)) == Outcome(
        "a.json", "ok", "2 added, 1 unchanged (already in the library)"
    )
    partial = IngestReport(added=1, skipped=[Skip("upload:b.jsonl:2", "not valid JSON")])
    assert report_outcome("b.jsonl", partial, strip="upload:") == Outcome(
        "b.jsonl", "partial", "1 added; skipped b.jsonl:2: not valid JSON"
    )
    failed = IngestReport(skipped=[Skip("upload:c.pdf", "unsupported file type")])
    assert report_outcome("c.pdf", failed, strip="upload:") == Outcome(
        "c.pdf", "failed", "unsupported file type"
    )
    many = IngestReport(skipped=[Skip(f"d.jsonl:{i}", "bad") for i in range(8)])
    assert report_outcome("d.jsonl", many).message.endswith("... and 3 more skipped")
    assert report_outcome("e.json", IngestReport()).status == "failed"


def test_outcomes_html_escapes_names_and_messages() -> None:
    shown = outcomes_html(
        [Outcome("<img src=x onerror=alert(1)>.json", "failed", "bad <b>thing</b>")], "Upload"
    )
    assert "<img" not in shown and "<b>thing" not in shown
    assert "&lt;img src=x onerror=alert(1)&gt;.json" in shown and "aqa-lib-failed" in shown
    assert outcomes_html([]) == ""


@pytest.fixture(scope="module")
def tiny_embedder(tiny_model_dir: Path) -> Embedder:
    return Embedder(str(tiny_model_dir))


def test_uploads_report_per_file_and_replace_by_name(
    tmp_path: Path, tiny_embedder: Embedder
) -> None:
    """Each upload arrives in a new temporary folder; the same name again is the same file."""
    ingestor = Ingestor(open_store(tmp_path / "store"), tiny_embedder)
    first, second = tmp_path / "upload-1", tmp_path / "upload-2"
    first.mkdir()
    second.mkdir()
    (first / "good.json").write_text(json.dumps(GOOD), "utf-8")
    (first / "broken.json").write_text('{"id": "x", "body": ', "utf-8")
    (first / "report.pdf").write_bytes(b"%PDF-1.4")
    (first / "lines.jsonl").write_text('{"id": "l1", "body": "A line article here."}\nnope\n')
    steps: list[tuple[float, str]] = []
    outcomes = ingest_uploads(
        ingestor,
        [first / n for n in ("good.json", "broken.json", "report.pdf", "lines.jsonl")],
        lambda share, desc: steps.append((share, desc)),
    )
    assert [(o.name, o.status) for o in outcomes] == [
        ("good.json", "ok"),
        ("broken.json", "failed"),
        ("report.pdf", "failed"),
        ("lines.jsonl", "partial"),
    ]
    assert outcomes[0].message == "1 added"
    assert "not valid JSON (line 1" in outcomes[1].message
    assert "unsupported file type" in outcomes[2].message
    assert (
        outcomes[3].message
        == "1 added; skipped lines.jsonl:2: not valid JSON (column 1): Expecting value"
    )
    assert steps[0] == (0.0, "adding good.json (1 of 4)") and steps[-1][0] == 0.75
    record = ingestor.store.get("zorblax-ferry")
    assert record is not None and record.article.origin == "upload:good.json"
    assert [a.origin for a in uploaded_articles(first / "lines.jsonl")] == [
        "upload:lines.jsonl:1",
        "upload:lines.jsonl:2",
    ]

    edited = {**GOOD, "title": "Zorblax ferry returns after a refit"}
    (second / "good.json").write_text(json.dumps(edited), "utf-8")
    [again] = ingest_uploads(ingestor, [second / "good.json"])
    assert again == Outcome("good.json", "ok", "1 updated")
    record = ingestor.store.get("zorblax-ferry")
    assert record is not None and record.article.title == edited["title"]

    assert delete_article(ingestor.store, "zorblax-ferry") == Outcome(
        edited["title"], "ok", "deleted (id zorblax-ferry)"
    )
    assert delete_article(ingestor.store, "zorblax-ferry").status == "failed"
    assert delete_article(ingestor.store, None).message == "click a row of the table first"


def test_urls_and_feeds_report_one_line_each(
    tmp_path: Path, tiny_embedder: Embedder, web_site: str
) -> None:
    from index.web import FeedHistory, WebFetcher
    from ui.library import feeds_markdown, ingest_feeds, ingest_url

    store = open_store(tmp_path / "store")
    ingestor, fetcher, history = (
        Ingestor(store, tiny_embedder),
        WebFetcher(allow_private=True),  # (the site is on 127.0.0.1)
        FeedHistory.for_store(store),
    )
    assert ingest_url(ingestor, "  ", fetcher) == Outcome(
        "(no URL)",
        "failed",
        "no URL given: enter an address such as https://example.com/news/story",
    )
    local = ingest_url(ingestor, "file:///etc/passwd", fetcher)
    assert local.status == "failed" and "not file:" in local.message
    missing = ingest_url(ingestor, f"{web_site}/nothing.html", fetcher)
    assert (
        missing.status == "failed"
        and f"{web_site}/nothing.html answered HTTP 404" in missing.message
    )
    assert WebFetcher().allow_private is False
    refused = ingest_url(ingestor, f"{web_site}/night-market.html", WebFetcher())
    assert refused.status == "failed" and "private or local address" in refused.message

    feed = f"{web_site}/feed.xml"
    assert feeds_markdown(history) == "No feeds followed yet."
    [first] = ingest_feeds(ingestor, [feed], fetcher, history)
    assert first == Outcome(f"Harbor Ledger ({feed})", "ok", "1 new of 1 item: 1 added")
    [again, broken] = ingest_feeds(
        ingestor, [feed, f"{web_site}/night-market.html"], fetcher, history
    )
    assert again == Outcome(f"Harbor Ledger ({feed})", "ok", "no new items (of 1 item)")
    assert broken.status == "failed" and "looks like a web page, not a feed" in broken.message
    shown = feeds_markdown(history)
    assert shown.startswith("Following:") and "1 item, checked" in shown


def test_library_events_have_their_own_concurrency_groups(tmp_path: Path) -> None:
    """Adding runs one at a time in `library-write`, the table in `library-read`: neither
    waits behind the chat's `qa` group (nor the chat behind them)."""
    import gradio as gr

    from qa.assistant import Assistant
    from qa.config import Settings
    from ui.library import build_library

    assistant = Assistant(Settings.load(env={}, store=tmp_path / "store"))
    with gr.Blocks(analytics_enabled=False) as demo, gr.Tab("Library"):
        build_library(assistant)
    groups: dict[str, set[object]] = {}
    for fn in demo.fns.values():
        groups.setdefault(fn.concurrency_id, set()).add(fn.concurrency_limit)
    assert groups.pop("library-read") == {4} and groups.pop("library-write") == {1}
    assert "qa" not in groups and "default" not in groups
    # What is left: the page-load refresh of the table and the feed list, each on its own.
    assert all(len(limits) == 1 for limits in groups.values()) and len(groups) <= 3, groups


# -- the tab in a browser ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SlowHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; ``/slow/...`` answers after ``SLOW_S`` seconds."""

    def do_GET(self) -> None:
        if self.path.startswith("/slow/"):
            time.sleep(SLOW_S)
            self.path = self.path.removeprefix("/slow")
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web_site(tmp_path: Path) -> Iterator[str]:
    """A folder with a news page and a feed, served on 127.0.0.1 (the test's own web)."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "night-market.html").write_text(STORY, "utf-8")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(SlowHandler, directory=str(root))
    )
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    (root / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Harbor Ledger</title>'
        f"<item><title>Night market</title><link>{base}/night-market.html</link>"
        "<guid>nm-1</guid><pubDate>Fri, 03 Apr 2026 18:00:00 GMT</pubDate></item>"
        "</channel></rss>",
        "utf-8",
    )
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture
def library_app(sample_store: Path) -> Iterator[str]:
    """The Library tab and a stand-in chat (an echo in the `qa` group) on a copy of the
    sample store, served on 127.0.0.1."""
    import gradio as gr

    from qa.assistant import Assistant
    from qa.config import Settings
    from ui.library import build_library

    assistant = Assistant(Settings.load(env={}, store=sample_store))
    with gr.Blocks(title="article-qa library", analytics_enabled=False) as demo:
        with gr.Tab("Chat"):
            said = gr.Textbox(elem_id="t-say")
            echoed = gr.Textbox(elem_id="t-echo")
            gr.Button("Echo", elem_id="t-echo-button").click(
                lambda text: f"echo: {text}", said, echoed, concurrency_id="qa"
            )
        with gr.Tab("Library"):
            build_library(assistant, allow_private=True)  # (the test site is on 127.0.0.1)
    demo.queue()
    demo.launch(
        server_name="127.0.0.1",
        server_port=free_port(),
        prevent_thread_lock=True,
        quiet=True,
        share=False,
        css=static_text("app.css"),  # the app's styles, as ui.app.serve gives them
    )
    yield str(demo.local_url)
    demo.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make browser` (or `apt-get install -y chromium`).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def rows(page: Any) -> Any:
    """The table's rows (Gradio's Dataframe draws them as a virtual list of divs)."""
    return page.locator("#aqa-lib-table .virtual-body [role=row]")


def _open_library(chromium: Any, url: str) -> Any:
    from playwright.sync_api import expect

    context = chromium.new_context(viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url, wait_until="load")  # never "networkidle": Gradio keeps a connection open
    page.get_by_role("tab", name="Library").click()
    expect(page.locator("#aqa-lib-page")).to_contain_text("of 16")
    return page


@pytest.mark.browser
def test_library_upload_search_add_url_and_delete(
    library_app: str, web_site: str, chromium: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = _open_library(chromium, library_app)
    results = page.locator("#aqa-lib-results")
    expect(rows(page).first).to_be_visible()

    # Upload three files at once: one good, two broken; each gets its own line.
    uploads = tmp_path / "to-upload"
    uploads.mkdir()
    (uploads / "zorblax.json").write_text(json.dumps(GOOD), "utf-8")
    (uploads / "broken.json").write_text('{"title": "half', "utf-8")
    (uploads / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    page.locator("#aqa-lib-upload input[type=file]").set_input_files(
        [str(uploads / n) for n in ("zorblax.json", "broken.json", "scan.pdf")]
    )
    expect(results.locator("li")).to_have_count(3, timeout=120_000)
    expect(results.locator('li[data-name="zorblax.json"]')).to_contain_text("1 added")
    expect(results.locator('li[data-name="broken.json"]')).to_contain_text("not valid JSON")
    expect(results.locator('li[data-name="scan.pdf"]')).to_contain_text("unsupported file type")
    expect(rows(page).first).to_contain_text(GOOD["title"])  # newest first
    expect(page.locator("#aqa-lib-page")).to_contain_text("of 17")
    shot = ARTIFACTS / "ui-library.png"  # the per-file results, and the table
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("ARTICLE_QA_DOCS_SCREENSHOTS") == "1":  # refresh the README's picture
        shutil.copyfile(shot, DOCS / "ui-library.png")

    # No column menu: its sort and filter would act on the page shown, not the store.
    page.locator("#aqa-lib-table th").first.hover()  # Gradio shows the menu button on hover
    expect(page.locator("#aqa-lib-table th .cell-menu-button").first).to_be_hidden()

    # Search narrows the table (done by the store, not the browser).
    page.locator("#aqa-lib-search textarea, #aqa-lib-search input").first.fill("zorblax")
    expect(rows(page)).to_have_count(1)
    expect(page.locator("#aqa-lib-page")).to_contain_text("1 of 1 matching")

    # A web page by URL, fetched from the test's own server (the search cleared first, so
    # that no late search of the box can race the table the add shows).
    page.locator("#aqa-lib-search textarea, #aqa-lib-search input").first.fill("")
    expect(page.locator("#aqa-lib-page")).to_contain_text("of 17", timeout=30_000)
    story = f"{web_site}/night-market.html"
    page.locator("#aqa-lib-url textarea, #aqa-lib-url input").first.fill(story)
    page.locator("#aqa-lib-add-url").click()
    expect(results.locator(f'li[data-name="{story}"]')).to_contain_text("1 added", timeout=60_000)
    expect(rows(page).first).to_contain_text("Night market opens", timeout=60_000)

    # A feed whose only item is that page: nothing new to add, and the feed is followed.
    feed = f"{web_site}/feed.xml"
    page.locator("#aqa-lib-feed textarea, #aqa-lib-feed input").first.fill(feed)
    page.locator("#aqa-lib-add-feed").click()
    expect(results.locator("li").first).to_contain_text("1 new of 1 item:", timeout=60_000)
    expect(page.locator("#aqa-lib-feeds")).to_contain_text("Following")

    # Select the uploaded article and delete it: gone from the table and the store.
    page.locator("#aqa-lib-search textarea, #aqa-lib-search input").first.fill("zorblax")
    expect(rows(page)).to_have_count(1)
    rows(page).first.locator("[role=gridcell]").first.click()
    expect(page.locator("#aqa-lib-selected")).to_contain_text("zorblax-ferry")
    page.locator("#aqa-lib-delete").click()  # asks first: nothing is deleted yet
    expect(page.locator("#aqa-lib-selected")).to_contain_text("cannot be undone")
    expect(page.locator("#aqa-lib-delete")).to_have_text("Confirm delete")
    expect(rows(page)).to_have_count(1)
    page.locator("#aqa-lib-delete").click()
    expect(results.locator("li").first).to_contain_text("deleted (id zorblax-ferry)")
    expect(page.locator("#aqa-lib-delete")).to_have_text("Delete selected")
    page.locator("#aqa-lib-search textarea, #aqa-lib-search input").first.fill("zorblax")
    expect(page.locator("#aqa-lib-page")).to_contain_text("No article matches")
    page.context.close()


@pytest.mark.browser
def test_a_slow_add_in_one_session_does_not_hold_up_the_chat_in_another(
    library_app: str, web_site: str, chromium: Any
) -> None:
    from playwright.sync_api import expect

    adding = _open_library(chromium, library_app)
    slow = f"{web_site}/slow/night-market.html"  # answers after SLOW_S seconds
    adding.locator("#aqa-lib-url textarea, #aqa-lib-url input").first.fill(slow)
    adding.locator("#aqa-lib-add-url").click()

    # Another session's chat answers while that add is still waiting for the page: had it
    # queued behind the add, the add's result line would be there before the echo.
    chatting = adding.context.browser.new_context().new_page()
    chatting.goto(library_app, wait_until="load")
    chatting.locator("#t-say textarea").fill("hello")
    chatting.locator("#t-echo-button").click()
    expect(chatting.locator("#t-echo textarea")).to_have_value("echo: hello", timeout=30_000)
    assert adding.locator("#aqa-lib-results li").count() == 0, "the chat waited for the add"
    expect(adding.locator(f'#aqa-lib-results li[data-name="{slow}"]')).to_contain_text(
        "1 added", timeout=60_000
    )
    chatting.context.close()
    adding.context.close()
