"""Sentence boundaries with character offsets, shared by chunking and answering.

A rule-based splitter: a sentence ends at ``.``, ``!`` or ``?`` (with closing quotes or
brackets) followed by space and a capital, digit or opening quote, unless the word before
the full stop is a known abbreviation or an initial. A line break always ends a sentence
(scraped text keeps one paragraph a line). Offsets are into the text given, so
``text[start:end]`` is the sentence exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen sen rep gov lt col sgt capt cmdr adm maj st jr sr rev hon pres inc co
    corp ltd llc bros dept univ est approx vs etc fig no nos vol ch art sec jan feb mar apr jun
    jul aug sep sept oct nov dec mon tue tues wed thu thurs fri sat sun u.s u.k u.n e.u a.m p.m
    d.c n.y l.a i.e e.g ph.d b.a m.a ala ariz ark calif colo conn del fla ga ill ind kan ky la
    md mass mich minn miss mo mont neb nev okla ore pa tenn tex va vt wash wis wyo
    """.split()
)

_END = re.compile(r"""[.!?]+['"’”)\]]*(?=\s+(?:['"‘“(\[]?[A-Z0-9]))""")
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the full stop at ``dot`` closes an abbreviation or an initial."""
    match = _WORD_BEFORE.search(text, max(0, dot - 20), dot + 1)
    if not match:
        return False
    word = match.group(1).lower()
    if word in ABBREVIATIONS:
        return True
    # Single-letter initials ("J. Smith") and dotted acronyms ("U.S.").
    return (len(word) == 1 and word.isalpha()) or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences in ``text[start:end]``, stripped of spaces."""
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line_start, line_end in _lines(text, start, stop):
        cursor = line_start
        for match in _END.finditer(text, line_start, line_end):
            punct_end = match.end()
            single_dot = match.group(0).rstrip("'\"’”)]") == "."
            if single_dot and _is_abbreviation(text, match.start()):
                continue
            spans.extend(_strip(text, cursor, punct_end))
            cursor = punct_end
        spans.extend(_strip(text, cursor, line_end))
    return spans


def _lines(text: str, start: int, stop: int) -> Iterator[tuple[int, int]]:
    pos = start
    while pos < stop:
        newline = text.find("\n", pos, stop)
        line_end = stop if newline == -1 else newline
        yield pos, line_end
        pos = line_end + 1


def _strip(text: str, start: int, end: int) -> list[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if end > start else []


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings (see ``sentence_spans``)."""
    return [text[s:e] for s, e in sentence_spans(text)]
