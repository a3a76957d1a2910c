"""Fetching from the web within limits, for :mod:`index.web` (pages and feeds).

:class:`Fetcher` fetches with the standard library's ``urllib`` and nothing else:

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
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import ipaddress
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from index.articles import MAX_BYTES, size_text
from index.errors import InputError

DEFAULT_TIMEOUT_S = 20.0
USER_AGENT = "article-qa/0.1 (+https://github.com/article-qa; a reader for your own articles)"
UNKNOWN_TYPE = "application/octet-stream"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.5"


class WebError(InputError):
    """A URL that article-qa will not fetch, or that gave no article; the message names it."""


class FetchError(WebError):
    """The fetch itself failed (no answer, an HTTP error, too big, too slow): worth trying
    again later, unlike a page without article text."""


def check_url(url: str) -> str:
    """``url`` without its fragment, when it may be fetched; else :class:`WebError` saying why.

    Only ``http`` and ``https`` with a host. Its address is checked where a fetch connects
    (:class:`_Guard`), after resolving the name once."""
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
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise WebError(f"{given} has a bad port: {exc}") from None
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


class Fetcher:
    """GETs within the limits of the module doc. Constructing it touches no network; it
    holds no per-request state, so one can serve many threads."""

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_bytes: int = MAX_BYTES,
        allow_private: bool = False,
        user_agent: str = USER_AGENT,
    ) -> None:
        if timeout <= 0 or max_bytes <= 0:
            raise ValueError("timeout and max_bytes must be positive")
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allow_private = allow_private
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


def _timed_out(exc: BaseException) -> bool:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return isinstance(reason, TimeoutError | socket.timeout)
