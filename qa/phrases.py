"""Short answer phrases inside quoted sentences, and sources that disagree about them.

For a question that asks for a number, a date or a name ("How many...", "When...",
"Who..."), :func:`find_phrase` finds the words of a quoted sentence that answer it: the
first thing of the right kind that the question does not already say. The UI highlights
it; nothing is rewritten.

:func:`disagreement` compares the phrases of sentences about the same thing from different
articles ("52.7 percent" in one, "53 percent" in another) and says so, citing both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.types import Citation, ScoredSentence
from qa.when import day_label, reported_on
from qa.words import (
    FUNCTION_WORDS,
    NUMBER_WORDS,
    content_words,
    question_names,
    question_type,
    stem,
)

_SCALE = r"(?:hundred|thousand|million|billion|trillion|[mb]n)"
_UNIT = (
    r"(?:%|percent|per cent|percentage points?|degrees?(?: (?:Celsius|Fahrenheit))?|°\s?[CF]|"
    r"[CF]\b|km|kilometers?|kilometres?|miles?|meters?|metres?|feet|foot|inches|pounds|kg|"
    r"kilograms?|tons?|tonnes?|years?|months?|weeks?|days?|hours?|minutes?|seconds?|"
    r"people|votes|seats|points|dollars|euros|acres|hectares|(?:cubic|square) (?:metres|meters|"
    r"feet|miles|kilometres|kilometers)|litres|liters|gallons|barrels)"
)
_NUMBER_WORD = (
    r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|"
    r"fifty|sixty|seventy|eighty|ninety|a dozen|dozens|hundreds|thousands|millions|half)"
)
NUMBER_PHRASE = re.compile(
    rf"(?:(?:about|around|nearly|almost|more than|over|at least|some|up to|roughly)\s+)?"
    rf"(?:[$€£¥]\s?)?(?:\d[\d,]*(?:\.\d+)?|{_NUMBER_WORD}\b)"
    rf"(?:[\s-]{_SCALE}\b)?(?:\s?{_UNIT})?",
    re.IGNORECASE,
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
DATE_PHRASE = re.compile(
    rf"\b(?:(?:{_WEEKDAY},?\s+)?{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?"
    rf"|\d{{1,2}}\s+{_MONTH}(?:\s+(?:19|20)\d\d)?"
    rf"|{_MONTH}\s+(?:19|20)\d\d"
    rf"|{_WEEKDAY}"
    rf"|(?:19|20)\d\d)\b"
)
# A name: capitalised words, possibly joined by "of", "de", "the", "van", "al-"...
NAME_PHRASE = re.compile(
    r"\b[A-Z][\w'’.-]*[\w]"
    r"(?:\s+(?:(?:of|de|del|da|van|von|der|la|le|al|bin|the|and)\s+)?[A-Z][\w'’.-]*[\w])*"
)
_ASKS_NAME = re.compile(
    r"^\s*(?:who|whom|whose|where|which|what (?:is|was) the name|name the)\b"
    r"|\b(?:which|what) (?:company|country|city|state|team|person|group|party|firm|agency|"
    r"organi[sz]ation|brand|app|film|movie|show|song|book|airline|club|nation|league)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Disagreement:
    """Two chosen sentences (by position) that give different answers to the question."""

    first: int
    second: int
    first_phrase: str
    second_phrase: str

    def sentence(self, citations: Sequence[Citation]) -> str:
        """The note added to an answer whose citations are ``citations``, citing both. When
        the two were reported on different days (``Citation.as_of``), the latest comes first,
        named as the latest: "The latest report: 1,500 people as of 25 Jul 2026 (The Valley
        Courier) [2]; an earlier report said about 1,200 (Coastal Wire, 24 Jul 2026) [1]."."""
        a, b = citations[self.first], citations[self.second]
        day_a, day_b = a.as_of, b.as_of
        if day_a is not None and day_b is not None and day_a != day_b:
            (new, new_phrase, new_day), (old, old_phrase, old_day) = sorted(
                [(a, self.first_phrase, day_a), (b, self.second_phrase, day_b)],
                key=lambda side: side[2],
                reverse=True,
            )
            return (
                f"The latest report: {_inline(new_phrase)} as of {day_label(new_day)} "
                f"({new.source or new.title}) [{new.n}]; an earlier report said "
                f"{_inline(old_phrase)} ({old.source or old.title}, {day_label(old_day)}) "
                f"[{old.n}]."
            )

        def side(c: Citation, phrase: str) -> str:
            when = f", {c.published_at}" if c.published_at else ""
            return f"{phrase} ({c.source or c.title}{when}) [{c.n}]"

        return (
            "The sources differ on this: "
            f"{side(a, self.first_phrase)} and {side(b, self.second_phrase)}."
        )


_HEDGES = frozenset(
    "about around nearly almost more over some roughly approximately at up just fewer less "
    "under close".split()
)


def _inline(phrase: str) -> str:
    """An answer phrase inside a note: "About 1,200" taken from a sentence's start reads
    "about 1,200"."""
    first = phrase.split(" ", 1)[0]
    return phrase[0].lower() + phrase[1:] if first.lower() in _HEDGES else phrase


def phrase_kind(question: str) -> str | None:
    """``number``, ``date`` or ``name`` when the question asks for one; else ``None``."""
    kind = question_type(question)
    if kind in ("number", "date"):
        return kind
    return "name" if _ASKS_NAME.search(question) else None


def find_phrase(question: str, sentence: str, context: str = "") -> tuple[int, int] | None:
    """Offsets in ``sentence`` of the short phrase answering ``question``, or ``None``.

    ``context`` (the passage around the sentence) tells a name from a word that only has a
    capital because it starts the sentence: "Beachgoers" is a name unless "beachgoers"
    appears in lower case there.

    >>> s = "Lena Marovic won the runoff with 52.7 percent of the vote."
    >>> find_phrase("What percentage of the vote did Marovic win?", s)
    (33, 45)
    >>> find_phrase("Who won the runoff?", s)
    (0, 12)
    """
    kind = phrase_kind(question)
    if kind is None:
        return None
    asked = set(content_words(question)) | question_names(question)
    lower = set(re.findall(r"\b[a-z][\w'’-]*", f"{sentence} {context}"))
    anchors = [m.span() for m in _WORD.finditer(sentence) if _stem_of(m.group(0)) in asked]
    found: list[tuple[tuple[bool, int, int], tuple[int, int]]] = []
    for match in _candidates(kind, sentence):
        start, text = match.start(), match.group(0)
        if kind == "name":
            start, text = _trim_name(start, text, asked)
            if text.isupper() or _is_date(text):  # "WASHINGTON (AP) —" is a dateline
                continue
            initial = _sentence_initial(sentence, start)
            if " " not in text and initial and text.lower() in lower | _LEADING:
                continue  # "Several", "Meanwhile": capitalised only where a sentence starts
        words = [w for w in content_words(text) if w not in FUNCTION_WORDS]
        if not words or all(w in asked for w in words):
            continue
        if kind == "number" and not _has_number(text):
            continue
        end = start + len(text)
        # Rank: a phrase sharing no word with the question ("Valley Regional Rail" does,
        # asked about the rail dispute), then the one nearest the question's words, then
        # the first.
        distance = min((max(s - end, start - e, 0) for s, e in anchors), default=0)
        if kind == "date" and _year_as_adjective(text, sentence[end:]):
            continue  # "the 1994 constitution" says nothing of when
        if kind == "number":
            if not measures(question, text, sentence[end : end + 25]):
                continue  # asked how many people, this counts days
            end += _counted_noun(question, sentence[end:])
        found.append(((any(w in asked for w in words), distance, start), (start, end)))
    return min(found)[1] if found else None


# Sums and spans of time: what "how much did it cost" and "how many days" count
_MONEY_WORDS = "$ € £ ¥ dollars dollar euros euro pounds pound yen yuan rupees rupee"
_TIME_WORDS = "second seconds minute minutes hour hours day days week weeks month months year years"
_MONEY = re.compile(
    r"[$£€¥]|\b(?:" + "|".join(w for w in _MONEY_WORDS.split() if w.isalpha()) + r")\b"
)
_DURATION = re.compile(r"\b(?:" + "|".join(_TIME_WORDS.split()) + r")\b")

# What "how many people" / "how large an area" counts, and the words that count it.
_MEASURES = (
    (
        re.compile(
            r"\bhow many (?:(?!(?:seconds|minutes|hours|days|weeks|months|years|times|did|do|"
            r"does|were|was|are|is|have|has|had)\b)[a-z-]+\s+){0,2}"
            r"(?:people|residents|workers|employees|staff|members|"
            r"migrants|passengers|drivers|voters|students|children|families|households)\b"
        ),
        "people residents workers employees staff members migrants passengers drivers "
        "households families persons children adults students voters jobs",
    ),
    (
        re.compile(r"\b(?:how (?:large|big)|what size)\b.*\barea\b|\bhow many (?:acres|hectares)"),
        "hectares acres square km miles",
    ),
    (re.compile(r"\bhow (?:hot|cold)\b|\btemperature\b"), "degrees °c °f c f celsius fahrenheit"),
    (re.compile(r"\bhow (?:much|many) (?:money|dollars)|\bcost\b|\bprice\b"), _MONEY_WORDS),
    (re.compile(r"\bhow many (?:seconds|minutes|hours|days|weeks|months|years)\b"), _TIME_WORDS),
)


def _counted_noun(question: str, after: str) -> int:
    """The length of " passengers" when the question asks "how many passengers" and that word
    follows the number; else 0."""
    asked = re.search(r"\bhow many (\w+)", question, re.IGNORECASE)
    noun = re.match(r"\s+(?:[\w-]+\s+)?(\w+)", after)
    if asked and noun and _stem_of(noun.group(1)) == _stem_of(asked.group(1)):
        return noun.end()
    return 0


def measures(question: str, phrase: str, after: str) -> bool:
    """Whether a number phrase counts what the question asks for (true when the question
    asks for nothing in particular)."""
    for pattern, units in _MEASURES:
        if pattern.search(question.lower()):
            if "$" not in units and _MONEY.search(phrase.lower()):
                return False  # "£115,000 a year" counts no days, nor people
            said = f"{phrase} {after}".lower()
            words = set(re.findall(r"[a-z°]+", said))  # "passengers," is "passengers"
            return any(u in words or (len(u) == 1 and u in said) for u in units.split())
    return True


_WORD = re.compile(r"[\w'’-]+")


def _stem_of(word: str) -> str:
    return stem(word.lower().replace("’", "'").removesuffix("'s"))


# Small words that start a capitalised run without being part of the name in it.
_LEADING = frozenset(
    "the a an in on at of for by and but after before as from with to when while since "
    "during under meanwhile however officials police".split()
)


def _trim_name(start: int, text: str, asked: set[str]) -> tuple[int, str]:
    """ "In October" -> "October"; "Prime Minister Rishi Sunak" (asked who the prime minister
    is) -> "Rishi Sunak"; "Elon Musk's" -> "Elon Musk"."""
    while " " in text:
        head, rest = text.split(" ", 1)
        said = set(content_words(head))
        if head.lower() not in _LEADING and not (said and said <= asked):
            break
        text, start = rest, start + len(head) + 1
    return start, re.sub(r"['’]s?$", "", text)


def _candidates(kind: str, sentence: str) -> list[re.Match[str]]:
    if kind == "number":
        # a date's day or year is not the number asked for
        dates = [m.span() for m in DATE_PHRASE.finditer(sentence)]
        return [
            m
            for m in NUMBER_PHRASE.finditer(sentence)
            if not any(s <= m.start() < e for s, e in dates)
        ]
    if kind == "date":
        return sorted(DATE_PHRASE.finditer(sentence), key=lambda m: (-len(m.group(0)), m.start()))
    return list(NAME_PHRASE.finditer(sentence))


def _year_as_adjective(text: str, after: str) -> bool:
    """A bare year that qualifies the noun after it ("the 1994 constitution")."""
    following = re.match(r"\s+([a-z]+)", after)
    return bool(
        re.fullmatch(r"(?:19|20)\d\d", text)
        and following
        and following.group(1) not in _LEADING | {"or", "until", "through", "when", "onwards"}
    )


def _is_date(text: str) -> bool:
    return bool(DATE_PHRASE.fullmatch(text) or re.fullmatch(_MONTH, text))


def _has_number(text: str) -> bool:
    return any(ch.isdigit() for ch in text) or any(
        stem(w) in NUMBER_WORDS or w in ("dozen", "half") for w in text.lower().split()
    )


def _sentence_initial(sentence: str, start: int) -> bool:
    before = sentence[:start].rstrip()
    return not before or before[-1] in '.?!:"“—–-' or before.endswith("(AP)")


_HEDGE = re.compile(r"\b(?:about|around|nearly|almost|more than|over|at least|some|up to)\s+")


def normalise_phrase(text: str) -> str:
    """A phrase folded for comparison: "$4.3 billion" and "$4.3bn" meet; "53%" and
    "53 percent" meet."""
    folded = text.lower().replace(",", "").replace("per cent", "percent").replace("%", " percent")
    folded = _HEDGE.sub("", folded)
    folded = re.sub(r"(\d)\s*bn\b", r"\1 billion", folded)
    folded = re.sub(r"(\d)\s*mn\b", r"\1 million", folded)
    return " ".join(folded.split())


def disagreement(question: str, chosen: Sequence[ScoredSentence]) -> Disagreement | None:
    """The first pair of ``chosen`` sentences, from different articles, that say the same
    thing (most content words shared, the phrases left out) with different answer phrases;
    ``None`` when they agree. Only for questions that ask for a number, a date or a name."""
    if phrase_kind(question) is None:
        return None
    found = []
    for i, s in enumerate(chosen):
        span = find_phrase(question, s.text, s.passage.text)
        if span is not None:
            found.append((i, s, s.text[span[0] : span[1]]))
    for pos, (i, a, phrase_a) in enumerate(found):
        for j, b, phrase_b in found[pos + 1 :]:
            if (
                _same_article(a, b)
                or _same_value(phrase_a, phrase_b)
                or not _comparable(phrase_a, phrase_b)
                or not _same_time(a, b)
            ):
                continue
            if _same_subject(a.text, phrase_a, b.text, phrase_b) and _both_answer(question, a, b):
                return Disagreement(i, j, phrase_a, phrase_b)
    return None


def latest_first(
    chosen: Sequence[ScoredSentence], conflict: Disagreement, lead: str | None
) -> tuple[list[ScoredSentence], Disagreement, tuple[int, int] | None]:
    """``chosen`` with the later report of ``conflict`` first, when the answer would lead
    with the earlier one (a death toll that rose: the answer leads with the latest figure,
    and its note names the earlier one), and where the short answer sits in it; unchanged
    (and ``None``) when the two share a day, either is undated, or the short answer ``lead``
    is not the earlier report's figure."""
    old, new = chosen[conflict.first], chosen[conflict.second]
    day_old = reported_on(old.text, old.passage.published)
    day_new = reported_on(new.text, new.passage.published)
    if conflict.first != 0 or day_old is None or day_new is None or day_new <= day_old:
        return list(chosen), conflict, None
    if lead is not None and not _same_value(lead, conflict.first_phrase):
        return list(chosen), conflict, None
    at = find_folded(new.text, conflict.second_phrase)
    if at is None and lead is not None:  # its figure cannot be placed: keep the order
        return list(chosen), conflict, None
    order = [new, *(s for s in chosen if s is not new)]
    swapped = Disagreement(0, order.index(old), conflict.second_phrase, conflict.first_phrase)
    return order, swapped, at


def find_folded(sentence: str, phrase: str) -> tuple[int, int] | None:
    """Offsets of ``phrase`` in ``sentence``, ignoring case; ``None`` when it is not there."""
    # (whole words only where the phrase starts or ends with one: "$4.6 billion" is in
    # "HK$4.6 billion")
    before = r"(?<!\w)" if phrase[:1].isalnum() else ""
    after = r"(?!\w)" if phrase[-1:].isalnum() else ""
    found = re.search(rf"{before}{re.escape(phrase)}{after}", sentence, re.IGNORECASE)
    return found.span() if found else None


def counterpart(
    question: str,
    chosen: Sequence[ScoredSentence],
    scored: Sequence[ScoredSentence],
    margin: float,
) -> ScoredSentence | None:
    """A sentence of ``scored``, within ``margin`` of the best chosen one, from another
    article, that gives a different answer than the first chosen sentence that gives one,
    about the same thing."""
    if not chosen or phrase_kind(question) is None:
        return None
    anchors = [(s, find_phrase(question, s.text, s.passage.text)) for s in chosen]
    best, span = next(((s, p) for s, p in anchors if p is not None), (chosen[0], None))
    if span is None:
        return None
    phrase = best.text[span[0] : span[1]]
    floor = chosen[0].score - margin
    for candidate in scored:
        if candidate.score < floor:
            break
        if candidate in chosen or _same_article(best, candidate) or not _same_time(best, candidate):
            continue
        other = find_phrase(question, candidate.text, candidate.passage.text)
        if other is None:
            continue
        other_phrase = candidate.text[other[0] : other[1]]
        if (
            not _same_value(phrase, other_phrase)
            and _comparable(phrase, other_phrase)
            and _same_subject(best.text, phrase, candidate.text, other_phrase)
            and _both_answer(question, best, candidate)
        ):
            return candidate
    return None


def _same_article(a: ScoredSentence, b: ScoredSentence) -> bool:
    copies_a = {a.passage.article_id, *a.passage.copies}
    return bool(copies_a & {b.passage.article_id, *b.passage.copies})


def _comparable(a: str, b: str) -> bool:
    """Whether two phrases are the same kind of answer: figures with figures ("52.7
    percent" and "two" are not), shares with shares, sums with sums, spans of time with
    spans of time ("45 days" and "up to £115,000" are not)."""

    def kind(text: str) -> tuple[bool, bool, bool, bool]:
        folded = normalise_phrase(text)
        return (
            any(ch.isdigit() for ch in folded),
            "percent" in folded,
            bool(_MONEY.search(folded)),  # "£115,000" is no number of days
            bool(_DURATION.search(folded)),
        )

    if not any(ch.isdigit() for ch in a + b) and (" " not in a or " " not in b):
        return False  # names: only full names ("Lena Marovic"), one word is too often not one
    return kind(a) == kind(b)


def _both_answer(question: str, a: ScoredSentence, b: ScoredSentence) -> bool:
    """Whether both sentences speak to the question alike: each holds some of its content
    words, and neither holds much more of them than the other (a head count is no answer to
    "how many were laid off")."""
    asked = set(content_words(question))
    if not asked:
        return False
    cover_a = len(asked & set(content_words(a.text))) / len(asked)
    cover_b = len(asked & set(content_words(b.text))) / len(asked)
    return min(cover_a, cover_b) >= 0.3 and abs(cover_a - cover_b) <= 0.25


def _same_time(a: ScoredSentence, b: ScoredSentence, days: int = 7) -> bool:
    """Whether two sentences' articles appeared within ``days`` of each other (reports
    years apart are about different events, not in disagreement)."""
    da, db = a.passage.published, b.passage.published
    if not da or not db:
        return True
    return abs((da - db).days) <= days


def _same_subject(a: str, phrase_a: str, b: str, phrase_b: str, min_overlap: float = 0.5) -> bool:
    """Whether two sentences say the same thing but for their answer phrases: at least four
    content words in common, and most of the shorter one's."""
    rest_a = set(content_words(a.replace(phrase_a, " ")))
    rest_b = set(content_words(b.replace(phrase_b, " ")))
    shared = len(rest_a & rest_b)
    return shared >= 4 and shared / min(len(rest_a), len(rest_b)) >= min_overlap


def _same_value(a: str, b: str) -> bool:
    """Whether two phrases give the same answer ("Lena Marovic" and "Marovic" do)."""
    na, nb = normalise_phrase(a), normalise_phrase(b)
    if na == nb or na in nb or nb in na:
        return True
    numbers_a, numbers_b = re.findall(r"\d+(?:\.\d+)?", na), re.findall(r"\d+(?:\.\d+)?", nb)
    if numbers_a and numbers_b:
        return numbers_a == numbers_b
    wa, wb = set(content_words(a)), set(content_words(b))
    return bool(wa & wb)
