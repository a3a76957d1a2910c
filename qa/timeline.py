"""Timelines: "How did the rail strike unfold?" answered as dated quotes, oldest first.

A timeline is extractive like every other answer: each entry is one sentence quoted exactly
from an article, cited, with the day it happened. The day comes from the sentence itself
when it names one ("resumed on Tuesday", "ended on January 28"; ``qa.when`` reads it
against the article's publication date), else from the article's publication date (the
entry says which). The same development told by several articles is one entry, the other
articles listed as copies. Articles without a publication date are never placed by guess:
their sentences are listed apart, undated (unless the sentence names a full calendar date).

Which sentences: the answerer's ranking of the retrieved passages' sentences (the same
features as any answer, over a longer shortlist, without the recency term: a timeline reads
every date alike), kept from articles that are about the story (their best sentence scores
near the best of all) and close enough to the best sentence, direct speech left out; then
one entry a day, the best of that day, up to ``MAX_ENTRIES``. Chosen on hand-written stories
(``python -m benchmarks.timelines``, docs/benchmarks.md).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.answer import ExtractiveAnswerer
from qa.retrieve import Passage
from qa.types import NOT_FOUND, Citation, Extracted, ScoredSentence, TimelineEntry
from qa.when import DateMention, resolve_dates
from qa.words import content_words

__all__ = [
    "MAX_ENTRIES",
    "Development",
    "asks_for_timeline",
    "developments",
    "on_topic",
    "timeline_answer",
]

MAX_ENTRIES = 12
SHORTLIST = 80  # sentences read (an answer reads 40): several articles' developments
ARTICLE_BEHIND = 2.0  # an article is on the story when its best sentence is this near the best
SENTENCE_BEHIND = 2.5  # a sentence of such an article makes an entry this near the best
SAME_TELLING = 0.4  # content words shared by two sentences of one day telling the same thing

_ASKS = re.compile(
    r"\bhow\s+(?:did|has|have|do|does|is|are|was|were)\b.{0,120}?\b(?:unfold(?:ed|ing)?|"
    r"develop(?:ed|ing)?|evolve[ds]?|evolving|progress(?:ed)?|play(?:ed)?\s+out|come\s+about|"
    r"go(?:ne)?|went|escalat(?:e|ed|ing))\b|\bwhat\s+(?:has\s+)?happened\s+(?:with|to|in|at|"
    r"since|over|during)\b|\btime\s*line\b|\bchronolog|\bsequence\s+of\s+events\b|"
    r"\bstory\s+so\s+far\b|\bstep\s+by\s+step\b",
    re.IGNORECASE,
)


# the words that ask for a timeline, not for a topic
_ASKING = frozenset(
    content_words(
        "how did has have unfold unfolded unfolding develop developed developing evolve evolved "
        "progress progressed play played out come about go gone went escalate escalated what "
        "happened happen timeline time line chronology sequence events story so far step give "
        "me show tell"
    )
)
ON_TOPIC = 0.5  # share of the question's topic words the timeline's sentences must hold


def topic_words(question: str) -> set[str]:
    """The content words of what a timeline question is about ("rail", "strike")."""
    return set(content_words(question)) - _ASKING


def on_topic(question: str, entries: Sequence[Development]) -> bool:
    """Whether the entries' sentences hold most of the question's topic words: a timeline of
    other stories is no answer ("How did the eruption in Peru unfold?" over flood reports)."""
    topic = topic_words(question)
    if not topic:
        return bool(entries)
    held = set().union(*(content_words(d.sentence.text) for d in entries)) if entries else set()
    return len(topic & held) / len(topic) >= ON_TOPIC


def asks_for_timeline(question: str) -> bool:
    """Whether a question asks how something developed ("How did the rail strike unfold?",
    "What happened with the Redstone Ridge fire?", "Give me a timeline of the talks")."""
    return bool(_ASKS.search(question))


@dataclass(frozen=True)
class Development:
    """One entry of a timeline: a scored sentence and the days it happened."""

    sentence: ScoredSentence
    date: dt.date | None  # None: its article has no publication date
    until: dt.date | None
    precision: str  # "day", "week", "month", ... ("" when undated)
    dated_by: str  # "quote" (the sentence names the day), "published", or "" (undated)
    copies: tuple[str, ...] = ()  # other articles telling the same development that day
    told_by: tuple[str, ...] = ()  # their outlets (or titles), each once, for people to read


def _when(sentence: ScoredSentence) -> tuple[dt.date | None, dt.date | None, str, str] | None:
    """The days a sentence's development happened: the first past day it names (else the
    first past week), else its article's publication date; undated without one. ``None``
    for a plan: a sentence whose days are all still to come ("will vote on Monday")."""
    published = sentence.passage.published
    mentions: Sequence[DateMention] = resolve_dates(sentence.text, published)
    named = [m for m in mentions if m.date is not None]
    if named and all(m.coming for m in named):
        return None
    past = [
        m
        for m in mentions
        if m.date is not None
        and not m.coming
        and (published is None or m.date <= published)  # a day to come is no development yet
    ]
    for precision in ("day", "week"):
        for mention in past:
            if mention.precision == precision:
                return mention.date, mention.until, precision, "quote"
    if published is None:
        return None, None, "", ""
    return published, published, "day", "published"


_SPEECH = ('"', "“", "'", "‘")


def _tells_the_same(a: str, b: str) -> bool:
    words_a, words_b = set(content_words(a)), set(content_words(b))
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / min(len(words_a), len(words_b)) >= SAME_TELLING


def developments(
    scored: Sequence[ScoredSentence], max_entries: int = MAX_ENTRIES
) -> list[Development]:
    """The timeline of ``scored`` (the answerer's ranked sentences, best first): dated
    entries oldest first, then the undated ones."""
    if not scored:
        return []
    # a story's course is not judged by how recent each report is: the scores without
    # their recency term
    ranked = sorted(scored, key=lambda s: -s.undated)
    best = ranked[0].undated
    article_best: dict[str, float] = {}
    for s in ranked:
        article_best.setdefault(s.passage.article_id, s.undated)
    on_story = {a for a, score in article_best.items() if score >= best - ARTICLE_BEHIND}
    candidates = [
        Development(s, *when)
        for s in ranked
        if s.undated >= best - SENTENCE_BEHIND
        and s.passage.article_id in on_story
        and not s.text.startswith(_SPEECH)  # someone's words, not what happened
        and (when := _when(s)) is not None
    ]
    # an article whose sentences name their days is not also dated by its publication
    named = {d.sentence.passage.article_id for d in candidates if d.dated_by == "quote"}
    kept: dict[dt.date, Development] = {}  # one development a day: the best sentence of it
    undated: list[Development] = []
    for entry in candidates:
        s = entry.sentence
        if entry.date is None:
            if not any(_tells_the_same(s.text, u.sentence.text) for u in undated):
                undated.append(entry)
            continue
        if entry.dated_by == "published" and s.passage.article_id in named:
            continue
        same_day = kept.get(entry.date)
        if same_day is None:
            kept[entry.date] = entry
        elif (
            s.passage.article_id != same_day.sentence.passage.article_id
            and s.passage.article_id not in same_day.copies
            and _tells_the_same(s.text, same_day.sentence.text)
        ):
            kept[entry.date] = dataclasses.replace(
                same_day,
                copies=(*same_day.copies, s.passage.article_id),
                told_by=_named(same_day.told_by, s.passage.source or s.passage.title),
            )
    # the best entries, then in time order (a sentence that names its day before one dated
    # only by its article, on the same day)
    chosen = sorted(kept.values(), key=lambda d: -d.sentence.undated)[:max_entries]
    chosen.sort(key=lambda d: (d.date or dt.date.min, d.dated_by != "quote"))
    return chosen + undated[: max(0, max_entries - len(chosen))]


def _named(told_by: tuple[str, ...], name: str) -> tuple[str, ...]:
    """``told_by`` with ``name`` added, each outlet once, no blank."""
    return told_by if not name or name in told_by else (*told_by, name)


def timeline_answer(
    answerer: ExtractiveAnswerer, question: str, passages: Sequence[Passage]
) -> Extracted:
    """How a story developed, as an answer: one cited sentence per dated development,
    oldest first, each line its day and the quote; the not-found answer when the sentences
    are not about the question's topic (``on_topic``). ``answerer`` ranks the sentences
    (over a longer shortlist than an answer reads)."""
    longer = copy.copy(answerer)
    longer.weights = dataclasses.replace(answerer.weights, shortlist=SHORTLIST)
    entries = developments(answerer.rank(longer.features(question, passages)))
    if not on_topic(question, entries):
        return Extracted(NOT_FOUND, (), True)
    citations: list[Citation] = []
    timeline: list[TimelineEntry] = []
    lines: list[str] = []
    for n, d in enumerate(entries, start=1):
        s = d.sentence
        citation = Citation.of(
            n, s.passage, s.start - s.passage.start, s.end - s.passage.start, s.score
        )
        citations.append(citation)
        entry = TimelineEntry(n, d.date, d.until, d.precision, d.dated_by, d.copies, d.told_by)
        if entry.date is None and not any(t.date is None for t in timeline):
            lines.append("Undated (their articles have no publication date):")
        timeline.append(entry)
        lines.append(
            f"{entry.label}: {citation.quote} [{n}]" if entry.date else f"{citation.quote} [{n}]"
        )
    return Extracted("\n".join(lines), tuple(citations), False, timeline=tuple(timeline))
