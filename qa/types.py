"""What an answer is: its text, its citations (each the exact sentence quoted and where it
stands), the passages it was drawn from, and the scored sentences the answerer chose from.
Shared by the extractive and the generative answerers, the app, the command line and eval.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from qa.retrieve import Passage
from qa.when import DateMention, days_label, reported_on, resolve_dates

NOT_FOUND = "I couldn't find this in the indexed articles."


@dataclass(frozen=True)
class Citation:
    """One ``[n]`` of an answer: the exact sentence quoted and where it stands."""

    n: int
    article_id: str
    title: str
    source: str
    published: dt.date | None
    url: str
    passage: str  # the whole retrieved passage the sentence was found in
    passage_start: int  # offset of the passage in the article body
    quote: str  # the cited sentence, exactly as in the article
    start: int  # offsets of ``quote`` in the article's cleaned body
    end: int
    score: float
    copies: tuple[str, ...] = ()  # other articles carrying the same passage (syndication)
    # offsets in ``quote`` of the short answer phrase (a name, number or date), if any
    phrase: tuple[int, int] | None = None

    @classmethod
    def of(cls, n: int, passage: Passage, start: int, end: int, score: float) -> Citation:
        """Citation ``n`` quoting ``passage.text[start:end]`` (offsets in the passage)."""
        return cls(
            n=n,
            article_id=passage.article_id,
            title=passage.title,
            source=passage.source,
            published=passage.published,
            url=passage.url,
            passage=passage.text,
            passage_start=passage.start,
            quote=passage.text[start:end],
            start=passage.start + start,
            end=passage.start + end,
            score=score,
            copies=passage.copies,
        )

    @property
    def published_at(self) -> str | None:
        """``published`` as ``YYYY-MM-DD`` (for display and JSON)."""
        return self.published.isoformat() if self.published else None

    @property
    def phrase_text(self) -> str:
        """The short answer phrase ("52.7 percent"), or "" when none was found."""
        return "" if self.phrase is None else self.quote[self.phrase[0] : self.phrase[1]]

    @property
    def dates(self) -> tuple[DateMention, ...]:
        """The time phrases of the quote ("on Thursday", "last week"), each resolved against
        the article's publication date (``qa.when``); the quote itself stays as written."""
        return resolve_dates(self.quote, self.published)

    @property
    def as_of(self) -> dt.date | None:
        """The day the quote reports as of: the day it says so of ("about 1,000 as of last
        Friday"), else its article's publication date (a figure in Friday's paper is
        Friday's figure, whatever day the event it counts began); for an undated article,
        the latest calendar date the quote names, if any."""
        return reported_on(self.quote, self.published)

    @property
    def quote_in_passage(self) -> tuple[int, int]:
        """Offsets of the quote inside ``passage`` (for highlighting)."""
        return self.start - self.passage_start, self.end - self.passage_start


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a timeline answer: citation ``n``'s sentence and the day it happened."""

    n: int  # the citation quoting the sentence
    date: dt.date | None  # None: an undated article, listed apart
    until: dt.date | None
    precision: str  # "day", "week", ... ("" when undated)
    dated_by: str  # "quote": the sentence names the day; "published": its article's date
    copies: tuple[str, ...] = ()  # other articles telling the same development (their ids)
    told_by: tuple[str, ...] = ()  # the outlets (or titles) of those articles

    @property
    def also_told_by(self) -> tuple[str, ...]:
        """Who else told it, for people to read: the outlets, else the article ids."""
        return self.told_by or self.copies

    @property
    def label(self) -> str:
        """ "Mon 12 Jan 2026", "week of 12 Jan 2026", ..., or "undated"."""
        if self.date is None:
            return "undated"
        return days_label(self.date, self.until or self.date, self.precision)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "date": self.date.isoformat() if self.date else None,
            "until": self.until.isoformat() if self.until else None,
            "precision": self.precision,
            "dated_by": self.dated_by,
            "label": self.label,
            "copies": list(self.copies),
            "told_by": list(self.told_by),
        }


@dataclass(frozen=True)
class Extracted:
    """What the extractive answerer made of a question (an answer or a timeline)."""

    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    disagreement: str = ""
    timeline: tuple[TimelineEntry, ...] = ()


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    abstained: bool
    mode: str = "extractive"
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds per stage
    searched: str = ""  # the stand-alone question retrieval used, when a chat rewrote it
    checks: tuple[Any, ...] = ()  # qa.verify.SentenceCheck per generated sentence
    notice: str = ""  # why the answer is not what the mode asked for (a failed model, ...)
    disagreement: str = ""  # "The sources differ on this: ..." when cited sentences do
    usage: dict[str, int] = field(default_factory=dict)  # prompt_tokens, completion_tokens
    # a timeline answer's entries, oldest first, undated ones last (qa.timeline)
    timeline: tuple[TimelineEntry, ...] = ()

    @property
    def claims(self) -> str:
        """The answer's cited sentences: ``text`` without the bold short answer it leads with
        (words of citation 1's sentence, which is checked itself) and without the closing
        note that the sources disagree (the answer's own words, which the citation check
        does not judge)."""
        text = self.text.removeprefix(f"{self.lead} [1] ") if self.lead else self.text
        if self.disagreement and text.endswith(self.disagreement):
            return text.removesuffix(self.disagreement).rstrip()
        return text

    @property
    def lead(self) -> str:
        """The bold short answer the text leads with (``"**Lena Marovic**"``), or ""."""
        lead = bold(self.short_answer) if self.short_answer else ""
        return lead if lead and self.text.startswith(lead) else ""

    @property
    def short_answer(self) -> str:
        """The first citation's short answer phrase ("52.7 percent"), or ""."""
        return next((c.phrase_text for c in self.citations if c.phrase is not None), "")

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape of ``article-qa ask --json`` (fields are only ever added)."""
        return {
            "question": self.question,
            "searched": self.searched or self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "mode": self.mode,
            "citations": [
                {
                    "n": c.n,
                    "article_id": c.article_id,
                    "title": c.title,
                    "source": c.source,
                    "published_at": c.published_at,
                    "url": c.url,
                    "quote": c.quote,
                    "start": c.start,
                    "end": c.end,
                    "passage": c.passage,
                    "passage_start": c.passage_start,
                    "score": round(c.score, 4),
                    "copies": list(c.copies),
                    "phrase": None if c.phrase is None else list(c.phrase),
                    "phrase_text": c.phrase_text,
                    "dates": [m.as_dict() for m in c.dates],
                }
                for c in self.citations
            ],
            "passages": [
                {
                    "article_id": p.article_id,
                    "title": p.title,
                    "source": p.source,
                    "published_at": p.published_at,
                    "start": p.start,
                    "end": p.end,
                    "text": p.text,
                    "score": round(p.score, 4),
                    "copies": list(p.copies),
                }
                for p in self.passages
            ],
            "short_answer": self.short_answer,
            "disagreement": self.disagreement,
            "usage": dict(self.usage),
            "timings": {k: round(v, 1) for k, v in self.timings.items()},
            "checks": [c.to_dict() for c in self.checks],
            "notice": self.notice,
            "timeline": [entry.to_dict() for entry in self.timeline],
        }


@dataclass(frozen=True)
class ScoredSentence:
    passage: Passage
    start: int  # in the article body
    end: int
    text: str
    score: float
    # the features the abstention model reads (see ``AbstentionModel``)
    overlap: float = 0.0
    similarity: float = 0.0
    phrase: bool = False
    match: float = 0.0
    undated: float = 0.0  # ``score`` without its recency term


def bold(phrase: str) -> str:
    """How an answer marks the short answer it leads with (markdown bold)."""
    return f"**{phrase}**"
