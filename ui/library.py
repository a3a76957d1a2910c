"""The Library tab: the articles of the store, and adding or deleting them (issue 5).

Layout and wiring only; everything it does goes through ``index`` (the same code path as the
``article-qa ingest`` / ``list`` / ``remove`` commands): the table is
``Store.list_articles`` (search, sort and paging done by the store, a page at a time), files,
pages and feeds go in through ``index.ingest.Ingestor`` and ``index.web``, and deleting is
``Store.remove``.

The Library's events run in their own concurrency groups (``library-read`` for the table,
``library-write``, one at a time, for adding and deleting), so an upload in one browser
never holds up the chat queue of another. Every add reports one line per file, page or
feed, and every failure ends as such a line, never as a spinner that does not stop.

No ``from __future__ import annotations`` here: Gradio finds the ``gr.SelectData`` argument
of a callback by its evaluated annotation.
"""

import html
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from index.articles import Article, Skip, iter_articles
from index.errors import ArticleQAError
from index.ingest import Ingestor, IngestReport
from index.store import ArticlePage, Store
from index.web import FeedHistory, WebFetcher, ingest_feed, ingest_urls
from qa.assistant import Assistant

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
HEADERS = ["Title", "Outlet", "Date", "Chunks", "Added", "Id"]
ID_COLUMN = HEADERS.index("Id")
DELETE_LABEL = "Delete selected"
CONFIRM_LABEL = "Confirm delete"

# What the sort menu offers: label -> (Store.list_articles sort, descending).
SORTS: dict[str, tuple[str, bool]] = {
    "Newest first": ("published_at", True),
    "Oldest first": ("published_at", False),
    "Recently added": ("added_at", True),
    "Title A-Z": ("title", False),
    "Outlet A-Z": ("source", False),
    "Most chunks": ("n_chunks", True),
}
DEFAULT_SORT = "Newest first"
UPLOAD_PREFIX = "upload:"  # the origin of an uploaded file's articles: "upload:NAME"
MAX_SKIPS_SHOWN = 5

ProgressFn = Callable[[float, str], None]  # (fraction done, what is happening)


# -- plain functions (tested without a browser) ---------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What adding one file, page or feed did: ``status`` is ``ok``, ``partial`` (some of it
    was skipped) or ``failed``."""

    name: str
    status: str
    message: str


def table_value(page: ArticlePage) -> dict[str, Any]:
    """A page of the listing as the table's value."""
    rows = [
        [
            r.title,
            r.source,
            r.published_at or "",
            r.n_chunks,
            r.added_at[:16].replace("T", " "),
            r.id,
        ]
        for r in page.rows
    ]
    return {"headers": HEADERS, "data": rows}


def page_label(page: ArticlePage, query: str = "") -> str:
    """Where the page is: "Articles 26-50 of 25,000" (or why there are none)."""
    if page.total == 0:
        if query.strip():
            return f"No article matches “{query.strip()}”."
        return "No articles yet: upload files or add a web page or feed above."
    if not page.rows:
        return f"Past the last page ({page.total:,} articles)."
    first, last = page.offset + 1, page.offset + len(page.rows)
    matching = " matching" if query.strip() else ""
    pages = f"page {page.offset // page.limit + 1} of {(page.total - 1) // page.limit + 1}"
    return f"Articles {first:,}-{last:,} of {page.total:,}{matching} ({pages})"


def list_page(
    store: Store, query: str, sort_label: str, page_number: int, page_size: int = PAGE_SIZE
) -> tuple[ArticlePage, int]:
    """The page asked for (clamped to the last one), and its number."""
    sort, descending = SORTS.get(sort_label, SORTS[DEFAULT_SORT])
    number = max(0, int(page_number or 0))
    page = store.list_articles(
        query or "", sort, descending, limit=page_size, offset=number * page_size
    )
    if not page.rows and page.total and number > 0:
        number = (page.total - 1) // page_size
        page = store.list_articles(
            query or "", sort, descending, limit=page_size, offset=number * page_size
        )
    return page, number


def report_outcome(name: str, report: IngestReport, strip: str = "") -> Outcome:
    """One line for an ingest: its counts, and each skip with its reason."""
    counts = [
        f"{n} {what}"
        for n, what in (
            (report.added, "added"),
            (report.updated, "updated"),
            (report.unchanged, "unchanged (already in the library)"),
        )
        if n
    ]
    skips = []
    for skip in report.skipped[:MAX_SKIPS_SHOWN]:
        where = skip.origin.removeprefix(strip)
        skips.append(f"{where}: {skip.reason}" if where and where != name else skip.reason)
    if len(report.skipped) > MAX_SKIPS_SHOWN:
        skips.append(f"... and {len(report.skipped) - MAX_SKIPS_SHOWN} more skipped")
    if not counts and not skips:
        return Outcome(name, "failed", "no articles found")
    message = ", ".join(counts)
    if skips and counts:
        message += "; skipped " + "; ".join(skips)
    elif skips:  # nothing could be read: the reasons alone
        message = "; ".join(skips)
    status = "ok" if not report.skipped else "partial" if counts else "failed"
    return Outcome(name, status, message)


_MARKS = {"ok": ("✓", "#15803d"), "partial": ("!", "#b45309"), "failed": ("✗", "#b91c1c")}


def outcomes_html(outcomes: Sequence[Outcome], title: str = "") -> str:
    """The per-file results as HTML (every name and message escaped)."""
    if not outcomes:
        return ""
    items = []
    for o in outcomes:
        mark, colour = _MARKS.get(o.status, _MARKS["failed"])
        items.append(
            f'<li class="aqa-lib-{o.status}" data-name="{html.escape(o.name)}">'
            f'<span style="color:{colour};font-weight:700">{mark}</span> '
            f"<strong>{html.escape(o.name)}</strong>: {html.escape(o.message)}</li>"
        )
    head = f"<p><strong>{html.escape(title)}</strong></p>" if title else ""
    return (
        f'<div class="aqa-lib-results">{head}'
        f'<ul style="list-style:none;padding-left:0;margin:0">{"".join(items)}</ul></div>'
    )


def feeds_markdown(history: FeedHistory) -> str:
    """The feeds the library follows, for the panel under the feed box."""
    entries = history.feeds()
    if not entries:
        return "No feeds followed yet."
    lines = ["Following:"]
    for e in entries:
        name = _md(e.title or e.url)
        checked = e.checked_at[:16].replace("T", " ")
        lines.append(f"- {name} ({_md(e.url)}): {_items(e.seen)}, checked {checked} UTC")
    return "\n".join(lines)


def _items(n: int) -> str:
    return f"{n} item{'' if n == 1 else 's'}"


def _md(text: str) -> str:
    """Text safe in markdown: every punctuation character escaped."""
    return "".join(
        f"\\{c}" if not c.isalnum() and not c.isspace() and c.isascii() else c for c in text
    )


def uploaded_articles(path: str | Path) -> Iterator[Article | Skip]:
    """The articles of one uploaded file, their origins named after the file (not the
    server's temporary copy): ``upload:NAME``, ``upload:NAME:LINE``, ``upload:NAME[i]``."""
    file = Path(path).expanduser().absolute()
    prefix = str(file)
    origin = UPLOAD_PREFIX + file.name
    for item in iter_articles([file]):
        new_origin = origin + item.origin.removeprefix(prefix)
        yield replace(item, origin=new_origin)


def ingest_uploads(
    ingestor: Ingestor, paths: Sequence[str | Path], progress: ProgressFn | None = None
) -> list[Outcome]:
    """Ingest uploaded files one at a time: one outcome each, whatever happens."""
    outcomes = []
    for i, path in enumerate(paths):
        name = Path(path).name
        step = f"adding {name} ({i + 1} of {len(paths)})"
        if progress is not None:
            progress(i / len(paths), step)

        def on_progress(
            report: IngestReport, step: str = step, share: float = i / len(paths)
        ) -> None:
            if progress is not None:
                progress(share, f"{step}: {report.read} articles read")

        def work(
            path: str | Path = path, name: str = name, on_progress: Any = on_progress
        ) -> Outcome:
            report = ingestor.ingest(
                uploaded_articles(path), progress=False, on_progress=on_progress
            )
            return report_outcome(name, report, strip=UPLOAD_PREFIX)

        outcomes.append(_guarded(name, work))
    return outcomes


def _guarded(name: str, work: Callable[[], Outcome]) -> Outcome:
    """``work()``, or the outcome that says why it failed (never an exception to the UI)."""
    try:
        return work()
    except ArticleQAError as exc:
        return Outcome(name, "failed", str(exc))
    except Exception as exc:  # a bug or an unexpected library error: logged, and shown
        logger.exception("adding %s failed", name)
        return Outcome(name, "failed", f"failed: {type(exc).__name__}: {exc}")


def ingest_url(
    ingestor: Ingestor, url: str, fetcher: WebFetcher, progress: ProgressFn | None = None
) -> Outcome:
    """Fetch one page and ingest its article."""
    name = url.strip() or "(no URL)"

    def on_fetch(done: int, total: int, address: str) -> None:
        if progress is not None:
            progress(0.1, f"fetching {address}")

    return _guarded(
        name,
        lambda: report_outcome(
            name, ingest_urls(ingestor, [url], fetcher, progress=False, on_fetch=on_fetch)
        ),
    )


def ingest_feeds(
    ingestor: Ingestor,
    feed_urls: Sequence[str],
    fetcher: WebFetcher,
    history: FeedHistory,
    progress: ProgressFn | None = None,
) -> list[Outcome]:
    """Add the new items of each feed: one outcome per feed."""
    outcomes = []
    for i, feed_url in enumerate(feed_urls):
        name = feed_url.strip() or "(no URL)"

        def on_fetch(done: int, total: int, address: str, i: int = i) -> None:
            if progress is not None:
                share = (i + (done / total if total else 0)) / len(feed_urls)
                progress(share, f"feed {i + 1} of {len(feed_urls)}: item {done + 1} of {total}")

        def work(feed_url: str = feed_url, name: str = name, on_fetch: Any = on_fetch) -> Outcome:
            done = ingest_feed(
                ingestor, feed_url, fetcher, history, progress=False, on_fetch=on_fetch
            )
            outcome = report_outcome(name, done.ingest)
            label = f"{done.title} ({name})" if done.title else name
            if done.new == 0:
                return Outcome(label, "ok", f"no new items (of {_items(done.items)})")
            return replace(
                outcome,
                name=label,
                message=f"{done.new} new of {_items(done.items)}: {outcome.message}",
            )

        if progress is not None:
            progress(i / len(feed_urls), f"reading the feed {name}")
        outcomes.append(_guarded(name, work))
    return outcomes


def delete_article(store: Store, article_id: str | None) -> Outcome:
    """Remove one article (and its chunks) from the store."""
    if not article_id:
        return Outcome("(nothing selected)", "failed", "click a row of the table first")
    record = store.get(article_id)
    name = record.article.title if record is not None else article_id
    try:
        removed = store.remove(article_id)
    except ArticleQAError as exc:
        return Outcome(name, "failed", str(exc))
    if not removed:
        return Outcome(name, "failed", f"no article with id {article_id} (deleted already?)")
    return Outcome(name, "ok", f"deleted (id {article_id})")


# -- the tab --------------------------------------------------------------------------------


def private_note(allowed: bool) -> str:
    """What the Library says about the addresses it fetches from."""
    if allowed:
        return (
            "Pages on this machine and your private network can be added too (the app was "
            "started with `--allow-private`); link-local and cloud metadata addresses never."
        )
    return (
        "Only public web addresses are fetched. To add pages from this machine or your "
        "office network, start the app with `article-qa serve --allow-private`."
    )


def build_library(
    assistant: Assistant,
    *,
    page_size: int = PAGE_SIZE,
    fetcher: WebFetcher | None = None,
    allow_private: bool = False,
) -> list[Any]:
    """Lay out the Library tab's components inside the current ``gr.Tab`` context, and
    return the events that change the store (each takes ``.then(...)``).

    ``fetcher`` fetches web pages and feeds (default: ``WebFetcher(allow_private=...)``).
    ``allow_private=True`` (``article-qa serve --allow-private``) lets the app fetch pages on
    this machine and its network; without it only public addresses are fetched (see
    ``index.web``). The Library says which.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    store = assistant.store  # the same object (and lock) the chat reads through
    ingestor = Ingestor(store, assistant.embedder)  # loads nothing until the first add
    web = fetcher if fetcher is not None else WebFetcher(allow_private=allow_private)
    history = FeedHistory.for_store(store)

    read: dict[str, Any] = {"concurrency_id": "library-read", "concurrency_limit": 4}
    write: dict[str, Any] = {"concurrency_id": "library-write", "concurrency_limit": 1}

    def show(query: str, sort_label: str, number: int) -> tuple[Any, str, int]:
        """(table, page label, page number) for the page asked for."""
        try:
            page, number = list_page(store, query, sort_label, number, page_size)
        except ArticleQAError as exc:
            return table_value(ArticlePage((), 0, 0, page_size)), str(exc), 0
        return table_value(page), page_label(page, query), number

    def initial_table() -> dict[str, Any]:
        return show("", DEFAULT_SORT, 0)[0]

    def initial_label() -> str:
        return show("", DEFAULT_SORT, 0)[1]

    progress_bar = gr.Progress()  # Gradio gives each call its own bar through this default

    def gr_progress(progress: Any) -> ProgressFn:
        return lambda share, desc: progress(min(max(share, 0.0), 1.0), desc=desc)

    def after_add(outcomes: list[Outcome], title: str) -> tuple[Any, ...]:
        """(results, table, label, page, search, sort): the table shows the newest first."""
        table, label, number = show("", "Recently added", 0)
        return outcomes_html(outcomes, title), table, label, number, "", "Recently added"

    def on_upload(files: Any, progress: Any = progress_bar) -> tuple[Any, ...]:
        paths = [str(f) for f in (files if isinstance(files, list) else [files]) if f]
        outcomes = ingest_uploads(ingestor, paths, gr_progress(progress))
        return (*after_add(outcomes, f"Uploaded {len(paths)} file(s)"), None)

    def on_url(url: str, progress: Any = progress_bar) -> tuple[Any, ...]:
        outcome = ingest_url(ingestor, url or "", web, gr_progress(progress))
        return (*after_add([outcome], "Web page"), "" if outcome.status == "ok" else url)

    def on_feed(url: str, progress: Any = progress_bar) -> tuple[Any, ...]:
        outcomes = ingest_feeds(ingestor, [url or ""], web, history, gr_progress(progress))
        ok = outcomes[0].status != "failed"
        return (*after_add(outcomes, "Feed"), "" if ok else url, feeds_markdown(history))

    def on_refresh_feeds(progress: Any = progress_bar) -> tuple[Any, ...]:
        urls = [e.url for e in history.feeds()]
        if not urls:
            outcomes = [Outcome("Feeds", "failed", "no feeds followed yet: add one first")]
        else:
            outcomes = ingest_feeds(ingestor, urls, web, history, gr_progress(progress))
        return (*after_add(outcomes, "Feeds refreshed"), feeds_markdown(history))

    def idle_delete(interactive: bool) -> Any:
        return gr.update(value=DELETE_LABEL, interactive=interactive)

    def on_select(evt: gr.SelectData) -> tuple[str | None, str, Any, None]:
        row = evt.row_value or []
        if len(row) <= ID_COLUMN or not row[ID_COLUMN]:
            return None, "Click a row to select an article.", idle_delete(False), None
        title, article_id = str(row[0]), str(row[ID_COLUMN])
        text = f"Selected: **{_md(title)}** (id `{article_id.replace('`', '')}`)"
        return article_id, text, idle_delete(True), None

    def on_delete(
        article_id: str | None, armed: str | None, query: str, sort_label: str, number: int
    ) -> tuple[Any, ...]:
        """The first click asks for confirmation; a second click on the same article deletes."""
        if article_id and armed != article_id:
            record = store.get(article_id)
            title = record.article.title if record is not None else article_id
            ask = (
                f"Delete **{_md(title)}**? Its passages leave the store and it cannot be undone. "
                f"Click **{CONFIRM_LABEL}** to go on, or another row to keep it."
            )
            keep = gr.skip()
            return keep, keep, keep, keep, keep, ask, gr.update(value=CONFIRM_LABEL), article_id
        outcome = delete_article(store, article_id)
        table, label, number = show(query, sort_label, number)
        cleared = "Click a row to select an article."
        return (
            outcomes_html([outcome], "Delete"),
            table,
            label,
            number,
            None,
            cleared,
            idle_delete(False),
            None,
        )

    with gr.Column(elem_id="aqa-library"):
        gr.Markdown("### Add articles")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                upload = gr.File(
                    label="Upload files (.txt .md .html .json .jsonl .jsonl.gz), several at once",
                    file_count="multiple",
                    type="filepath",
                    height=140,
                    elem_id="aqa-lib-upload",
                )
            with gr.Column(scale=1, min_width=300):
                with gr.Row():
                    url_box = gr.Textbox(
                        label="Web page",
                        placeholder="https://news.example/2026/03/story",
                        scale=4,
                        max_lines=1,
                        elem_id="aqa-lib-url",
                    )
                    url_button = gr.Button(
                        "Add page", scale=1, min_width=90, elem_id="aqa-lib-add-url"
                    )
                with gr.Row():
                    feed_box = gr.Textbox(
                        label="RSS or Atom feed",
                        placeholder="https://news.example/rss.xml",
                        scale=4,
                        max_lines=1,
                        elem_id="aqa-lib-feed",
                    )
                    feed_button = gr.Button(
                        "Add feed", scale=1, min_width=90, elem_id="aqa-lib-add-feed"
                    )
                gr.Markdown(private_note(web.allow_private), elem_id="aqa-lib-private")
                with gr.Row():
                    feeds_info = gr.Markdown(
                        lambda: feeds_markdown(history), elem_id="aqa-lib-feeds"
                    )
                    refresh_feeds = gr.Button(
                        "Check feeds for new items",
                        size="sm",
                        scale=0,
                        min_width=190,
                        elem_id="aqa-lib-refresh-feeds",
                    )
        results = gr.HTML("", elem_id="aqa-lib-results")

        gr.Markdown("### Articles")
        with gr.Row(equal_height=True):
            search = gr.Textbox(
                placeholder="Search titles, outlets, ids and URLs",
                show_label=False,
                container=False,
                scale=4,
                max_lines=1,
                elem_id="aqa-lib-search",
            )
            sort = gr.Dropdown(
                list(SORTS),
                value=DEFAULT_SORT,
                show_label=False,
                container=False,
                scale=1,
                min_width=160,
                elem_id="aqa-lib-sort",
            )
        table = gr.Dataframe(
            initial_table,
            headers=HEADERS,
            datatype=["str", "str", "str", "number", "str", "str"],
            interactive=False,
            wrap=True,
            max_height=640,
            column_widths=["38%", "14%", "10%", "7%", "13%", "18%"],
            elem_id="aqa-lib-table",
        )
        with gr.Row(equal_height=True):
            previous = gr.Button(
                "‹ Previous", size="sm", scale=0, min_width=100, elem_id="aqa-lib-prev"
            )
            label = gr.Markdown(initial_label, elem_id="aqa-lib-page")
            following = gr.Button(
                "Next ›", size="sm", scale=0, min_width=100, elem_id="aqa-lib-next"
            )
        with gr.Row(equal_height=True):
            selected_info = gr.Markdown(
                "Click a row to select an article.", elem_id="aqa-lib-selected"
            )
            delete = gr.Button(
                DELETE_LABEL,
                variant="stop",
                size="sm",
                scale=0,
                min_width=140,
                interactive=False,
                elem_id="aqa-lib-delete",
            )
        page_state = gr.State(0)
        selected = gr.State(None)
        armed = gr.State(None)  # the article whose deletion waits for a second click

    listing = [search, sort, page_state]
    shown = [table, label, page_state]
    added = [results, table, label, page_state, search, sort]
    quiet: dict[str, Any] = {"show_progress": "hidden", "api_visibility": "private"}

    gr.on(
        [search.change, sort.change],
        lambda q, s: show(q, s, 0),
        [search, sort],
        shown,
        trigger_mode="always_last",
        **read,
        **quiet,
    )
    previous.click(lambda q, s, n: show(q, s, n - 1), listing, shown, **read, **quiet)
    following.click(lambda q, s, n: show(q, s, n + 1), listing, shown, **read, **quiet)
    table.select(on_select, None, [selected, selected_info, delete, armed], **read, **quiet)

    private: dict[str, Any] = {"api_visibility": "private"}
    changes = [
        upload.upload(
            on_upload, upload, [*added, upload], show_progress_on=results, **write, **private
        ),
        gr.on(
            [url_button.click, url_box.submit],
            on_url,
            url_box,
            [*added, url_box],
            show_progress_on=results,
            **write,
            **private,
        ),
        gr.on(
            [feed_button.click, feed_box.submit],
            on_feed,
            feed_box,
            [*added, feed_box, feeds_info],
            show_progress_on=results,
            **write,
            **private,
        ),
        refresh_feeds.click(
            on_refresh_feeds,
            None,
            [*added, feeds_info],
            show_progress_on=results,
            **write,
            **private,
        ),
        delete.click(
            on_delete,
            [selected, armed, *listing],
            [results, *shown, selected, selected_info, delete, armed],
            show_progress_on=results,
            **write,
            **private,
        ),
    ]
    return changes
