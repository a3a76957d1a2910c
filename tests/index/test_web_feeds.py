"""Feeds as feedparser reads them (index.web.parse_feed): RSS 1.0, Atom, a declared
non-UTF-8 encoding, odd dates; and feedparser only ever parses the bytes it is given."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.fetch import WebError
from index.web import parse_feed

RDF = b"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/"
         xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel rdf:about="https://valley.example/">
    <title>Valley Courier</title>
    <link>https://valley.example/</link>
    <description>Town news</description>
  </channel>
  <item rdf:about="https://valley.example/stories/weir?from=rdf">
    <title>Weir gates to be replaced</title>
    <link>/stories/weir</link>
    <dc:date>2026-04-02T18:40:00+02:00</dc:date>
    <description>Short version.</description>
    <content:encoded>&lt;p&gt;The county will replace the weir gates in May.&lt;/p&gt;</content:encoded>
  </item>
  <item rdf:about="https://valley.example/stories/weir">
    <title>Weir gates (again)</title>
    <link>https://valley.example/stories/weir</link>
  </item>
  <item rdf:about="https://valley.example/stories/fair">
    <title>Spring fair moves indoors</title>
    <link>https://valley.example/stories/fair</link>
    <dc:date>2026-04-03</dc:date>
    <description>Rain is forecast.</description>
  </item>
</rdf:RDF>"""


def test_rss_1_0_items_keep_their_link_as_key() -> None:
    feed = parse_feed(RDF, "https://valley.example/feeds/rdf")
    assert feed.title == "Valley Courier" and feed.url == "https://valley.example/feeds/rdf"
    weir, fair = feed.items  # the second weir item has the same link: given once
    # An RDF item has no guid: its key is its link (never its rdf:about), as before.
    assert (weir.key, weir.url, weir.title, weir.published_at) == (
        "https://valley.example/stories/weir",
        "https://valley.example/stories/weir",  # relative, resolved against the feed
        "Weir gates to be replaced",
        "2026-04-02",
    )
    assert weir.content == "<p>The county will replace the weir gates in May.</p>"
    assert (fair.key, fair.published_at, fair.content) == (
        "https://valley.example/stories/fair",
        "2026-04-03",
        "Rain is forecast.",
    )


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://tidewater.example/news/">
  <title type="text">Tidewater Gazette</title>
  <id>urn:tidewater:feed</id>
  <updated>2026-05-20T07:00:00Z</updated>
  <entry>
    <title>Lighthouse keeper retires</title>
    <id>urn:tidewater:entry:41</id>
    <link rel="related" href="https://elsewhere.example/keepers"/>
    <link rel="alternate" type="text/html" href="lighthouse-keeper"/>
    <updated>2026-05-19T21:05:00-04:00</updated>
    <summary>After 31 years.</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>After
      <em>31 years</em> at the point.</p></div></content>
  </entry>
  <entry>
    <title>Tide tables for June</title>
    <id>urn:tidewater:entry:42</id>
    <published>2026-05-18T09:00:00Z</published>
    <updated>2026-05-20T06:00:00Z</updated>
    <summary type="html">&lt;b&gt;Printed&lt;/b&gt; copies at the library.</summary>
  </entry>
</feed>"""


def test_atom_entries_resolve_xml_base_and_prefer_published() -> None:
    feed = parse_feed(ATOM, "https://tidewater.example/atom.xml")
    assert feed.title == "Tidewater Gazette"
    keeper, tides = feed.items
    assert (keeper.key, keeper.url, keeper.published_at) == (
        "urn:tidewater:entry:41",
        "https://tidewater.example/news/lighthouse-keeper",  # the alternate link, on xml:base
        "2026-05-19",  # the date as written (in UTC it is already 20 May)
    )
    assert "<em>31 years</em>" in keeper.content  # the full content beats the summary
    # No link: no page to fetch (the feed's own text is used); the id still identifies it.
    assert (tides.key, tides.url, tides.published_at) == (
        "urn:tidewater:entry:42",
        "",
        "2026-05-18",
    )
    assert tides.content == "<b>Printed</b> copies at the library."


def test_an_encoding_declared_in_the_prolog_is_used() -> None:
    text = """<?xml version="1.0" encoding="ISO-8859-7"?>
<rss version="2.0"><channel>
  <title>Νέα της Κέρκυρας</title>
  <item>
    <title>Το λιμάνι ανοίγει ξανά</title>
    <link>https://kerkyra.example/limani</link>
    <pubDate>Wed, 10 Jun 2026 08:00:00 +0300</pubDate>
    <description>Τα πλοία επιστρέφουν τη Δευτέρα.</description>
  </item>
</channel></rss>"""
    data = text.encode("iso-8859-7")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # (so a parser that assumed UTF-8 would garble it)
    feed = parse_feed(data, "https://kerkyra.example/rss")
    assert feed.title == "Νέα της Κέρκυρας"
    [item] = feed.items
    assert item.title == "Το λιμάνι ανοίγει ξανά"
    assert item.content == "Τα πλοία επιστρέφουν τη Δευτέρα."
    assert item.published_at == "2026-06-10"


def _rss_dated(date: str) -> bytes:
    return f"""<rss version="2.0"><channel><title>Dates</title>
<item><title>One</title><guid isPermaLink="false">d1</guid><pubDate>{date}</pubDate></item>
</channel></rss>""".encode()


@pytest.mark.filterwarnings("ignore::dateutil.parser.UnknownTimezoneWarning")
@pytest.mark.parametrize(
    ("written", "day"),
    [
        # RFC 822 with a named zone, late in the evening: the date as written, not UTC's.
        ("Sun, 08 Mar 2026 23:15:00 EST", "2026-03-08"),
        ("Mon, 9 Mar 26 06:00 GMT", "2026-03-09"),  # two-digit year, no seconds
        ("2026-03-08T23:15:00.250-05:00", "2026-03-08"),  # W3C-DTF, fraction and offset
        ("2026-03", "2026-03-01"),  # W3C-DTF, year and month only
        ("Sun Mar  8 23:15:00 2026", "2026-03-08"),  # asctime
        ("2026-13-45", None),  # impossible: no date rather than a wrong one
        ("someday soon", None),
    ],
)
def test_odd_dates_become_iso_dates(written: str, day: str | None) -> None:
    [item] = parse_feed(_rss_dated(written), "https://dates.example/rss").items
    assert item.published_at == day


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP listener on 127.0.0.1 that sees any connection attempt made to it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.3)
        yield server


def _connected(server: socket.socket) -> bool:
    try:
        server.accept()[0].close()
    except TimeoutError:
        return False
    return True


def test_feed_bytes_are_only_parsed_never_opened_or_fetched(
    listener: socket.socket, tmp_path: Path
) -> None:
    port = listener.getsockname()[1]
    # A body that names a URL or a file is not a feed (feedparser given it as a string
    # would fetch the URL or read the file).
    with pytest.raises(WebError, match="is not an RSS or Atom feed"):
        parse_feed(f"http://127.0.0.1:{port}/feed.xml".encode(), "https://x.example/feed")
    local = tmp_path / "feed.xml"
    local.write_bytes(_rss_dated("2026-03-08"))
    with pytest.raises(WebError, match="is not an RSS or Atom feed"):
        parse_feed(str(local).encode(), "https://x.example/feed")
    # An external DTD is not loaded.
    dtd = f'<!DOCTYPE rss SYSTEM "http://127.0.0.1:{port}/rss.dtd">'.encode()
    feed = parse_feed(
        b'<?xml version="1.0"?>' + dtd + _rss_dated("2026-03-08"), "https://x.example/"
    )
    assert [i.key for i in feed.items] == ["d1"]
    assert not _connected(listener)


def test_external_entities_are_refused() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/hostname">]>'
        b'<rss version="2.0"><channel><title>&secret;</title></channel></rss>'
    )
    with pytest.raises(WebError, match="declares XML entities"):
        parse_feed(xxe, "https://x.example/feed")
