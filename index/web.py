"""Articles from the web: a page by its URL, and the new items of an RSS or Atom feed.

Everything goes through :class:`WebFetcher`, which fetches with the standard library's
``urllib`` and nothing else:

- only ``http://`` and ``https://`` addresses (never ``file:``, ``data:``, ``ftp:`` or a bare
  path), also for every redirect;
- at most ``max_bytes`` (20 MB by default, ``--max-mb``) a response, and ``timeout``
  seconds (20 by default) for the whole fetch: resolving the name, connecting, the headers
  and the body, redirects included (a watchdog closes the connection at the deadline, so a
  server that trickles its headers a byte at a time cannot hold it open);
- never a link-local address (169.254.0.0/16, fe80::/10: where cloud metadata services
  answer) or another address no web page lives on (0.0.0.0, multicast), and a private or
  loopback one (10.x, 192.168.x, 127.x, ...) only with ``allow_private=True``
  (``article-qa ingest --allow-private``, ``article-qa serve --allow-private``). The name is
  resolved once, every address it gives is checked, and the connection goes to the address
  that was checked (no second lookup that a hostile DNS server could answer differently);
  each redirect is checked the same way before it is followed. Proxies from the environment
  are not used.

A page becomes an article through :func:`index.articles.article_from_html` (trafilatura
extracts the main text, as for ``.html`` files); its id and ``url`` are the address asked
for, without its ``#fragment``. A feed is parsed with ``xml.etree`` (RSS 2.0, RSS 1.0 and
Atom); each item's page is fetched, and where the page gives no text the feed's own content
of the item is used. :class:`FeedHistory` remembers the items each feed has already given,
so refreshing a feed ingests only its new items.

Ingesting goes through :class:`index.ingest.Ingestor`, as files do: :func:`ingest_urls` and
:func:`ingest_feed` are what ``article-qa ingest URL`` / ``--feed URL`` and the app's Library
call.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import html
import http.client
import ipaddress
import json
import logging
import os
import re
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from index.articles import (
    MAX_BYTES,
    Article,
    Skip,
    article_from_html,
    article_from_record,
    parse_date,
    size_text,
)
from index.clean import clean_body, clean_title
from index.errors import InputError

if TYPE_CHECKING:
    from index.ingest import Ingestor, IngestReport, ProgressCallback
    from index.store import Store

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 20.0
MIN_TEXT_CHARS = 100  # less than this after extraction is a cookie wall or a "enable JS" page
USER_AGENT = "article-qa/0.1 (+https://github.com/article-qa; a reader for your own articles)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
UNKNOWN_TYPE = "application/octet-stream"
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.5"
SEEN_PER_FEED = 10_000  # the item keys remembered per feed (the newest)

FetchCallback = Callable[[int, int, str], None]  # (done, total, url)


class WebError(InputError):
    """A URL that article-qa will not fetch, or that gave no article; the message names it."""


class FetchError(WebError):
    """The fetch itself failed (no answer, an HTTP error, too big, too slow): worth trying
    again later, unlike a page without article text."""


def check_url(url: str, *, allow_private: bool = True) -> str:
    """``url`` without its fragment, when it may be fetched; else :class:`WebError` saying why.

    Only ``http`` and ``https`` with a host; with ``allow_private=False`` the host must also
    resolve to public addresses only (a fetch checks again, at the address it connects to)."""
    given = (url or "").strip()
    if not given:
        raise WebError("no URL given: enter an address such as https://example.com/news/story")
    parts = urlsplit(given)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if not scheme or len(scheme) == 1 or given.startswith(("/", ".", "~")):  # C:\ too
            raise WebError(
                f"{given} is not a web address: give a full http:// or https:// URL "
                "(files on this machine are added with `article-qa ingest PATH` or Upload)"
            )
        raise WebError(
            f"{given}: only http:// and https:// addresses can be fetched, not {scheme}:"
        )
    if not parts.hostname:
        raise WebError(f"{given} has no host name (expected https://host/path)")
    try:
        port = parts.port
    except ValueError as exc:
        raise WebError(f"{given} has a bad port: {exc}") from None
    if not allow_private:
        port = port or (443 if scheme == "https" else 80)
        for address in _resolve(parts.hostname, port, DEFAULT_TIMEOUT_S, given):
            _check_address(address[4][0], parts.hostname, given, allow_private)
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


# Never fetched, whatever the settings: no web page lives there, and cloud metadata services
# (169.254.169.254, fd00:ec2::254, 100.100.100.200) hand out credentials there.
_NEVER = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.0.0/16",
        "fe80::/10",
        "fd00:ec2::254/128",
        "100.100.100.200/32",
        "0.0.0.0/8",
        "::/128",
        "224.0.0.0/4",
        "ff00::/8",
        "255.255.255.255/32",
    )
)


def address_refusal(address: str, allow_private: bool) -> str:
    """Why ``address`` (an IP address) may not be fetched from, or ""."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    ip = getattr(ip, "ipv4_mapped", None) or ip
    if any(ip in net for net in _NEVER if net.version == ip.version):
        return "a link-local, cloud metadata or other non-web address, never fetched"
    if ip.is_global or allow_private:
        return ""
    return (
        "a private or local address, fetched only with --allow-private (article-qa ingest / serve)"
    )


def _check_address(address: str, host: str, url: str, allow_private: bool) -> None:
    why = address_refusal(address, allow_private)
    if why:
        where = address if host == address else f"{host} ({address})"
        if host != urlsplit(url).hostname:
            where = f"it redirects to {where}, which"
        raise WebError(f"refusing {url}: {where} is {why}")


def _resolve(host: str, port: int, timeout: float, url: str) -> list[Any]:
    """``getaddrinfo`` of ``host`` within ``timeout`` seconds (a lookup cannot be
    interrupted, so it runs in a thread that is left behind when it hangs)."""
    found: list[Any] = []
    failed: list[BaseException] = []

    def lookup() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            failed.append(exc)

    worker = threading.Thread(target=lookup, daemon=True, name="resolve")
    worker.start()
    worker.join(max(0.0, timeout))
    if worker.is_alive():
        raise FetchError(f"{url}: looking up {host} took more than {timeout:g} s")
    if failed or not found:
        raise WebError(f"cannot fetch {url}: the host {host!r} was not found ({failed[0]})")
    return found


class _Guard:
    """One fetch's limits: every connection it makes (the first and each redirect's) goes
    to an address checked by :func:`address_refusal`, and all are shut when the fetch's
    time is up, wherever it stands (connecting, headers, body)."""

    def __init__(self, url: str, timeout: float, allow_private: bool) -> None:
        self.url = url
        self.timeout = timeout
        self.allow_private = allow_private
        self.deadline = time.monotonic() + timeout
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(timeout, self.expire)
        self._timer.daemon = True

    def __enter__(self) -> _Guard:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def connect(
        self, address: tuple[str, int], timeout: float | None = None, source: Any = None
    ) -> socket.socket:
        """What ``http.client`` calls to open its socket: resolve, check, connect."""
        host, port = address
        infos = _resolve(host, port, self.remaining(), self.url)
        for info in infos:  # every address the name gives (no choosing the harmless one)
            _check_address(str(info[4][0]), host, self.url, self.allow_private)
        error: OSError | None = None
        for family, kind, proto, _, sockaddr in infos:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(max(0.001, self.remaining()))
                with self._lock:
                    if self.expired:
                        raise TimeoutError("out of time")
                    self._sockets.append(sock)
                sock.connect(sockaddr)  # the address checked above, not the name again
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error or OSError(f"no address for {host}")


def _guarded(base: type[http.client.HTTPConnection]) -> Any:
    class Guarded(base):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, guard: _Guard, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = guard.connect

    return Guarded


_GuardedHTTP = _guarded(http.client.HTTPConnection)
_GuardedHTTPS = _guarded(http.client.HTTPSConnection)


class _GuardedHandler(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
    """``http:`` and ``https:`` through the request's :class:`_Guard`."""

    def __init__(self) -> None:
        urllib.request.HTTPHandler.__init__(self)
        urllib.request.HTTPSHandler.__init__(self)

    def http_open(self, req: Any) -> Any:
        return self.do_open(functools.partial(_GuardedHTTP, guard=req.guard), req)

    def https_open(self, req: Any) -> Any:
        return self.do_open(
            functools.partial(_GuardedHTTPS, guard=req.guard),
            req,
            context=self._context,  # type: ignore[attr-defined]  # (HTTPSHandler's)
        )


@dataclass(frozen=True)
class Fetched:
    """One response: ``url`` is where it came from after redirects."""

    url: str
    content_type: str
    charset: str | None
    data: bytes

    def text(self) -> str:
        """The body decoded by its declared charset, else a ``<meta charset>``, else UTF-8."""
        charset = self.charset or _sniff_charset(self.data[:4096]) or "utf-8"
        try:
            return self.data.decode(charset, errors="replace")
        except LookupError:
            return self.data.decode("utf-8", errors="replace")


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _sniff_charset(head: bytes) -> str | None:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    match = _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


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


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an address :func:`check_url` accepts."""

    max_redirections = 5

    def _check(self, req: Any, newurl: str) -> None:
        try:  # the scheme and host here; the address when the guard connects
            check_url(urljoin(req.full_url, newurl))
        except WebError as exc:
            raise WebError(f"{req.full_url} redirects to a refused address: {exc}") from None

    def http_error_302(self, req: Any, fp: Any, code: int, msg: str, headers: Any) -> Any:
        location = headers.get("location") or headers.get("uri")
        if location:  # before urllib's own check, which lets ftp: through
            self._check(req, location)
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        self._check(req, newurl)
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            new.guard = req.guard  # type: ignore[attr-defined]  # same deadline and checks
        return new


class WebFetcher:
    """Fetches pages and feeds within the limits of the module doc. Constructing it
    touches no network; it holds no per-request state, so one can serve many threads."""

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_bytes: int = MAX_BYTES,
        allow_private: bool = False,
        min_chars: int = MIN_TEXT_CHARS,
        user_agent: str = USER_AGENT,
    ) -> None:
        if timeout <= 0 or max_bytes <= 0:
            raise ValueError("timeout and max_bytes must be positive")
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.min_chars = min_chars
        self.user_agent = user_agent
        opener = urllib.request.OpenerDirector()  # no file:, ftp: or data: handlers at all
        for handler in (
            urllib.request.UnknownHandler(),
            _GuardedHandler(),
            urllib.request.HTTPDefaultErrorHandler(),
            _Redirects(),
            urllib.request.HTTPErrorProcessor(),
        ):
            opener.add_handler(handler)
        self._opener = opener

    # -- fetching -------------------------------------------------------------------------

    def fetch(self, url: str, accept: str = PAGE_ACCEPT) -> Fetched:
        """The response to a GET of ``url``: :class:`WebError` (naming it) when refused,
        :class:`FetchError` when it failed, was too big or not done within ``timeout``."""
        url = check_url(url)  # a WebError: not to retry (the address is checked on connect)
        request = urllib.request.Request(
            url,
            headers={
                "User-Agent": self.user_agent,
                "Accept": accept,
                "Accept-Encoding": "identity",
            },
        )
        limit = size_text(self.max_bytes)
        late = f"{url} did not finish within {self.timeout:g} s"
        with _Guard(url, self.timeout, self.allow_private) as guard:
            request.guard = guard  # type: ignore[attr-defined]  # (read by _GuardedHandler)
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    length = response.headers.get("Content-Length", "")
                    if length.isdigit() and int(length) > self.max_bytes:
                        raise FetchError(
                            f"{url} is {size_text(int(length))}, over the {limit} limit"
                        )
                    parts: list[bytes] = []
                    size = 0
                    while chunk := response.read1(65536):
                        size += len(chunk)
                        if size > self.max_bytes:
                            raise FetchError(f"{url} is larger than the {limit} limit")
                        parts.append(chunk)
                    if guard.expired:  # (the watchdog cut the body short)
                        raise FetchError(late)
                    headers: Message = response.headers
                    declared = headers.get("Content-Type") is not None  # else text/plain
                    return Fetched(
                        url=response.geturl(),
                        content_type=headers.get_content_type() if declared else UNKNOWN_TYPE,
                        charset=headers.get_content_charset(),
                        data=b"".join(parts),
                    )
            except WebError:  # ours: refused, too big, or a refused redirect
                raise
            except urllib.error.HTTPError as exc:
                exc.close()
                if guard.expired:
                    raise FetchError(late) from None
                raise FetchError(f"{url} answered HTTP {exc.code} {exc.reason}") from None
            except (OSError, ValueError, http.client.HTTPException) as exc:
                if guard.expired or _timed_out(exc):
                    raise FetchError(late) from None
                reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
                if isinstance(reason, WebError):
                    raise reason from None
                raise FetchError(f"cannot fetch {url}: {reason or type(reason).__name__}") from None

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


def _timed_out(exc: BaseException) -> bool:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return isinstance(reason, TimeoutError | socket.timeout)


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


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child(element: ET.Element, *names: str) -> ET.Element | None:
    for name in names:
        for child in element:
            if _local(child.tag) == name:
                return child
    return None


def _text(element: ET.Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _link(element: ET.Element) -> str:
    """An item's link: RSS ``<link>text</link>``, or Atom's alternate ``<link href>``."""
    atom = [c for c in element if _local(c.tag) == "link" and c.get("href")]
    for child in atom:
        if child.get("rel", "alternate") == "alternate":
            return str(child.get("href"))
    if atom:
        return str(atom[0].get("href"))
    return _text(_child(element, "link"))


def parse_feed(data: bytes, url: str, given_url: str | None = None) -> Feed:
    """An RSS 2.0, RSS 1.0 or Atom feed; relative links are resolved against ``url``.
    :class:`WebError` naming the feed when it is not one. ``Feed.url`` is ``given_url`` (the
    address the user gave, the feed's identity) when there is one."""
    name = given_url or url
    if re.search(rb"<!ENTITY", data[:65536], re.IGNORECASE):
        raise WebError(f"{name}: the feed declares XML entities; refusing to expand them")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        hint = " (it looks like a web page, not a feed)" if _looks_html(data) else ""
        raise WebError(f"{name} is not a valid RSS or Atom feed{hint}: {exc}") from None
    kind = _local(root.tag)
    if kind not in ("rss", "rdf", "feed"):
        raise WebError(f"{name} is not an RSS or Atom feed (its root element is <{kind}>)")
    channel = _child(root, "channel") if kind != "feed" else root
    title = clean_title(_text(_child(channel, "title"))) if channel is not None else ""
    containers = [root] if channel is None else [channel, root]
    items: list[FeedItem] = []
    keys: set[str] = set()
    for container in containers:
        for element in container:
            if _local(element.tag) not in ("item", "entry"):
                continue
            link = _link(element)
            link = urljoin(url, link) if link else ""
            key = _text(_child(element, "guid", "id")) or link
            if not key or key in keys:
                continue
            keys.add(key)
            content = _text(_child(element, "encoded", "content")) or _text(
                _child(element, "description", "summary")
            )
            date = _text(_child(element, "pubdate", "published", "date", "updated", "issued"))
            items.append(
                FeedItem(
                    key=key,
                    url=link if link.startswith(("http://", "https://")) else "",
                    title=clean_title(_text(_child(element, "title"))),
                    published_at=parse_date(date) if date else None,
                    content=content,
                )
            )
    return Feed(url=name, title=title, items=tuple(items))


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
