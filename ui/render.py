"""Plain functions that turn an ``Answer`` into what the chat shows: safe markdown and HTML.

Nothing that comes from an article (title, outlet, url, passage, quote) is ever rendered as
HTML or markdown: HTML-special characters become entities and, in markdown, every other ASCII
punctuation character is backslash-escaped, so article text cannot open a tag, a link, an
emphasis, a list or an autolink. Only ``http``/``https`` urls become links.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import logging
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from urllib.parse import urlsplit

from qa.types import Answer, Citation
from qa.when import DateMention

logger = logging.getLogger(__name__)

# In the chat message: HTML-special characters become entities, every other ASCII punctuation
# character is backslash-escaped (CommonMark lets any of them be escaped).
_HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKDOWN_ACTIVE = frozenset(string.punctuation) - set(_HTML_SPECIAL)
_MARKER = re.compile(r"[ \t]*\[(\d+)\]")
_WHITESPACE = re.compile(r"\s+")

EMPTY_TEXT = "Ask a question: the sources of the answer appear here, each cited sentence marked."
ABSTAINED_TEXT = "No sources: none of the indexed articles answers this question."


@functools.cache
def static_text(name: str) -> str:
    """A file of ``ui/static/``, read once: ``app.css`` (the app's styles, for Gradio's
    ``css``), ``sources.js`` (run when the sources panel loads: opening an article scrolls it
    to the cited sentence) and ``copy.js`` (copies the answer and its sources to the
    clipboard). Our code, never article text."""
    return (resources.files("ui") / "static" / name).read_text(encoding="utf-8")


# -- markdown (the chat message) ------------------------------------------------------------


def escape_markdown(text: str) -> str:
    """``text`` as markdown that renders as exactly that text, inert.

    Whitespace runs (newlines included) collapse to one space, so no line can start a
    heading, list or code block.
    """
    out = []
    for char in _WHITESPACE.sub(" ", text):
        if char in _HTML_SPECIAL:
            out.append(_HTML_SPECIAL[char])
        elif char in _MARKDOWN_ACTIVE:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def marker_markdown(n: int, *, link: bool = True) -> str:
    """The ``[n]`` marker in the chat, a link to its source card (Gradio keeps the class)."""
    if not link:
        return f'<span class="aqa-marker">[{n}]</span>'
    return f'<a class="aqa-marker" href="#source-{n}">[{n}]</a>'


def answer_markdown(answer: Answer, *, link: bool = True) -> str:
    """The chat message: the answer text, escaped, with each valid ``[n]`` linked to its source.

    A marker whose number has no citation is dropped (and logged): the user never sees a
    number that points nowhere. With ``link=False`` (an earlier answer, whose sources the
    panel no longer shows) the markers are plain text.
    """
    if answer.timeline:
        return _timeline_markdown(answer, link=link)
    valid = {c.n for c in answer.citations}
    parts: list[str] = []
    pos = 0
    if answer.lead:  # the short answer, in bold
        parts.append(f"**{escape_markdown(answer.short_answer)}**")
        pos = len(answer.lead)
    for match in _MARKER.finditer(answer.text, pos):
        parts.append(escape_markdown(answer.text[pos : match.start()]))
        n = int(match.group(1))
        if n in valid:
            parts.append(" " + marker_markdown(n, link=link))
        else:
            logger.warning("answer cites [%d], which has no citation; marker dropped", n)
        pos = match.end()
    parts.append(escape_markdown(answer.text[pos:]))
    return "".join(parts).strip()


def _timeline_markdown(answer: Answer, *, link: bool) -> str:
    """A timeline answer in the chat: one line an entry, its day in bold, then the quote and
    its marker; undated entries after a line that says why they stand apart."""
    quotes = {c.n: c.quote for c in answer.citations}
    lines: list[str] = []
    for entry in answer.timeline:
        if entry.n not in quotes:
            logger.warning("timeline entry cites [%d], which has no citation; dropped", entry.n)
            continue
        if entry.date is None and not any(line.startswith("*Undated") for line in lines):
            lines.append("*Undated (their articles have no publication date):*")
        day = f"**{escape_markdown(entry.label)}** " if entry.date else ""
        marker = marker_markdown(entry.n, link=link)
        lines.append(f"- {day}{escape_markdown(quotes[entry.n])} {marker}")
    return "\n".join(lines)


def question_markdown(question: str) -> str:
    """The user's message as typed, inert."""
    return escape_markdown(question)


def error_markdown(message: str) -> str:
    """An error as a chat message (the message is escaped: it may quote the question)."""
    return f"**Could not answer:** {escape_markdown(message)}"


STOPPED_MARKDOWN = "*Stopped.*"
CURSOR = " ▍"

# What each Answer.mode says under the answer (short: it must not compete with the answer).
MODE_LABELS = {
    "extractive": "Quoted from the articles",
    "generative": "Written by a language model, checked against the sources",
    "extractive-fallback": "Quoted from the articles (the model's answer was not used)",
}


def checks_summary(answer: Answer) -> str:
    """The citation check's verdict in a few words ("" when nothing was checked)."""
    checks = list(answer.checks)
    if not checks:
        return ""
    kept = sum(1 for c in checks if getattr(c, "verdict", "") == "supported")
    removed = len(checks) - kept
    noun = "sentence" if len(checks) == 1 else "sentences"
    if not removed:
        return f"all {len(checks)} {noun} supported"
    return f"{kept} of {len(checks)} {noun} supported, {removed} removed (see Sources)"


def status_html(answer: Answer, filters: Sequence[str] = ()) -> str:
    """The unobtrusive line under an answer: mode, check verdict, notice and, for a
    follow-up, a collapsible note with the stand-alone question that was searched; the
    ``filters`` the question was asked with (chip labels) end the line. An HTML
    block (Gradio's markdown passes it through its sanitizer); every text in it is escaped."""
    parts: list[str] = []
    if answer.notice:
        parts.append(
            f'<div class="aqa-notice" role="status">&#9888; {_inline(answer.notice)}</div>'
        )
    if answer.searched and answer.searched != answer.question:
        parts.append(
            '<details class="aqa-searched"><summary>Searched as</summary>'
            f'<span class="aqa-searched-text">{_inline(answer.searched)}</span></details>'
        )
    label = MODE_LABELS.get(answer.mode, answer.mode)
    verdict = checks_summary(answer)
    line = " · ".join(_inline(x) for x in (label, verdict, *filters) if x)
    parts.append(
        f'<div class="aqa-status aqa-mode-{_e(answer.mode)}" '
        f'title="answer mode: {_e(answer.mode)}">{line}</div>'
    )
    return "".join(parts)


def answer_message(answer: Answer, *, link: bool = True, filters: Sequence[str] = ()) -> str:
    """The whole chat message of an answer: the text with its markers, the dates its quotes
    speak of, then its status."""
    when = "" if answer.timeline else when_html(answer.citations)  # a timeline shows its days
    return f"{answer_markdown(answer, link=link)}\n\n{when}{status_html(answer, filters)}"


def _date_html(mention: DateMention) -> str:
    """One resolved phrase (only spans and text: the chat's sanitizer keeps those)."""
    said = f"“{_e(mention.text)}”"
    if not mention.resolved:
        return f'<span class="aqa-date aqa-unresolved">{said} = unresolved</span>'
    return (
        f'<span class="aqa-date">{said} = '
        f'<span class="aqa-date-value">{_e(mention.described())}</span></span>'
    )


def when_html(citations: Iterable[Citation], *, numbered: bool = True) -> str:
    """The relative dates of the quotes ("on Thursday" = Thu 4 Aug 2022), resolved against
    each article's publication date, beside the quotes; "" when they have none."""
    items = [
        (f"[{c.n}] " if numbered else "") + _date_html(m)
        for c in sorted(citations, key=lambda c: c.n)
        for m in c.dates
        if m.relative
    ]
    if not items:
        return ""
    return (
        f'<div class="aqa-when"><span class="aqa-when-head">When:</span> {" · ".join(items)}</div>'
    )


def streaming_markdown(partial: str) -> str:
    """What a language model has written so far (before the check), inert, with a cursor."""
    return escape_markdown(partial) + CURSOR


def revealed(answer: Answer) -> list[Answer]:
    """The answer cut after each cited sentence (for showing an extractive answer as it
    streams in); the last item is the whole answer. A timeline comes whole."""
    if answer.timeline:
        return [answer]
    cuts = [m.end() for m in _MARKER.finditer(answer.text)]
    prefixes = [answer.text[:cut] for cut in cuts if cut < len(answer.text.rstrip())]
    return [replace(answer, text=p) for p in prefixes] + [answer]


def answer_plain_text(answer: Answer) -> str:
    """The answer and its sources as plain text, for the clipboard (not markup: the short
    answer it leads with loses its bold marks)."""
    text = answer.text.strip()
    if answer.lead:
        text = answer.short_answer + text.removeprefix(answer.lead)
    lines = [text]
    if answer.citations:
        lines += ["", "Sources:"]
        for c in sorted(answer.citations, key=lambda c: c.n):
            meta = ", ".join(x for x in (c.source, format_date(c.published)) if x)
            head = f"[{c.n}] {c.title or 'Untitled article'}" + (f" ({meta})" if meta else "")
            if safe_link(c.url) is not None:
                head += f" {c.url.strip()}"
            lines += [head, f'    "{c.quote}"']
    return "\n".join(lines)


@dataclass(frozen=True)
class Turn:
    """One question of a chat and what came of it: an answer, or an error message."""

    question: str
    answer: Answer | None = None
    error: str | None = None
    stopped: bool = False  # the user pressed Stop before the answer came
    filters: tuple[str, ...] = ()  # the filters it was asked with, as chip labels


def chat_messages(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """The chat as Gradio messages. Only the last answer's markers link to the sources panel,
    which shows that answer's sources: an earlier ``[1]`` must not lead to today's source 1."""
    messages: list[dict[str, str]] = []
    for i, turn in enumerate(turns):
        if turn.answer is not None:
            reply = answer_message(turn.answer, link=i == len(turns) - 1, filters=turn.filters)
        elif turn.stopped:
            reply = STOPPED_MARKDOWN
        else:
            reply = error_markdown(turn.error or "")
        messages.append({"role": "user", "content": question_markdown(turn.question)})
        messages.append({"role": "assistant", "content": reply})
    return messages


# -- HTML (the sources panel) ----------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _inline(text: str) -> str:
    """Escaped, on one line: inside a chat message's HTML block a blank line would end the
    block and let the rest be read as markdown."""
    return _e(" ".join(text.split()))


def safe_link(url: str) -> tuple[str, str] | None:
    """``(href, label)`` for an ``http``/``https`` url with a host, escaped; else ``None``."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return _e(url), _e(parts.hostname)


def format_date(day: dt.date | None) -> str:
    """2026-11-17 -> ``17 Nov 2026``; "" when unknown."""
    return f"{day.day} {day:%b %Y}" if day else ""


def _quote_span(c: Citation) -> tuple[int, int] | None:
    """Where the quote stands in the passage, checked against the text; ``None`` if absent."""
    s, e = c.quote_in_passage
    if 0 <= s < e <= len(c.passage) and c.passage[s:e] == c.quote:
        return s, e
    found = c.passage.find(c.quote) if c.quote else -1
    if found >= 0:
        logger.warning("citation [%d]: offsets do not match the passage; found by text", c.n)
        return found, found + len(c.quote)
    logger.warning("citation [%d]: quote not in its passage; shown unmarked", c.n)
    return None


def _phrase_span(c: Citation) -> tuple[int, int] | None:
    """The short answer phrase's offsets in the quote, when there is a valid one."""
    phrase = getattr(c, "phrase", None)
    if phrase is None:
        return None
    s, e = phrase
    return (s, e) if 0 <= s < e <= len(c.quote) else None


def _mark_html(text: str, c: Citation, mark_id: str | None) -> str:
    """One cited sentence in a ``<mark>``, its short answer phrase (if any) in bold."""
    inner = _e(text)
    span = _phrase_span(c) if text == c.quote else None
    if span is not None:
        s, e = span
        inner = f'{_e(text[:s])}<strong class="aqa-phrase">{_e(text[s:e])}</strong>{_e(text[e:])}'
    id_attr = f' id="{mark_id}"' if mark_id else ""
    return f'<mark{id_attr} data-n="{c.n}">{inner}</mark>'


def _marked_html(
    text: str, spans: Iterable[tuple[int, int, Citation]], *, ids: bool, numbers: bool
) -> str:
    """``text``, escaped, with each ``(start, end, citation)`` span marked (overlaps skipped)."""
    out: list[str] = []
    pos = 0
    for s, e, c in sorted(spans, key=lambda x: (x[0], x[1], x[2].n)):
        if s < pos:  # overlaps the previous mark: leave it unmarked
            continue
        out.append(_e(text[pos:s]))
        if numbers:
            out.append(f"<sup>{c.n}</sup>")
        out.append(_mark_html(text[s:e], c, f"quote-{c.n}" if ids else None))
        pos = e
    out.append(_e(text[pos:]))
    return "".join(out)


def _passage_html(passage: str, citations: Iterable[Citation]) -> str:
    """The passage, escaped, with each citation's sentence in a ``<mark id="quote-n">``."""
    spans = [(span[0], span[1], c) for c in citations if (span := _quote_span(c)) is not None]
    return _marked_html(passage, spans, ids=True, numbers=True)


def _body_span(body: str, c: Citation) -> tuple[int, int] | None:
    """Where the quote stands in the whole article body; ``None`` if it is not there."""
    if 0 <= c.start < c.end <= len(body) and body[c.start : c.end] == c.quote:
        return c.start, c.end
    found = body.find(c.quote) if c.quote else -1
    return (found, found + len(c.quote)) if found >= 0 else None


def _article_html(body: str, group: Sequence[Citation]) -> str:
    """The whole cleaned article, folded; opening it scrolls to the cited sentence (the
    sources panel's ``js_on_load`` does that)."""
    spans = [(span[0], span[1], c) for c in group if (span := _body_span(body, c)) is not None]
    return (
        '<details class="aqa-article"><summary>Open article</summary>'
        f'<div class="aqa-article-body">{_marked_html(body, spans, ids=False, numbers=True)}'
        "</div></details>"
    )


def _card_html(group: list[Citation], body: str | None = None) -> str:
    first = group[0]
    # The card is #source-<first n>; the other numbers it holds are anchors on their badges.
    nums = "".join(
        f'<span class="aqa-n" id="source-{c.n}">{c.n}</span>'
        if c is not first
        else f'<span class="aqa-n">{c.n}</span>'
        for c in group
    )
    meta = [_e(first.source)] if first.source else []
    date = format_date(first.published)
    if date:
        meta.append(f'<time datetime="{_e(first.published_at or "")}">{_e(date)}</time>')
    link = safe_link(first.url)
    if link is not None:
        href, host = link
        meta.append(
            f'<a href="{href}" target="_blank" rel="noopener noreferrer">{host} &#8599;</a>'
        )
    title = _e(first.title) if first.title else "Untitled article"
    return (
        f'<article class="aqa-card" id="source-{first.n}" '
        f'data-article-id="{_e(first.article_id)}">'
        f'<div class="aqa-head"><span class="aqa-nums">{nums}</span>'
        f'<span class="aqa-title">{title}</span></div>'
        f'<div class="aqa-meta">{" · ".join(meta)}</div>'
        f'<p class="aqa-passage">{_passage_html(first.passage, group)}</p>'
        f"{when_html(group, numbered=len(group) > 1)}"
        f"{_copies_html(first.copies)}"
        f"{_article_html(body, group) if body else ''}"
        "</article>"
    )


def _copies_html(copies: tuple[str, ...]) -> str:
    """Syndicated or re-fetched copies of the passage, folded into this card."""
    if not copies:
        return ""
    listed = ", ".join(_e(c) for c in copies)
    label = "copy" if len(copies) == 1 else "copies"
    return (
        f'<div class="aqa-meta aqa-copies">Same text in {len(copies)} other {label}: {listed}</div>'
    )


def group_citations(citations: Iterable[Citation]) -> list[list[Citation]]:
    """Citations quoting the same passage share a card; cards keep the order of first use."""
    groups: dict[tuple[str, int, str], list[Citation]] = {}
    for c in sorted(citations, key=lambda c: c.n):
        groups.setdefault((c.article_id, c.passage_start, c.passage), []).append(c)
    return list(groups.values())


def _flagged_html(answer: Answer) -> str:
    """The sentences the citation check removed from a generated answer, and why."""
    flagged = [c for c in answer.checks if getattr(c, "verdict", "supported") != "supported"]
    if not flagged:
        return ""
    items = []
    for check in flagged:
        cited = [
            answer.passages[n - 1].title or "Untitled article"
            for n in getattr(check, "cited", ())
            if 1 <= n <= len(answer.passages)
        ]
        where = ""
        if cited:
            where = f' <span class="aqa-flag-cites">· cites {_e("; ".join(cited))}</span>'
        items.append(
            f'<li data-verdict="{_e(check.verdict)}"><s>{_e(check.text)}</s> '
            f'<span class="aqa-flag-reason">{_e(check.verdict)}'
            f"{': ' + _e(check.reason) if check.reason else ''}</span>{where}</li>"
        )
    noun = "sentence" if len(flagged) == 1 else "sentences"
    return (
        '<section class="aqa-flagged"><div class="aqa-flagged-head">'
        f"{len(flagged)} {noun} of the model's answer removed: not supported by its sources"
        f"</div><ul>{''.join(items)}</ul></section>"
    )


def _read_html(answer: Answer) -> str:
    """The passages the answer was drawn from (``k`` of them), folded."""
    if not answer.passages:
        return ""
    items = []
    for p in answer.passages:
        meta = ", ".join(x for x in (p.source, format_date(p.published)) if x)
        title = _e(p.title) if p.title else "Untitled article"
        items.append(
            f"<li>{title}"
            + (f' <span class="aqa-read-meta">{_e(meta)}</span>' if meta else "")
            + "</li>"
        )
    n = len(answer.passages)
    return (
        f'<details class="aqa-read" data-passages="{n}"><summary>Searched {n} '
        f"passage{'s' if n != 1 else ''}</summary><ol>{''.join(items)}</ol></details>"
    )


def timeline_html(answer: Answer) -> str:
    """A timeline answer as a vertical timeline above the source cards: each entry its day,
    the quote and its number, which scrolls to the sentence in its card; entries from
    undated articles apart at the end."""
    if not answer.timeline:
        return ""
    cited = {c.n: c for c in answer.citations}
    items: list[str] = []
    undated: list[str] = []
    for entry in answer.timeline:
        c = cited.get(entry.n)
        if c is None:
            continue
        day = (
            f'<time class="aqa-tl-day" datetime="{_e(entry.date.isoformat())}" '
            f'title="{_e(_dated_by(entry.dated_by))}">{_e(entry.label)}</time>'
            if entry.date
            else ""
        )
        copies = (
            f'<span class="aqa-tl-copies">also told by {_e(", ".join(entry.also_told_by))}</span>'
            if entry.copies
            else ""
        )
        item = (
            f'<li class="aqa-tl-entry" data-n="{c.n}">{day}'
            f'<a class="aqa-marker" href="#quote-{c.n}">[{c.n}]</a> '
            f'<span class="aqa-tl-quote">{_e(c.quote)}</span>'
            f'<span class="aqa-tl-source">{_e(c.source or c.title)}</span>{copies}</li>'
        )
        (items if entry.date else undated).append(item)
    apart = (
        '<div class="aqa-tl-undated-head">Undated (no publication date)</div>'
        f'<ol class="aqa-tl-list aqa-tl-undated">{"".join(undated)}</ol>'
        if undated
        else ""
    )
    return (
        '<section class="aqa-timeline"><div class="aqa-tl-head">Timeline</div>'
        f'<ol class="aqa-tl-list">{"".join(items)}</ol>{apart}</section>'
    )


def _dated_by(how: str) -> str:
    if how == "quote":
        return "the day the sentence names, read against its publication date"
    return "the article's publication date (the sentence names no day)"


def sources_html(answer: Answer, bodies: Mapping[str, str] | None = None) -> str:
    """The numbered sources: one card per cited passage, cited sentences marked; with
    ``bodies`` (article id -> cleaned body), each card can open its whole article."""
    flagged = _flagged_html(answer)
    if not answer.citations:
        return f'<div class="aqa-empty">{_e(ABSTAINED_TEXT)}</div>{flagged}{_read_html(answer)}'
    bodies = bodies or {}
    timeline = timeline_html(answer)
    cards = timeline + "".join(
        _card_html(group, bodies.get(group[0].article_id))
        for group in group_citations(answer.citations)
    )
    return f'<div class="aqa-sources">{cards}{flagged}{_read_html(answer)}</div>'


def filter_labels(
    sources: Sequence[str] = (), since: str = "", until: str = "", recent: bool = False
) -> list[str]:
    """The filters of a question in words, one per chip."""
    labels = [f"Outlet: {s}" for s in sources]
    if since and until:
        labels.append(f"{since} to {until}")
    elif since:
        labels.append(f"From {since}")
    elif until:
        labels.append(f"Until {until}")
    if recent:
        labels.append("Prefer recent")
    return labels


def filters_html(
    sources: Sequence[str] = (), since: str = "", until: str = "", recent: bool = False
) -> str:
    """The filters for the next question, as chips."""
    labels = filter_labels(sources, since, until, recent)
    chips = "".join(f'<span class="aqa-chip">{_e(label)}</span>' for label in labels)
    if not chips:
        chips = '<span class="aqa-chips-none">all articles</span>'
    return (
        '<div class="aqa-chips" aria-label="Filters for the next question">'
        f'<span class="aqa-chips-label">Next question searches:</span>{chips}</div>'
    )


def empty_html(text: str = EMPTY_TEXT) -> str:
    """The sources panel before any question."""
    return f'<div class="aqa-empty">{_e(text)}</div>'


def error_html(message: str) -> str:
    """The sources panel when a question could not be answered."""
    return f'<div class="aqa-error" role="alert">{_e(message)}</div>'
