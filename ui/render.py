"""Plain functions that turn an ``Answer`` into what the chat shows: safe markdown and HTML.

Nothing that comes from an article (title, outlet, url, passage, quote) is ever rendered as
HTML or markdown: HTML-special characters become entities and, in markdown, every other ASCII
punctuation character is backslash-escaped, so article text cannot open a tag, a link, an
emphasis, a list or an autolink. Only ``http``/``https`` urls become links.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from qa.answer import Answer, Citation

logger = logging.getLogger(__name__)

# In the chat message: HTML-special characters become entities, every other ASCII punctuation
# character is backslash-escaped (CommonMark lets any of them be escaped).
_HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKDOWN_ACTIVE = frozenset(string.punctuation) - set(_HTML_SPECIAL)
_MARKER = re.compile(r"[ \t]*\[(\d+)\]")
_WHITESPACE = re.compile(r"\s+")

EMPTY_TEXT = "Ask a question: the sources of the answer appear here, each cited sentence marked."
ABSTAINED_TEXT = "No sources: none of the indexed articles answers this question."

# Styles for the sources panel and the [n] markers; the app passes them to Gradio's `css`.
# Colours come from the theme's variables so that light and dark mode both read well.
CSS = """
#aqa-sources .html-container { padding: 0 6px 0 0; }  /* align the cards with the heading */
.aqa-sources { display: flex; flex-direction: column; gap: 12px; }
.aqa-card {
  border: 1px solid var(--border-color-primary);
  border-radius: 10px;
  padding: 12px 14px;
  background: var(--background-fill-primary);
  scroll-margin-top: 12px;
}
.aqa-card:target, .aqa-card:has(:target) { border-color: var(--color-accent); }
.aqa-head { display: flex; gap: 10px; align-items: baseline; }
.aqa-nums { display: flex; gap: 4px; flex: none; }
.aqa-n {
  display: inline-block;
  min-width: 1.6em;
  padding: 0 6px;
  border-radius: 6px;
  background: var(--color-accent-soft);
  color: var(--body-text-color);
  font-size: 0.8em;
  font-weight: 600;
  line-height: 1.6;
  text-align: center;
}
.aqa-title { font-weight: 600; line-height: 1.35; color: var(--body-text-color); }
.aqa-meta { margin: 4px 0 8px; font-size: 0.85em; color: var(--body-text-color-subdued); }
.aqa-meta time { color: inherit; }
.aqa-meta a { color: var(--link-text-color); text-decoration: none; padding: 0; }
.aqa-meta a:hover { text-decoration: underline; }
.aqa-passage {
  margin: 0;
  font-size: 0.9em;
  line-height: 1.55;
  white-space: pre-line;
  color: var(--body-text-color);
}
.aqa-passage mark {
  background: #fde68a;
  color: #1f2937;
  border-radius: 3px;
  padding: 1px 2px;
  scroll-margin-top: 40px;
}
.aqa-passage sup { font-weight: 700; margin-right: 2px; color: var(--body-text-color-subdued); }
.aqa-empty, .aqa-error {
  padding: 14px;
  border-radius: 10px;
  font-size: 0.9em;
  color: var(--body-text-color-subdued);
  border: 1px dashed var(--border-color-primary);
}
.aqa-error { border-style: solid; border-color: #f87171; color: var(--body-text-color); }
.aqa-marker {
  font-size: 0.78em;
  font-weight: 600;
  text-decoration: none;
  vertical-align: 0.15em;
  padding: 0 3px;
  border-radius: 4px;
  background: var(--color-accent-soft);
  color: var(--body-text-color);
}
a.aqa-marker:hover { text-decoration: underline; }
"""


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
    valid = {c.n for c in answer.citations}
    parts: list[str] = []
    pos = 0
    for match in _MARKER.finditer(answer.text):
        parts.append(escape_markdown(answer.text[pos : match.start()]))
        n = int(match.group(1))
        if n in valid:
            parts.append(" " + marker_markdown(n, link=link))
        else:
            logger.warning("answer cites [%d], which has no citation; marker dropped", n)
        pos = match.end()
    parts.append(escape_markdown(answer.text[pos:]))
    return "".join(parts).strip()


def question_markdown(question: str) -> str:
    """The user's message as typed, inert."""
    return escape_markdown(question)


def error_markdown(message: str) -> str:
    """An error as a chat message (the message is escaped: it may quote the question)."""
    return f"**Could not answer:** {escape_markdown(message)}"


@dataclass(frozen=True)
class Turn:
    """One question of a chat and what came of it: an answer, or an error message."""

    question: str
    answer: Answer | None = None
    error: str | None = None


def chat_messages(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """The chat as Gradio messages. Only the last answer's markers link to the sources panel,
    which shows that answer's sources: an earlier ``[1]`` must not lead to today's source 1."""
    messages: list[dict[str, str]] = []
    for i, turn in enumerate(turns):
        if turn.answer is not None:
            reply = answer_markdown(turn.answer, link=i == len(turns) - 1)
        else:
            reply = error_markdown(turn.error or "")
        messages.append({"role": "user", "content": question_markdown(turn.question)})
        messages.append({"role": "assistant", "content": reply})
    return messages


# -- HTML (the sources panel) ----------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


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


def format_date(published_at: str | None) -> str:
    """``2026-11-17`` -> ``17 Nov 2026``; anything else is returned as given."""
    if not published_at:
        return ""
    try:
        day = dt.date.fromisoformat(published_at[:10])
    except ValueError:
        return published_at
    return f"{day.day} {day:%b %Y}"


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


def _passage_html(passage: str, citations: Iterable[Citation]) -> str:
    """The passage, escaped, with each citation's sentence in a ``<mark id="quote-n">``."""
    spans = sorted(
        (span[0], span[1], c.n) for c in citations if (span := _quote_span(c)) is not None
    )
    out: list[str] = []
    pos = 0
    for s, e, n in spans:
        if s < pos:  # overlaps the previous mark: leave it unmarked
            continue
        out.append(_e(passage[pos:s]))
        out.append(f'<sup>{n}</sup><mark id="quote-{n}">{_e(passage[s:e])}</mark>')
        pos = e
    out.append(_e(passage[pos:]))
    return "".join(out)


def _card_html(group: list[Citation]) -> str:
    first = group[0]
    # The card is #source-<first n>; the other numbers it holds are anchors on their badges.
    nums = "".join(
        f'<span class="aqa-n" id="source-{c.n}">{c.n}</span>'
        if c is not first
        else f'<span class="aqa-n">{c.n}</span>'
        for c in group
    )
    meta = [_e(first.source)] if first.source else []
    date = format_date(first.published_at)
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
        f"{_copies_html(first.copies)}"
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


def sources_html(answer: Answer) -> str:
    """The numbered sources: one card per cited passage, cited sentences marked."""
    if not answer.citations:
        return f'<div class="aqa-empty">{_e(ABSTAINED_TEXT)}</div>'
    cards = "".join(_card_html(group) for group in group_citations(answer.citations))
    return f'<div class="aqa-sources">{cards}</div>'


def empty_html(text: str = EMPTY_TEXT) -> str:
    """The sources panel before any question."""
    return f'<div class="aqa-empty">{_e(text)}</div>'


def error_html(message: str) -> str:
    """The sources panel when a question could not be answered."""
    return f'<div class="aqa-error" role="alert">{_e(message)}</div>'
