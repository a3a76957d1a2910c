"""ui.render: answers become safe markdown and HTML; nothing from an article is markup."""

from __future__ import annotations

import datetime as dt
import html
import re
import subprocess
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from qa.types import NOT_FOUND, Answer, Citation
from ui import render

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "![x](http://evil.example/x.png)",
    "<a href='javascript:alert(1)'>x</a>",
    "**bold** _em_ `code` ~~del~~ $$x^2$$",
    "www.evil.example, mail@evil.example and https://evil.example/a?b=1&c=2",
    "# heading\n1. item\n- item\n> quote\n    code\n---",
    "&lt;b&gt; &amp; &#60;script&#62; \\*",
    '"><svg onload=alert(1)>',
]

PASSAGE = (
    "Port Halvern's plant opened on Tuesday. The total cost is $412 million, up from "
    "$310 million. Officials said <b>water</b> would flow by June."
)
QUOTE = "The total cost is $412 million, up from $310 million."


def citation(
    n: int = 1,
    *,
    passage: str = PASSAGE,
    quote: str = QUOTE,
    passage_start: int = 100,
    title: str = "Gull Point plant over budget",
    source: str = "Harbor Ledger",
    url: str = "https://harborledger.example/news/gull-point",
    published: dt.date | None = dt.date(2025, 9, 22),
    article_id: str = "desal-plant-cost-overrun",
    offset_shift: int = 0,
) -> Citation:
    at = passage.find(quote)
    start = passage_start + (at if at >= 0 else 0) + offset_shift
    return Citation(
        n=n,
        article_id=article_id,
        title=title,
        source=source,
        published=published,
        url=url,
        passage=passage,
        passage_start=passage_start,
        quote=quote,
        start=start,
        end=start + len(quote),
        score=0.7,
    )


def answer_of(*citations: Citation, text: str | None = None) -> Answer:
    if text is None:
        text = " ".join(f"{c.quote} [{c.n}]" for c in citations)
    return Answer(
        question="How much will it cost?",
        text=text,
        citations=citations,
        passages=(),
        abstained=not citations,
    )


class Parsed(HTMLParser):
    """Tags, attributes, text and the text inside each <mark> of an HTML fragment."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.marks: list[str] = []
        self._in_mark = False
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]
        if tag == "mark":
            self._in_mark = True
            self.marks.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self._in_mark = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_mark:
            self.marks[-1] += data

    def hrefs(self) -> list[str]:
        return [v for k, v in self.attrs if k == "href"]


PUNCT = r"!-/:-@\[-`{-~"  # the ASCII punctuation characters, as regex ranges
INERT_MARKDOWN = re.compile(rf"(?:\\[{PUNCT}]|&(?:lt|gt|amp);|[^{PUNCT}\n])*")

SAFE_TAGS = {"div", "article", "span", "time", "a", "p", "mark", "sup", "strong"}
SAFE_TAGS |= {"details", "summary", "section", "ul", "ol", "li", "s"}
SAFE_ATTRS = {"class", "id", "href", "target", "rel", "datetime", "data-article-id", "role"}
SAFE_ATTRS |= {"data-n", "data-mode", "data-verdict", "data-passages", "title", "aria-label"}


def assert_only_our_markup(fragment: str) -> Parsed:
    parsed = Parsed(fragment)
    assert set(parsed.tags) <= SAFE_TAGS, parsed.tags
    assert {k for k, _ in parsed.attrs} <= SAFE_ATTRS, parsed.attrs
    for href in parsed.hrefs():
        assert href.startswith(("https://", "http://", "#source-", "#quote-")), href
    return parsed


# -- the sources panel -----------------------------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE)
def test_article_text_is_never_markup_in_sources(hostile: str) -> None:
    passage = f"Before {hostile} middle. {QUOTE} After {hostile}."
    c = citation(
        passage=passage,
        title=f"Title {hostile}",
        source=f"Outlet {hostile}",
        article_id=f"id {hostile}",
    )
    out = render.sources_html(answer_of(c))
    parsed = assert_only_our_markup(out)
    text = "".join(parsed.text)
    assert f"Title {hostile}" in text  # shown literally, as text
    assert passage in text.replace("1" + QUOTE, QUOTE)  # the <sup>1</sup> before the mark
    assert parsed.marks == [QUOTE]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "  javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/no-scheme",
        "file:///etc/passwd",
        "https://",
        "[click](javascript:alert(1))",
    ],
)
def test_only_http_urls_become_links(url: str) -> None:
    out = render.sources_html(answer_of(citation(url=url)))
    parsed = assert_only_our_markup(out)
    assert "a" not in parsed.tags
    assert "href=" not in out


def test_http_url_is_linked_escaped_in_a_new_tab() -> None:
    url = 'https://news.example/a?b=1&c="2"><script>x</script>'
    out = render.sources_html(answer_of(citation(url=url)))
    parsed = assert_only_our_markup(out)
    assert parsed.hrefs() == [url]  # the parser unescapes the attribute back to the url
    assert 'href="https://news.example/a?b=1&amp;c=&quot;2&quot;&gt;&lt;script&gt;' in out
    assert 'rel="noopener noreferrer"' in out
    assert 'target="_blank"' in out
    assert "news.example" in "".join(parsed.text)


def test_mark_wraps_exactly_the_quote() -> None:
    out = render.sources_html(answer_of(citation()))
    parsed = Parsed(out)
    assert parsed.marks == [QUOTE]
    before, _, after = PASSAGE.partition(QUOTE)
    assert f'{html.escape(before)}<sup>1</sup><mark id="quote-1" data-n="1">' in out
    assert f"</mark>{html.escape(after)}</p>" in out


def test_quote_with_wrong_offsets_is_found_by_its_text() -> None:
    out = render.sources_html(answer_of(citation(offset_shift=7)))
    assert Parsed(out).marks == [QUOTE]


def test_quote_missing_from_its_passage_is_not_marked() -> None:
    c = citation(quote="A sentence that is not in the passage at all.")
    parsed = Parsed(render.sources_html(answer_of(c)))
    assert parsed.marks == []
    assert html.unescape(PASSAGE) in "".join(parsed.text)


def test_card_shows_number_title_outlet_date_and_link() -> None:
    out = render.sources_html(answer_of(citation()))
    parsed = Parsed(out)
    text = " ".join(parsed.text)
    for shown in ("1", "Gull Point plant over budget", "Harbor Ledger", "22 Sep 2025"):
        assert shown in text
    assert ("id", "source-1") in parsed.attrs
    assert parsed.hrefs() == ["https://harborledger.example/news/gull-point"]


def test_citations_of_one_passage_share_a_card_and_keep_their_anchors() -> None:
    second = "Port Halvern's plant opened on Tuesday."
    c1, c2 = citation(1), citation(2, quote=second)
    out = render.sources_html(answer_of(c1, c2))
    parsed = Parsed(out)
    assert out.count('<article class="aqa-card"') == 1
    assert parsed.marks == [second, QUOTE]  # in passage order
    ids = [v for k, v in parsed.attrs if k == "id"]
    assert {"source-1", "source-2", "quote-1", "quote-2"} <= set(ids)
    assert len(ids) == len(set(ids))


def test_citations_of_different_articles_get_cards_in_order() -> None:
    other = citation(2, article_id="other", title="Another article", passage_start=0)
    out = render.sources_html(answer_of(citation(1), other))
    assert out.count('<article class="aqa-card"') == 2
    assert out.index('id="source-1"') < out.index('id="source-2"')


def test_abstention_shows_no_sources() -> None:
    out = render.sources_html(answer_of(text=NOT_FOUND))
    assert "aqa-card" not in out
    assert "<mark" not in out
    assert render.ABSTAINED_TEXT in html.unescape(out)


def test_empty_and_error_states_escape_their_text() -> None:
    assert render.EMPTY_TEXT in html.unescape(render.empty_html())
    out = render.error_html("No store at <script>alert(1)</script>")
    assert "<script>" not in out
    assert "&lt;script&gt;" in out


@pytest.mark.parametrize(
    ("raw", "shown"),
    [(dt.date(2026, 11, 17), "17 Nov 2026"), (dt.date(2026, 1, 5), "5 Jan 2026"), (None, "")],
)
def test_format_date(raw: dt.date | None, shown: str) -> None:
    assert render.format_date(raw) == shown


# -- the chat message ------------------------------------------------------------------------


def test_answer_markers_link_to_their_sources() -> None:
    c1, c2 = citation(1), citation(2, quote="Port Halvern's plant opened on Tuesday.")
    out = render.answer_markdown(answer_of(c1, c2))
    assert out.count('<a class="aqa-marker" href="#source-1">[1]</a>') == 1
    assert out.count('<a class="aqa-marker" href="#source-2">[2]</a>') == 1
    assert out.startswith(render.escape_markdown(QUOTE) + " <a")


def test_marker_without_a_citation_is_never_shown() -> None:
    out = render.answer_markdown(answer_of(citation(1), text=f"{QUOTE} [1] Made up. [7]"))
    assert "[7]" not in out
    assert "source-7" not in out
    assert "#source-1" in out


def test_abstention_is_plain_text() -> None:
    out = render.answer_markdown(answer_of(text=NOT_FOUND))
    assert "<a" not in out
    assert out == render.escape_markdown(NOT_FOUND)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_article_text_in_the_answer_is_inert_markdown(hostile: str) -> None:
    quote = f"The plant {hostile} cost $412 million."
    c = citation(passage=quote, quote=quote)
    out = render.answer_markdown(answer_of(c))
    body = out.removesuffix(' <a class="aqa-marker" href="#source-1">[1]</a>')
    assert "<" not in body
    assert ">" not in body
    assert "\n" not in body
    # Every ASCII punctuation character is backslash-escaped (or an entity), so no markdown
    # construct can start: a link, an emphasis, an autolink (needs "." or ":"), a list.
    assert INERT_MARKDOWN.fullmatch(body), body


@pytest.mark.parametrize("hostile", HOSTILE)
def test_escaped_markdown_renders_as_the_text_itself(hostile: str) -> None:
    markdown_it = pytest.importorskip("markdown_it")  # CommonMark reference (comes with rich)
    rendered = markdown_it.MarkdownIt("commonmark").render(render.escape_markdown(hostile))
    shown = html.escape(" ".join(hostile.split()), quote=False).replace('"', "&quot;")
    assert rendered == f"<p>{shown}</p>\n"


def test_only_the_last_answer_links_to_the_sources_panel() -> None:
    first, last = answer_of(citation(1)), answer_of(citation(1, title="Another"))
    turns = [
        render.Turn("First <b>question</b>?", answer=first),
        render.Turn("Broken?", error="The question is empty: <type> it."),
        render.Turn("Last?", answer=last),
    ]
    messages = render.chat_messages(turns)
    assert [m["role"] for m in messages] == ["user", "assistant"] * 3
    assert messages[0]["content"] == render.question_markdown("First <b>question</b>?")
    assert 'href="#source-1"' not in messages[1]["content"]  # the panel shows other sources
    assert '<span class="aqa-marker">[1]</span>' in messages[1]["content"]
    assert "&lt;type&gt;" in messages[3]["content"]
    assert messages[5]["content"] == render.answer_message(last)
    assert messages[5]["content"].startswith(render.answer_markdown(last))
    assert 'href="#source-1"' in messages[5]["content"]


def test_question_and_error_messages_are_escaped() -> None:
    assert render.question_markdown("<b>hi</b> [x](y)") == r"&lt;b&gt;hi&lt;\/b&gt; \[x\]\(y\)"
    assert "&lt;script&gt;" in render.error_markdown("bad <script>")


def test_importing_ui_loads_no_gradio() -> None:
    code = "import sys, ui, ui.render, ui.app; assert 'gradio' not in sys.modules"
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=120)


def test_static_files_are_package_data_read_once() -> None:
    # The app's CSS and JavaScript are files of the ui package (pyproject's package-data
    # ships ui/static/*); each is read once.
    assert ".aqa-card" in render.static_text("app.css")
    assert "element.addEventListener('toggle'" in render.static_text("sources.js")
    assert render.static_text("copy.js").startswith("(text) =>")
    assert render.static_text("app.css") is render.static_text("app.css")
    with pytest.raises(FileNotFoundError):
        render.static_text("missing.js")


def test_copies_are_listed_and_escaped() -> None:
    from qa.types import Answer, Citation
    from ui.render import sources_html

    passage = "The strike began on Monday. Trains stopped."
    citation = Citation(
        n=1,
        article_id="a",
        title="T",
        source="S",
        published=dt.date(2026, 1, 12),
        url="",
        passage=passage,
        passage_start=0,
        quote="The strike began on Monday.",
        start=0,
        end=27,
        score=0.9,
        copies=("copy-1", "<b>copy-2</b>"),
    )
    answer = Answer("q", "The strike began on Monday. [1]", (citation,), (), False)
    html = sources_html(answer)
    assert "Same text in 2 other copies: copy-1, &lt;b&gt;copy-2&lt;/b&gt;" in html
    assert "<b>copy-2" not in html


# -- the answer's status, the streamed text, the clipboard ------------------------------------


def a_passage(article_id: str, title: str, published_at: str | None = None) -> Any:
    from qa.retrieve import Passage

    return Passage(
        f"{article_id}-0",
        article_id,
        title,
        "Wire",
        "",
        dt.date.fromisoformat(published_at) if published_at else None,
        0,
        len(PASSAGE),
        PASSAGE,
        0.5,
    )


def checked(text: str, verdict: str, reason: str = "", cited: tuple[int, ...] = (1,)) -> object:
    from qa.verify import SentenceCheck

    return SentenceCheck(text, cited, verdict, reason)


def test_status_shows_mode_verdict_notice_and_searched_question() -> None:
    from dataclasses import replace

    base = answer_of(citation())
    plain = render.status_html(base)
    assert "Quoted from the articles" in plain
    assert "aqa-notice" not in plain and "aqa-searched" not in plain

    passage = a_passage("a", "<b>Budget</b> story")
    generated = replace(
        base,
        question="And the total?",
        searched="What is the <total> cost of the Gull Point plant?",
        mode="extractive-fallback",
        notice="the language model at http://x failed: <ConnectError>",
        checks=(checked("It cost $9 billion.", "unsupported", "numbers not in: ['9']"),),
        passages=(passage,),
    )
    out = render.status_html(generated, ["Outlet: <Wire>"])
    parsed = assert_only_our_markup(out)
    text = "".join(parsed.text)
    assert "What is the <total> cost of the Gull Point plant?" in text
    assert "failed: <ConnectError>" in text
    assert "0 of 1 sentence supported, 1 removed" in text
    assert "Outlet: <Wire>" in text
    assert "<ConnectError>" not in out and "<Wire>" not in out
    assert ("class", "aqa-status aqa-mode-extractive-fallback") in parsed.attrs

    flagged = render.sources_html(generated)
    parsed = assert_only_our_markup(flagged)
    assert "It cost $9 billion." in "".join(parsed.text)
    assert "· cites <b>Budget</b> story" in "".join(parsed.text)
    assert "s" in parsed.tags and "<b>" not in flagged


def test_all_supported_checks_say_so() -> None:
    from dataclasses import replace

    answer = replace(answer_of(citation()), mode="generative", checks=(checked("A.", "supported"),))
    assert "all 1 sentence supported" in render.status_html(answer)
    assert "aqa-flagged" not in render.sources_html(answer)


def test_answer_message_is_the_answer_then_its_status() -> None:
    answer = answer_of(citation())
    message = render.answer_message(answer)
    assert message == f"{render.answer_markdown(answer)}\n\n{render.status_html(answer)}"


def test_streamed_text_is_inert_with_a_cursor() -> None:
    out = render.streaming_markdown("The <img src=x> plant [1")
    assert out.endswith(render.CURSOR)
    assert "<img" not in out


def test_revealed_cuts_after_each_cited_sentence() -> None:
    second = "Port Halvern's plant opened on Tuesday."
    answer = answer_of(citation(1), citation(2, quote=second))
    parts = render.revealed(answer)
    assert [p.text for p in parts] == [f"{QUOTE} [1]", answer.text]
    assert parts[-1] is answer
    assert render.revealed(answer_of(text=NOT_FOUND)) == [answer_of(text=NOT_FOUND)]


def test_plain_text_copy_has_the_answer_and_numbered_sources() -> None:
    answer = answer_of(citation(1, url="javascript:alert(1)"), citation(2, title="<b>T</b>"))
    text = render.answer_plain_text(answer)
    assert text.startswith(answer.text + "\n\nSources:\n[1] Gull Point plant over budget")
    assert "(Harbor Ledger, 22 Sep 2025)" in text
    assert "javascript" not in text
    assert "[2] <b>T</b> (Harbor Ledger, 22 Sep 2025) https://harborledger.example" in text
    assert f'    "{QUOTE}"' in text
    assert render.answer_plain_text(answer_of(text=NOT_FOUND)) == NOT_FOUND


# -- the whole article, the short answer phrase, the passages read -----------------------------


def test_open_article_marks_the_quote_in_the_whole_body() -> None:
    body = "Headline text.\n\n" + "x " * 30 + PASSAGE + "\n<script>alert(1)</script> tail."
    c = citation(passage_start=body.index(PASSAGE))
    out = render.sources_html(answer_of(c), {c.article_id: body})
    parsed = assert_only_our_markup(out)
    assert parsed.tags.count("details") == 1  # the article
    assert parsed.marks == [QUOTE, QUOTE]  # in the passage, and in the article
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt; tail." in out
    assert out.count('id="quote-1"') == 1  # the article's mark has no second id
    assert "Open article" in "".join(parsed.text)


def test_no_body_no_open_article() -> None:
    out = render.sources_html(answer_of(citation()), {"another-article": "text"})
    assert "Open article" not in out


def test_short_answer_phrase_is_bold_inside_the_mark() -> None:
    from dataclasses import replace

    at = QUOTE.index("$412 million")
    c = replace(citation(), phrase=(at, at + len("$412 million")))
    out = render.sources_html(answer_of(c))
    assert '<strong class="aqa-phrase">$412 million</strong>' in out
    assert Parsed(out).marks == [QUOTE]
    bad = replace(citation(), phrase=(5, 999))  # out of range: no bold, still marked
    assert "aqa-phrase" not in render.sources_html(answer_of(bad))


def test_passages_read_are_listed_folded() -> None:
    from dataclasses import replace

    passages = tuple(a_passage(f"a{i}", f"<i>Title {i}</i>", f"2026-01-0{i + 1}") for i in range(3))
    out = render.sources_html(replace(answer_of(citation()), passages=passages))
    parsed = assert_only_our_markup(out)
    assert ("data-passages", "3") in parsed.attrs
    assert "Searched 3 passages" in "".join(parsed.text)
    assert "<i>" not in out and "&lt;i&gt;Title 2&lt;/i&gt;" in out


def test_filter_chips() -> None:
    assert "all articles" in render.filters_html()
    out = render.filters_html(["<Wire>", "Post"], "2026-01-01", "", True)
    parsed = assert_only_our_markup(out)
    chips = render.filter_labels(["<Wire>", "Post"], "2026-01-01", "", True)
    assert chips == ["Outlet: <Wire>", "Outlet: Post", "From 2026-01-01", "Prefer recent"]
    assert all(chip in "".join(parsed.text) for chip in chips)
    assert render.filter_labels(since="2026-01-01", until="2026-02-01") == [
        "2026-01-01 to 2026-02-01"
    ]
    assert render.filter_labels(until="2026-02-01") == ["Until 2026-02-01"]


def test_stopped_turn_says_so() -> None:
    messages = render.chat_messages([render.Turn("Q?", stopped=True)])
    assert messages[1]["content"] == render.STOPPED_MARKDOWN


def test_status_texts_stay_on_one_line_inside_their_html_block() -> None:
    from dataclasses import replace

    trick = "server down\n\n[click](https://evil.example) <img src=x onerror=alert(1)>"
    answer = replace(
        answer_of(citation()), notice=trick, searched=f"Who?\n\n{trick}", question="Who?"
    )
    out = render.answer_message(answer, filters=[f"Outlet: {trick}"])
    _, status = out.split("\n\n", 1)
    assert "\n" not in status
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").render(status)
    assert "<a " not in rendered and "<img" not in rendered


# -- the dates a quote speaks of ---------------------------------------------------------------

DATED = "Port Halvern's council voted 7-4 on Tuesday night to approve the money."


def test_a_quote_s_relative_date_is_shown_resolved_beside_it_and_the_quote_is_untouched() -> None:
    c = citation(passage=DATED, quote=DATED, published=dt.date(2025, 10, 15))  # a Wednesday
    card = render.sources_html(answer_of(c))
    parsed = assert_only_our_markup(card)
    assert parsed.marks == [DATED]  # the quote as written
    text = "".join(parsed.text)
    assert "When: “on Tuesday night” = Tue 14 Oct 2025" in text
    message = render.answer_message(answer_of(c))
    assert "“on Tuesday night” = " in message and "Tue 14 Oct 2025" in message
    assert message.index("voted") < message.index("Tue 14 Oct 2025")  # after the answer


def test_a_date_the_publication_cannot_pin_is_shown_unresolved() -> None:
    quote = "The council voted again the next day."
    c = citation(passage=quote, quote=quote)
    assert "“the next day” = unresolved" in render.sources_html(answer_of(c))
    undated = citation(passage=DATED, quote=DATED, published=None)
    assert "“on Tuesday night” = unresolved" in render.when_html([undated])


def test_quotes_without_dates_add_no_when_line() -> None:
    c = citation()
    assert render.when_html([c]) == ""
    assert "When:" not in render.answer_message(answer_of(c))


@pytest.mark.parametrize("hostile", HOSTILE)
def test_the_when_line_is_never_markup(hostile: str) -> None:
    quote = f"{hostile} The vote was held on Monday {hostile}."
    c = citation(passage=quote, quote=quote, published=dt.date(2025, 10, 15))
    assert_only_our_markup(render.when_html([c]))


# -- timelines -------------------------------------------------------------------------------


def timeline_answer(*quotes: tuple[str, dt.date | None]) -> Answer:
    from qa.types import TimelineEntry

    cites = tuple(
        citation(n, passage=q, quote=q, published=day, article_id=f"a{n}")
        for n, (q, day) in enumerate(quotes, start=1)
    )
    entries = tuple(
        TimelineEntry(
            c.n,
            c.published,
            c.published,
            "day" if c.published else "",
            "published" if c.published else "",
        )
        for c in cites
    )
    text = "\n".join(f"{c.quote} [{c.n}]" for c in cites)
    return replace(answer_of(*cites, text=text), timeline=entries)


def test_a_timeline_is_shown_above_the_sources_with_links_to_each_sentence() -> None:
    answer = timeline_answer(
        ("The strike began at midnight.", dt.date(2026, 1, 12)),
        ("The strike ended with a vote.", dt.date(2026, 1, 28)),
        ("Readers asked why it lasted so long.", None),
    )
    out = render.sources_html(answer)
    parsed = assert_only_our_markup(out)
    assert out.index("aqa-timeline") < out.index("aqa-card")
    assert '<a class="aqa-marker" href="#quote-2">[2]</a>' in out
    assert out.index("began at midnight") < out.index("ended with a vote")
    text = "".join(parsed.text)
    assert text.index("ended with a vote") < text.index("Undated (no publication date)")
    assert text.index("Undated (no publication date)") < text.index("Readers asked")
    message = render.answer_message(answer)
    assert sum(line.startswith("- ") for line in message.splitlines()) == 3
    assert "*Undated (their articles have no publication date):*" in message
    assert "When:" not in message  # the days are the timeline's own
    assert render.revealed(answer) == [answer]  # a timeline comes whole


@pytest.mark.parametrize("hostile", HOSTILE)
def test_timeline_text_is_never_markup(hostile: str) -> None:
    answer = timeline_answer((f"{hostile} happened.", dt.date(2026, 1, 12)))
    assert_only_our_markup(render.timeline_html(answer))
