"""Articles from the web: a page by its URL, and the new items of an RSS or Atom feed.

Everything goes through :class:`WebFetcher`, a :class:`index.fetch.Fetcher`: only
``http(s)``, within a size and a time limit for the whole fetch, and never to link-local
addresses, nor to private or loopback ones unless allowed (``--allow-private``; the
details are in :mod:`index.fetch`).

A page becomes an article through :func:`index.articles.article_from_html` (trafilatura
extracts the main text, as for ``.html`` files); its id and ``url`` are the address asked
for, without its ``#fragment``. A feed is parsed with feedparser (RSS 0.9x, 1.0 and 2.0,
Atom; odd dates and encodings); each item's page is fetched, and where the page gives no
text the feed's own content of the item is used. :class:`FeedHistory` remembers the items
each feed has already given, so refreshing a feed ingests only its new items.

Ingesting goes through :class:`index.ingest.Ingestor`, as files do: :func:`ingest_urls` and
:func:`ingest_feed` are what ``article-qa ingest URL`` / ``--feed URL`` and the app's Library
call.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from index.articles import (
    MAX_BYTES,
    Article,
    Skip,
    article_from_html,
    article_from_record,
    parse_date,
)
from index.clean import clean_body, clean_title
from index.fetch import (
    DEFAULT_TIMEOUT_S,
    UNKNOWN_TYPE,
    USER_AGENT,
    Fetched,
    Fetcher,
    FetchError,
    WebError,
    check_url,
)

if TYPE_CHECKING:
    from index.ingest import Ingestor, IngestReport, ProgressCallback
    from index.store import Store

logger = logging.getLogger(__name__)

MIN_TEXT_CHARS = 100  # less than this after extraction is a cookie wall or a "enable JS" page
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9"
SEEN_PER_FEED = 10_000  # the item keys remembered per feed (the newest)

FetchCallback = Callable[[int, int, str], None]  # (done, total, url)


@dataclass(frozen=True)
class FeedItem:
    """One item of a feed. ``key`` (its guid or id, else its link) identifies it across
    refreshes; ``content`` is the HTML or text the feed itself carries for it."""

    key: str
    url: str
    title: str
    published_at: str | None
    content: str


@dataclass(frozen=True)
class Feed:
    url: str
    title: str
    items: tuple[FeedItem, ...]


class WebFetcher(Fetcher):
    """Pages and feeds as articles, fetched by :class:`index.fetch.Fetcher` within its
    limits; ``min_chars``: less text than this after extraction is no article."""

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_bytes: int = MAX_BYTES,
        allow_private: bool = False,
        min_chars: int = MIN_TEXT_CHARS,
        user_agent: str = USER_AGENT,
    ) -> None:
        super().__init__(timeout, max_bytes, allow_private, user_agent)
        self.min_chars = min_chars

    # -- pages ----------------------------------------------------------------------------

    def article(self, url: str, item: FeedItem | None = None, feed: Feed | None = None) -> Article:
        """The article at ``url`` (or a feed item's, with the feed's title, date and content
        filling what the page lacks); :class:`WebError` naming the URL when there is none."""
        address = check_url(url)
        try:
            fetched = self.fetch(address)
        except WebError:
            if item is not None and _text_length(item.content) >= self.min_chars:
                return self._from_item(item, feed)
            raise
        article = self._from_page(address, fetched)
        if isinstance(article, Skip):
            if item is not None and _text_length(item.content) >= self.min_chars:
                return self._from_item(item, feed)
            raise WebError(article.reason)
        return _fill(article, address, item, feed)

    def articles(
        self, urls: Iterable[str], on_fetch: FetchCallback | None = None
    ) -> Iterator[Article | Skip]:
        """An article, or a ``Skip`` saying why not, for each URL (one failure never stops
        the rest)."""
        wanted = list(urls)
        for done, url in enumerate(wanted):
            if on_fetch is not None:
                on_fetch(done, len(wanted), url)
            try:
                yield self.article(url)
            except WebError as exc:
                yield Skip(url.strip(), str(exc))

    def _from_page(self, url: str, fetched: Fetched) -> Article | Skip:
        kind = fetched.content_type
        if kind in HTML_TYPES or (kind == UNKNOWN_TYPE and _looks_html(fetched.data)):
            markup = fetched.text()
            result = article_from_html(markup, origin=url, article_id=url)
            if isinstance(result, Article) and len(result.body) >= self.min_chars:
                return result
            chars = len(result.body) if isinstance(result, Article) else _extracted_chars(markup)
        elif kind == "text/plain":
            result = article_from_record({"id": url, "url": url, "body": fetched.text()}, url)
            if isinstance(result, Article) and len(result.body) >= self.min_chars:
                return result
            chars = len(result.body) if isinstance(result, Article) else 0
        else:
            return Skip(url, f"{url} is {kind}, not a web page (HTML or plain text)")
        return Skip(
            url,
            f"the page at {url} has no article text ({chars} characters after extraction); "
            "is it a list of links, or a page that needs JavaScript or a login?",
        )

    def _from_item(self, item: FeedItem, feed: Feed | None) -> Article:
        """An article from the text the feed itself carries for an item."""
        origin = item.url or item.key
        head = f"<head><title>{html.escape(item.title)}</title></head>" if item.title else ""
        page = f"<html>{head}<body><article>{item.content}</article></body></html>"
        result = article_from_html(page, origin, article_id=origin)
        if isinstance(result, Skip) or len(result.body) < self.min_chars:
            chars = len(result.body) if isinstance(result, Article) else 0
            raise WebError(
                f"the item {origin} of the feed has no article text ({chars} characters)"
            )
        return _fill(result, origin, item, feed)

    # -- feeds ----------------------------------------------------------------------------

    def feed(self, url: str) -> Feed:
        """The feed at ``url``, parsed; :class:`WebError` naming it when it is not one."""
        fetched = self.fetch(url, accept=FEED_ACCEPT)
        return parse_feed(fetched.data, fetched.url, given_url=check_url(url))

    def feed_article(self, item: FeedItem, feed: Feed) -> Article:
        """A feed item's article: its page's, else the feed's own text for it."""
        return self.article(item.url, item, feed) if item.url else self._from_item(item, feed)


def _looks_html(data: bytes) -> bool:
    return data[:512].lstrip().lower().startswith((b"<!doctype html", b"<html"))


def _extracted_chars(html: str) -> int:
    """How much text trafilatura finds in a page that gave no article (for the message)."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, favor_precision=True) or ""
    return len(clean_body(text))


def _text_length(content: str) -> int:
    return len(re.sub(r"<[^>]*>|\s+", "", content or ""))


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _fill(article: Article, url: str, item: FeedItem | None, feed: Feed | None) -> Article:
    """What the page lacks, from the feed (its date wins: a page's date is a guess) and the
    address (the outlet is the host name when the page names none)."""
    changes: dict[str, Any] = {"url": url}
    if item is not None:
        if item.published_at:
            changes["published_at"] = item.published_at
        if item.title and not article.title:
            changes["title"] = item.title
    if not article.source:
        changes["source"] = (feed.title if feed is not None and feed.title else "") or _host(url)
    return dataclasses.replace(article, **changes)


# -- feed parsing -----------------------------------------------------------------------------


RDF_VERSIONS = ("rss090", "rss10")  # RSS 0.90 and 1.0: RDF, whose items have no guid


def _entry_date(entry: Any) -> str | None:
    """The item's date as the feed writes it, read by :func:`index.articles.parse_date`: in
    the outlet's own time zone, like every other date here. (feedparser's ``*_parsed`` dates
    are in UTC, which moves an evening item from America to the next day, and it reads an
    impossible ``2026-13-45`` as 2027-01-01.)"""
    for field in ("published", "updated", "created"):
        day = parse_date(entry.get(field))
        if day:
            return day
    return None


def _entry_content(entry: Any) -> str:
    """The HTML or text the feed carries for an item: its full content, else its summary."""
    for content in entry.get("content") or ():
        if content.get("value"):
            return str(content["value"]).strip()
    return str(entry.get("summary") or "").strip()


def parse_feed(data: bytes, url: str, given_url: str | None = None) -> Feed:
    """An RSS (0.9x, 1.0, 2.0) or Atom feed, parsed by feedparser from the bytes given;
    relative links are resolved against ``url``. :class:`WebError` naming the feed when it
    is not one. ``Feed.url`` is ``given_url`` (the address the user gave, the feed's
    identity) when there is one.

    feedparser fetches nothing here: it gets a stream (a string or bytes it would take for a
    URL or a file path and open), and it loads no external DTD. A feed that declares
    entities is refused before it is parsed."""
    import feedparser

    name = given_url or url
    if re.search(rb"<!ENTITY", data[:65536], re.IGNORECASE):
        raise WebError(f"{name}: the feed declares XML entities; refusing to expand them")
    parsed = feedparser.parse(io.BytesIO(data), response_headers={"content-location": url})
    if not parsed.get("version"):
        hint = " (it looks like a web page, not a feed)" if _looks_html(data) else ""
        problem = parsed.get("bozo_exception")
        raise WebError(
            f"{name} is not an RSS or Atom feed{hint}" + (f": {problem}" if problem else "")
        )
    rdf = parsed.version in RDF_VERSIONS
    items: list[FeedItem] = []
    keys: set[str] = set()
    for entry in parsed.entries:
        link = entry.get("link") or ""
        link = urljoin(url, link) if link else ""
        # RSS guid or Atom id, else the link (an RDF item's rdf:about was never its key)
        key = (entry.get("id") if not rdf else "") or link
        if not key or key in keys:
            continue
        keys.add(key)
        items.append(
            FeedItem(
                key=key,
                url=link if link.startswith(("http://", "https://")) else "",
                title=clean_title(entry.get("title") or ""),
                published_at=_entry_date(entry),
                content=_entry_content(entry),
            )
        )
    return Feed(url=name, title=clean_title(parsed.feed.get("title") or ""), items=tuple(items))


# -- which items a feed has given -------------------------------------------------------------


@dataclass(frozen=True)
class FeedEntry:
    """A feed the store follows: its address, title, how many items it has given, when last
    checked (ISO UTC)."""

    url: str
    title: str
    seen: int
    checked_at: str


_history_locks: dict[str, threading.Lock] = {}
_history_guard = threading.Lock()


class FeedHistory:
    """The items each feed has given, in a JSON file (``feeds.json`` in the store directory;
    for a store on a Chroma server, in this machine's cache folder for it). Writes replace
    the file atomically, under a lock per file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with _history_guard:
            self._lock = _history_locks.setdefault(str(self.path.absolute()), threading.Lock())

    @classmethod
    def for_store(cls, store: Store) -> FeedHistory:
        return cls(store.path / "feeds.json")

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            logger.warning("ignoring unreadable feed history %s: %s", self.path, exc)
            return {}
        feeds = data.get("feeds") if isinstance(data, dict) else None
        return feeds if isinstance(feeds, dict) else {}

    def feeds(self) -> list[FeedEntry]:
        with self._lock:
            feeds = self._load()
        return [
            FeedEntry(
                url=url,
                title=str(entry.get("title", "")),
                seen=len(entry.get("seen", [])),
                checked_at=str(entry.get("checked_at", "")),
            )
            for url, entry in sorted(feeds.items())
        ]

    def seen(self, feed_url: str) -> set[str]:
        with self._lock:
            entry = self._load().get(feed_url, {})
        return set(entry.get("seen", []))

    def record(self, feed_url: str, title: str, keys: Iterable[str]) -> None:
        """Remember ``keys`` as given by the feed (and that it was checked now)."""
        with self._lock:
            feeds = self._load()
            entry = feeds.setdefault(feed_url, {})
            seen = [k for k in entry.get("seen", []) if isinstance(k, str)]
            known = set(seen)
            seen.extend(k for k in dict.fromkeys(keys) if k not in known)
            entry["seen"] = seen[-SEEN_PER_FEED:]
            entry["title"] = title or entry.get("title", "")
            entry["checked_at"] = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
            self._save(feeds)

    def forget(self, feed_url: str) -> bool:
        """Stop following a feed; its articles stay in the store."""
        with self._lock:
            feeds = self._load()
            found = feeds.pop(feed_url, None) is not None
            if found:
                self._save(feeds)
        return found

    def _save(self, feeds: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".feeds-", suffix=".json", dir=self.path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"feeds": feeds}, out, ensure_ascii=False, indent=1)
        os.replace(tmp, self.path)


# -- ingesting --------------------------------------------------------------------------------


@dataclass
class FeedReport:
    """What refreshing a feed did: ``items`` in the feed now, ``new`` of them not given
    before, and the ingest of those."""

    url: str
    title: str
    items: int
    new: int
    ingest: IngestReport

    def summary(self) -> str:
        name = f"{self.title} ({self.url})" if self.title else self.url
        items = f"{self.items} item{'' if self.items == 1 else 's'}"
        return f"{name}: {self.new} new of {items}; {self.ingest.summary()}"


def ingest_urls(
    ingestor: Ingestor,
    urls: Iterable[str],
    fetcher: WebFetcher | None = None,
    progress: bool | None = None,
    on_fetch: FetchCallback | None = None,
    on_progress: ProgressCallback | None = None,
) -> IngestReport:
    """Fetch each page and ingest its article; a page that fails is a skip naming its URL."""
    fetcher = fetcher if fetcher is not None else WebFetcher()
    items = fetcher.articles(urls, on_fetch=on_fetch)
    return ingestor.ingest(items, progress=progress, on_progress=on_progress)


def ingest_feed(
    ingestor: Ingestor,
    feed_url: str,
    fetcher: WebFetcher | None = None,
    history: FeedHistory | None = None,
    progress: bool | None = None,
    on_fetch: FetchCallback | None = None,
    on_progress: ProgressCallback | None = None,
) -> FeedReport:
    """Ingest the items of a feed it has not given before (all of them the first time).

    An item counts as given once it is read (into the store, or skipped for want of text);
    one whose fetch failed (:class:`FetchError`: a timeout, an HTTP error) is tried again
    on the next refresh. :class:`WebError` when the feed itself cannot be fetched or parsed."""
    fetcher = fetcher if fetcher is not None else WebFetcher()
    history = history if history is not None else FeedHistory.for_store(ingestor.store)
    feed = fetcher.feed(feed_url)
    seen = history.seen(feed.url)
    new = [item for item in feed.items if item.key not in seen]
    retry: set[str] = set()

    def articles() -> Iterator[Article | Skip]:
        for done, item in enumerate(new):
            if on_fetch is not None:
                on_fetch(done, len(new), item.url or item.key)
            try:
                yield fetcher.feed_article(item, feed)
            except WebError as exc:
                if isinstance(exc, FetchError):
                    retry.add(item.key)
                yield Skip(item.url or item.key, str(exc))

    report = ingestor.ingest(articles(), progress=progress, on_progress=on_progress)
    history.record(feed.url, feed.title, [i.key for i in new if i.key not in retry])
    logger.info("feed %s: %d new of %d items", feed.url, len(new), len(feed.items))
    return FeedReport(
        url=feed.url, title=feed.title, items=len(feed.items), new=len(new), ingest=report
    )
